// The real Indian Pines files (HSIFLOW_DATA): both formats decode to the published arrays.
import Foundation
import SpectralData
import Testing
import TestSupport
@testable import FileFormats

@Suite(.enabled(if: realDataDirectory() != nil, "HSIFLOW_DATA is not set or has no indian_pines/: real-data tests skipped"))
struct RealDataTests {
    let directory = realDataDirectory()?.path ?? ""
    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    @Test(arguments: ["Indian_pines_corrected.mat", "Indian_pines_corrected.npy"])
    func cubeDecodesToThePublishedArray(_ name: String) throws {
        let loaded = try ArrayFile.read(path: path(name), rank: 3)
        #expect(loaded.array.shape == [145, 145, 200])
        #expect(loaded.array.elementType == .uint16)
        let range = try #require(loaded.array.range)
        #expect(range.min == 955 && range.max == 9604)
        #expect(loaded.array.sha256 == IndianPines.cubeSHA256)
        #expect(IndianPines.mismatch(cube: loaded.array) == nil)
        let cube = try loaded.array.cube(source: name)
        #expect(cube.height == 145 && cube.width == 145 && cube.bands == 200)
    }

    @Test(arguments: ["Indian_pines_gt.mat", "Indian_pines_gt.npy"])
    func groundTruthHasThePublishedClassCounts(_ name: String) throws {
        let loaded = try ArrayFile.read(path: path(name), rank: 2)
        #expect(IndianPines.mismatch(labels: loaded.array) == nil)
        let labels = try loaded.array.labelMap(source: name)
        let counts = labels.classCounts
        #expect(Array(counts.dropFirst()) == [46, 1428, 830, 237, 483, 730, 28, 478, 20, 972, 2455, 593, 205, 1265, 386, 93])
    }

    @Test func originalSplitMapsDoNotOverlap() throws {
        let train = try ArrayFile.loadLabelMap(path: path("train_data.npy"))
        let test = try ArrayFile.loadLabelMap(path: path("test_data.npy"))
        let split = try Split(train: train, test: test)
        #expect(split.train.labelledCount > 0 && split.test.labelledCount > 0)
        #expect(split.train.labelledCount + split.test.labelledCount <= 145 * 145)
    }

    @Test func studyClassesKeepNinetyOneHundredFortyTwoPixels() throws {
        let labels = try ArrayFile.loadLabelMap(path: path("Indian_pines_gt.mat"))
        let kept = try labels.keeping(classes: IndianPines.studyClasses)
        #expect(kept.labelledCount == 9142)
        #expect(kept.maxLabel == 9)
    }
}
