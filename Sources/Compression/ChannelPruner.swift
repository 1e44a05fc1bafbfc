// ChannelPruner: the pruning sweep as a chain of steps. `step(from:to:)` takes the previous level's
// model to the next level (rank → select → surgery → fine-tune → evaluate), so a caller can cache
// each level and extending a sweep computes only the new levels; `sweep` chains the steps.
// Progress goes to a closure (level k of n, phase, fine-tuning batches, ETA); nothing is printed.
public import NeuralNet
public import Tensors

/// Fine-tuning after each pruning step (the original: Adam, lr 1e-4).
public struct FineTuning: Sendable, Equatable, Codable {
    public var epochs: Int
    public var learningRate: Double
    public var batchSize: Int

    public init(epochs: Int = 2, learningRate: Double = 1e-4, batchSize: Int = 128) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
    }
}

/// How a sweep prunes.
public struct PruningOptions: Sendable, Equatable, Codable {
    public var criterion: PruningCriterion
    public var scope: PruningScope
    public var fineTuning: FineTuning
    /// Seeds the random criterion and the fine-tuning shuffles (mixed with each level).
    public var seed: UInt64
    /// Batch size for APoZ scoring.
    public var scoringBatchSize: Int
    /// Batch size for the timed evaluation.
    public var evaluationBatchSize: Int
    /// Samples timed one at a time for the batch-1 latency.
    public var latencySamples: Int
    /// Scales the timed calls of each latency (ModelEvaluation.measure's `repeats`; median kept).
    public var latencyRepeats: Int
    /// Time each of a level's two latency measurements may take once it has its minimum calls
    /// (nil: no budget, every call made). Not part of any key: latency is a timing, not a result.
    public var latencyBudget: Duration?

    public init(criterion: PruningCriterion = .apoz, scope: PruningScope = .global, fineTuning: FineTuning = FineTuning(),
                seed: UInt64 = 41, scoringBatchSize: Int = 256, evaluationBatchSize: Int = 128, latencySamples: Int = 200,
                latencyRepeats: Int = 3, latencyBudget: Duration? = nil) {
        self.criterion = criterion
        self.scope = scope
        self.fineTuning = fineTuning
        self.seed = seed
        self.scoringBatchSize = scoringBatchSize
        self.evaluationBatchSize = evaluationBatchSize
        self.latencySamples = latencySamples
        self.latencyRepeats = latencyRepeats
        self.latencyBudget = latencyBudget
    }
}

/// The data a sweep uses.
public struct PruningData: Sendable {
    /// Fine-tuning set.
    public var training: LabelledSamples
    /// The set accuracy and latency are reported on.
    public var evaluation: LabelledSamples
    /// Inputs the APoZ criterion is computed on; nil means the training inputs. Passing the
    /// evaluation set reproduces the original tool, which leaked it into channel selection.
    public var scoring: Tensor?

    public init(training: LabelledSamples, evaluation: LabelledSamples, scoring: Tensor? = nil) {
        self.training = training
        self.evaluation = evaluation
        self.scoring = scoring
    }
}

/// A model at some pruning level, with what the next step needs to know about the original.
public struct PrunedModel: Sendable {
    public var model: Sequential
    /// The level (% of the original conv channels removed) it was pruned to.
    public var level: Double
    /// Conv channel counts of the unpruned model, in layer order.
    public var originalChannels: [LayerChannels]
    /// For every conv layer, the original index of each channel it still has.
    public var channelOrigins: [String: [Int]]

    /// A model that has not been pruned (level 0).
    public static func unpruned(_ model: Sequential) -> PrunedModel {
        let channels = ModelCost(of: model).channels
        return PrunedModel(model: model, level: 0, originalChannels: channels,
                           channelOrigins: Dictionary(uniqueKeysWithValues: channels.map { ($0.layer, Array(0..<$0.channels)) }))
    }

    /// A pruned model restored from storage (`validate()` checks that the bookkeeping fits it).
    public init(model: Sequential, level: Double, originalChannels: [LayerChannels], channelOrigins: [String: [Int]]) {
        self.model = model
        self.level = level
        self.originalChannels = originalChannels
        self.channelOrigins = channelOrigins
    }

