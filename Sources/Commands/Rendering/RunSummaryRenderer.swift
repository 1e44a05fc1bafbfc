// RunSummaryRenderer: what `hsiflow run` prints when it is done — one line per stage the run
// considered (status, id, seconds, reason) and the totals; stages left out by --only are not
// listed, only counted in one line.
import Foundation
import PipelineEngine
import PipelineModel

enum RunSummaryRenderer {
    /// `plan` tells which stages --only left alone (its `.excluded` steps); without it every
    /// outcome is listed.
    static func render(_ result: RunResult, plan: Plan? = nil, manifestPath: String, wallSeconds: Double) -> String {
        let excluded = Set(plan?.steps.filter { $0.action == .excluded }.map(\.id) ?? [])
        let considered = result.outcomes.filter { !excluded.contains($0.id) }
        var table = TextTable(["STATUS", "STAGE", "SECONDS", "REASON"])
        for o in considered {
            let seconds = o.status == .ran || o.status == .failed ? String(format: "%.2f", o.seconds) : "-"
            table.add([o.status.rawValue, o.id.description, seconds, o.error.map { "\(o.reason): \($0)" } ?? o.reason.description])
        }
        func count(_ status: Manifest.Status) -> Int { considered.filter { $0.status == status }.count }
        var totals = "\(count(.ran)) ran, \(count(.cached)) cached, \(count(.failed)) failed, \(count(.skipped)) skipped in \(String(format: "%.2f", wallSeconds)) s"
        if !excluded.isEmpty {
            totals += "\nleft alone: \(excluded.count) stage\(excluded.count == 1 ? "" : "s") not selected by --only"
        }
        return table.rendered() + "\n\n" + totals + "\nmanifest: \(manifestPath)"
    }
}
