// Model files: exact round trips of HSIFlow models, Keras 3 and Keras 2 files made by
// reference/keras_model_fixtures.py reproduced to 1e-4, and damaged files reported, not crashed on.
import Foundation
import Testing
import TestSupport
import Tensors
import NeuralNet
@testable import FileFormats

@Suite struct ModelFileTests {
    struct KerasPredictions: Decodable {
        let inputShape: [Int]
        let input: [Double]
        let keras3: [Double]
        let keras2: [Double]
    }

    func fixture(_ name: String) -> String { fixturesDirectory().appendingPathComponent(name).path }

    @Test func roundTripIsExactForEveryLayerKind() throws {
        let spec = ModelSpec(name: "every-kind", layers: [
            .conv2D(filters: 6, kernel: [3, 3], padding: .same, activation: .relu, name: "c1"),
            .maxPool2D(pool: [2, 2], name: "pool"),
            .conv2D(filters: 4, kernel: [2, 1], padding: .valid, activation: .linear, name: "c2"),
            .activation(.relu, name: "act"),
            .flatten(name: "flat"),
            .dropout(rate: 0.25, name: "drop"),
            .dense(units: 7, name: "d1"),
            .dense(units: 3, activation: .softmax, name: "out"),
        ])
        var model = try spec.build(inputShape: [6, 6, 5], seed: 11)
        // Non-zero biases so a swapped kernel/bias would show.
        for i in model.layers.indices where !model.layers[i].parameters.isEmpty {
            var w = model.layers[i].parameters
            w[1] = seededTensor(w[1].shape, seed: UInt64(i))
            try model.layers[i].setParameters(w)
        }
        let dir = try makeTemporaryDirectory("hsiflow-model")
        let path = dir.appendingPathComponent("model.h5").path
        try ModelFile.save(model, to: path)
        // For reference/check_keras_load.py: keep a copy where HSIFLOW_KEEP_MODEL says.
        if let keep = ProcessInfo.processInfo.environment["HSIFLOW_KEEP_MODEL"], !keep.isEmpty {
            try ModelFile.save(model, to: keep)
        }
        let loaded = try ModelFile.load(path: path)
        #expect(loaded.model.spec.layers == model.spec.layers)
        #expect(loaded.model.inputShape == [6, 6, 5])
        #expect(loaded.model.weights == model.weights)
        #expect(loaded.kerasVersion == ModelFile.writtenKerasVersion)
        #expect(loaded.hsiflowVersion == ModelFile.hsiflowVersion)
        #expect(!loaded.hasOptimizerWeights)
        var reloaded = loaded.model
        let x = seededTensor([3, 6, 6, 5], seed: 2)
        #expect(reloaded.forward(x) == model.forward(x))
        #expect(try !FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasPrefix(".") })
    }