    /// Throws unless the conv layers match `originalChannels` and `channelOrigins`.
    public func validate() throws(CompressionError) {
        let current = ModelCost(of: model).channels
        guard current.map(\.layer) == originalChannels.map(\.layer) else {
            throw .invalidArgument("the model's conv layers \(current.map(\.layer)) differ from the original's \(originalChannels.map(\.layer)); was it pruned from another model?")
        }
        for (now, before) in zip(current, originalChannels) {
            guard let origins = channelOrigins[now.layer], origins.count == now.channels,
                  origins.allSatisfy({ $0 >= 0 && $0 < before.channels }), origins == origins.sorted(), Set(origins).count == origins.count else {
                throw .invalidArgument("channel origins of layer \(now.layer) do not describe its \(now.channels) channels out of \(before.channels)")
            }
        }
    }

    /// % of the original conv channels this model has lost.
    public var achievedLevel: Double {
        let original = originalChannels.reduce(0) { $0 + $1.channels }
        let now = ModelCost(of: model).channels.reduce(0) { $0 + $1.channels }
        return original > 0 ? Double(original - now) * 100 / Double(original) : 0
    }
}

/// What one level reports.
public struct PruningLevelMetrics: Sendable, Equatable, Codable {
    /// Requested level (% of the original conv channels removed).
    public var level: Double
    /// Level actually reached (differs when the keep-one-channel rule or rounding stepped in).
    public var achievedLevel: Double
    public var channels: [LayerChannels]
    public var parameters: Int
    public var flops: Int
    public var evaluation: ModelEvaluation
    /// Original indices of the channels removed by this step, per layer.
    public var removedChannels: [String: [Int]]
    /// Layers that kept their last channel although the criterion picked it.
    public var keptToAvoidEmptying: [String]
    /// Channels this step could not remove because of that rule.
    public var shortfall: Int
    /// Fine-tuning loss per epoch (empty when nothing was removed or epochs is 0).
    public var fineTuningLoss: [Double]
    /// Wall-clock seconds of the step.
    public var seconds: Double
}

/// One level: its model and its metrics.
public struct PruningLevelResult: Sendable {
    public var pruned: PrunedModel
    public var metrics: PruningLevelMetrics
}

/// A progress report from a sweep or a step.
public struct PruningProgress: Sendable {
    public enum Phase: Sendable {
        case scoring
        case fineTuning(TrainingProgress)
        case evaluating
        case finished(PruningLevelMetrics)
    }
    public var level: Double
    /// 1-based position of the level in the sweep, and the sweep's length (1 of 1 for a lone step).
    public var index: Int, count: Int
    public var phase: Phase
    /// Estimated seconds until the sweep ends (from the mean time of the finished steps), when known.
    public var secondsRemaining: Double?
}

/// Prunes conv channels level by level.
public struct ChannelPruner: Sendable {
    public var options: PruningOptions

    public init(options: PruningOptions = PruningOptions()) {
        self.options = options
    }

    /// Takes `previous` to `level` (% of the original conv channels removed, ≥ previous.level):
    /// ranks the channels, removes what the level still needs, fine-tunes when something was
    /// removed, and evaluates. Deterministic for the same inputs, options and BLAS thread count.
    public func step(from previous: PrunedModel, to level: Double, data: PruningData,
                     progress: ((PruningProgress) -> Void)? = nil) throws(CompressionError) -> PruningLevelResult {
        try step(from: previous, to: level, data: data, index: 1, count: 1, eta: nil, progress: progress)
    }

    /// Every level of `levels` from the unpruned `model`, each a step from the one before.
    public func sweep(_ model: Sequential, levels: PruningLevels, data: PruningData,
                      progress: ((PruningProgress) -> Void)? = nil) throws(CompressionError) -> [PruningLevelResult] {
        let values = try levels.values()
        var results: [PruningLevelResult] = []
        var state = PrunedModel.unpruned(model)
        var elapsed = 0.0
        for (i, level) in values.enumerated() {
            let eta: Double? = i > 0 ? elapsed / Double(i) * Double(values.count - i) : nil
            let result = try step(from: state, to: level, data: data, index: i + 1, count: values.count, eta: eta, progress: progress)
            elapsed += result.metrics.seconds
            state = result.pruned
            results.append(result)
        }
        return results
    }

    // MARK: - Step

