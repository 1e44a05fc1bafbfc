// QuantizedModel: post-training weight quantization of a Sequential — Conv2D and Dense kernels
// to 8 (or 4) bit integers with per-output-channel scales, biases in Float32, like TFLite's
// dynamic-range quantization. It runs on int8 kernels (Int8Network), reports its size against
// float32 and its weight error, and splits into parts a model file can store.
public import NeuralNet
public import Tensors

/// The quantized weights of one Conv2D or Dense layer.
public struct QuantizedLayerWeights: Sendable, Equatable {
    /// The layer's name in the model.
    public var layer: String
    /// The kernel, quantized per output channel.
    public var kernel: QuantizedTensor
    /// The bias, kept in Float32 (as TFLite does).
    public var bias: Tensor

    public init(layer: String, kernel: QuantizedTensor, bias: Tensor) {
        self.layer = layer
        self.kernel = kernel
        self.bias = bias
    }
}

/// How far quantization moved the weights of one layer.
public struct QuantizationError: Sendable, Equatable, Codable {
    public var layer: String
    /// max |w − dequantize(quantize(w))|.
    public var maxAbsoluteError: Double
    /// The largest per-channel scale; the error is at most half of the channel's scale.
    public var maxScale: Double
    /// max over weights of |error| / scale of its channel (≤ 0.5 by construction).
    public var maxErrorInScales: Double
}

/// A model whose Conv2D and Dense kernels are stored as integers.
public struct QuantizedModel: Sendable {
    /// 8 or 4.
    public let bits: Int
    /// The model's structure (layer names, kinds, activations).
    public let spec: ModelSpec
    /// Per-sample input shape.
    public let inputShape: [Int]
    /// Quantized weights of every Conv2D and Dense layer, in layer order.
    public let layers: [QuantizedLayerWeights]
    /// The float model with the dequantized weights (q · scale), built once: the structure the int8
    /// network follows, and the float twin tests compare it with.
    public private(set) var dequantizedModel: Sequential
    /// Bytes of the float32 weights of the source model.
    public let floatBytes: Int

    /// Quantizes every Conv2D and Dense kernel of `model` to `bits`.
    public init(quantizing model: Sequential, bits: Int = 8) throws(CompressionError) {
        var parts: [QuantizedLayerWeights] = []
        for layer in model.layers where layer is Conv2D || layer is Dense {
            let p = layer.parameters
            let kernel = try QuantizedTensor(quantizing: p[0].scalars, shape: p[0].shape, bits: bits)
            parts.append(QuantizedLayerWeights(layer: layer.name, kernel: kernel, bias: p[1]))
        }
        try self.init(spec: model.spec, inputShape: model.inputShape, bits: bits, layers: parts)
    }

    /// A quantized model from stored parts (a model file): builds the structure from `spec` and
    /// checks every quantized layer against it.
    public init(spec: ModelSpec, inputShape: [Int], bits: Int, layers: [QuantizedLayerWeights]) throws(CompressionError) {
        guard QuantizedTensor.supportedBits.contains(bits) else {
            throw .invalidArgument("quantization to \(bits) bits is not supported; use 8 or 4")
        }
        var model = try wrapping { () throws(NeuralNetError) in try spec.build(inputShape: inputShape, seed: 0) }
        let weighted = model.layers.indices.filter { model.layers[$0] is Conv2D || model.layers[$0] is Dense }
        guard weighted.map({ model.layers[$0].name }) == layers.map(\.layer) else {
            throw .invalidArgument("quantized weights are for layers \(layers.map(\.layer)), the model's Conv2D/Dense layers are \(weighted.map { model.layers[$0].name })")
        }
        var floatBytes = 0
        for (i, part) in zip(weighted, layers) {
            guard part.kernel.bits == bits else {
                throw .invalidArgument("layer \(part.layer) is quantized to \(part.kernel.bits) bits, the model to \(bits)")
            }
            let kernel = Tensor(shape: part.kernel.shape, scalars: part.kernel.dequantized())
            try wrapping { () throws(NeuralNetError) in try model.layers[i].setParameters([kernel, part.bias]) }
            floatBytes += (kernel.count + part.bias.count) * 4
        }
        self.bits = bits
        self.spec = spec
        self.inputShape = inputShape
        self.layers = layers
        self.dequantizedModel = model
        self.floatBytes = floatBytes
    }

    /// Bytes of the quantized weights: packed integers, Float32 scales and Float32 biases.
    public var quantizedBytes: Int { layers.reduce(0) { $0 + $1.kernel.storageBytes + $1.bias.count * 4 } }

    /// quantizedBytes / floatBytes.
    public var sizeRatio: Double { floatBytes > 0 ? Double(quantizedBytes) / Double(floatBytes) : 0 }

    /// Weight error of every layer against the float weights of `original` (the model quantized).
    public func weightErrors(against original: Sequential) throws(CompressionError) -> [QuantizationError] {
        try layers.map { part throws(CompressionError) in
            guard let layer = original.layers.first(where: { $0.name == part.layer }),
                  let w = layer.parameters.first, w.shape == part.kernel.shape else {
                throw .invalidArgument("model \(original.name) has no layer \(part.layer) with a kernel of shape \(part.kernel.shape)")
            }
            let f = part.kernel.channels
            let deq = part.kernel.dequantized()
            var worst = 0.0, worstRelative = 0.0
            for i in 0..<deq.count {
                let e = abs(Double(w.scalars[i]) - Double(deq[i]))
                worst = max(worst, e)
                let s = Double(part.kernel.scales[i % f])
                if s > 0 { worstRelative = max(worstRelative, e / s) } else if e > 0 { worstRelative = .infinity }
            }
            return QuantizationError(layer: part.layer, maxAbsoluteError: worst,
                                     maxScale: Double(part.kernel.scales.max() ?? 0), maxErrorInScales: worstRelative)
        }
    }

    /// The model on int8 kernels (activations quantized per sample at run time, as TFLite's
    /// dynamic-range kernels do); `path` picks the kernel (default: HSIFLOW_INT8_KERNEL or the best).
    public func int8Network(path: Int8KernelPath = .preferred) -> Int8Network { Int8Network(self, path: path) }

    /// Model outputs for a batch [N, …] on the int8 kernels.
    public func forward(_ x: Tensor) throws(CompressionError) -> Tensor {
        var network = int8Network()
        try wrapping { () throws(NeuralNetError) in try network.checkInput(x) }
        return network.infer(x)
    }

    /// Model outputs for many samples, in batches, on the int8 kernels.
    public func predict(_ inputs: Tensor, batchSize: Int = 512) throws(CompressionError) -> Tensor {
        var network = int8Network()
        return try wrapping { () throws(NeuralNetError) in try network.predict(inputs, batchSize: batchSize) }
    }

    /// OA/AA/kappa and per-sample latency on a labelled set, computed on the int8 kernels
    /// (`latencyBudget` as ModelEvaluation.measure).
    public func measure(on samples: LabelledSamples, batchSize: Int = 128, singleSamples: Int = 200,
                        repeats: Int = 1, latencyBudget: Duration? = nil) throws(CompressionError) -> (evaluation: ModelEvaluation, predicted: [Int]) {
        var network = int8Network()
        return try ModelEvaluation.measure(&network, on: samples, batchSize: batchSize, singleSamples: singleSamples, repeats: repeats,
                                           latencyBudget: latencyBudget)
    }
}
