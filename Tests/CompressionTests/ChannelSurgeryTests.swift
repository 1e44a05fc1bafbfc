// ChannelSurgeryTests: removing channels whose outgoing weights are zero leaves the outputs
// unchanged (conv→conv and conv→flatten→dense, with NHWC flatten order), the parameter count
// falls by exactly the removed slices, and bad requests are errors, not crashes.
import Foundation
import Testing
import TestSupport
import Tensors
import NeuralNet
import FileFormats
@testable import Compression

/// conv1 (3×3, 4 filters, ReLU) → conv2 (3×3, 3 filters, ReLU) → flatten (2·2·3) → dense(5) → dense(2, softmax)
/// on 6×6×3 inputs, so the flatten sees 4 positions and the Dense row order matters.
func tinyConvModel(seed: UInt64 = 11, extra: [LayerSpec] = []) throws -> Sequential {
    try ModelSpec(name: "tiny", layers: [
        .conv2D(filters: 4, kernel: [3, 3], activation: .relu, name: "conv1"),
        .conv2D(filters: 3, kernel: [3, 3], activation: .relu, name: "conv2"),
    ] + extra + [
        .flatten(name: "flatten"),
        .dense(units: 5, name: "dense1"),
        .dense(units: 2, activation: .softmax, name: "out"),
    ]).build(inputShape: [6, 6, 3], seed: seed)
}

/// Sets the parameters of layer `name` through a closure.
func editing(_ model: inout Sequential, _ name: String, _ edit: (inout [Tensor]) -> Void) throws {
    let i = try #require(model.layers.firstIndex { $0.name == name })
    var p = model.layers[i].parameters
    edit(&p)
    try model.layers[i].setParameters(p)
}

@Suite struct ChannelSurgeryTests {
    @Test func removingAConvChannelWithZeroOutgoingWeightsKeepsOutputs() throws {
        var model = try tinyConvModel()
        // conv2's kernel (3, 3, 4, 3): zero every weight reading conv1's channel 1.
        try editing(&model, "conv2") { p in
            for ky in 0..<3 { for kx in 0..<3 { for f in 0..<3 { p[0][ky, kx, 1, f] = 0 } } }
        }
        let x = seededTensor([7, 6, 6, 3], seed: 3)
        var pruned = try ChannelSurgery.removing(["conv1": [1]], from: model)
        let before = model.forward(x), after = pruned.forward(x)
        #expect(maxAbsDifference(before.scalars, after.scalars) < 1e-6)
        #expect(pruned.outputShapes[0] == [4, 4, 3])
        #expect(pruned.layers[1].parameters[0].shape == [3, 3, 3, 3])
    }

