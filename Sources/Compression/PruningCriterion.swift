// PruningCriterion: how channels are ranked for removal — APoZ (the original), the L1 norm of the
// filter (a standard baseline) and a seeded random order (the control) — and ChannelSelection,
// which turns a ranking into the channels one pruning step removes, never emptying a layer.
public import NeuralNet
public import Tensors

/// How channels are ranked for removal.
public enum PruningCriterion: String, Codable, Sendable, CaseIterable {
    /// Highest Average Percentage of Zeros first (Hu et al., 2016).
    case apoz
    /// Smallest filter magnitude first (Li et al., 2017, "Pruning Filters for Efficient ConvNets").
    case l1
    /// A seeded random order: the control that shows what a criterion adds.
    case random
}

/// Which channels compete when a level is applied.
public enum PruningScope: String, Codable, Sendable, CaseIterable {
    /// All conv channels are ranked together and the level applies to their total (the original).
    case global
    /// Each conv layer loses the level's share of its own channels.
    case perLayer = "per-layer"
}

extension PruningCriterion {
    /// Removal priority of every conv channel: higher is removed first.
    /// - apoz: the channel's APoZ over `scoringInputs`.
    /// - l1: minus the mean |w| of the filter. The mean (L1 norm / filter size) rather than the
    ///   norm keeps layers with different fan-in comparable when the scope is global.
    /// - random: uniform draws from `seed`.
    public func priorities(of model: Sequential, scoringInputs: Tensor, batchSize: Int = 256,
                           seed: UInt64) throws(CompressionError) -> [LayerChannelScores] {
        switch self {
        case .apoz:
            return try APoZ.scores(of: model, inputs: scoringInputs, batchSize: batchSize)
        case .l1:
            return ChannelSurgery.convolutionLayers(in: model).map { i in
                let kernel = model.layers[i].parameters[0]
                let f = kernel.shape[3], perFilter = kernel.count / max(f, 1)
                var sums = [Double](repeating: 0, count: f)
                kernel.scalars.withUnsafeBufferPointer { w in
                    for j in 0..<w.count { sums[j % f] += Double(abs(w[j])) }
                }
                return LayerChannelScores(layerIndex: i, layerName: model.layers[i].name,
                                          values: sums.map { -$0 / Double(perFilter) })
            }
        case .random:
            var rng = SeededRandom(seed: seed)
            return ChannelSurgery.convolutionLayers(in: model).map { i in
                let f = model.layers[i].parameters[0].shape[3]
                return LayerChannelScores(layerIndex: i, layerName: model.layers[i].name,
                                          values: (0..<f).map { _ in rng.nextUnitDouble() })
            }
        }
    }
}

/// The channels one pruning step removes.
public struct ChannelSelection: Sendable, Equatable {
    /// Layer name → channel indices (current numbering) to remove.
    public var removals: [String: [Int]]
    /// Layers that kept their last channel although the ranking asked for it (the original crashed here).
    public var keptToAvoidEmptying: [String]
    /// Channels the step should have removed but could not, because every candidate layer is down
    /// to one channel.
    public var shortfall: Int

    /// Picks channels by `priorities` (higher first; ties by layer, then channel index): with
    /// `globalCount`, that many across all layers (global scope); otherwise `perLayerCount[name]`
    /// from each layer (per-layer scope). No layer is left without a channel.
    public static func choose(priorities: [LayerChannelScores], globalCount: Int?, perLayerCount: [String: Int])
        -> ChannelSelection {
        var removals: [String: [Int]] = [:]
        var protected: [String] = []
        var shortfall = 0
        if let globalCount {
            var candidates: [(layer: Int, channel: Int, score: Double)] = []
            for (l, s) in priorities.enumerated() { for (c, v) in s.values.enumerated() { candidates.append((l, c, v)) } }
            candidates.sort { a, b in
                a.score != b.score ? a.score > b.score : (a.layer != b.layer ? a.layer < b.layer : a.channel < b.channel)
            }
            var remaining = priorities.map(\.values.count)
            var taken = 0
            for cand in candidates where taken < globalCount {
                let name = priorities[cand.layer].layerName
                if remaining[cand.layer] <= 1 {
                    if !protected.contains(name) { protected.append(name) }
                    continue
                }
                remaining[cand.layer] -= 1
                removals[name, default: []].append(cand.channel)
                taken += 1
            }
            shortfall = globalCount - taken
        } else {
            for s in priorities {
                let want = perLayerCount[s.layerName] ?? 0
                guard want > 0 else { continue }
                let order = s.values.indices.sorted { s.values[$0] != s.values[$1] ? s.values[$0] > s.values[$1] : $0 < $1 }
                let allowed = max(s.values.count - 1, 0)
                if want > allowed {
                    protected.append(s.layerName)
                    shortfall += want - allowed
                }
                let chosen = Array(order.prefix(min(want, allowed)))
                if !chosen.isEmpty { removals[s.layerName] = chosen.sorted() }
            }
        }
        for key in removals.keys { removals[key]?.sort() }
        return ChannelSelection(removals: removals, keptToAvoidEmptying: protected, shortfall: shortfall)
    }
}
