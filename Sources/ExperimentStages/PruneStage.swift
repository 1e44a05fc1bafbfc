// PruneStage (kind `prune`): the channel-pruning sweep as a stage. Reads a trained model and the
// scene (cube, train and test label maps) from its upstream stages, and walks the levels one
// cached step at a time: a step's identity is the levels up to it plus the settings, so
// extending `levels.to` computes only the new levels. Outputs: model-<level> (Keras HDF5) per level.
public import Compression
import Foundation
import NeuralNet
public import PipelineEngine
public import PipelineModel
import SpectralData

/// The `prune` stage.
public struct PruneStage: StageKind {
    public init() {}
    public var kind: String { "prune" }
    // 2: 3×3 convolutions on Winograd F(3×3, 3×3) (same function, different float rounding).
    // 3: the same bits at any thread count (OpenBLAS on one thread, products split by shape, fixed
    //    reduction blocks), so results differ in rounding from version 2's multi-threaded OpenBLAS.
    public var version: Int { 3 }
    /// Defaults of `resources:` (fine-tunes at every level).
    public var resources: StageResources { StageResources(cpus: 2, memory: "4G", time: "4:00:00") }
    public var summary: String { "Prune conv channels level by level (APoZ, L1 or random), fine-tuning after each step; one model per level." }
    public var inputs: [InputPort] {
        [InputPort(.model, "the model to prune"), InputPort(.cube, "the cube the model reads"),
         InputPort(.split, "train pixels to score and fine-tune on, test pixels to evaluate")]
    }
    public var outputs: [OutputPort] { [OutputPort(.modelsPerLevel, "one model per level (model-0, model-40, …)")] }

    /// `levels: {from, to, step}`.
    public struct LevelRange: ParameterGroup {
        @Param("from", .number(min: 0, max: 100), "first level")
        public var from = 0.0
        @Param(required: "to", .number(min: 0, max: 100), "last level (included)")
        public var to: Double
        @Param(required: "step", .number(min: 0, max: 100, exclusive: true), "distance between levels")
        public var step: Double
        public init() {}
    }

    /// `levels`: a list of percentages, or a range.
    public enum Levels: ParameterValue {
        case list([Double])
        case range(LevelRange)

        public static var parameterType: ParameterType {
            .oneOf([.list(.number(min: 0, max: 100), minCount: 1), LevelRange.parameterType])
        }
        public var parameterValue: ParamValue {
            switch self {
            case .list(let levels): return .list(levels.map { .double($0) })
            case .range(let r): return .object(["from": .double(r.from), "to": .double(r.to), "step": .double(r.step)])
            }
        }
        public init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let list = try? value.decode([Double].self) { self = .list(list) } else { self = .range(try value.decode(LevelRange.self)) }
        }

