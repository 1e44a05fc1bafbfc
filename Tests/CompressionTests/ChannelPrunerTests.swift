// ChannelPrunerTests: a sweep on a tiny synthetic scene — channel counts follow the levels over the
// ORIGINAL counts, each level is a step from the one before (same result step by step), the
// keep-one-channel rule shows in the metrics, per-layer scope, progress reports, bad steps.
import Testing
import TestSupport
import Tensors
import SpectralData
import NeuralNet
@testable import Compression

/// A trained two-conv model on the tiny scene, and its data.
func trainedSceneModel() throws -> (model: Sequential, data: PruningData) {
    let (cube, truth) = tinyScene(height: 24, width: 24, bands: 8, classes: 3, seed: 5)
    let split = try Split.stratified(truth, trainFraction: 0.5, seed: 41)
    let scaled = try standardizedPerBand(cube)
    let train = try labelledPatches(scaled, split.train, patch: 5)
    let test = try labelledPatches(scaled, split.test, patch: 5)
    var model = try ModelSpec(name: "two-conv", layers: [
        .conv2D(filters: 12, kernel: [3, 3], activation: .relu, name: "conv1"),
        .conv2D(filters: 8, kernel: [3, 3], activation: .relu, name: "conv2"),
        .flatten(name: "flatten"),
        .dense(units: 16, name: "dense1"),
        .dense(units: 3, activation: .softmax, name: "out"),
    ]).build(inputShape: [5, 5, 8], seed: 3)
    _ = try model.fit(inputs: train.inputs, labels: train.classes,
                      options: TrainingOptions(epochs: 4, batchSize: 32, optimizer: .adam(), seed: 41))
    let data = PruningData(training: try LabelledSamples(inputs: train.inputs, labels: train.classes),
                           evaluation: try LabelledSamples(inputs: test.inputs, labels: test.classes))
    return (model, data)
}

@Suite struct ChannelPrunerTests {
    let options = PruningOptions(criterion: .apoz, scope: .global,
                                 fineTuning: FineTuning(epochs: 1, learningRate: 1e-3, batchSize: 32),
                                 seed: 41, latencySamples: 5)

    @Test func globalSweepFollowsTheLevelsAndChainsStepByStep() throws {
        let (model, data) = try trainedSceneModel()
        var reports: [PruningProgress] = []
        let results = try ChannelPruner(options: options).sweep(model, levels: .list([0, 25, 50, 100]), data: data) {
            reports.append($0)
        }
        #expect(results.count == 4)
        // 20 original conv channels: 25% → 5 gone, 50% → 10 gone, 100% → all but one per layer.
        let totals = results.map { $0.metrics.channels.reduce(0) { $0 + $1.channels } }
        #expect(totals == [20, 15, 10, 2])
        #expect(results.map(\.metrics.achievedLevel) == [0, 25, 50, 90])
        // Level 0 is the trained model untouched, scored on the evaluation set.
        #expect(results[0].pruned.model.weights == model.weights)
        #expect(results[0].metrics.fineTuningLoss.isEmpty && results[1].metrics.fineTuningLoss.count == 1)
        let (baseline, _) = try ModelEvaluation.measure(model, on: data.evaluation, singleSamples: 0)
        #expect(results[0].metrics.evaluation.overallAccuracy == baseline.overallAccuracy)
        // The keep-one rule is reported, with the channels it could not remove.
        #expect(results[3].metrics.keptToAvoidEmptying.sorted() == ["conv1", "conv2"])
        #expect(results[3].metrics.shortfall == 2)
        #expect(results[2].metrics.keptToAvoidEmptying.isEmpty && results[2].metrics.shortfall == 0)
        // Removed channels are reported in original numbering and agree with the surviving origins.
        for r in results {
            for (layer, origins) in r.pruned.channelOrigins {
                #expect(origins.count == r.metrics.channels.first { $0.layer == layer }?.channels)
            }
        }
        let gone = Set(results[1].metrics.removedChannels["conv1"] ?? []).union(results[2].metrics.removedChannels["conv1"] ?? [])
        #expect(Set(results[2].pruned.channelOrigins["conv1"] ?? []).isDisjoint(with: gone))
        #expect(gone.count + (results[2].pruned.channelOrigins["conv1"]?.count ?? 0) == 12)
        // Parameters and FLOPs fall with every level.
        #expect(zip(results, results.dropFirst()).allSatisfy { $0.metrics.parameters > $1.metrics.parameters && $0.metrics.flops > $1.metrics.flops })
        // One step from the cached 25% model gives exactly the sweep's 50% model.
        let again = try ChannelPruner(options: options).step(from: results[1].pruned, to: 50, data: data)
        #expect(again.pruned.model.weights == results[2].pruned.model.weights)
        #expect(again.metrics.removedChannels == results[2].metrics.removedChannels)
        // Progress: every level scores, fine-tunes (except 0), evaluates and finishes, numbered k of 4.
        let finished = reports.compactMap { r -> Int? in if case .finished = r.phase { return r.index } else { return nil } }
        #expect(finished == [1, 2, 3, 4] && reports.allSatisfy { $0.count == 4 })
        #expect(reports.contains { if case .fineTuning = $0.phase { return $0.level == 25 } else { return false } })
        #expect(reports.first { $0.index == 3 }?.secondsRemaining != nil && reports.first?.secondsRemaining == nil)
    }

    @Test func perLayerScopeTakesEachLayersShare() throws {
        let (model, data) = try trainedSceneModel()
        var o = options
        o.scope = .perLayer
        o.criterion = .l1
        o.fineTuning.epochs = 0
        let r = try ChannelPruner(options: o).step(from: .unpruned(model), to: 50, data: data)
        #expect(r.metrics.channels.map(\.channels) == [6, 4])
        #expect(r.metrics.fineTuningLoss.isEmpty)
        let all = try ChannelPruner(options: o).step(from: r.pruned, to: 100, data: data)
        #expect(all.metrics.channels.map(\.channels) == [1, 1])
        #expect(all.metrics.keptToAvoidEmptying == ["conv1", "conv2"] && all.metrics.shortfall == 2)
    }

    @Test func randomCriterionIsReproducible() throws {
        let (model, data) = try trainedSceneModel()
        var o = options
        o.criterion = .random
        o.fineTuning.epochs = 0
        let a = try ChannelPruner(options: o).step(from: .unpruned(model), to: 40, data: data)
        let b = try ChannelPruner(options: o).step(from: .unpruned(model), to: 40, data: data)
        o.seed = 42
        let c = try ChannelPruner(options: o).step(from: .unpruned(model), to: 40, data: data)
        #expect(a.metrics.removedChannels == b.metrics.removedChannels)
        #expect(a.metrics.removedChannels != c.metrics.removedChannels)
    }

    @Test func stepsGoOnlyForwardAndCheckTheirInputs() throws {
        let (model, data) = try trainedSceneModel()
        let pruner = ChannelPruner(options: options)
        let half = try pruner.step(from: .unpruned(model), to: 50, data: data)
        #expect(throws: CompressionError.self) { try pruner.step(from: half.pruned, to: 25, data: data) }
        #expect(throws: CompressionError.self) { try pruner.step(from: .unpruned(model), to: 120, data: data) }
        var bad = half.pruned
        bad.channelOrigins["conv1"] = [0]
        #expect(throws: CompressionError.self) { try pruner.step(from: bad, to: 60, data: data) }
        var o = options
        o.fineTuning.batchSize = 0
        #expect(throws: CompressionError.self) { try ChannelPruner(options: o).step(from: .unpruned(model), to: 10, data: data) }
    }
}
