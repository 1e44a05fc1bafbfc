// ModelEvaluation: how a model scores (OA, AA, kappa) on a labelled set and how fast it runs
// (per-sample latency at a batch size and at batch 1, fastest of N timings), and LabelledSamples,
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
    /// Microseconds per sample when the whole set is predicted `batchSize` samples at a time.
    public var microsecondsPerSample: Double
    public var batchSize: Int
    /// Microseconds per sample predicting one sample at a time (over `singleSamples` samples).
    public var microsecondsPerSampleBatch1: Double
    public var singleSamples: Int

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

    /// Scores `model` on `samples` and times it: one warm-up batch, then the whole set at
    /// `batchSize`, then the first `singleSamples` samples one by one. Wall-clock figures; nothing
    /// should assert on them.
    public static func measure(_ model: Sequential, on samples: LabelledSamples, batchSize: Int = 128,
                               singleSamples: Int = 200, repeats: Int = 1) throws(CompressionError) -> (evaluation: ModelEvaluation, predicted: [Int]) {
        var runner = model
        return try measure(samples: samples, classes: model.outputUnits, batchSize: batchSize, singleSamples: singleSamples,
                           repeats: repeats) { x in
            runner.forward(x, training: false)
        }
    }

    /// Scores and times any batch → output function. With `repeats` > 1 each timing is taken that
    /// many times and the fastest kept (the figure least disturbed by other work on the machine);
    /// the repeats of the batched timing run on the first 1,024 samples, not the whole set.
    static func measure(samples: LabelledSamples, classes: Int, batchSize: Int, singleSamples: Int, repeats: Int = 1,
                        forward: (Tensor) -> Tensor) throws(CompressionError) -> (evaluation: ModelEvaluation, predicted: [Int]) {
        guard batchSize > 0 else { throw .invalidArgument("evaluation batch size must be positive, got \(batchSize)") }
        guard repeats > 0 else { throw .invalidArgument("timing repeats must be positive, got \(repeats)") }
        let n = samples.count
        guard n > 0 else { throw .invalidArgument("evaluation needs at least one sample") }
        let clock = ContinuousClock()
        _ = forward(samples.inputs.slicing(rows: 0 ..< min(batchSize, n)))
        var predicted: [Int] = []
        predicted.reserveCapacity(n)
        // The first pass scores every sample and is timed; further passes only time, on the first
        // `timedRows` samples (a repeat of the whole set would only make the figure more expensive).
        let timedRows = min(n, max(batchSize, 1024))
        var batched = Double.infinity  // seconds per sample
        for r in 0..<repeats {
            let rowsThisPass = r == 0 ? n : timedRows
            let start = clock.now
            var s = 0
            while s < rowsThisPass {
                let rows = s ..< min(s + batchSize, rowsThisPass)
                let classesOfBatch = forward(samples.inputs.slicing(rows: rows)).argmaxRows()
                if r == 0 { predicted.append(contentsOf: classesOfBatch) }
                s = rows.upperBound
            }
            batched = min(batched, seconds(clock.now - start) / Double(rowsThisPass))
        }
        let singles = min(max(singleSamples, 0), n)
        var single = 0.0
        if singles > 0 {
            single = .infinity
            for _ in 0..<repeats {
                let begin = clock.now
                for i in 0..<singles { _ = forward(samples.inputs.slicing(rows: i ..< i + 1)) }
                single = min(single, seconds(clock.now - begin) / Double(singles) * 1e6)
            }
        }
        let metrics = try wrapping { () throws(NeuralNetError) in
            try ClassificationMetrics(truth: samples.labels, predicted: predicted, classes: classes)
        }
        let evaluation = ModelEvaluation(overallAccuracy: metrics.overallAccuracy, averageAccuracy: metrics.averageAccuracy,
                                         kappa: metrics.kappa, microsecondsPerSample: batched * 1e6,
                                         batchSize: batchSize, microsecondsPerSampleBatch1: single, singleSamples: singles)
        return (evaluation, predicted)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
