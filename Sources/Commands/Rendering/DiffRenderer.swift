// DiffRenderer: a manifest diff as text — stages added/removed/re-keyed, stages not reproduced
// (same key, different outputs), parameters, metrics (old, new, delta), output artifacts, the
// environment, and timings (one line unless shown); each section only when it has rows.
import Foundation
import PipelineModel

enum DiffRenderer {
    /// The diff as text; timing rows are listed only when `showTimings`, else counted in one line.
    static func text(_ diff: ManifestDiff, showTimings: Bool = false) -> String {
        var out: [String] = ["--- \(diff.old.path) (run \(diff.old.runID))", "+++ \(diff.new.path) (run \(diff.new.runID))"]
        if !diff.hasDifferences && diff.params.isEmpty && diff.metrics.isEmpty && diff.outputs.isEmpty {
            out.append("")
            out.append("no differences")
        }
        if !diff.stagesAdded.isEmpty || !diff.stagesRemoved.isEmpty || !diff.stagesRekeyed.isEmpty {
            out.append("")
            out.append("Stages")
            for s in diff.stagesAdded { out.append("  + \(s)") }
            for s in diff.stagesRemoved { out.append("  - \(s)") }
            for s in diff.stagesRekeyed { out.append("  ~ \(s.stage)  key \(s.oldKey.prefix(12)) → \(s.newKey.prefix(12))") }
        }
        if !diff.notReproduced.isEmpty {
            out.append("")
            out.append("Not reproduced: same inputs and parameters, different outputs")
            var table = TextTable(["STAGE", "KEY", "OUTPUTS", "THREADS"])
            for r in diff.notReproduced {
                let threads = r.oldThreads == r.newThreads ? (r.newThreads.map(String.init) ?? "-")
                    : "\(r.oldThreads.map(String.init) ?? "-") → \(r.newThreads.map(String.init) ?? "-")"
                table.add([r.stage, String(r.key.prefix(12)), r.outputs.joined(separator: ", ") + " differ", threads])
            }
            out.append(indent(table.rendered()))
            out.append("  environment: " + (diff.environment.isEmpty ? "no recorded difference" : environmentSummary(diff.environment)))
            let consequences = diff.notReproduced.flatMap(\.metrics)
            if !consequences.isEmpty {
                out.append("  their metrics, changed as a consequence:")
                out.append(indent(indent(metricTable(consequences, title: "METRIC").rendered())))
            }
        }
        if !diff.notRunInOne.isEmpty {
            out.append("")
            let n = diff.notRunInOne.count
            out.append("Not compared: \(n) stage\(n == 1 ? "" : "s") skipped in one of the runs (e.g. --only): "
                       + diff.notRunInOne.prefix(6).joined(separator: ", ") + (n > 6 ? ", …" : ""))
        }
        if !diff.params.isEmpty {
            out.append("")
            out.append("Parameters")
            var table = TextTable(["STAGE", "PARAM", "OLD", "NEW"])
            for r in diff.params { table.add([r.stage, r.path, cell(r.old), cell(r.new)]) }
            out.append(indent(table.rendered()))
        }
        if !diff.metrics.isEmpty {
            out.append("")
            out.append("Metrics")
            out.append(indent(metricTable(diff.metrics, title: "METRIC").rendered()))
        }
        if !diff.outputs.isEmpty {
            out.append("")
            out.append("Outputs")
            var table = TextTable(["STAGE", "OUTPUT", "CHANGE", "OLD", "NEW"])
            for r in diff.outputs {
                table.add([r.stage, r.output, r.change.rawValue, artifact(r.oldSHA256, r.oldBytes), artifact(r.newSHA256, r.newBytes)])
            }
            out.append(indent(table.rendered()))
        }
        if !diff.environment.isEmpty {
            out.append("")
            out.append("Environment")
            var table = TextTable(["FIELD", "OLD", "NEW"])
            for c in diff.environment { table.add([c.field, environmentCell(c, old: true), environmentCell(c, old: false)]) }
            out.append(indent(table.rendered()))
        }
        let changedTimings = diff.timings.filter(\.changed).count
        if !showTimings && changedTimings > 0 {
            out.append("")
            out.append("Timings: \(changedTimings) changed, not counted as differences (--timings lists them)")
        } else if showTimings && !diff.timings.isEmpty {
            out.append("")
            out.append("Timings (not counted as differences)")
            out.append(indent(metricTable(diff.timings, title: "TIMING").rendered()))
        }
        return out.joined(separator: "\n")
    }

    /// The environment changes on one line: `cpu flags +avx512f; blas core Haswell → SkylakeX`.
    /// Long values (a BLAS build string) are only said to differ; the section below has them.
    static func environmentSummary(_ changes: [ManifestDiff.EnvironmentChange]) -> String {
        changes.map { c in
            if !c.added.isEmpty || !c.removed.isEmpty {
                return c.field + " " + (c.added.map { "+" + $0 } + c.removed.map { "-" + $0 }).joined(separator: " ")
            }
            let old = short(c.old), new = short(c.new)
            return old.count + new.count > 48 ? "\(c.field) differs" : "\(c.field) \(old) → \(new)"
        }.joined(separator: "; ")
    }

    private static func environmentCell(_ c: ManifestDiff.EnvironmentChange, old: Bool) -> String {
        if !c.added.isEmpty || !c.removed.isEmpty {
            // Only the flags that differ: the full lists are in --json.
            let mine = old ? c.removed : c.added
            return mine.isEmpty ? "" : mine.map { (old ? "-" : "+") + $0 }.joined(separator: " ")
        }
        let value = short(old ? c.old : c.new)
        return value.count <= 60 ? value : String(value.prefix(59)) + "…"
    }

    /// A missing value as `-`, a git commit shortened to 12 digits.
    private static func short(_ value: String?) -> String {
        guard let value else { return "-" }
        let isCommit = value.count == 40 && value.allSatisfy(\.isHexDigit)
        return isCommit ? String(value.prefix(12)) : value
    }

    private static func metricTable(_ rows: [ManifestDiff.MetricRow], title: String) -> TextTable {
        var table = TextTable(["STAGE", title, "OLD", "NEW", "DELTA"])
        for r in rows { table.add([r.stage, r.metric, cell(r.old), cell(r.new), r.delta.map(signed) ?? ""]) }
        return table
    }

    /// A value as a table cell: long lists and mappings are cut (`--json` keeps them whole).
    private static func cell(_ value: ParamValue?, limit: Int = 60) -> String {
        guard let text = value?.displayText else { return "-" }
        return text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    private static func signed(_ d: Double) -> String {
        d > 0 ? "+" + ParamValue.format(d) : ParamValue.format(d)
    }

    private static func artifact(_ sha: String?, _ bytes: Int?) -> String {
        guard let sha else { return "-" }
        return "\(sha.prefix(12)) (\(ByteCount.text(bytes ?? 0)))"
    }

    private static func indent(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }
}
