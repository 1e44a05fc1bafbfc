// ModelEvaluation: how a model scores (OA, AA, kappa) on a labelled set and how fast it runs
// (per-sample latency at a batch size and at batch 1: median and p10/p90 of many timed calls,
// through NeuralNet's one latency routine, `Latency.measure`), and LabelledSamples,
// the inputs-plus-classes value the pruning and quantization code passes around.
public import NeuralNet
public import Tensors

/// Samples with class indices 0..<classes.
public struct LabelledSamples: Sendable {
    /// Inputs [N, …].
    public var inputs: Tensor
    /// Class index of every sample.
    public var labels: [Int]

    public init(inputs: Tensor, labels: [Int]) throws(CompressionError) {
        guard inputs.rank >= 1, inputs.shape[0] == labels.count else {
            throw .invalidArgument("\(inputs.rank >= 1 ? inputs.shape[0] : 0) samples but \(labels.count) labels")
        }
        self.inputs = inputs
        self.labels = labels
    }

    public var count: Int { labels.count }
}

/// Accuracy and per-sample latency of a model on a labelled set.
public struct ModelEvaluation: Sendable, Equatable, Codable {
    public var overallAccuracy: Double
    public var averageAccuracy: Double
    public var kappa: Double
    /// Microseconds per sample at `batchSize` (median of the timed calls).
    public var microsecondsPerSample: Double
    public var batchSize: Int
    /// Microseconds per sample predicting one sample at a time (median of the timed calls).
    public var microsecondsPerSampleBatch1: Double
    /// Distinct samples the batch-1 calls cycle through (0: batch 1 not timed).
    public var singleSamples: Int
    /// Spread of the timings: 10th and 90th percentiles (µs per sample), and the worker threads
    /// the timed calls ran on (nil in records made before the latency routine recorded them).
    public var p10MicrosecondsPerSample: Double?
    public var p90MicrosecondsPerSample: Double?
    public var p10MicrosecondsPerSampleBatch1: Double?
    public var p90MicrosecondsPerSampleBatch1: Double?
    public var latencyThreads: Int?

    public init(overallAccuracy: Double, averageAccuracy: Double, kappa: Double, microsecondsPerSample: Double,
                batchSize: Int, microsecondsPerSampleBatch1: Double, singleSamples: Int) {
        self.overallAccuracy = overallAccuracy
        self.averageAccuracy = averageAccuracy
        self.kappa = kappa
        self.microsecondsPerSample = microsecondsPerSample
        self.batchSize = batchSize
        self.microsecondsPerSampleBatch1 = microsecondsPerSampleBatch1
        self.singleSamples = singleSamples
    }

    /// The latency figures as manifest metrics: names end in `latency_us` (so `diff` files them
    /// under timings), plus the threads they were measured on. `prefix` is put before each name.
    public func latencyMetrics(prefix: String = "") -> [String: Double] {
        var m: [String: Double] = ["\(prefix)latency_us": microsecondsPerSample]
        if let v = p10MicrosecondsPerSample { m["\(prefix)p10_latency_us"] = v }
        if let v = p90MicrosecondsPerSample { m["\(prefix)p90_latency_us"] = v }
        if singleSamples > 0 {
            m["\(prefix)latency_batch1_us"] = microsecondsPerSampleBatch1
            if let v = p10MicrosecondsPerSampleBatch1 { m["\(prefix)batch1_p10_latency_us"] = v }
            if let v = p90MicrosecondsPerSampleBatch1 { m["\(prefix)batch1_p90_latency_us"] = v }
        }
        return m
    }

    /// Scores `model` on `samples` (every sample, `batchSize` at a time), then times it with
    /// `Latency.measure`: at `batchSize`, where the scoring pass's own full batches after its first
    /// two are timed calls and only the calls still missing are made on the first samples, and at
    /// batch 1 cycling through the first `singleSamples` samples (0: not timed). `repeats` scales
    /// the number of timed calls (10 × repeats at `batchSize`, singleSamples × repeats at batch 1;
    /// more when the scoring pass timed more). With a `latencyBudget`,
    /// each of the two timings stops once it has `minimumRepeats` calls and has spent the budget
    /// (Latency.measure), so a large model costs a bounded time. Wall-clock figures; nothing should
    /// assert on them.
    public static func measure(_ model: Sequential, on samples: LabelledSamples, batchSize: Int = 128,
                               singleSamples: Int = 200, repeats: Int = 1, latencyBudget: Duration? = nil)
        throws(CompressionError) -> (evaluation: ModelEvaluation, predicted: [Int]) {
        // Small batches (batch-1 latency) take the low-latency plan; scoring batches the model's own pass.
        var runner = InferencePlan(model)
        return try measure(&runner, on: samples, batchSize: batchSize, singleSamples: singleSamples, repeats: repeats,
                           latencyBudget: latencyBudget)
    }

