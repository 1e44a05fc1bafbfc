// StageLatency: how long the prune and quantize stages may spend timing each model. Latency is a
// timing, never a result: it stays out of stage keys and hashes, and a budget changes only how many
// calls the median, p10 and p90 are taken over (at least ModelEvaluation's minimum repeats).

/// The latency budget of the stages that time models.
enum StageLatency {
    /// Time each latency measurement (one model at one batch size) may take once it has its minimum
    /// calls: at level 0 of cao (about 10 ms per batch of 128 in float) the batched figure gets its
    /// 5 minimum calls instead of 30; int8 and pruned models (1–5 ms a batch) get 10–30, and batch 1
    /// (tens of µs a call) 300 float calls at level 0 would take 30 ms: the budget caps them near 50 ms.
    static let budget: Duration = .milliseconds(50)
}
