// Sequential+Cost: how many floating-point operations a model's matrix products take per sample,
// counted from the layer shapes (2 FLOPs per multiply-add). Benchmarks turn these into GFLOP/s;
// pruning reports them per level. Element-wise work (bias, ReLU, softmax) is not counted.

extension Sequential {
    /// FLOPs of each layer's forward product per sample (0 for layers without one).
    public var forwardFLOPsPerLayer: [Int] {
        layers.indices.map { i in
            switch layers[i] {
            case let conv as Conv2D:
                // (OH·OW) output positions × (KH·KW·C) inputs × F filters, one multiply-add each.
                let out = outputShapes[i]
                return 2 * out[0] * out[1] * conv.kernel.shape[0] * conv.kernel.shape[1] * conv.kernel.shape[2] * conv.filters
            case let dense as Dense:
                return 2 * dense.kernel.shape[0] * dense.units
            default:
                return 0
            }
        }
    }

    /// FLOPs per sample of one inference pass.
    public var forwardFLOPsPerSample: Int { forwardFLOPsPerLayer.reduce(0, +) }

    /// FLOPs per sample of one training step's products: the forward product, the weight gradient
    /// (same size) and the input gradient (same size) of every layer except the first, whose input
    /// gradient training never needs.
    public var trainingFLOPsPerSample: Int {
        forwardFLOPsPerLayer.enumerated().reduce(0) { total, item in
            let firstWithWeights = forwardFLOPsPerLayer.firstIndex { $0 > 0 } ?? 0
            return total + item.element * (item.offset <= firstWithWeights ? 2 : 3)
        }
    }
}
