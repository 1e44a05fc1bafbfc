// TFLiteConverter: HSIFlow models as TFLite graphs — a float Sequential as a float32 model, a
// QuantizedModel (8-bit) as TFLite's dynamic-range int8 model: Conv2D/Dense weights int8,
// symmetric, one scale per output channel (quantized_dimension 0), biases and activations float32,
// inputs quantized at run time by LiteRT's hybrid kernels. Layouts: Keras conv kernels
// (KH, KW, C, F) become TFLite filters (F, KH, KW, C); Keras dense kernels (I, O) become (O, I).
// Layers: Conv2D (stride 1, valid/same), Dense, ReLU/Softmax (fused or standalone), Flatten
// (Reshape to [−1, n]), MaxPool2D, Dropout (dropped: identity at inference).
public import Compression
public import NeuralNet
import Tensors

/// Converts HSIFlow models to TFLite graphs.
public enum TFLiteConverter {
    /// The float32 TFLite graph of `model` (input [1, H, W, C], batch resizable).
    public static func graph(for model: Sequential) throws(TFLiteError) -> TFLiteGraph {
        try convert(model, quantized: [:])
    }

    /// The dynamic-range int8 graph of an 8-bit quantized model.
    public static func graph(for model: QuantizedModel) throws(TFLiteError) -> TFLiteGraph {
        guard model.bits == 8 else {
            throw .unsupported(model: model.spec.name, reason: "it is quantized to \(model.bits) bits; TFLite dynamic-range models hold 8-bit weights (quantize with bits: 8)")
        }
        return try convert(model.dequantizedModel, quantized: Dictionary(model.layers.map { ($0.layer, $0) }, uniquingKeysWith: { a, _ in a }))
    }

    /// The `.tflite` bytes of a float model.
    public static func fileBytes(for model: Sequential) throws(TFLiteError) -> [UInt8] { try graph(for: model).serialized() }

    /// The `.tflite` bytes of an 8-bit quantized model.
    public static func fileBytes(for model: QuantizedModel) throws(TFLiteError) -> [UInt8] { try graph(for: model).serialized() }

    // MARK: - Conversion

