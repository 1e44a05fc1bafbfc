// QuantizedModelTests: the quantized model predicts exactly what a float model holding the
// dequantized weights (rebuilt here by hand) predicts; sizes against float32; weight errors;
// rebuilding from stored parts; mismatched parts rejected.
import Foundation
import Testing
import TestSupport
import Tensors
import NeuralNet
import FileFormats
@testable import Compression

@Suite struct QuantizedModelTests {
    @Test(arguments: [8, 4])
    func predictionsEqualTheDequantizedFloatModel(bits: Int) throws {
        let model = try tinyConvModel(seed: 21)
        var quantized = try QuantizedModel(quantizing: model, bits: bits)
        // The float model with weights q · scale computed here, element by element.
        var reference = model
        for i in reference.layers.indices where reference.layers[i] is Conv2D || reference.layers[i] is Dense {
            let p = reference.layers[i].parameters
            let part = try #require(quantized.layers.first { $0.layer == reference.layers[i].name })
            let f = p[0].shape.last!
            let w = part.kernel.values.enumerated().map { j, v in Float(v) * part.kernel.scales[j % f] }
            try reference.layers[i].setParameters([Tensor(shape: p[0].shape, scalars: w), p[1]])
        }
        let x = seededTensor([9, 6, 6, 3], seed: 5)
        let expected = reference.forward(x)
        #expect(try quantized.forward(x).scalars == expected.scalars)
        #expect(try quantized.predict(x, batchSize: 4).argmaxRows() == expected.argmaxRows())
        var float = model
        #expect(maxAbsDifference(float.forward(x).scalars, expected.scalars) < (bits == 8 ? 0.05 : 0.5))
    }

    @Test func sizesAndWeightErrors() throws {
        let model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 100], seed: 41)
        let q8 = try QuantizedModel(quantizing: model, bits: 8)
        #expect(q8.floatBytes == model.parameterCount * 4)
        // Kernels 1 byte each; biases and one scale per output channel 4 bytes each.
        let kernels = model.layers.compactMap { $0.parameters.first?.count }.reduce(0, +)
        let channels = model.layers.compactMap { $0.parameters.last?.count }.reduce(0, +)
        #expect(q8.quantizedBytes == kernels + 8 * channels)
        #expect(q8.sizeRatio < 0.26)
        let q4 = try QuantizedModel(quantizing: model, bits: 4)
        // 4-bit: two per byte, each layer's kernel rounded up to whole bytes.
        let packed = model.layers.compactMap { $0.parameters.first.map { ($0.count + 1) / 2 } }.reduce(0, +)
        #expect(q4.quantizedBytes == packed + 8 * channels)
        #expect(q4.sizeRatio < 0.14)
        for e in try q8.weightErrors(against: model) {
            #expect(e.maxErrorInScales <= 0.5 + 1e-4, "\(e.layer)")
            #expect(e.maxAbsoluteError <= e.maxScale / 2 * (1 + 1e-4))
            #expect(e.maxAbsoluteError > 0)
        }
    }

    @Test func rebuildsFromStoredPartsAndRejectsMismatches() throws {
        let model = try tinyConvModel(seed: 2)
        var q = try QuantizedModel(quantizing: model, bits: 8)
        var again = try QuantizedModel(spec: q.spec, inputShape: q.inputShape, bits: 8, layers: q.layers)
        let x = seededTensor([3, 6, 6, 3], seed: 1)
        #expect(try again.forward(x) == q.forward(x))
        #expect(throws: CompressionError.self) {
            try QuantizedModel(spec: q.spec, inputShape: q.inputShape, bits: 8, layers: Array(q.layers.dropLast()))
        }
        #expect(throws: CompressionError.self) { try QuantizedModel(spec: q.spec, inputShape: q.inputShape, bits: 4, layers: q.layers) }
        #expect(throws: CompressionError.self) { try QuantizedModel(spec: q.spec, inputShape: [5, 5, 3], bits: 8, layers: q.layers) }
        #expect(throws: CompressionError.self) { try QuantizedModel(quantizing: model, bits: 16) }
        #expect(throws: CompressionError.self) { try q.forward(seededTensor([2, 5, 5, 3], seed: 1)) }
    }

    @Test(arguments: [8, 4])
    func savesAndLoadsThroughTheModelFile(bits: Int) throws {
        let model = try ModelSpec.cao(classes: 4).build(inputShape: [5, 5, 20], seed: 3)
        var q = try QuantizedModel(quantizing: model, bits: bits)
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let quantizedPath = directory.appendingPathComponent("q.h5").path, floatPath = directory.appendingPathComponent("f.h5").path
        try QuantizedModelFile.save(QuantizedModelContents(
            spec: q.spec, inputShape: q.inputShape, bits: q.bits,
            layers: q.layers.map { QuantizedLayerContents(layer: $0.layer, kernelShape: $0.kernel.shape, values: $0.kernel.values,
                                                          scales: $0.kernel.scales, bias: $0.bias.scalars) }), to: quantizedPath)
        let stored = try QuantizedModelFile.load(path: quantizedPath)
        var loaded = try QuantizedModel(spec: stored.spec, inputShape: stored.inputShape, bits: stored.bits, layers: stored.layers.map {
            QuantizedLayerWeights(layer: $0.layer, kernel: try QuantizedTensor(shape: $0.kernelShape, bits: stored.bits, values: $0.values, scales: $0.scales),
                                  bias: Tensor(shape: [$0.bias.count], scalars: $0.bias))
        })
        #expect(loaded.layers == q.layers)
        let x = seededTensor([6, 5, 5, 20], seed: 2)
        #expect(try loaded.forward(x) == q.forward(x))
        // On disk too the integer file is a fraction of the float32 one.
        try ModelFile.save(model, to: floatPath)
        let size = { (p: String) in ((try? FileManager.default.attributesOfItem(atPath: p)[.size]) as? Int) ?? 0 }
        #expect(Double(size(quantizedPath)) / Double(size(floatPath)) < (bits == 8 ? 0.30 : 0.17))
    }
}
