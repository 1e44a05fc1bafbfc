// RunSummaryRenderer: what `hsiflow run` prints when it is done — one line per stage
// (status, id, seconds, reason) and the totals.
import Foundation
import PipelineEngine
import PipelineModel

enum RunSummaryRenderer {
    static func render(_ result: RunResult, manifestPath: String, wallSeconds: Double) -> String {
        var table = TextTable(["STATUS", "STAGE", "SECONDS", "REASON"])
        for o in result.outcomes {
            let seconds = o.status == .ran || o.status == .failed ? String(format: "%.2f", o.seconds) : "-"
            table.add([o.status.rawValue, o.id.description, seconds, o.error.map { "\(o.reason): \($0)" } ?? o.reason])
        }
        let totals = "\(result.count(.ran)) ran, \(result.count(.cached)) cached, \(result.count(.failed)) failed, \(result.count(.skipped)) skipped in \(String(format: "%.2f", wallSeconds)) s"
        return table.rendered() + "\n\n" + totals + "\nmanifest: \(manifestPath)"
    }
}