    @Test func caoRoundTripWritesKeras3Layout() throws {
        let model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 10], seed: 3)
        let path = try makeTemporaryDirectory("hsiflow-model").appendingPathComponent("cao.h5").path
        try ModelFile.save(model, to: path)
        let loaded = try ModelFile.load(path: path)
        #expect(loaded.model.weights == model.weights)
        #expect(loaded.model.name == "cao")
        // The Keras 3 weight path, read back through libhdf5 directly.
        let names = try NativeLibraries.serialized { () throws(FileFormatsError) -> [String]? in
            let h5 = try HDF5File.open(path)
            let group = try h5.openGroup(h5.file, "model_weights/conv1")
            _ = try h5.floats(group, "cao/conv1/kernel")
            return try h5.strings(group, "weight_names")
        }
        #expect(names == ["cao/conv1/kernel", "cao/conv1/bias"])
    }

    @Test func savingTheSameModelTwiceGivesIdenticalBytes() throws {
        // Byte-identical files let the engine's early cutoff keep a retrained stage's dependents cached.
        let model = try ModelSpec.cao(classes: 4).build(inputShape: [5, 5, 6], seed: 5)
        let dir = try makeTemporaryDirectory("hsiflow-model")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.h5").path, b = dir.appendingPathComponent("b.h5").path
        try ModelFile.save(model, to: a)
        Thread.sleep(forTimeInterval: 1.1) // HDF5 timestamps have one-second resolution
        try ModelFile.save(model, to: b)
        let bytesA = try #require(FileManager.default.contents(atPath: a))
        let bytesB = try #require(FileManager.default.contents(atPath: b))
        #expect(bytesA == bytesB)
    }

    @Test func encodingInMemoryGivesTheBytesFilesHadBefore() throws {
        // hsiflow_small.h5 is the `train` output of a tiny synthetic experiment written by the
        // temporary-file writer this encoder replaced (commit 8700beb). Same model, same bytes:
        // a stage's key keeps naming the bytes it made before.
        let before = try Data(contentsOf: URL(fileURLWithPath: fixture("hsiflow_small.h5")))
        let loaded = try ModelFile.decode(before, source: "hsiflow_small.h5")
        #expect(loaded.hsiflowVersion == ModelFile.hsiflowVersion)
        #expect(try ModelFile.encode(loaded.model) == before)
        #expect(try ModelFile.load(path: fixture("hsiflow_small.h5")).model.layers.map(\.parameters) == loaded.model.layers.map(\.parameters))
        // A file is exactly the encoded bytes.
        let dir = try makeTemporaryDirectory("hsiflow-model")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("again.h5").path
        try ModelFile.save(loaded.model, to: path)
        #expect(FileManager.default.contents(atPath: path) == before)
    }

    @Test func decodingBytesThatAreNotAModelFileSaysSo() throws {
        #expect(throws: FileFormatsError.self) { try ModelFile.decode(Data(), source: "empty") }
        #expect(throws: FileFormatsError.self) { try ModelFile.decode(Data("not hdf5".utf8), source: "text") }
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixture("hsiflow_small.h5")))
        #expect(throws: FileFormatsError.self) { try ModelFile.decode(whole.prefix(whole.count / 2), source: "half") }
    }

    @Test(arguments: ["keras3", "keras2"])
    func kerasSavedModelsReproduceKerasPredictions(generation: String) throws {
        let expected = try JSONDecoder().decode(KerasPredictions.self,
                                                from: Data(contentsOf: URL(fileURLWithPath: fixture("keras_cao_predictions.json"))))
        let loaded = try ModelFile.load(path: fixture("\(generation)_cao.h5"))
        var model = loaded.model
        #expect(model.layers.map(\.name) == ["conv1", "conv2", "flatten", "dense1", "dense2", "predictions"])
        #expect(model.inputShape == [5, 5, 8])
        #expect(loaded.hasOptimizerWeights)
        #expect(loaded.kerasVersion?.hasPrefix(generation == "keras3" ? "3." : "2.") == true)
        let x = Tensor(shape: expected.inputShape, scalars: expected.input.map { Float($0) })
        let y = model.forward(x)
        let reference = generation == "keras3" ? expected.keras3 : expected.keras2
        #expect(maxAbsDifference(y.scalars, reference) < 1e-4)
    }

    @Test(arguments: [
        ("model_bad_layer.h5", "LSTM"),
        ("model_bad_shape.h5", "shape"),
        ("model_missing_weight.h5", "missing"),
        ("model_no_config.h5", "model_config"),
        ("mat_v73_cube.mat", "model_config"),
        ("npy_f4_c_le.npy", "not an HDF5 file"),
    ])
    func damagedOrForeignFilesAreClearErrors(name: String, fragment: String) {
        do {
            _ = try ModelFile.load(path: fixture(name))
            Issue.record("\(name) loaded although it is not a valid model")
        } catch {
            #expect(error.description.contains(fragment), "\(error.description)")
            #expect(error.description.contains(name))
        }
    }

    @Test func truncatedAndMissingFilesAreClearErrors() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("keras3_cao.h5")))
        let dir = try makeTemporaryDirectory("hsiflow-model")
        for fraction in [0.05, 0.5, 0.9] {
            let path = dir.appendingPathComponent("truncated-\(fraction).h5").path
            try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: URL(fileURLWithPath: path))
            #expect(throws: FileFormatsError.self) { try ModelFile.load(path: path) }
        }
        #expect(throws: FileFormatsError.unreadable(path: "/nonexistent/model.h5", reason: "no such file")) {
            try ModelFile.load(path: "/nonexistent/model.h5")
        }
        #expect(throws: FileFormatsError.self) { try ModelFile.load(path: dir.path) }
    }
}