    private func step(from previous: PrunedModel, to level: Double, data: PruningData, index: Int, count: Int,
                      eta: Double?, progress: ((PruningProgress) -> Void)?) throws(CompressionError) -> PruningLevelResult {
        try previous.validate()
        guard level.isFinite, level >= 0, level <= 100 else {
            throw .invalidLevels("level \(level) is outside 0...100 (% of the original conv channels removed)")
        }
        guard level >= previous.level else {
            throw .invalidLevels("levels are cumulative: cannot step from \(previous.level)% down to \(level)%; start again from the unpruned model")
        }
        try checkOptions()
        let clock = ContinuousClock()
        let start = clock.now
        func report(_ phase: PruningProgress.Phase) {
            progress?(PruningProgress(level: level, index: index, count: count, phase: phase, secondsRemaining: eta))
        }

        var model = previous.model
        var origins = previous.channelOrigins
        let current = ModelCost(of: model).channels
        // How many channels this step must remove, from the level's target over the ORIGINAL counts.
        let originalTotal = previous.originalChannels.reduce(0) { $0 + $1.channels }
        let currentTotal = current.reduce(0) { $0 + $1.channels }
        var globalCount: Int?
        var perLayer: [String: Int] = [:]
        switch options.scope {
        case .global:
            let target = Int((level / 100 * Double(originalTotal)).rounded())
            globalCount = max(0, target - (originalTotal - currentTotal))
        case .perLayer:
            for (now, before) in zip(current, previous.originalChannels) {
                let target = Int((level / 100 * Double(before.channels)).rounded())
                perLayer[now.layer] = max(0, target - (before.channels - now.channels))
            }
        }
        let wanted = (globalCount ?? 0) + perLayer.values.reduce(0, +)

        var selection = ChannelSelection(removals: [:], keptToAvoidEmptying: [], shortfall: 0)
        var removedOriginal: [String: [Int]] = [:]
        var loss: [Double] = []
        if wanted > 0 {
            report(.scoring)
            let priorities = try options.criterion.priorities(of: model, scoringInputs: data.scoring ?? data.training.inputs,
                                                              batchSize: options.scoringBatchSize, seed: stepSeed(level))
            selection = ChannelSelection.choose(priorities: priorities, globalCount: globalCount, perLayerCount: perLayer)
            for (layer, removed) in selection.removals {
                let before = origins[layer] ?? []
                removedOriginal[layer] = removed.map { before[$0] }
                let gone = Set(removed)
                origins[layer] = before.indices.filter { !gone.contains($0) }.map { before[$0] }
            }
            if !selection.removals.isEmpty {
                model = try ChannelSurgery.removing(selection.removals, from: model)
                if options.fineTuning.epochs > 0 {
                    let training = TrainingOptions(epochs: options.fineTuning.epochs, batchSize: options.fineTuning.batchSize,
                                                   optimizer: .adam(learningRate: options.fineTuning.learningRate),
                                                   seed: stepSeed(level), shuffle: true)
                    let history = try wrapping { () throws(NeuralNetError) in
                        try model.fit(inputs: data.training.inputs, labels: data.training.labels, options: training) {
                            report(.fineTuning($0))
                        }
                    }
                    loss = history.loss
                }
            }
        }
        report(.evaluating)
        let evaluation = try ModelEvaluation.measure(model, on: data.evaluation, batchSize: options.evaluationBatchSize,
                                                     singleSamples: options.latencySamples,
                                                     repeats: options.latencyRepeats,
                                                     latencyBudget: options.latencyBudget).evaluation
        let pruned = PrunedModel(model: model, level: level, originalChannels: previous.originalChannels, channelOrigins: origins)
        let cost = ModelCost(of: model)
        let metrics = PruningLevelMetrics(
            level: level, achievedLevel: pruned.achievedLevel, channels: cost.channels, parameters: cost.parameters,
            flops: cost.flops, evaluation: evaluation, removedChannels: removedOriginal,
            keptToAvoidEmptying: selection.keptToAvoidEmptying, shortfall: selection.shortfall,
            fineTuningLoss: loss, seconds: ModelEvaluation.seconds(clock.now - start))
        report(.finished(metrics))
        return PruningLevelResult(pruned: pruned, metrics: metrics)
    }

    private func checkOptions() throws(CompressionError) {
        let f = options.fineTuning
        guard f.epochs >= 0 else { throw .invalidArgument("fine-tuning epochs must be ≥ 0, got \(f.epochs)") }
        guard f.batchSize > 0 else { throw .invalidArgument("fine-tuning batch size must be positive, got \(f.batchSize)") }
        guard f.learningRate > 0, f.learningRate.isFinite else {
            throw .invalidArgument("fine-tuning learning rate must be positive, got \(f.learningRate)")
        }
    }

    /// The seed of the step that reaches `level`: the sweep seed mixed with the level, so a step's
    /// randomness depends only on its own inputs (cacheable per step).
    private func stepSeed(_ level: Double) -> UInt64 {
        options.seed ^ (UInt64((level * 1000).rounded()) &* 0x9E37_79B9_7F4A_7C15)
    }
}
