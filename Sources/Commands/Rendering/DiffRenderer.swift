// DiffRenderer: a manifest diff as text — stages added/removed/re-keyed, parameters, metrics
// (old, new, delta) and output artifacts, each section only when it has rows.
import Foundation
import PipelineModel

enum DiffRenderer {
    static func text(_ diff: ManifestDiff) -> String {
        var out: [String] = ["--- \(diff.old.path) (run \(diff.old.runID))", "+++ \(diff.new.path) (run \(diff.new.runID))"]
        if !diff.hasDifferences && diff.params.isEmpty && diff.metrics.isEmpty && diff.outputs.isEmpty {
            out.append("")
            out.append("no differences")
            return out.joined(separator: "\n")
        }
        if !diff.stagesAdded.isEmpty || !diff.stagesRemoved.isEmpty || !diff.stagesRekeyed.isEmpty {
            out.append("")
            out.append("Stages")
            for s in diff.stagesAdded { out.append("  + \(s)") }
            for s in diff.stagesRemoved { out.append("  - \(s)") }
            for s in diff.stagesRekeyed { out.append("  ~ \(s.stage)  key \(s.oldKey.prefix(12)) → \(s.newKey.prefix(12))") }
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
            var table = TextTable(["STAGE", "METRIC", "OLD", "NEW", "DELTA"])
            for r in diff.metrics {
                table.add([r.stage, r.metric, cell(r.old), cell(r.new), r.delta.map(signed) ?? ""])
            }
            out.append(indent(table.rendered()))
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
        return out.joined(separator: "\n")
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
