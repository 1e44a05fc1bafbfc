// QuantizedModelTests: the int8 model predicts what its float twin predicts — weights q · scale
// (rebuilt here by hand) and every Conv2D/Dense input quantized per sample as the kernels do —
// on every kernel path and on cao-shaped nets; sizes against float32; weight errors;
// rebuilding from stored parts; mismatched parts rejected.
import Foundation
import Testing
import TestSupport
import Tensors
import NeuralNet
import FileFormats
@testable import Compression

@Suite struct QuantizedModelTests {
    /// The float twin of an int8 model: weights q · scale (computed here, element by element), and
    /// every Conv2D input (asymmetric) and Dense input (symmetric) replaced by its per-sample
    /// quantized-then-dequantized values.
    static func floatTwin(of quantized: QuantizedModel, model: Sequential, _ x: Tensor) throws -> Tensor {
        var reference = model
        for i in reference.layers.indices where reference.layers[i] is Conv2D || reference.layers[i] is Dense {
            let p = reference.layers[i].parameters
            let part = try #require(quantized.layers.first { $0.layer == reference.layers[i].name })
            let f = p[0].shape.last!
            let w = part.kernel.values.enumerated().map { j, v in Float(v) * part.kernel.scales[j % f] }
            try reference.layers[i].setParameters([Tensor(shape: p[0].shape, scalars: w), p[1]])
        }
        var h = x
        for i in reference.layers.indices {
            if reference.layers[i] is Conv2D || reference.layers[i] is Dense {
                let n = h.shape[0], size = h.count / max(n, 1)
                let scheme: ActivationQuantization = reference.layers[i] is Conv2D ? .asymmetric : .symmetric
                var simulated: [Float] = []
                for s in 0..<n { simulated += scheme.simulate(Array(h.scalars[s * size ..< (s + 1) * size])) }
                h = Tensor(shape: h.shape, scalars: simulated)
            }
            h = reference.layers[i].forward(h, training: false)
        }
        return h
    }

    /// Outputs agree to float rounding, and the classes wherever the top two are not a near tie.
    /// In deep nets an intermediate activation a rounding apart on the two sides can land on the
    /// other side of a quantization step; `allowedSteps` samples may then differ by up to `stepBound`.
    static func expectAgreement(_ got: Tensor, _ expected: Tensor, tolerance: Double, _ what: String,
                                allowedSteps: Int = 0, stepBound: Double = 0.02) {
        #expect(got.shape == expected.shape)
        let n = expected.shape[0], k = expected.count / max(n, 1)
        var stepped = 0
        for row in 0..<n {
            let d = maxAbsDifference(got.scalars[row * k ..< (row + 1) * k], expected.scalars[row * k ..< (row + 1) * k])
            if d > tolerance { stepped += 1 }
            #expect(d <= (allowedSteps > 0 ? stepBound : tolerance), "\(what): sample \(row) differs by \(d)")
        }
        #expect(stepped <= allowedSteps, "\(what): \(stepped) samples beyond \(tolerance)")
        for (row, (a, b)) in zip(got.argmaxRows(), expected.argmaxRows()).enumerated() where a != b {
            let top = expected.scalars[row * k + b], other = expected.scalars[row * k + a]
            #expect(abs(top - other) <= Float(2 * (allowedSteps > 0 ? stepBound : tolerance)), "\(what): sample \(row) class \(a) against \(b)")
        }
    }

    @Test(arguments: [8, 4])
    func int8PredictionsEqualTheFloatTwinWithQuantizedActivations(bits: Int) throws {
        try BLASConfiguration.exclusively {
            let model = try tinyConvModel(seed: 21, extra: [.conv2D(filters: 5, kernel: [1, 1], padding: .same, activation: .relu, name: "mix")])
            let quantized = try QuantizedModel(quantizing: model, bits: bits)
            let x = seededTensor([9, 6, 6, 3], seed: 5)
            let expected = try Self.floatTwin(of: quantized, model: model, x)
            for path in Int8KernelPath.allCases where path.isSupported {
                var network = quantized.int8Network(path: path)
                Self.expectAgreement(network.infer(x), expected, tolerance: 1e-5, "\(bits) bits on \(path)")
            }
            #expect(try quantized.predict(x, batchSize: 4).argmaxRows() == quantized.forward(x).argmaxRows())
            var float = model
            #expect(maxAbsDifference(float.forward(x).scalars, expected.scalars) < (bits == 8 ? 0.05 : 0.5))
        }
    }