        /// As Compression's PruningLevels.
        public var pruningLevels: PruningLevels {
            switch self {
            case .list(let levels): return .list(levels)
            case .range(let r): return .range(from: r.from, to: r.to, step: r.step)
            }
        }
    }

    /// The pixels APoZ is scored on.
    public enum ScoreOn: String, ChoiceParameter { case train, test }

    /// `finetune`; its defaults are Compression's FineTuning's own.
    public struct FineTune: ParameterGroup {
        @Param("epochs", .integer(min: 0, max: 10_000), "epochs after each step (0: none)")
        public var epochs = FineTuning().epochs
        @Param("lr", .number(min: 0, exclusive: true), "Adam learning rate (the original: 1e-4)")
        public var lr = FineTuning().learningRate
        @Param("batch", .integer(min: 1, max: 1 << 20), "batch size")
        public var batch = FineTuning().batchSize
        public init() {}
    }

    /// The `prune` parameters; defaults are Compression's PruningOptions' own.
    public struct Parameters: ParameterGroup {
        @Param("criterion", "apoz: most-often-zero channels first (the original); l1: smallest filters first; random: seeded control")
        public var criterion = PruningOptions().criterion
        @Param(required: "levels", Levels.parameterType, "% of the original conv channels removed, cumulative: a list, or {from, to, step}")
        public var levels: Levels
        @Param("scope", "global: rank all conv channels together (the original); per-layer: each layer loses the level's share")
        public var scope = PruningOptions().scope
        @Param("finetune", "fine-tuning after each pruning step, on the training pixels")
        public var finetune = FineTune()
        @Param("score-on", "pixels APoZ is computed on; test reproduces the original, which let the evaluation set choose the channels")
        public var scoreOn = ScoreOn.train
        @Param("seed", .integer(min: 0), "seed of the random criterion and the fine-tuning shuffles (default: the experiment seed)")
        public var seed: Int?
        public init() {}
    }

    /// What a cached step keeps besides the model: the bookkeeping the next step needs.
    struct StepState: Codable {
        var level: Double
        var originalChannels: [LayerChannels]
        var channelOrigins: [String: [Int]]
    }

    public func run(_ p: Parameters, _ context: StageContext) throws {
        let model = try ModelArtifacts.model(try context.input("model"))
        let cube = try ArtifactCoding.cube(try context.input("cube"), source: "cube")
        let train = try ArtifactCoding.labelMap(try context.input("train"), source: "train")
        let test = try ArtifactCoding.labelMap(try context.input("test"), source: "test")
        let shape = model.inputShape
        guard shape.count == 3, shape[0] == shape[1], shape[2] == cube.bands else {
            throw ExperimentStagesError.invalidInput(stage: context.id.description,
                reason: "the model takes \(shape) inputs, the cube has \(cube.bands) bands; prune needs the model trained on this cube (square patches)")
        }
        let data = PruningData(training: try ModelArtifacts.samples(cube, train, patch: shape[0]),
                               evaluation: try ModelArtifacts.samples(cube, test, patch: shape[0]))
        let scoreOnTest = p.scoreOn == .test
        let options = PruningOptions(
            criterion: p.criterion, scope: p.scope,
            fineTuning: FineTuning(epochs: p.finetune.epochs, learningRate: p.finetune.lr, batchSize: p.finetune.batch),
            seed: UInt64(p.seed ?? context.seed), latencyBudget: StageLatency.budget)
        let levels = try p.levels.pruningLevels.values()
        let pruner = ChannelPruner(options: options)
        let scoring = PruningData(training: data.training, evaluation: data.evaluation, scoring: scoreOnTest ? data.evaluation.inputs : nil)

        var state = PrunedModel.unpruned(model)
        var perLevel: [ParamValue] = []
        var reused = 0
        for (i, level) in levels.enumerated() {
            let label = ParamValue.format(level)
            // Everything the step's result depends on besides the upstream outputs.
            let stepParams: ParamValue = .object([
                "levels": .list(levels[...i].map { .double($0) }),
                "criterion": .string(options.criterion.rawValue), "scope": .string(options.scope.rawValue),
                "finetune": .object(["epochs": .int(options.fineTuning.epochs), "lr": .double(options.fineTuning.learningRate),
                                     "batch": .int(options.fineTuning.batchSize)]),
                "score-on": .string(scoreOnTest ? "test" : "train"), "seed": .int(Int(options.seed)),
            ])
            var computed: PrunedModel?
            let step = try context.cachedStep("level-\(label)", stepParams: stepParams) {
                let title = "level \(i + 1)/\(levels.count) (\(label)%)"
                // Stages computing while this level was timed (above 1: its latency was measured on a shared machine).
                var concurrent = 1
                let result = try pruner.step(from: state, to: level, data: scoring) { p in
                    if case .evaluating = p.phase { concurrent = max(concurrent, context.stagesComputing) }
                    if case .finished = p.phase { concurrent = max(concurrent, context.stagesComputing) }
                    switch p.phase {
                    case .scoring:
                        context.progress(Double(i) / Double(levels.count), "\(title): scoring channels (\(options.criterion.rawValue))")
                    case .fineTuning(let t):
                        let within = (Double(t.epoch - 1) + Double(t.batch) / Double(max(t.batches, 1))) / Double(max(t.epochs, 1))
                        context.progress((Double(i) + within) / Double(levels.count), "\(title): fine-tuning epoch \(t.epoch)/\(t.epochs)")
                    case .evaluating:
                        context.progress(nil, "\(title): evaluating")
                    case .finished:
                        break
                    }
                }
                computed = result.pruned
                let record = StepState(level: level, originalChannels: result.pruned.originalChannels,
                                       channelOrigins: result.pruned.channelOrigins)
                return (outputs: ["model": try ModelArtifacts.encode(result.pruned.model), "state": try Self.json(record)],
                        metrics: Self.record(result.metrics).merging(["latency_concurrent_stages": .int(concurrent)]) { a, _ in a })
            }
            if let computed {
                state = computed
            } else {
                reused += 1
                guard let modelData = step.outputs["model"], let stateData = step.outputs["state"] else {
                    throw ExperimentStagesError.invalidInput(stage: context.id.description, reason: "cached step level-\(label) lacks its model or state")
                }
                let record = try JSONDecoder().decode(StepState.self, from: stateData)
                state = PrunedModel(model: try ModelArtifacts.model(modelData), level: record.level,
                                    originalChannels: record.originalChannels, channelOrigins: record.channelOrigins)
            }
            guard let modelData = step.outputs["model"] else { continue }
            try context.write("model-\(label)", modelData)
            perLevel.append(.object(step.metrics))
            context.progress(Double(i + 1) / Double(levels.count), "level \(i + 1)/\(levels.count) (\(label)%) done")
        }
        context.metric("levels", .list(perLevel))
        context.metric("steps_reused", .int(reused))
        context.metric("steps_computed", .int(levels.count - reused))
    }

    static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }

    /// One level as a flat manifest record (scalar columns become the report's table and curves).
    static func record(_ m: PruningLevelMetrics) -> [String: ParamValue] {
        var r: [String: ParamValue] = [
            "level": .double(m.level), "achieved_level": .double(m.achievedLevel),
            "oa": .double(m.evaluation.overallAccuracy), "aa": .double(m.evaluation.averageAccuracy), "kappa": .double(m.evaluation.kappa),
            "parameters": .int(m.parameters), "flops": .int(m.flops),
            "kept_one_channel_in": .string(m.keptToAvoidEmptying.joined(separator: ", ")), "shortfall": .int(m.shortfall),
            "removed_channels": .object(m.removedChannels.mapValues { .list($0.map { .int($0) }) }),
            "fine_tuning_loss": .list(m.fineTuningLoss.map { .double($0) }),
        ]
        for c in m.channels { r["channels_\(c.layer)"] = .int(c.channels) }
        // Median and p10/p90 per sample, at the evaluation batch and at batch 1, and the threads used.
        for (name, value) in m.evaluation.latencyMetrics() { r[name] = .double(value) }
        if let threads = m.evaluation.latencyThreads { r["latency_threads"] = .int(threads) }
        return r
    }
}
