// QuantizeStage (kind `quantize`): post-training weight quantization of every model its upstream
// stages provide (`model`, or the `model-<level>` outputs of a prune stage) to 8 or 4 bits per
// output channel, run on int8 kernels (activations quantized per sample at run time, as TFLite's
// dynamic-range kernels). Outputs: quantized-<level> (HSIFlow quantized HDF5).
// Metrics per model: bytes vs float32, OA/AA/kappa of both, latency, max weight error.
// With `tflite: true` also quantized-<level>.tflite (dynamic-range int8) and float-<level>.tflite.
import Compression
import Foundation
import NeuralNet
public import PipelineEngine
import PipelineModel
import SpectralData
import TFLite

/// The `quantize` stage.
public struct QuantizeStage: StageKind {
    public init() {}
    public var kind: String { "quantize" }
    // 2: 3×3 convolutions on Winograd F(3×3, 3×3) (same function, different float rounding).
    // 3: the same bits at any thread count (OpenBLAS on one thread, products split by shape, fixed
    //    reduction blocks), so results differ in rounding from version 2's multi-threaded OpenBLAS.
    // 4: the quantized models run on int8 kernels (activations quantized per sample at run time,
    //    int32 sums), so OA/AA/kappa are those of real int8 arithmetic, not of dequantized weights.
    // 5: the `tflite` parameter (default false) joins the key's parameters (4 and 5 were one merge).
    public var version: Int { 5 }
    /// Defaults of `resources:` (evaluates each level once).
    public var resources: StageResources { StageResources(cpus: 1, memory: "2G", time: "1:00:00") }
    public var summary: String { "Quantize every upstream model's Conv2D/Dense weights to 8 (or 4) bits per output channel; score and size each." }
    public var inputs: [InputPort] {
        [InputPort("models", [.model, .modelsPerLevel], "the models to quantize: one model, or one per prune level"),
         InputPort(.cube, "the cube the models read"), InputPort(.split, "test pixels to score on")]
    }
    public var outputs: [OutputPort] {
        [OutputPort(.quantizedModels, "quantized-<level> per level (quantized for a single model)"),
         OutputPort(.tflite, "with tflite: true, quantized-<level>.tflite (dynamic-range int8) and float-<level>.tflite per level")]
    }

    /// The `quantize` parameters.
    public struct Parameters: ParameterGroup {
        @Param("bits", .integer(min: 4, max: 8), "8 or 4 bits per weight (symmetric, one scale per output channel)")
        public var bits = 8
        @Param("tflite", "also write each model as .tflite for LiteRT: quantized-<level>.tflite (dynamic-range int8: int8 weights per output channel, float activations) and float-<level>.tflite; needs bits: 8")
        public var tflite = false
        public init() {}
    }

    public func problems(_ p: Parameters) -> [String] {
        p.tflite && p.bits != 8 ? ["tflite: true needs bits: 8 (TFLite's dynamic-range models hold 8-bit weights), found bits: \(p.bits)"] : []
    }

    public func run(_ p: Parameters, _ context: StageContext) throws {
        let bits = p.bits
        guard QuantizedTensor.supportedBits.contains(bits) else {
            throw ExperimentStagesError.invalidInput(stage: context.id.description, reason: "bits must be 8 or 4, got \(bits)")
        }
        let names = try context.artifacts(of: "models")
        guard !names.isEmpty else {
            throw ExperimentStagesError.invalidInput(stage: context.id.description,
                                            reason: "no upstream model: add a train or prune stage to `needs`")
        }
        let cube = try ArtifactCoding.cube(try context.input("cube"), source: "cube")
        let test = try ArtifactCoding.labelMap(try context.input("test"), source: "test")
        var perModel: [ParamValue] = []
        var testSamples: [Int: LabelledSamples] = [:]
        // Levels in numeric order (model-5 before model-40), a lone `model` first.
        let ordered = names.sorted { a, b in
            let (x, y) = (Double(a.1.dropFirst(6)) ?? -1, Double(b.1.dropFirst(6)) ?? -1)
            return x != y ? x < y : a.1 < b.1
        }
        for (k, (stage, name)) in ordered.enumerated() {
            context.progress(Double(k) / Double(ordered.count), "quantizing \(name) and timing it (\(k + 1)/\(ordered.count))")
            let model = try ModelArtifacts.model(try context.input(name, from: stage))
            // Every level of a prune stage takes the same patch: cut the test patches once.
            let patch = model.inputShape[0]
            let samples = try testSamples[patch] ?? ModelArtifacts.samples(cube, test, patch: patch)
            testSamples[patch] = samples
            let quantized = try QuantizedModel(quantizing: model, bits: bits)
            // Stages computing while the timings ran (above 1: the latencies were measured on a shared machine).
            var concurrent = context.stagesComputing
            let (q, _) = try quantized.measure(on: samples, singleSamples: 100, repeats: 3, latencyBudget: StageLatency.budget)
            let (f, _) = try ModelEvaluation.measure(model, on: samples, singleSamples: 100, repeats: 3, latencyBudget: StageLatency.budget)
            concurrent = max(concurrent, context.stagesComputing)
            let suffix = name == "model" ? "" : String(name.dropFirst(5))
            let data = try ModelArtifacts.encode(quantized)
            try context.write("quantized\(suffix)", data)
            if p.tflite {
                try context.write("quantized\(suffix).tflite", Data(try TFLiteConverter.fileBytes(for: quantized)))
                try context.write("float\(suffix).tflite", Data(try TFLiteConverter.fileBytes(for: model)))
            }
            let worst = try quantized.weightErrors(against: model)
            var record: [String: ParamValue] = [
                "model": .string(name), "bits": .int(bits),
                "bytes": .int(quantized.quantizedBytes), "float_bytes": .int(quantized.floatBytes),
                "size_ratio": .double(quantized.sizeRatio), "file_bytes": .int(data.count),
                "oa": .double(q.overallAccuracy), "aa": .double(q.averageAccuracy), "kappa": .double(q.kappa),
                "float_oa": .double(f.overallAccuracy), "oa_delta": .double(q.overallAccuracy - f.overallAccuracy),
                "max_weight_error": .double(worst.map(\.maxAbsoluteError).max() ?? 0),
                "max_error_in_scales": .double(worst.map(\.maxErrorInScales).max() ?? 0),
            ]
            // int8 and float timed the same way (median, p10/p90, batch 1), on the same threads.
            for (metric, value) in q.latencyMetrics() { record[metric] = .double(value) }
            for (metric, value) in f.latencyMetrics(prefix: "float_") { record[metric] = .double(value) }
            if let threads = q.latencyThreads { record["latency_threads"] = .int(threads) }
            record["latency_concurrent_stages"] = .int(concurrent)
            if let level = Double(suffix.dropFirst()) { record["level"] = .double(level) }
            perModel.append(.object(record))
            context.progress(Double(k + 1) / Double(ordered.count), "quantized \(name)")
        }
        context.metric("models", .list(perModel))
    }
}