    private static func convert(_ model: Sequential, quantized: [String: QuantizedLayerWeights]) throws(TFLiteError) -> TFLiteGraph {
        var g = TFLiteGraph()
        g.description = "HSIFlow \(model.name)" + (quantized.isEmpty ? "" : " (dynamic-range int8)")
        var current = g.addActivation("input", shape: [1] + model.inputShape)
        g.inputs = [current]
        var shape = model.inputShape
        func fail(_ reason: String) -> TFLiteError { .unsupported(model: model.name, reason: reason) }

        for (layer, outputShape) in zip(model.layers, model.outputShapes) {
            let act = try activation(layer.activation, layer: layer.name, model: model.name)
            switch layer {
            case let conv as Conv2D:
                // Keras (KH, KW, C, F) → TFLite (F, KH, KW, C).
                let (kh, kw, c, f) = (conv.kernel.shape[0], conv.kernel.shape[1], conv.kernel.shape[2], conv.kernel.shape[3])
                let order = { (o: Int, y: Int, x: Int, i: Int) in ((y * kw + x) * c + i) * f + o }
                let filterShape = [f, kh, kw, c]
                let filter: Int32
                if let q = quantized[conv.name] {
                    var values = [UInt8](repeating: 0, count: q.kernel.values.count)
                    var n = 0
                    for o in 0..<f { for y in 0..<kh { for x in 0..<kw { for i in 0..<c {
                        values[n] = UInt8(bitPattern: q.kernel.values[order(o, y, x, i)]); n += 1
                    }}}}
                    filter = g.addConstant("\(conv.name)/kernel", shape: filterShape, type: .int8, bytes: values,
                                           quantization: perChannel(q.kernel.scales))
                } else {
                    var values = [Float](repeating: 0, count: conv.kernel.count)
                    var n = 0
                    for o in 0..<f { for y in 0..<kh { for x in 0..<kw { for i in 0..<c {
                        values[n] = conv.kernel.scalars[order(o, y, x, i)]; n += 1
                    }}}}
                    filter = g.addConstant("\(conv.name)/kernel", shape: filterShape, floats: values)
                }
                let bias = g.addConstant("\(conv.name)/bias", shape: [f], floats: conv.bias.scalars)
                let out = g.addActivation(conv.name, shape: [1] + outputShape)
                g.operators.append(.init(code: .conv2D, inputs: [current, filter, bias], outputs: [out],
                                         options: .conv2D(padding: conv.padding == .same ? .same : .valid, activation: act.fused)))
                current = try appendSoftmax(act, after: out, name: conv.name, shape: outputShape, into: &g)
            case let dense as Dense:
                guard shape.count == 1 else { throw fail("dense layer \(dense.name) takes a \(shape) input; flatten first") }
                let (inputs, units) = (dense.kernel.shape[0], dense.kernel.shape[1])
                let weights: Int32
                if let q = quantized[dense.name] {
                    var values = [UInt8](repeating: 0, count: inputs * units)
                    for o in 0..<units { for i in 0..<inputs { values[o * inputs + i] = UInt8(bitPattern: q.kernel.values[i * units + o]) } }
                    weights = g.addConstant("\(dense.name)/kernel", shape: [units, inputs], type: .int8, bytes: values,
                                            quantization: perChannel(q.kernel.scales))
                } else {
                    var values = [Float](repeating: 0, count: inputs * units)
                    for o in 0..<units { for i in 0..<inputs { values[o * inputs + i] = dense.kernel.scalars[i * units + o] } }
                    weights = g.addConstant("\(dense.name)/kernel", shape: [units, inputs], floats: values)
                }
                let bias = g.addConstant("\(dense.name)/bias", shape: [units], floats: dense.bias.scalars)
                let out = g.addActivation(dense.name, shape: [1, units])
                // TFLite's converter quantizes hybrid fully-connected inputs asymmetrically; so do we.
                g.operators.append(.init(code: .fullyConnected, inputs: [current, weights, bias], outputs: [out],
                                         options: .fullyConnected(activation: act.fused, asymmetricQuantizeInputs: quantized[dense.name] != nil)))
                current = try appendSoftmax(act, after: out, name: dense.name, shape: outputShape, into: &g)
            case is Flatten:
                let n = Int32(outputShape[0])
                let target = g.addConstant("\(layer.name)/shape", shape: [2], int32s: [-1, n])
                let out = g.addActivation(layer.name, shape: [1] + outputShape)
                g.operators.append(.init(code: .reshape, inputs: [current, target], outputs: [out], options: .reshape(newShape: [-1, n])))
                current = out
            case let pool as MaxPool2D:
                let out = g.addActivation(pool.name, shape: [1] + outputShape)
                g.operators.append(.init(code: .maxPool2D, inputs: [current], outputs: [out],
                                         options: .pool2D(padding: .valid, stride: (Int32(pool.strides.height), Int32(pool.strides.width)),
                                                          filter: (Int32(pool.pool.height), Int32(pool.pool.width)))))
                current = out
            case is ActivationLayer:
                switch layer.activation {
                case .linear:
                    break
                case .relu:
                    let out = g.addActivation(layer.name, shape: [1] + outputShape)
                    g.operators.append(.init(code: .relu, inputs: [current], outputs: [out], options: .none))
                    current = out
                case .softmax:
                    let out = g.addActivation(layer.name, shape: [1] + outputShape)
                    g.operators.append(.init(code: .softmax, inputs: [current], outputs: [out], options: .softmax(beta: 1)))
                    current = out
                }
            case is Dropout:
                break // the identity at inference
            default:
                throw fail("layer \(layer.name) (\(type(of: layer))) has no TFLite counterpart here")
            }
            shape = outputShape
        }
        g.outputs = [current]
        return g
    }

    /// A layer's activation split into what the operator fuses (ReLU) and a softmax to append.
    private static func activation(_ a: Activation, layer: String, model: String) throws(TFLiteError)
        -> (fused: TFLiteSchema.ActivationFunction, softmax: Bool) {
        switch a {
        case .linear: return (.none, false)
        case .relu: return (.relu, false)
        case .softmax: return (.none, true)
        }
    }

    /// A SOFTMAX operator after `tensor` when the layer ends in softmax; returns the layer's output.
    private static func appendSoftmax(_ act: (fused: TFLiteSchema.ActivationFunction, softmax: Bool), after tensor: Int32,
                                      name: String, shape: [Int], into g: inout TFLiteGraph) throws(TFLiteError) -> Int32 {
        guard act.softmax else { return tensor }
        g.tensors[Int(tensor)].name = "\(name)/logits"
        let out = g.addActivation(name, shape: [1] + shape)
        g.operators.append(.init(code: .softmax, inputs: [tensor], outputs: [out], options: .softmax(beta: 1)))
        return out
    }

    /// Per-output-channel quantization along dimension 0 (TFLite's filter layout puts channels first).
    /// A channel of zeros has scale 0 in HSIFlow; TFLite gets 1 there (its integers are all 0 anyway).
    private static func perChannel(_ scales: [Float]) -> TFLiteGraph.Quantization {
        .init(scales: scales.map { $0 > 0 ? $0 : 1 }, zeroPoints: [Int64](repeating: 0, count: scales.count), dimension: 0)
    }
}
