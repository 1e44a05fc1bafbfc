// ModelCost: what a (pruned) model costs — parameters, FLOPs per sample, channels per conv layer.
// FLOPs count a multiply-add as two: Conv2D 2·OH·OW·KH·KW·C·F, Dense 2·I·O (biases, activations ignored).
public import NeuralNet

/// Channel count of one conv layer.
public struct LayerChannels: Sendable, Equatable, Codable {
    public var layer: String
    public var channels: Int

    public init(layer: String, channels: Int) {
        self.layer = layer
        self.channels = channels
    }
}

/// Size and arithmetic cost of a model.
public struct ModelCost: Sendable, Equatable, Codable {
    /// Trainable scalars.
    public var parameters: Int
    /// Floating-point operations for one sample's forward pass (multiply-add = 2).
    public var flops: Int
    /// Output channels of every Conv2D layer, in layer order.
    public var channels: [LayerChannels]

    /// The cost of `model`.
    public init(of model: Sequential) {
        parameters = model.parameterCount
        var total = 0
        var convs: [LayerChannels] = []
        for (i, layer) in model.layers.enumerated() {
            let out = model.outputShapes[i]
            if let conv = layer as? Conv2D {
                let k = conv.kernel.shape                     // (KH, KW, C, F)
                total += 2 * out[0] * out[1] * k[0] * k[1] * k[2] * k[3]
                convs.append(LayerChannels(layer: conv.name, channels: conv.filters))
            } else if let dense = layer as? Dense {
                total += 2 * dense.kernel.shape[0] * dense.kernel.shape[1]
            }
        }
        flops = total
        channels = convs
    }
}
