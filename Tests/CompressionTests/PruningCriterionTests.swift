// PruningCriterionTests: the three rankings (APoZ, filter L1, seeded random) and the selection
// rule — global and per-layer counts, ties, and never emptying a layer (reported, not crashed).
import Testing
import TestSupport
import Tensors
import NeuralNet
@testable import Compression

@Suite struct PruningCriterionTests {
    let priorities = [
        LayerChannelScores(layerIndex: 0, layerName: "a", values: [0.9, 0.1, 0.95]),
        LayerChannelScores(layerIndex: 1, layerName: "b", values: [0.99, 0.2]),
    ]

    @Test func globalSelectionTakesTheHighestPrioritiesAcrossLayers() {
        let s = ChannelSelection.choose(priorities: priorities, globalCount: 2, perLayerCount: [:])
        #expect(s.removals == ["a": [2], "b": [0]])
        #expect(s.keptToAvoidEmptying.isEmpty && s.shortfall == 0)
    }

    @Test func globalSelectionKeepsOneChannelPerLayerAndSaysSo() {
        // 4 removals: b0 (0.99), a2 (0.95), a0 (0.9); b1 (0.2) would empty b, so a1 (0.1) is next —
        // but a1 would empty a as well: only 3 can go.
        let s = ChannelSelection.choose(priorities: priorities, globalCount: 4, perLayerCount: [:])
        #expect(s.removals == ["a": [0, 2], "b": [0]])
        #expect(s.keptToAvoidEmptying == ["b", "a"])
        #expect(s.shortfall == 1)
    }

    @Test func perLayerSelectionTakesEachLayersShare() {
        let s = ChannelSelection.choose(priorities: priorities, globalCount: nil, perLayerCount: ["a": 1, "b": 2])
        #expect(s.removals == ["a": [2], "b": [0]])
        #expect(s.keptToAvoidEmptying == ["b"] && s.shortfall == 1)
    }

    @Test func tiesBreakByLayerThenChannel() {
        let flat = [LayerChannelScores(layerIndex: 0, layerName: "a", values: [0.5, 0.5]),
                    LayerChannelScores(layerIndex: 1, layerName: "b", values: [0.5, 0.5])]
        #expect(ChannelSelection.choose(priorities: flat, globalCount: 2, perLayerCount: [:]).removals == ["a": [0], "b": [0]])
    }

    @Test func l1RanksSmallFiltersFirst() throws {
        var model = try tinyConvModel()
        // conv1 filter 2 scaled down: smallest mean |w|, so highest priority in its layer.
        try editing(&model, "conv1") { p in
            for i in 0..<p[0].count where i % 4 == 2 { p[0].scalars[i] *= 0.01 }
        }
        let scores = try PruningCriterion.l1.priorities(of: model, scoringInputs: Tensor(shape: [0, 6, 6, 3]), seed: 0)
        #expect(scores.map(\.layerName) == ["conv1", "conv2"])
        let conv1 = scores[0].values
        #expect(conv1.indices.max { conv1[$0] < conv1[$1] } == 2)
        // Value: minus the mean |w| of the filter.
        let k = model.layers[0].parameters[0]
        let mean0 = (0..<k.count).filter { $0 % 4 == 0 }.reduce(0.0) { $0 + Double(abs(k.scalars[$1])) } / 27
        #expect(abs(conv1[0] + mean0) < 1e-9)
    }

    @Test func randomIsSeeded() throws {
        let model = try tinyConvModel()
        let none = Tensor(shape: [0, 6, 6, 3])
        let a = try PruningCriterion.random.priorities(of: model, scoringInputs: none, seed: 3)
        let b = try PruningCriterion.random.priorities(of: model, scoringInputs: none, seed: 3)
        let c = try PruningCriterion.random.priorities(of: model, scoringInputs: none, seed: 4)
        #expect(a == b && a != c)
        #expect(a.map(\.values.count) == [4, 3])
    }
}
