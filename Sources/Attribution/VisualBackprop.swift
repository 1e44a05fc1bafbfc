// VisualBackprop: Bojarski et al. (2016). Each spatial stage's feature maps (after its ReLU) are
// averaged over channels; starting from the deepest, the mask is scaled up to the previous stage's
// size by a transposed convolution with an all-ones kernel of that stage's footprint (kernel, stride,
// padding), multiplied point-wise with the previous averaged map, and so on down to the input.
// Letters: N samples, H/W a stage's size, C its channels. Output: [N, P, P, 1] (one map per sample).
public import Tensors
import NeuralNet

/// The footprint of a layer that changes spatial size: the window it reads and how it steps.
struct SpatialFootprint: Equatable {
    var kernel: (Int, Int)
    var stride: (Int, Int)
    /// Rows and columns of zero padding before the input (same-padded convolutions).
    var padding: (Int, Int)

    static func == (a: Self, b: Self) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding
    }

    /// Scales `mask` [h, w] up to [height, width]: every input position receives the sum of the mask
    /// values of the outputs whose window covers it (transposed convolution with ones).
    func scaleUp(_ mask: [Float], from size: (Int, Int), to target: (Int, Int)) -> [Float] {
        var out = [Float](repeating: 0, count: target.0 * target.1)
        for oy in 0..<size.0 { for ox in 0..<size.1 {
            let v = mask[oy * size.1 + ox]
            for ky in 0..<kernel.0 { for kx in 0..<kernel.1 {
                let iy = oy * stride.0 + ky - padding.0, ix = ox * stride.1 + kx - padding.1
                guard iy >= 0, iy < target.0, ix >= 0, ix < target.1 else { continue }
                out[iy * target.1 + ix] += v
            }}
        }}
        return out
    }
}

extension Explainer {
    /// The spatial stages: for every layer that changes spatial size, its footprint and the index of
    /// the layer whose output is the stage's feature map (the last following layer of the same shape,
    /// so a stand-alone ReLU after a convolution is included).
    func spatialStages() throws(AttributionError) -> [(footprint: SpatialFootprint, mapLayer: Int)] {
        let layers = scoring.layers, shapes = scoring.outputShapes
        var stages: [(SpatialFootprint, Int)] = []
        var previous = scoring.inputShape
        for i in layers.indices {
            let shape = shapes[i]
            guard shape.count == 3 else { break }
            let footprint: SpatialFootprint?
            if let conv = layers[i] as? Conv2D {
                let (kh, kw) = conv.kernelSize
                footprint = SpatialFootprint(kernel: (kh, kw), stride: (1, 1),
                                             padding: conv.padding == .same ? ((kh - 1) / 2, (kw - 1) / 2) : (0, 0))
            } else if let pool = layers[i] as? MaxPool2D {
                footprint = SpatialFootprint(kernel: pool.pool, stride: pool.strides, padding: (0, 0))
            } else if shape.prefix(2) == previous.prefix(2) {
                footprint = nil
            } else {
                throw .unsupportedModel("layer \(layers[i].name) changes the spatial size but is neither a convolution nor a pooling layer; visual backprop cannot scale its maps back")
            }
            if let footprint { stages.append((footprint, i)) } else if !stages.isEmpty { stages[stages.count - 1].1 = i }
            previous = shape
        }
        guard !stages.isEmpty else {
            throw .unsupportedModel("model \(scoring.name) has no convolution or pooling layer at its input; visual backprop needs spatial feature maps")
        }
        return stages
    }

    /// VisualBackprop masks for every sample: [N, P, P, 1]. Independent of the class (the method uses
    /// only forward activations); `classes` records the predicted class.
    public func visualBackprop(_ x: Tensor) throws(AttributionError) -> Attributions {
        try checkInput(x)
        let stages = try spatialStages()
        let n = x.shape[0], (h0, w0) = (inputShape[0], inputShape[1])
        var model = scoring
        var masks = [Float](repeating: 0, count: n * h0 * w0)
        var predicted: [Int] = []
        var start = 0
        while start < n {
            let end = min(start + batchSize, n)
            let acts = model.activations(x.slicing(rows: start ..< end))
            predicted += acts[acts.count - 1].argmaxRows()
            // Channel means of every stage: [rows][h·w].
            let means = stages.map { stage in Explainer.channelMeans(acts[stage.mapLayer]) }
            for r in 0 ..< (end - start) {
                var mask = means[stages.count - 1][r]
                for k in stride(from: stages.count - 1, through: 0, by: -1) {
                    let shape = acts[stages[k].mapLayer].shape
                    let targetSize = k == 0 ? (h0, w0) : (acts[stages[k - 1].mapLayer].shape[1], acts[stages[k - 1].mapLayer].shape[2])
                    mask = stages[k].footprint.scaleUp(mask, from: (shape[1], shape[2]), to: targetSize)
                    if k > 0 { mask = zip(mask, means[k - 1][r]).map { $0 * $1 } }
                }
                masks.replaceSubrange((start + r) * h0 * w0 ..< (start + r + 1) * h0 * w0, with: mask)
            }
            start = end
        }
        return Attributions(values: Tensor(shape: [n, h0, w0, 1], scalars: masks), classes: predicted)
    }

    /// Per-sample channel means of a [R, H, W, C] activation: R arrays of H·W.
    static func channelMeans(_ a: Tensor) -> [[Float]] {
        let (r, h, w, c) = (a.shape[0], a.shape[1], a.shape[2], a.shape[3])
        return (0..<r).map { s in
            (0..<(h * w)).map { p in
                var acc: Float = 0
                let base = (s * h * w + p) * c
                for ch in 0..<c { acc += a.scalars[base + ch] }
                return acc / Float(c)
            }
        }
    }
}