    /// A batch large enough to be split over the workers (blocks of samples, each quantized, put in
    /// columns and multiplied on its own) gives the same bits as one worker, on every kernel path.
    @Test func int8NetworkGivesTheSameBitsOnOneWorkerAndOnTwo() throws {
        try BLASConfiguration.exclusively {
            let model = try ModelSpec(name: "cao-pruned", layers: [
                .conv2D(filters: 151, kernel: [3, 3], activation: .relu, name: "conv1"),
                .conv2D(filters: 97, kernel: [3, 3], activation: .relu, name: "conv2"),
                .flatten(name: "flatten"),
                .dense(units: 200, name: "dense1"), .dense(units: 100, name: "dense2"),
                .dense(units: 9, activation: .softmax, name: "out"),
            ]).build(inputShape: [5, 5, 37], seed: 41)
            let quantized = try QuantizedModel(quantizing: model, bits: 8)
            // conv1: 161·9 rows × 151 × 336 multiply–adds, above the split threshold; 161 leaves a partial block.
            let x = seededTensor([161, 5, 5, 37], seed: 9, low: -2, high: 3)
            for path in Int8KernelPath.allCases where path.isSupported {
                var network = quantized.int8Network(path: path)
                Workers.count = 1
                let one = network.infer(x)
                Workers.count = 2
                let two = network.infer(x)
                #expect(one.scalars == two.scalars, "\(path): one worker and two differ")
            }
        }
    }

    /// cao (5×5×200, and a pruned-shaped cao with odd channel counts) on int8 kernels against its
    /// float twin, at batch 1 and 37.
    @Test(arguments: [[5, 5, 200], [5, 5, 37]])
    func caoOnInt8KernelsEqualsItsFloatTwin(input: [Int]) throws {
        try BLASConfiguration.exclusively {
            let spec = input[2] == 200 ? ModelSpec.cao(classes: 9)
                : ModelSpec(name: "cao-pruned", layers: [
                    .conv2D(filters: 151, kernel: [3, 3], activation: .relu, name: "conv1"),
                    .conv2D(filters: 97, kernel: [3, 3], activation: .relu, name: "conv2"),
                    .flatten(name: "flatten"),
                    .dense(units: 200, name: "dense1"), .dense(units: 100, name: "dense2"),
                    .dense(units: 9, activation: .softmax, name: "out"),
                ])
            let model = try spec.build(inputShape: input, seed: 41)
            let quantized = try QuantizedModel(quantizing: model, bits: 8)
            for n in [1, 37] {
                let x = seededTensor([n] + input, seed: UInt64(n), low: -2, high: 3)
                let expected = try Self.floatTwin(of: quantized, model: model, x)
                var network = quantized.int8Network()
                // At most one sample in ten a quantization step apart (see expectAgreement).
                Self.expectAgreement(network.infer(x), expected, tolerance: 1e-4, "cao \(input) batch \(n)", allowedSteps: n / 10)
            }
        }
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
        try BLASConfiguration.exclusively {
            let model = try tinyConvModel(seed: 2)
            let q = try QuantizedModel(quantizing: model, bits: 8)
            let again = try QuantizedModel(spec: q.spec, inputShape: q.inputShape, bits: 8, layers: q.layers)
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
    }

    @Test(arguments: [8, 4])
    func savesAndLoadsThroughTheModelFile(bits: Int) throws {
        try BLASConfiguration.exclusively {
            let model = try ModelSpec.cao(classes: 4).build(inputShape: [5, 5, 20], seed: 3)
            let q = try QuantizedModel(quantizing: model, bits: bits)
            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let quantizedPath = directory.appendingPathComponent("q.h5").path, floatPath = directory.appendingPathComponent("f.h5").path
            try QuantizedModelFile.save(QuantizedModelContents(
                spec: q.spec, inputShape: q.inputShape, bits: q.bits,
                layers: q.layers.map { QuantizedLayerContents(layer: $0.layer, kernelShape: $0.kernel.shape, values: $0.kernel.values,
                                                              scales: $0.kernel.scales, bias: $0.bias.scalars) }), to: quantizedPath)
            let stored = try QuantizedModelFile.load(path: quantizedPath)
            let loaded = try QuantizedModel(spec: stored.spec, inputShape: stored.inputShape, bits: stored.bits, layers: stored.layers.map {
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
}
