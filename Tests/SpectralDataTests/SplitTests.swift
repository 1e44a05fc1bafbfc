import Testing
import TestSupport
@testable import SpectralData

@Suite struct SplitTests {
    @Test func stratifiedSplitCoversEveryLabelledPixelOnce() throws {
        let (_, truth) = tinyScene()
        let split = try Split.stratified(truth, trainFraction: 0.5, seed: 41)
        for i in truth.labels.indices {
            let inTrain = split.train.labels[i] > 0, inTest = split.test.labels[i] > 0
            #expect(!(inTrain && inTest))
            #expect((inTrain || inTest) == (truth.labels[i] > 0))
            if inTrain { #expect(split.train.labels[i] == truth.labels[i]) }
            if inTest { #expect(split.test.labels[i] == truth.labels[i]) }
        }
    }

    @Test func everyClassIsSplitByTheFraction() throws {
        let (_, truth) = tinyScene(height: 40, width: 40)
        let split = try Split.stratified(truth, trainFraction: 0.3, seed: 1)
        let total = truth.classCounts, train = split.train.classCounts
        for label in 1..<total.count where total[label] > 0 {
            let expected = (0.3 * Double(total[label])).rounded()
            #expect(abs(Double(train[label]) - expected) <= 1, "class \(label)")
        }
    }

    @Test func sameSeedSameSplitOtherSeedOtherSplit() throws {
        let (_, truth) = tinyScene()
        let a = try Split.stratified(truth, trainFraction: 0.5, seed: 41)
        let b = try Split.stratified(truth, trainFraction: 0.5, seed: 41)
        let c = try Split.stratified(truth, trainFraction: 0.5, seed: 42)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func smallClassesKeepOnePixelOnEachSide() throws {
        let truth = try LabelMap(height: 1, width: 5, labels: [1, 1, 2, 2, 2])
        let split = try Split.stratified(truth, trainFraction: 0.05, seed: 3)
        #expect(split.train.classCounts[1] == 1 && split.test.classCounts[1] == 1)
        #expect(split.train.classCounts[2] == 1 && split.test.classCounts[2] == 2)
    }

    @Test func overlappingExplicitMapsAreRefused() throws {
        let train = try LabelMap(height: 1, width: 3, labels: [1, 0, 2])
        let test = try LabelMap(height: 1, width: 3, labels: [0, 1, 2])
        #expect(throws: SpectralDataError.self) { try Split(train: train, test: test) }
        let other = try LabelMap(height: 3, width: 1, labels: [0, 1, 0])
        #expect(throws: SpectralDataError.self) { try Split(train: train, test: other) }
    }

    @Test func fractionsOutsideZeroOneAreRefused() throws {
        let (_, truth) = tinyScene()
        #expect(throws: SpectralDataError.self) { try Split.stratified(truth, trainFraction: 1.0, seed: 1) }
        #expect(throws: SpectralDataError.self) { try Split.stratified(truth, trainFraction: 0, seed: 1) }
    }
}
