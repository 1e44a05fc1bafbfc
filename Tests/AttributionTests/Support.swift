// Shared fixtures of the Attribution tests: small cao-shaped networks, a Dense-only linear model,
// the numpy golden file, and a quick way to build an explainer.
import Foundation
import Tensors
import TestSupport
@testable import Attribution
@testable import NeuralNet

/// Conv(relu) → Conv(relu) → Flatten → Dense → Dense → Dense(softmax): cao's shape, small widths,
/// with seeded non-zero biases (as after training: a bias-free ReLU net is positively homogeneous,
/// which would make integrated gradients from a zero baseline trivially exact).
func caoLike(bands: Int = 8, classes: Int = 5, seed: UInt64 = 1, filters: (Int, Int) = (6, 4)) throws -> Sequential {
    var model = try ModelSpec(name: "cao-like", layers: [
        .conv2D(filters: filters.0, kernel: [3, 3], padding: .valid, activation: .relu, name: "conv1"),
        .conv2D(filters: filters.1, kernel: [3, 3], padding: .valid, activation: .relu, name: "conv2"),
        .flatten(name: "flatten"),
        .dense(units: 10, activation: .linear, name: "dense1"),
        .dense(units: 8, activation: .linear, name: "dense2"),
        .dense(units: classes, activation: .softmax, name: "predictions"),
    ]).build(inputShape: [5, 5, bands], seed: seed)
    var rng = SeededRandom(seed: seed &+ 1000)
    for i in model.layers.indices where model.layers[i].parameters.count == 2 {
        let p = model.layers[i].parameters
        try model.layers[i].setParameters([p[0], p[1].map { _ in rng.uniform(-0.2, 0.2) }])
    }
    return model
}

/// Flatten → Dense(classes, softmax): its logits are linear in the input.
func linearModel(bands: Int = 4, classes: Int = 3, seed: UInt64 = 2) throws -> Sequential {
    try ModelSpec(name: "linear", layers: [
        .flatten(name: "flatten"),
        .dense(units: classes, activation: .softmax, name: "predictions"),
    ]).build(inputShape: [5, 5, bands], seed: seed)
}

/// The numpy/scipy/matplotlib golden values (reference/attribution_golden.py).
struct Golden: Decodable {
    struct Pair: Decodable { let a: [Double], b: [Double], spearman: Double, cosine: Double }
    struct MLP: Decodable {
        let x: [Float], w1: [Float], b1: [Float], w2: [Float], b2: [Float]
        let classes: [Int], steps: Int
        let gradient: [Double], guided: [Double]
        let integrated_gradients: [Double], score_differences: [Double]
    }
    let viridis_anchors: [[Double]]
    let viridis_probe_t: [Float]
    let viridis_probe: [[Double]]
    let similarity: [Pair]
    let percentile_values: [Float]
    let percentiles: [String: Double]
    let mlp: MLP

    static func load() throws -> Golden {
        let url = fixturesDirectory().appendingPathComponent("attribution_golden.json")
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }

    /// The golden MLP as an HSIFlow model: input (2, 2, 3) → Flatten → Dense(6, relu) → Dense(4).
    func mlpModel() throws -> Sequential {
        var model = try ModelSpec(name: "mlp", layers: [
            .flatten(name: "flatten"),
            .dense(units: 6, activation: .relu, name: "hidden"),
            .dense(units: 4, activation: .linear, name: "logits"),
        ]).build(inputShape: [2, 2, 3], seed: 0)
        try model.setWeights([[], [Tensor(shape: [12, 6], scalars: mlp.w1), Tensor(shape: [6], scalars: mlp.b1)],
                              [Tensor(shape: [6, 4], scalars: mlp.w2), Tensor(shape: [4], scalars: mlp.b2)]])
        return model
    }

    var mlpInput: Tensor { Tensor(shape: [3, 2, 2, 3], scalars: mlp.x) }
}

/// Standard-normal seeded inputs [n, 5, 5, bands] (what standardized bands look like).
func standardInputs(_ n: Int, bands: Int, seed: UInt64) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return Tensor(shape: [n, 5, 5, bands], scalars: (0..<(n * 25 * bands)).map { _ in Float(rng.normal()) })
}
