// LiteRTInteropTests: HSIFlow's .tflite files run in LiteRT (ai-edge-litert, in a venv outside the
// repository whose python HSIFLOW_LITERT_PYTHON names; .ci/run makes it) through
// reference/litert_run.py. Float files must agree with HSIFlow's own forward pass (argmax ≥ 0.999,
// max |Δp| ≤ 1e-4); int8 files with TFLite's own dynamic-range conversion of the same Keras model
// (argmax ≥ 0.99; fixtures from reference/tflite_reference.py). Skipped, saying so, without the venv.
import Compression
import FileFormats
import Foundation
import NeuralNet
import Tensors
import TestSupport
import Testing
import TFLite

/// LiteRT runs of tensors (through TestSupport's LiteRTRunner).
enum LiteRT {
    /// LiteRT's outputs for `inputs` through the model in `tflite` (bytes written to a temporary file).
    static func outputs(of tflite: [UInt8], _ inputs: Tensor, in dir: URL, name: String) throws -> Tensor {
        let model = dir.appendingPathComponent("\(name).tflite")
        try Data(tflite).write(to: model)
        return try outputs(ofFile: model.path, inputs, in: dir, name: name)
    }

    static func outputs(ofFile model: String, _ inputs: Tensor, in dir: URL, name: String) throws -> Tensor {
        let (x, y) = (dir.appendingPathComponent("\(name)-x.npy").path, dir.appendingPathComponent("\(name)-y.npy").path)
        try Npy.write(NumericArray(float32: inputs.scalars, shape: inputs.shape), to: x)
        let status = try LiteRTRunner.runModel(model, inputs: x, outputs: y)
        try #require(status == 0, "LiteRT failed on \(name)")
        let out = try Npy.read(path: y)
        return Tensor(shape: out.shape, scalars: out.floats())
    }
}

/// Fraction of rows whose argmax agrees.
func argmaxAgreement(_ a: Tensor, _ b: Tensor) -> Double {
    let (x, y) = (a.argmaxRows(), b.argmaxRows())
    guard x.count == y.count, !x.isEmpty else { return 0 }
    return Double(zip(x, y).filter { $0 == $1 }.count) / Double(x.count)
}

@Suite(.serialized, .enabled(if: LiteRTRunner.python != nil, Comment(rawValue: LiteRTRunner.skipReason)))
struct LiteRTInteropTests {
    /// Patches drawn around class means (the reference script's recipe), so a trained model is confident.
    static func patches(count: Int, means: [[Float]], noise: Float, seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        let bands = means[0].count
        var x: [Float] = []
        x.reserveCapacity(count * 25 * bands)
        for _ in 0..<count {
            let m = means[rng.index(below: means.count)]
            for _ in 0..<25 { for b in 0..<bands { x.append(m[b] + noise * Float(rng.normal())) } }
        }
        return Tensor(shape: [count, 5, 5, bands], scalars: x)
    }

    static func kerasFixture() throws -> (model: Sequential, means: [[Float]]) {
        let dir = fixturesDirectory()
        let model = try ModelFile.load(path: dir.appendingPathComponent("cao30.h5").path).model
        let m = try Npy.read(path: dir.appendingPathComponent("cao30_class_means.npy").path)
        let values = m.floats()
        return (model, (0..<m.shape[0]).map { Array(values[($0 * m.shape[1])..<(($0 + 1) * m.shape[1])]) })
    }

    @Test func floatCaoAgreesWithHSIFlow() throws {
        let dir = try makeTemporaryDirectory("tflite-float")
        defer { try? FileManager.default.removeItem(at: dir) }
        var model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 20], seed: 11)
        var rng = SeededRandom(seed: 5)
        let x = Tensor(shape: [300, 5, 5, 20], scalars: (0..<(300 * 500)).map { _ in Float(rng.normal()) })
        let ours = try model.predict(x)
        let lite = try LiteRT.outputs(of: try TFLiteConverter.fileBytes(for: model), x, in: dir, name: "cao")
        #expect(lite.shape == ours.shape)
        #expect(argmaxAgreement(lite, ours) >= 0.999)
        #expect(maxAbsDifference(lite.scalars, ours.scalars) <= 1e-4)
    }

    @Test func floatLayerListWithPoolingAgreesWithHSIFlow() throws {
        let dir = try makeTemporaryDirectory("tflite-layers")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = ModelSpec(name: "layers", layers: [
            .conv2D(filters: 8, kernel: [3, 3], padding: .same, activation: .linear, name: "c1"),
            .activation(.relu, name: "r1"),
            .maxPool2D(pool: [2, 2], strides: [1, 1], name: "p1"),
            .conv2D(filters: 6, kernel: [3, 3], padding: .valid, activation: .relu, name: "c2"),
            .flatten(name: "f"),
            .dropout(rate: 0.3, name: "d"),
            .dense(units: 16, activation: .relu, name: "h"),
            .dense(units: 4, activation: .linear, name: "out"),
            .activation(.softmax, name: "sm"),
        ])
        var model = try spec.build(inputShape: [7, 7, 10], seed: 2)
        var rng = SeededRandom(seed: 9)
        let x = Tensor(shape: [300, 7, 7, 10], scalars: (0..<(300 * 490)).map { _ in Float(rng.normal()) })
        let ours = try model.predict(x)
        let lite = try LiteRT.outputs(of: try TFLiteConverter.fileBytes(for: model), x, in: dir, name: "layers")
        #expect(argmaxAgreement(lite, ours) >= 0.999)
        #expect(maxAbsDifference(lite.scalars, ours.scalars) <= 1e-4)
    }

    @Test func floatExportOfAKerasModelAgreesWithTFLitesOwnFloatConversion() throws {
        let dir = try makeTemporaryDirectory("tflite-keras-float")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, means) = try Self.kerasFixture()
        let x = Self.patches(count: 400, means: means, noise: 0.6, seed: 21)
        let ours = try LiteRT.outputs(of: try TFLiteConverter.fileBytes(for: model), x, in: dir, name: "ours")
        let theirs = try LiteRT.outputs(ofFile: fixturesDirectory().appendingPathComponent("cao30_float.tflite").path, x, in: dir, name: "theirs")
        #expect(argmaxAgreement(ours, theirs) >= 0.999)
        #expect(maxAbsDifference(ours.scalars, theirs.scalars) <= 1e-4)
    }

    @Test func int8ExportAgreesWithTFLitesOwnDynamicRangeConversion() throws {
        let dir = try makeTemporaryDirectory("tflite-int8")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, means) = try Self.kerasFixture()
        let x = Self.patches(count: 400, means: means, noise: 0.6, seed: 22)
        let quantized = try QuantizedModel(quantizing: model, bits: 8)
        let ours = try LiteRT.outputs(of: try TFLiteConverter.fileBytes(for: quantized), x, in: dir, name: "ours")
        let theirs = try LiteRT.outputs(ofFile: fixturesDirectory().appendingPathComponent("cao30_dynamic_int8.tflite").path, x, in: dir, name: "theirs")
        let agreement = argmaxAgreement(ours, theirs)
        print("int8 .tflite: argmax agreement with TFLite's own dynamic-range conversion \(agreement) on \(x.shape[0]) inputs")
        #expect(agreement >= 0.99)
        // And with HSIFlow's own quantized model (its int8 weights run dequantized, activations float).
        var deq = quantized.dequantizedModel
        #expect(argmaxAgreement(ours, try deq.predict(x)) >= 0.99)
    }
}
