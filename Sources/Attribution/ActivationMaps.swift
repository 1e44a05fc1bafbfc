// ActivationMaps: every layer's activations for one sample, per channel and averaged over channels
// (spatial layers), or as a 1×U strip (flat layers) — what the network "sees" at each depth.
// Letters: H/W a layer's spatial size, C its channels, U a flat layer's units.
public import Tensors

/// One layer's activations for one sample.
public struct LayerActivation: Sendable, Equatable {
    /// The layer's name.
    public var layer: String
    /// Per-channel maps [H, W, C]; a flat layer of U units is [1, U, 1].
    public var channels: Tensor
    /// The channel average [H, W] (a flat layer: its units as a 1×U map).
    public var mean: Tensor
    /// Whether the layer's output is a spatial H×W×C map (false for flat layers).
    public var isSpatial: Bool

    /// Channel `c` as a row-major H×W array.
    public func channel(_ c: Int) -> [Float] {
        let (h, w, k) = (channels.shape[0], channels.shape[1], channels.shape[2])
        return (0..<(h * w)).map { channels.scalars[$0 * k + c] }
    }
}

extension Explainer {
    /// The activations of every layer of the scoring network for sample `x` ([P, P, B] or [1, P, P, B]).
    public func activationMaps(_ x: Tensor) throws(AttributionError) -> [LayerActivation] {
        let batch = x.rank == inputShape.count ? x.reshaped([1] + x.shape) : x
        try checkInput(batch)
        guard batch.shape[0] == 1 else { throw .shapeMismatch("activation maps take one sample, got \(batch.shape[0])") }
        var model = scoring
        let acts = model.activations(batch)
        return zip(model.layers, acts).map { layer, a in
            if a.rank == 4 {
                let (h, w, c) = (a.shape[1], a.shape[2], a.shape[3])
                let mean = Explainer.channelMeans(a)[0]
                return LayerActivation(layer: layer.name, channels: a.reshaped([h, w, c]), mean: Tensor(shape: [h, w], scalars: mean),
                                       isSpatial: true)
            }
            let u = a.count
            return LayerActivation(layer: layer.name, channels: a.reshaped([1, u, 1]), mean: a.reshaped([1, u]), isSpatial: false)
        }
    }
}