    /// Timed calls a budgeted measurement makes at least: at the scoring batch size, and at batch 1.
    public static let minimumBatchedRepeats = 5
    /// Full scoring batches run before the scoring calls count as timed (plan set-up, cold caches).
    static let scoringWarmup = 2
    public static let minimumSingleRepeats = 50

    /// Scores and times any inference model (a float Sequential or an Int8Network) the same way.
    public static func measure(_ model: inout some InferenceModel, on samples: LabelledSamples, batchSize: Int = 128,
                               singleSamples: Int = 200, repeats: Int = 1, latencyBudget: Duration? = nil)
        throws(CompressionError) -> (evaluation: ModelEvaluation, predicted: [Int]) {
        guard batchSize > 0 else { throw .invalidArgument("evaluation batch size must be positive, got \(batchSize)") }
        guard repeats > 0 else { throw .invalidArgument("timing repeats must be positive, got \(repeats)") }
        let n = samples.count
        guard n > 0 else { throw .invalidArgument("evaluation needs at least one sample") }
        let threads = Workers.count
        // The scoring calls are timed too: each full batch after the first `scoringWarmup` is a
        // timed call of the batched latency, so a large set pays for no extra batched calls.
        var predicted: [Int] = []
        predicted.reserveCapacity(n)
        var scoringTimes: [Double] = []
        let clock = ContinuousClock()
        var (s, fullBatches) = (0, 0)
        while s < n {
            let rows = s ..< min(s + batchSize, n)
            let batch = samples.inputs.slicing(rows: rows)
            let start = clock.now
            let output = model.infer(batch)
            let elapsed = clock.now - start
            if rows.count == batchSize {
                if fullBatches >= Self.scoringWarmup { scoringTimes.append(Latency.microseconds(elapsed) / Double(batchSize)) }
                fullBatches += 1
            }
            predicted.append(contentsOf: output.argmaxRows())
            s = rows.upperBound
        }
        // Calls still missing (a small set) are made on at most 16 distinct batches, and no more
        // than are missing: the inputs' values do not change the time, and a batch of cao patches is megabytes.
        let missing = max(1, 10 * repeats - scoringTimes.count)
        let batched = Latency.measure(&model, sample: samples.inputs.slicing(rows: 0 ..< min(n, min(16, missing) * batchSize)),
                                      batchSize: batchSize, threads: threads, warmup: fullBatches > 0 ? 0 : 2,
                                      repeats: 10 * repeats, budget: latencyBudget, minimumRepeats: Self.minimumBatchedRepeats,
                                      alreadyTimed: scoringTimes)
        let singles = min(max(singleSamples, 0), n)
        let single = singles > 0
            ? Latency.measure(&model, sample: samples.inputs.slicing(rows: 0 ..< singles), batchSize: 1, threads: threads,
                              warmup: 5, repeats: singles * repeats, budget: latencyBudget,
                              minimumRepeats: Self.minimumSingleRepeats)
            : nil
        let metrics = try wrapping { () throws(NeuralNetError) in
            try ClassificationMetrics(truth: samples.labels, predicted: predicted, classes: model.outputUnits)
        }
        var evaluation = ModelEvaluation(overallAccuracy: metrics.overallAccuracy, averageAccuracy: metrics.averageAccuracy,
                                         kappa: metrics.kappa, microsecondsPerSample: batched.medianMicroseconds,
                                         batchSize: batchSize, microsecondsPerSampleBatch1: single?.medianMicroseconds ?? 0,
                                         singleSamples: singles)
        evaluation.p10MicrosecondsPerSample = batched.p10Microseconds
        evaluation.p90MicrosecondsPerSample = batched.p90Microseconds
        evaluation.p10MicrosecondsPerSampleBatch1 = single?.p10Microseconds
        evaluation.p90MicrosecondsPerSampleBatch1 = single?.p90Microseconds
        evaluation.latencyThreads = threads
        return (evaluation, predicted)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
