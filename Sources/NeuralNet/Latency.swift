// Latency: the one way HSIFlow times inference (prune, quantize, predict, hsiflow-bench) — a fixed
// sample of inputs cut into batches before the clock starts, warm-up passes, a fixed worker count,
// many timed repeats, and the median with its spread (p10, p90) per sample, recorded with the
// threads used. Wall-clock figures: nothing may assert on them, and parallel stages disturb each
// other (see Docs/Inference.md).
public import Tensors
import Foundation

/// Per-sample inference time at one batch size.
public struct LatencyStatistics: Sendable, Equatable, Codable {
    /// Samples per timed call.
    public var batchSize: Int
    /// Worker threads the calls ran on.
    public var threads: Int
    /// Timed calls.
    public var repeats: Int
    /// Median, 10th and 90th percentile of the per-call time divided by the batch size, in µs.
    public var medianMicroseconds: Double
    public var p10Microseconds: Double
    public var p90Microseconds: Double
}

public enum Latency {
    /// Times `model` on batches of `batchSize` cut in order from `sample` ([S, …]; at most 64
    /// distinct batches, and no more than the calls made, used in turn): `warmup` untimed calls, then up to `repeats` timed ones, on
    /// `threads` workers (the previous count is restored afterwards). With a `budget`, timing stops
    /// early once `minimumRepeats` calls are timed and the timed calls have taken `budget` in all:
    /// a slow model gets fewer calls, a fast one as many as fit, and the statistics say how many.
    /// `alreadyTimed` holds calls of the same model at the same batch size and threads that the
    /// caller timed itself (µs per sample, e.g. the calls of a scoring pass after its first ones):
    /// they count as timed calls here, towards `repeats`, `minimumRepeats` and `budget`, so only
    /// the calls still missing are made.
    public static func measure(_ model: inout some InferenceModel, sample: Tensor, batchSize: Int,
                               threads: Int = Workers.count, warmup: Int = 3, repeats: Int = 30,
                               budget: Duration? = nil, minimumRepeats: Int = 5,
                               alreadyTimed: [Double] = []) -> LatencyStatistics {
        let available = sample.shape.first ?? 0
        let b = max(1, min(batchSize, available))
        // No more batches cut than calls made (a large batch is megabytes to copy).
        let distinct = max(1, min(64, available / b, max(0, warmup) + max(1, repeats) - alreadyTimed.count))
        let batches = (0..<distinct).map { sample.slicing(rows: $0 * b ..< ($0 + 1) * b) }
        let previous = Workers.count
        Workers.count = threads
        defer { Workers.count = previous }
        let usedThreads = model.threads(batchSize: b)
        for i in 0..<max(0, warmup) { _ = model.infer(batches[i % distinct]) }
        let clock = ContinuousClock()
        var perSample = alreadyTimed
        perSample.reserveCapacity(max(1, repeats, alreadyTimed.count))
        var spent = Duration.microseconds(alreadyTimed.reduce(0, +) * Double(b))
        for i in alreadyTimed.count ..< max(1, repeats, alreadyTimed.count) {
            if let budget, i >= max(1, minimumRepeats), spent >= budget { break }
            let start = clock.now
            _ = model.infer(batches[i % distinct])
            let d = clock.now - start
            spent += d
            perSample.append(microseconds(d) / Double(b))
        }
        // The threads the calls ran on: fewer than `threads` where the model uses fewer (the plan's batch 1).
        return LatencyStatistics(perSample: perSample, batchSize: b, threads: min(threads, usedThreads))
    }

    /// A duration in microseconds.
    public static func microseconds(_ d: Duration) -> Double {
        (Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18) * 1e6
    }
}

extension LatencyStatistics {
    /// The median, p10 and p90 of timed calls (µs per sample each; at least one).
    init(perSample: [Double], batchSize: Int, threads: Int) {
        let sorted = perSample.sorted()
        func percentile(_ q: Double) -> Double { sorted[Int((Double(sorted.count - 1) * q).rounded())] }
        self.init(batchSize: batchSize, threads: threads, repeats: sorted.count, medianMicroseconds: percentile(0.5),
                  p10Microseconds: percentile(0.1), p90Microseconds: percentile(0.9))
    }
}
