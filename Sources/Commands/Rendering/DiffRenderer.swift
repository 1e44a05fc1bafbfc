// DiffRenderer: a manifest diff as text, to be read top down — a summary of counts, stages
// added/removed/re-keyed, stages not reproduced (same key, different outputs), parameters, headline
// metrics (old → new (Δ)), per-item tables for lists of objects, lists and matrices of numbers in
// one line each (every leaf with `--all`), output artifacts, the environment, and timings (one line
// unless shown); each section only when it has rows. Tables fit 100 columns.
import Foundation
import PipelineModel

enum DiffRenderer {
    /// The widest line a table may take; longer cells are cut with `…`.
    static let width = 100

    /// The diff as text; timing rows are listed only when `showTimings`, else counted in one line.
    /// `showAll` lists every metric leaf in one table instead of grouping and summarising them.
    static func text(_ diff: ManifestDiff, showTimings: Bool = false, showAll: Bool = false) -> String {
        var out: [String] = ["--- \(diff.old.path) (run \(diff.old.runID))", "+++ \(diff.new.path) (run \(diff.new.runID))"]
        if !diff.hasDifferences && diff.params.isEmpty && diff.metrics.isEmpty && diff.outputs.isEmpty {
            out.append("")
            out.append("no differences")
        } else {
            out.append("")
            out.append(summary(diff))
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
                out.append(fit(indent(indent(metricTable(consequences, title: "METRIC").rendered()))))
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
            for r in diff.params { table.add([r.stage, r.path, cell(r.old, limit: 30), cell(r.new, limit: 30)]) }
            out.append(fit(indent(table.rendered())))
        }
        if showAll {
            if !diff.metrics.isEmpty {
                out.append("")
                out.append("Metrics (every leaf)")
                out.append(fit(indent(metricTable(diff.metrics, title: "METRIC").rendered())))
            }
        } else {
            out += metricSections(DiffMetricGroups(diff.metrics))
        }
        if !diff.outputs.isEmpty {
            out.append("")
            out.append("Outputs")
            var table = TextTable(["STAGE", "OUTPUT", "CHANGE", "OLD", "NEW"])
            for r in diff.outputs {
                table.add([r.stage, r.output, r.change.rawValue, artifact(r.oldSHA256, r.oldBytes), artifact(r.newSHA256, r.newBytes)])
            }
            out.append(fit(indent(table.rendered())))
        }
        if !diff.environment.isEmpty {
            out.append("")
            out.append("Environment")
            var table = TextTable(["FIELD", "OLD", "NEW"])
            for c in diff.environment { table.add([c.field, environmentCell(c, old: true), environmentCell(c, old: false)]) }
            out.append(fit(indent(table.rendered())))
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

    /// The counts, zero ones left out: `Summary: stages 1 re-keyed, 0 added, 0 removed; changed
    /// 2 parameters, 14 metrics, 1 artifact`; wrapped at `;` to fit the width.
    static func summary(_ diff: ManifestDiff) -> String {
        func count(_ n: Int, _ noun: String) -> String? { n == 0 ? nil : "\(n) \(noun)\(n == 1 ? "" : "s")" }
        var parts: [String] = []
        if !diff.stagesRekeyed.isEmpty || !diff.stagesAdded.isEmpty || !diff.stagesRemoved.isEmpty {
            parts.append("stages \(diff.stagesRekeyed.count) re-keyed, \(diff.stagesAdded.count) added, "
                         + "\(diff.stagesRemoved.count) removed")
        }
        let changed = [count(diff.params.filter(\.changed).count, "parameter"),
                       count(diff.metrics.filter(\.changed).count, "metric"),
                       count(diff.outputs.filter { $0.change != .unchanged }.count, "artifact")].compactMap { $0 }
        if !changed.isEmpty { parts.append("changed " + changed.joined(separator: ", ")) }
        if let n = count(diff.notReproduced.count, "stage") { parts.append(n + " not reproduced") }
        if parts.isEmpty { parts.append("no result changed") }
        var lines = ["Summary: " + parts[0]]
        for part in parts.dropFirst() {
            if lines[lines.count - 1].count + 2 + part.count <= width { lines[lines.count - 1] += "; " + part } else {
                lines[lines.count - 1] += ";"
                lines.append("  " + part)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Headline metrics, per-item tables and one-line summaries of lists of numbers.
    private static func metricSections(_ groups: DiffMetricGroups) -> [String] {
        var out: [String] = []
        if !groups.headline.isEmpty {
            out.append("")
            out.append("Metrics")
            var table = TextTable(["STAGE", "METRIC", "OLD → NEW (Δ)"])
            for r in groups.headline { table.add([r.stage, r.metric, change(r)]) }
            out.append(fit(indent(table.rendered())))
        }
        for t in groups.tables {
            // At most three fields (old, new, Δ each) per table, so a table fits the width.
            for start in stride(from: 0, to: t.fields.count, by: 3) {
                let fields = Array(t.fields[start..<min(start + 3, t.fields.count)])
                out.append("")
                out.append("\(t.stage) \(t.list)")
                var header = [t.list == "levels" || t.list == "models" ? "LEVEL" : "ITEM"]
                for f in fields { header += [short(f, 12).uppercased() + " old", short(f, 12).uppercased() + " new", "Δ"] }
                var table = TextTable(header)
                for item in t.items where fields.contains(where: { item.cells[$0]?.changed == true }) {
                    var row = [short(item.name, 16)]
                    for f in fields {
                        let r = item.cells[f]
                        row += [cell(r?.old, limit: 12, rounded: true), cell(r?.new, limit: 12, rounded: true),
                                r?.delta.map { signedNumber($0, digits: 3) } ?? ""]
                    }
                    table.add(row)
                }
                out.append(fit(indent(table.rendered())))
            }
        }
        if !groups.lists.isEmpty {
            out.append("")
            out.append("Lists and matrices (--all lists every value)")
            var table = TextTable(["STAGE", "LIST", "CHANGE"])
            for l in groups.lists {
                var text = "\(l.changed) \(l.isMatrix ? "cell" : "value")\(l.changed == 1 ? "" : "s") changed"
                if let d = l.maxAbsDelta { text += ", max |Δ| " + number(d, digits: 3) }
                if l.addedOrRemoved > 0 { text += " (\(l.addedOrRemoved) only in one run)" }
                table.add([l.stage, l.list, text])
            }
            out.append(fit(indent(table.rendered())))
        }
        return out
    }

    /// `0.812 → 0.875 (+0.0625)`; a value only one run has shows `-` on the other side.
    private static func change(_ r: ManifestDiff.MetricRow) -> String {
        let text = cell(r.old, limit: 24, rounded: true) + " → " + cell(r.new, limit: 24, rounded: true)
        return r.delta.map { text + " (" + signedNumber($0, digits: 3) + ")" } ?? text
    }

    /// A number with at most `digits` significant digits (integers whole).
    private static func number(_ d: Double, digits: Int) -> String {
        if d.rounded() == d && abs(d) < 1e15 { return String(Int(d)) }
        return String(format: "%.\(digits)g", d)
    }

    private static func signedNumber(_ d: Double, digits: Int) -> String {
        d > 0 ? "+" + number(d, digits: digits) : number(d, digits: digits)
    }

    /// `text` cut to `limit` characters with `…`.
    private static func short(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// Every line cut to `width` characters with `…`.
    static func fit(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { short(String($0), width) }
            .joined(separator: "\n")
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
        return short(value, 40)
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

    /// A value as a table cell: long lists and mappings are cut (`--json` keeps them whole);
    /// `rounded` numbers keep four significant digits.
    private static func cell(_ value: ParamValue?, limit: Int = 60, rounded: Bool = false) -> String {
        if rounded, let d = value?.number { return number(d, digits: 4) }
        guard let text = value?.displayText else { return "-" }
        return short(text, limit)
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
