// ReproductionRenderer: `cache verify --recompute` as text — one line per stage (reproduced,
// NOT reproduced with the outputs that differ, or failed) and a closing count.
import Foundation
import PipelineEngine

enum ReproductionRenderer {
    /// `train: NOT reproduced: outputs history, model differ (key 1a2b3c4d5e6f, 2 threads; cached with 1)`.
    static func line(_ r: Reproduction) -> String {
        var detail = "key \(r.key.prefix(12)), \(r.threads) thread\(r.threads == 1 ? "" : "s")"
        if let cached = r.cachedThreads, cached != r.threads { detail += "; cached with \(cached)" }
        switch r.verdict {
        case .reproduced:
            return "\(r.stage): reproduced (\(detail))"
        case .notReproduced:
            let names = r.differingOutputs
            let what = names.count == 1 ? "output \(names[0]) differs" : "outputs \(names.joined(separator: ", ")) differ"
            return "\(r.stage): NOT reproduced: \(what) (\(detail))"
        case .failed:
            return "\(r.stage): failed: \(r.error ?? "unknown error")"
        }
    }

    /// `2 of 3 stages reproduced; 1 not reproduced (the cache was only read)`.
    static func summary(_ results: [Reproduction]) -> String {
        let reproduced = results.filter { $0.verdict == .reproduced }.count
        let not = results.filter { $0.verdict == .notReproduced }.count
        let failed = results.filter { $0.verdict == .failed }.count
        var text = "\(reproduced) of \(results.count) stage\(results.count == 1 ? "" : "s") reproduced"
        if not > 0 { text += "; \(not) not reproduced" }
        if failed > 0 { text += "; \(failed) failed to rerun" }
        return text + " (the cache was only read)"
    }
}