    @Test func removingTheLastConvChannelsFollowsTheNHWCFlattenOrder() throws {
        var model = try tinyConvModel()
        // dense1's kernel (12, 5): feature (pos · 3 + c) reads conv2 channel c at position pos.
        // Zero the rows of channels 0 and 2 at all 4 positions.
        try editing(&model, "dense1") { p in
            for pos in 0..<4 { for c in [0, 2] { for o in 0..<5 { p[0][pos * 3 + c, o] = 0 } } }
        }
        let x = seededTensor([5, 6, 6, 3], seed: 4)
        var pruned = try ChannelSurgery.removing(["conv2": [2, 0]], from: model)
        #expect(pruned.outputShapes[1] == [2, 2, 1] && pruned.outputShapes[2] == [4])
        #expect(maxAbsDifference(model.forward(x).scalars, pruned.forward(x).scalars) < 1e-6)
        // The kept rows are exactly the channel-1 rows, in position order.
        let kept = pruned.layers[3].parameters[0]
        let original = model.layers[3].parameters[0]
        for pos in 0..<4 { for o in 0..<5 { #expect(kept[pos, o] == original[pos * 3 + 1, o]) } }
    }

    @Test func bothLayersAtOnceThroughChannelWiseLayers() throws {
        // A stand-alone ReLU and a dropout between the convs: surgery follows channel-wise layers.
        var model = try ModelSpec(name: "tiny", layers: [
            .conv2D(filters: 4, kernel: [3, 3], name: "conv1"),
            .activation(.relu, name: "relu1"),
            .dropout(rate: 0.3, name: "drop"),
            .conv2D(filters: 3, kernel: [3, 3], activation: .relu, name: "conv2"),
            .flatten(name: "flatten"),
            .dense(units: 2, activation: .softmax, name: "out"),
        ]).build(inputShape: [6, 6, 3], seed: 5)
        try editing(&model, "conv2") { p in
            for ky in 0..<3 { for kx in 0..<3 { for f in 0..<3 { p[0][ky, kx, 3, f] = 0 } } }
        }
        try editing(&model, "out") { p in for pos in 0..<4 { for o in 0..<2 { p[0][pos * 3 + 1, o] = 0 } } }
        let x = seededTensor([4, 6, 6, 3], seed: 6)
        var pruned = try ChannelSurgery.removing(["conv1": [3], "conv2": [1]], from: model)
        #expect(ModelCost(of: pruned).channels.map(\.channels) == [3, 2])
        #expect(maxAbsDifference(model.forward(x).scalars, pruned.forward(x).scalars) < 1e-6)
    }

    @Test func removesExactlyTheRightNumberOfParameters() throws {
        let model = try tinyConvModel()
        // Counted by hand from the shapes: a conv1 channel is its 3·3·3 kernel slice + 1 bias, plus
        // the 3·3·(3 filters) weights of conv2 that read it.
        let conv1 = try ChannelSurgery.removing(["conv1": [0, 3]], from: model)
        #expect(model.parameterCount - conv1.parameterCount == 2 * (3 * 3 * 3 + 1) + 2 * (3 * 3 * 3))
        // A conv2 channel is its 3·3·4 kernel slice + 1 bias, plus 4 positions × 5 Dense weights.
        let conv2 = try ChannelSurgery.removing(["conv2": [1]], from: model)
        #expect(model.parameterCount - conv2.parameterCount == (3 * 3 * 4 + 1) + 4 * 5)
        // And counted element by element over the rebuilt tensors.
        let counted = conv2.layers.reduce(0) { $0 + $1.parameters.reduce(0) { $0 + $1.scalars.count } }
        #expect(counted == conv2.parameterCount)
    }

    @Test func theSmallerModelTrainsAndPredicts() throws {
        let model = try tinyConvModel()
        var pruned = try ChannelSurgery.removing(["conv1": [2], "conv2": [0]], from: model)
        let x = seededTensor([16, 6, 6, 3], seed: 8)
        let labels = (0..<16).map { $0 % 2 }
        let history = try pruned.fit(inputs: x, labels: labels,
                                     options: TrainingOptions(epochs: 30, batchSize: 8, optimizer: .adam(learningRate: 0.01), seed: 1))
        #expect(history.loss.last! < history.loss.first!)
        let y = try pruned.predict(x)
        #expect(y.shape == [16, 2])
        #expect(pruned.spec.layers[0].filters == 3 && pruned.spec.layers[1].filters == 2)
        // The spec rebuilds the same structure (what a model file stores).
        let rebuilt = try pruned.spec.build(inputShape: [6, 6, 3], seed: 0)
        #expect(rebuilt.outputShapes == pruned.outputShapes)
    }

    @Test func theSmallerModelSavesAndLoadsAsAKerasFile() throws {
        var pruned = try ChannelSurgery.removing(["conv1": [0, 2], "conv2": [1]], from: try tinyConvModel())
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("pruned.h5").path
        try ModelFile.save(pruned, to: path)
        var loaded = try ModelFile.load(path: path).model
        #expect(loaded.outputShapes == pruned.outputShapes && loaded.weights == pruned.weights)
        let x = seededTensor([3, 6, 6, 3], seed: 12)
        #expect(loaded.forward(x) == pruned.forward(x))
    }

    @Test func badRequestsAreErrors() throws {
        let model = try tinyConvModel()
        #expect(throws: CompressionError.self) { try ChannelSurgery.removing(["conv1": [0, 1, 2, 3]], from: model) }
        #expect(throws: CompressionError.self) { try ChannelSurgery.removing(["conv1": [4]], from: model) }
        #expect(throws: CompressionError.self) { try ChannelSurgery.removing(["conv1": [1, 1]], from: model) }
        #expect(throws: CompressionError.self) { try ChannelSurgery.removing(["dense1": [0]], from: model) }
        #expect(throws: CompressionError.self) { try ChannelSurgery.removing(["nope": [0]], from: model) }
        // A conv whose channels are the model output cannot lose them.
        let convOut = try ModelSpec(name: "c", layers: [.conv2D(filters: 3, kernel: [3, 3], name: "only")])
            .build(inputShape: [4, 4, 2], seed: 1)
        #expect(throws: CompressionError.self) { try ChannelSurgery.removing(["only": [0]], from: convOut) }
        // A softmax over channels mixes them: surgery refuses.
        let mixed = try ModelSpec(name: "m", layers: [
            .conv2D(filters: 3, kernel: [3, 3], name: "conv"), LayerSpec(kind: .softmax, name: "sm"), .flatten(), .dense(units: 2),
        ]).build(inputShape: [4, 4, 2], seed: 1)
        #expect(throws: CompressionError.self) { try ChannelSurgery.removing(["conv": [0]], from: mixed) }
    }
}
