// PruneStage (kind `prune`): the channel-pruning sweep as a stage. Reads a trained model and the
// scene (cube, train and test label maps) from its upstream stages, and walks the levels one
// cached step at a time: a step's identity is the levels up to it plus the settings, so
// extending `levels.to` computes only the new levels. Outputs: model-<level> (Keras HDF5) per level.
import Compression
import Foundation
import NeuralNet
public import PipelineEngine
import PipelineModel
import SpectralData

/// The `prune` stage.
public struct PruneStage: StageKind {
    public init() {}
    public var kind: String { "prune" }
    // 2: 3×3 convolutions on Winograd F(3×3, 3×3) (same function, different float rounding).
    // 3: the same bits at any thread count (OpenBLAS on one thread, products split by shape, fixed
    //    reduction blocks), so results differ in rounding from version 2's multi-threaded OpenBLAS.
    public var version: Int { 3 }
    public var summary: String { "Prune conv channels level by level (APoZ, L1 or random), fine-tuning after each step; one model per level." }
    public var inputs: [InputPort] {
        [InputPort(.model, "the model to prune"), InputPort(.cube, "the cube the model reads"),
         InputPort(.split, "train pixels to score and fine-tune on, test pixels to evaluate")]
    }
    public var outputs: [OutputPort] { [OutputPort(.modelsPerLevel, "one model per level (model-0, model-40, …)")] }

    public var parameters: [Parameter] {
        [
            Parameter("criterion", .choice(PruningCriterion.allCases.map(\.rawValue)), default: "apoz",
                      "apoz: most-often-zero channels first (the original); l1: smallest filters first; random: seeded control"),
            Parameter("levels", .oneOf([.list(.number(min: 0, max: 100), minCount: 1), .object([
                Parameter("from", .number(min: 0, max: 100), default: 0, "first level"),
                Parameter("to", .number(min: 0, max: 100), required: true, "last level (included)"),
                Parameter("step", .number(min: 0, max: 100, exclusive: true), required: true, "distance between levels"),
            ])]), required: true, "% of the original conv channels removed, cumulative: a list, or {from, to, step}"),
            Parameter("scope", .choice(PruningScope.allCases.map(\.rawValue)), default: "global",
                      "global: rank all conv channels together (the original); per-layer: each layer loses the level's share"),
            Parameter("finetune", .object([
                Parameter("epochs", .integer(min: 0, max: 10_000), default: 2, "epochs after each step (0: none)"),
                Parameter("lr", .number(min: 0, exclusive: true), default: 0.0001, "Adam learning rate (the original: 1e-4)"),
                Parameter("batch", .integer(min: 1, max: 1 << 20), default: 128, "batch size"),
            ]), default: [:], "fine-tuning after each pruning step, on the training pixels"),
            Parameter("score-on", .choice(["train", "test"]), default: "train",
                      "pixels APoZ is computed on; test reproduces the original, which let the evaluation set choose the channels"),
            Parameter("seed", .integer(min: 0), "seed of the random criterion and the fine-tuning shuffles (default: the experiment seed)"),
        ]
    }

    /// What a cached step keeps besides the model: the bookkeeping the next step needs.
    struct StepState: Codable {
        var level: Double
        var originalChannels: [LayerChannels]
        var channelOrigins: [String: [Int]]
    }

    public func run(_ context: StageContext) throws {
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
        let scoreOnTest = context.params["score-on"]?.string == "test"
        let finetune = context.params["finetune"]?.object ?? [:]
        let options = PruningOptions(
            criterion: PruningCriterion(rawValue: context.params["criterion"]?.string ?? "apoz") ?? .apoz,
            scope: PruningScope(rawValue: context.params["scope"]?.string ?? "global") ?? .global,
            fineTuning: FineTuning(epochs: finetune["epochs"]?.int ?? 2, learningRate: finetune["lr"]?.number ?? 1e-4,
                                   batchSize: finetune["batch"]?.int ?? 128),
            seed: UInt64(context.params["seed"]?.int ?? context.seed))
        let levels = try Self.levels(context.params["levels"]).values()
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
                let result = try pruner.step(from: state, to: level, data: scoring) { p in
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
                        metrics: Self.record(result.metrics))
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

    /// The `levels` parameter as PruningLevels.
    static func levels(_ value: ParamValue?) throws -> PruningLevels {
        if let list = value?.list { return .list(list.compactMap(\.number)) }
        if let o = value?.object, let to = o["to"]?.number, let step = o["step"]?.number {
            return .range(from: o["from"]?.number ?? 0, to: to, step: step)
        }
        throw CompressionError.invalidLevels("levels must be a list of percentages or {from, to, step}")
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
            "latency_us": .double(m.evaluation.microsecondsPerSample), "latency_batch1_us": .double(m.evaluation.microsecondsPerSampleBatch1),
            "kept_one_channel_in": .string(m.keptToAvoidEmptying.joined(separator: ", ")), "shortfall": .int(m.shortfall),
            "removed_channels": .object(m.removedChannels.mapValues { .list($0.map { .int($0) }) }),
            "fine_tuning_loss": .list(m.fineTuningLoss.map { .double($0) }),
        ]
        for c in m.channels { r["channels_\(c.layer)"] = .int(c.channels) }
        return r
    }
}
