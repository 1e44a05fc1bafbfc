// ReproductionRendererTests: each verdict of `cache verify --recompute` as one line —
// reproduced, NOT reproduced with the outputs that differ, failed — and the closing count.
import Foundation
import PipelineEngine
import Testing
@testable import Commands

@Suite struct ReproductionRendererTests {
    @Test func eachVerdictReadsAsOneLine() throws {
        let key = String(repeating: "c", count: 64)
        func result(_ verdict: Reproduction.Verdict, _ outputs: [(String, String?, String?)], error: String? = nil) throws -> Reproduction {
            let json = """
            {"stage": "train", "key": "\(key)", "verdict": "\(verdict.rawValue)", "threads": 2, "cachedThreads": 1, "seconds": 1.5,
             \(error.map { "\"error\": \"\($0)\"," } ?? "")
             "outputs": [\(outputs.map { "{\"name\": \"\($0.0)\"\($0.1.map { ", \"cached\": \"\($0)\"" } ?? "")\($0.2.map { ", \"recomputed\": \"\($0)\"" } ?? "")}" }.joined(separator: ","))]}
            """
            return try JSONDecoder().decode(Reproduction.self, from: Data(json.utf8))
        }
        let same = try result(.reproduced, [("model", "a", "a")])
        #expect(ReproductionRenderer.line(same) == "train: reproduced (key cccccccccccc, 2 threads; cached with 1)")
        let differs = try result(.notReproduced, [("model", "a", "b"), ("history", "c", "d"), ("classmap", "e", "e")])
        #expect(ReproductionRenderer.line(differs)
                == "train: NOT reproduced: outputs history, model differ (key cccccccccccc, 2 threads; cached with 1)")
        let failed = try result(.failed, [], error: "stage train failed: out of memory")
        #expect(ReproductionRenderer.line(failed) == "train: failed: stage train failed: out of memory")
        #expect(ReproductionRenderer.summary([same, differs, failed])
                == "1 of 3 stages reproduced; 1 not reproduced; 1 failed to rerun (the cache was only read)")
    }
}
