import Foundation
import Testing
import TestSupport
import Tensors
import NeuralNet
import FileFormats
@testable import Commands

@Suite struct PredictCommandTests {
    /// The Keras fixtures live with the FileFormats tests.
    func kerasFixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FileFormatsTests/Fixtures/\(name)").path
    }

    struct KerasPredictions: Decodable { let inputShape: [Int]; let input: [Double]; let keras3: [Double] }

    @Test func predictsKerasPatchesAndWritesNpyFiles() throws {
        let expected = try JSONDecoder().decode(KerasPredictions.self,
                                                from: Data(contentsOf: URL(fileURLWithPath: kerasFixture("keras_cao_predictions.json"))))
        let dir = try makeTemporaryDirectory("hsiflow-predict")
        let patches = dir.appendingPathComponent("patches.npy").path
        try Npy.write(NumericArray(float32: expected.input.map { Float($0) }, shape: expected.inputShape), to: patches)
        let out = dir.appendingPathComponent("pred.npy").path
        var command = try PredictCommand.parse([kerasFixture("keras3_cao.h5"), patches, "--out", out, "--batch", "4"])
        try command.run()
        let probabilities = try Npy.read(path: dir.appendingPathComponent("pred.probabilities.npy").path)
        #expect(probabilities.shape == [expected.inputShape[0], 9])
        #expect(maxAbsDifference(probabilities.floats(), expected.keras3) < 1e-4)
        let classes = try Npy.read(path: out)
        let keras = Tensor(shape: [expected.inputShape[0], 9], scalars: expected.keras3.map { Float($0) }).argmaxRows()
        #expect(classes.elementType == .int32)
        #expect(classes.doubles().map { Int($0) } == keras)
    }

    @Test func predictsAClassMapForAWholeCube() throws {
        let dir = try makeTemporaryDirectory("hsiflow-predict")
        let cubePath = dir.appendingPathComponent("cube.npy").path
        let cube = seededTensor([7, 6, 8], seed: 4)
        try Npy.write(NumericArray(float32: cube.scalars, shape: cube.shape), to: cubePath)
        let result = try Prediction.run(modelPath: kerasFixture("keras3_cao.h5"), inputPath: cubePath, patch: nil, batchSize: 10)
        #expect(result.classShape == [7, 6])
        #expect(result.probabilityShape == [7, 6, 9])
        #expect(result.classes.allSatisfy { (1...9).contains($0) })
        #expect(result.classCounts.reduce(0) { $0 + $1.count } == 42)
        #expect(Prediction.probabilitiesPath(for: "/a/b.npy") == "/a/b.probabilities.npy")
    }

    @Test func mismatchedInputsAreUserErrors() throws {
        let dir = try makeTemporaryDirectory("hsiflow-predict")
        let wrongBands = dir.appendingPathComponent("cube.npy").path
        try Npy.write(NumericArray(float32: seededTensor([7, 6, 3], seed: 4).scalars, shape: [7, 6, 3]), to: wrongBands)
        #expect(throws: UserInputError.self) {
            try Prediction.run(modelPath: kerasFixture("keras3_cao.h5"), inputPath: wrongBands, patch: nil, batchSize: 10)
        }
        #expect(throws: UserInputError.self) {
            try Prediction.run(modelPath: kerasFixture("keras3_cao.h5"), inputPath: wrongBands, patch: 3, batchSize: 10)
        }
        #expect(throws: UserInputError.self) {
            try Prediction.run(modelPath: dir.appendingPathComponent("missing.h5").path, inputPath: wrongBands, patch: nil, batchSize: 10)
        }
        #expect(throws: (any Error).self) { try PredictCommand.parse(["m.h5", "x.npy", "--patch", "4"]) }
    }
}
