// APoZ (Hu et al., 2016, "Network Trimming"): for every Conv2D channel, the Average Percentage
// of Zeros of its post-ReLU output over a data set, averaged over samples and spatial positions.
// A channel that is almost always zero contributes little and is pruned first.
public import NeuralNet
public import Tensors

/// Per-channel scores of one Conv2D layer.
public struct LayerChannelScores: Sendable, Equatable, Codable {
    /// Index of the layer in the model.
    public var layerIndex: Int
    public var layerName: String
    /// One score per current output channel.
    public var values: [Double]

    public init(layerIndex: Int, layerName: String, values: [Double]) {
        self.layerIndex = layerIndex
        self.layerName = layerName
        self.values = values
    }
}

/// Average Percentage of Zeros of convolution channels.
public enum APoZ {
    /// Fraction of exact zeros in each channel (last axis) of `activations`, over every other axis
    /// (samples and positions): APoZ_c = #{a[…, c] = 0} / (N·H·W).
    public static func zeroFractions(_ activations: Tensor) -> [Double] {
        let counts = zeroCounts(activations)
        let perChannel = activations.count / max(activations.shape.last ?? 1, 1)
        return counts.map { perChannel > 0 ? Double($0) / Double(perChannel) : 0 }
    }

    /// Number of exact zeros in each channel (last axis).
    static func zeroCounts(_ activations: Tensor) -> [Int] {
        let c = activations.shape.last ?? 0
        var counts = [Int](repeating: 0, count: c)
        guard c > 0 else { return counts }
        activations.scalars.withUnsafeBufferPointer { p in
            var base = 0
            while base < p.count {
                for k in 0..<c where p[base + k] == 0 { counts[k] += 1 }
                base += c
            }
        }
        return counts
    }

    /// APoZ of every Conv2D channel of `model` over the samples `inputs` [N, …], `batchSize` at a
    /// time. The post-ReLU output is the layer's own output when its activation is ReLU, or the
    /// output of a ReLU activation layer right after it.
    ///
    /// Which samples to pass is the caller's choice; HSIFlow's default is the training set. The
    /// original tool scored channels on its test patches, so the set it later reported accuracy
    /// on also decided which channels survived — a leak of the evaluation set into model selection.
    public static func scores(of model: Sequential, inputs: Tensor, batchSize: Int = 256) throws(CompressionError) -> [LayerChannelScores] {
        try wrapping { () throws(NeuralNetError) in try model.checkInput(inputs) }
        guard batchSize > 0 else { throw .invalidArgument("APoZ batch size must be positive, got \(batchSize)") }
        let n = inputs.shape[0]
        guard n > 0 else { throw .invalidArgument("APoZ needs at least one sample") }
        // Which layer output holds each conv layer's post-ReLU activations.
        var taps: [(conv: Int, output: Int)] = []
        for i in ChannelSurgery.convolutionLayers(in: model) {
            let layer = model.layers[i]
            if layer.activation == .relu {
                taps.append((i, i))
            } else if i + 1 < model.layers.count, model.layers[i + 1] is ActivationLayer, model.layers[i + 1].activation == .relu {
                taps.append((i, i + 1))
            } else {
                throw .notPrunable(layer: layer.name, reason: "APoZ counts zeros after a ReLU, and this layer's output has no ReLU; use the l1 criterion")
            }
        }
        var counts = taps.map { [Int](repeating: 0, count: model.outputShapes[$0.conv].last ?? 0) }
        var positions = [Int](repeating: 0, count: taps.count)
        var runner = model
        var start = 0
        while start < n {
            let rows = start ..< min(start + batchSize, n)
            let outputs = runner.activations(inputs.slicing(rows: rows))
            for (t, tap) in taps.enumerated() {
                let a = outputs[tap.output]
                for (k, z) in zeroCounts(a).enumerated() { counts[t][k] += z }
                positions[t] += a.count / max(a.shape.last ?? 1, 1)
            }
            start = rows.upperBound
        }
        return taps.enumerated().map { t, tap in
            LayerChannelScores(layerIndex: tap.conv, layerName: model.layers[tap.conv].name,
                               values: counts[t].map { Double($0) / Double(positions[t]) })
        }
    }
}
