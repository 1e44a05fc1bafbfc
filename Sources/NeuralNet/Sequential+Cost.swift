// Sequential+Cost: how many floating-point operations a model's matrix products take per sample,
// counted from the layer shapes (2 FLOPs per multiply-add). Benchmarks turn these into GFLOP/s;
// pruning reports them per level. Element-wise work (bias, ReLU, softmax) is not counted.
import Tensors

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

extension Sequential {
    /// FLOPs per sample of one training step's products at batch size `batch` as this model's layers
    /// really compute them: like `trainingFLOPsPerSample`, except that a convolution on the Winograd
    /// path multiplies 25 transformed values per (tile, channel, filter) instead of KH·KW·OH·OW per
    /// (channel, filter). The transforms themselves (additions on the channel axis) are not counted.
    public func performedTrainingFLOPsPerSample(batch: Int) -> Int {
        let direct = forwardFLOPsPerLayer
        let firstWithWeights = direct.firstIndex { $0 > 0 } ?? 0
        return layers.indices.reduce(0) { total, i in
            var product = direct[i]
            if let conv = layers[i] as? Conv2D {
                let input = i == 0 ? inputShape : outputShapes[i - 1]
                if let g = ConvolutionGeometry(inputShape: [batch] + input, kernelHeight: conv.kernelSize.height,
                                               kernelWidth: conv.kernelSize.width, samePadding: conv.padding == .same),
                   let tiling = conv.algorithm.winogradTiling(for: g) {
                    product = 2 * WinogradTiling.points * tiling.tilesPerImage * g.channels * conv.filters
                }
            }
            return total + product * (i <= firstWithWeights ? 2 : 3)
        }
    }
}
