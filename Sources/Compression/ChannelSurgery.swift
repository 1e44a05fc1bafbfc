// ChannelSurgery: removes output channels of Conv2D layers and the matching input slices of the
// layer that consumes them (the next Conv2D's input channels, or the Dense rows after a Flatten,
// in NHWC flatten order). The result is an ordinary, smaller Sequential.
// Kernel letters: KH, KW kernel size, C input channels, F filters; Dense kernel (I, O).
public import NeuralNet
import Tensors

/// Structural pruning of convolution channels.
public enum ChannelSurgery {
    /// Indices (in `model.layers`) of the Conv2D layers, the layers whose channels can be pruned.
    public static func convolutionLayers(in model: Sequential) -> [Int] {
        model.layers.indices.filter { model.layers[$0] is Conv2D }
    }

    /// The model without the given output channels. `channels` maps a Conv2D layer's name to the
    /// channel indices (current numbering, 0-based) to remove; every downstream input slice that
    /// reads them goes too. At least one channel must stay in every layer.
    public static func removing(_ channels: [String: [Int]], from model: Sequential) throws(CompressionError) -> Sequential {
        let names = Set(model.layers.map(\.name))
        if let unknown = channels.keys.sorted().first(where: { !names.contains($0) }) {
            throw .invalidChannels(layer: unknown, reason: "the model has no layer of that name; layers: \(model.layers.map(\.name).joined(separator: ", "))")
        }
        var layers: [any Layer] = []
        /// Channels kept by the last pruned Conv2D, not yet applied to their consumer.
        var pending: PendingSlice?
        for (index, layer) in model.layers.enumerated() {
            let inputShape = index == 0 ? model.inputShape : model.outputShapes[index - 1]
            let remove = channels[layer.name] ?? []
            if let conv = layer as? Conv2D {
                var kernel = conv.kernel, bias = conv.bias
                if let p = pending {
                    kernel = selecting(kernel, axis: 2, keep: p.keep)
                    pending = nil
                }
                if !remove.isEmpty {
                    let keep = try kept(after: remove, of: conv.filters, layer: conv.name)
                    kernel = selecting(kernel, axis: 3, keep: keep)
                    bias = selecting(bias, axis: 0, keep: keep)
                    pending = PendingSlice(producer: conv.name, keep: keep, channels: conv.filters, positions: nil)
                }
                layers.append(try rebuilt(conv, kernel: kernel, bias: bias))
                continue
            }
            guard remove.isEmpty else {
                throw .notPrunable(layer: layer.name, reason: "only Conv2D output channels can be removed")
            }
            guard var p = pending else {
                layers.append(layer)
                continue
            }
            if let dense = layer as? Dense {
                guard let positions = p.positions else {
                    throw .notPrunable(layer: p.producer, reason: "its output reaches Dense layer \(dense.name) without a Flatten")
                }
                // Flatten is row-major over (H, W, C): feature (pos · C + c) is channel c at position pos.
                var rows: [Int] = []
                rows.reserveCapacity(positions * p.keep.count)
                for pos in 0..<positions { for c in p.keep { rows.append(pos * p.channels + c) } }
                let kernel = selecting(dense.kernel, axis: 0, keep: rows)
                layers.append(try rebuilt(dense, kernel: kernel, bias: dense.bias))
                pending = nil
            } else if layer is Flatten {
                guard p.positions == nil, inputShape.count == 3, inputShape[2] == p.channels else {
                    throw .notPrunable(layer: p.producer, reason: "flatten layer \(layer.name) does not see its channels as the last axis of a 3-D output")
                }
                p.positions = inputShape[0] * inputShape[1]
                pending = p
                layers.append(layer)
            } else if layer is Dropout || layer is MaxPool2D
                        || (layer is ActivationLayer && layer.activation != .softmax) {
                // Channel-wise layers: each output channel depends on the same input channel only.
                if layer is MaxPool2D, p.positions != nil {
                    throw .notPrunable(layer: p.producer, reason: "max pooling after a flatten is not a sequential model surgery can follow")
                }
                layers.append(layer)
            } else {
                throw .notPrunable(layer: p.producer, reason: "its output feeds layer \(layer.name) (\(layer.spec.kind.rawValue)), which mixes channels; only Conv2D, Flatten→Dense, and channel-wise layers can follow a pruned layer")
            }
        }
        if let p = pending {
            throw .notPrunable(layer: p.producer, reason: "its channels reach the model output; removing them would change what the model predicts")
        }
        return try wrapping { () throws(NeuralNetError) in
            try Sequential(name: model.name, inputShape: model.inputShape, layers: layers)
        }
    }

    /// Channels kept by a removal, ascending; throws on out-of-range or repeated indices, or when
    /// nothing would be left.
    static func kept(after remove: [Int], of count: Int, layer: String) throws(CompressionError) -> [Int] {
        var removed = Set<Int>()
        for c in remove {
            guard c >= 0, c < count else {
                throw .invalidChannels(layer: layer, reason: "channel \(c) is outside 0..<\(count)")
            }
            guard removed.insert(c).inserted else {
                throw .invalidChannels(layer: layer, reason: "channel \(c) is listed twice")
            }
        }
        guard removed.count < count else {
            throw .invalidChannels(layer: layer, reason: "removing all \(count) channels would empty the layer; keep at least one")
        }
        return (0..<count).filter { !removed.contains($0) }
    }

    /// The slices `keep` (in that order) of `tensor` along `axis`.
    static func selecting(_ tensor: Tensor, axis: Int, keep: [Int]) -> Tensor {
        let shape = tensor.shape
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let extent = shape[axis]
        var out = [Float]()
        out.reserveCapacity(outer * keep.count * inner)
        tensor.scalars.withUnsafeBufferPointer { src in
            for o in 0..<outer {
                for k in keep {
                    let base = (o * extent + k) * inner
                    out.append(contentsOf: src[base ..< base + inner])
                }
            }
        }
        var newShape = shape
        newShape[axis] = keep.count
        return Tensor(shape: newShape, scalars: out)
    }

    /// A Conv2D like `conv` with new weights (filters and input channels taken from the kernel).
    static func rebuilt(_ conv: Conv2D, kernel: Tensor, bias: Tensor) throws(CompressionError) -> Conv2D {
        var rng = SeededRandom(seed: 0)
        var layer = Conv2D(name: conv.name, filters: kernel.shape[3], kernelSize: (conv.kernelSize.height, conv.kernelSize.width),
                           channels: kernel.shape[2], padding: conv.padding, activation: conv.activation, rng: &rng)
        try wrapping { () throws(NeuralNetError) in try layer.setParameters([kernel, bias]) }
        return layer
    }

    /// A Dense like `dense` with new weights (inputs taken from the kernel).
    static func rebuilt(_ dense: Dense, kernel: Tensor, bias: Tensor) throws(CompressionError) -> Dense {
        var rng = SeededRandom(seed: 0)
        var layer = Dense(name: dense.name, units: kernel.shape[1], inputs: kernel.shape[0], activation: dense.activation, rng: &rng)
        try wrapping { () throws(NeuralNetError) in try layer.setParameters([kernel, bias]) }
        return layer
    }
}

/// The channels one pruned Conv2D keeps, travelling down the layers until a consumer takes them.
private struct PendingSlice {
    var producer: String
    var keep: [Int]
    /// The producer's channel count before pruning.
    var channels: Int
    /// Spatial positions (H·W) once a Flatten has been passed.
    var positions: Int?
}
