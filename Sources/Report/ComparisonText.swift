// ComparisonText: the comparison as plain text for a terminal, no line wider than `width` (100):
// the runs and what sets them apart, key metrics, OA per level (float and quantized) and saliency
// cosine similarity. A table too wide is split into column groups that repeat the row names.
import Foundation

/// Renders a `Comparison` as text.
public enum ComparisonText {
    /// The widest line the text may have.
    public static let width = 100
    /// Differences listed per run before "… N more".
    static let maxDifferences = 6

    public static func render(_ c: Comparison) -> String {
        var blocks: [String] = [wrap(c.summarySentence, indent: "", continuation: "").joined(separator: "\n")]
        var runLines: [String] = []
        for run in c.runs {
            runLines.append(fit("  \(run.label)  \(run.path)  run \(run.runID)" + (run.seed.map { "  seed \($0)" } ?? "")))
            if c.mode == .settings || !run.differences.isEmpty, run.label != c.runs.first?.label {
                // The first few; the page and --json list them all.
                let shown = run.differences.prefix(maxDifferences).map(\.text).joined(separator: "; ")
                    + (run.differences.count > maxDifferences ? "; … \(run.differences.count - maxDifferences) more on the page" : "")
                let text = run.differences.isEmpty ? "same parameters as \(c.runs.first?.label ?? "A")" : shown
                runLines += wrap(text, indent: "     differs: ", continuation: "              ")
            }
        }
        blocks.append("Runs\n" + runLines.joined(separator: "\n"))
        if let key = c.keyMetricsTable() { blocks.append(table(key)) }
        for instance in c.levelInstances() {
            if let t = c.levelTable(instance: instance, metric: "oa") { blocks.append(table(t)) }
        }
        for stage in Comparison.stages(in: c.similarityRows) {
            if let t = c.similarityTable(stage: stage, metric: "cosine") { blocks.append(table(t)) }
        }
        return blocks.joined(separator: "\n\n")
    }

    /// A titled table, its columns split into groups that fit `width` (key columns repeated in each).
    static func table(_ t: ComparisonTable) -> String {
        let columns = t.header.count
        let widths = (0..<columns).map { i in ([t.header[i]] + t.rows.map { i < $0.count ? $0[i] : "" }).map(\.count).max() ?? 0 }
        let keys = Array(0..<min(t.keyColumns, columns))
        let keyWidth = keys.reduce(2) { $0 + widths[$1] + 2 }
        var groups: [[Int]] = []
        var current: [Int] = [], used = keyWidth
        for i in t.keyColumns..<max(columns, t.keyColumns) {
            if !current.isEmpty && used + widths[i] + 2 > width {
                groups.append(current)
                current = []
                used = keyWidth
            }
            current.append(i)
            used += widths[i] + 2
        }
        if !current.isEmpty || groups.isEmpty { groups.append(current) }
        var lines = [fit(t.title)]
        for (g, group) in groups.enumerated() {
            if groups.count > 1 { lines.append(fit("  (columns \(g + 1) of \(groups.count))")) }
            let shown = keys + group
            func line(_ cells: [String]) -> String {
                let text = "  " + shown.map { i in
                    let cell = i < cells.count ? cells[i] : ""
                    let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                    return i < t.keyColumns ? cell + pad : pad + cell
                }.joined(separator: "  ")
                return fit(String(text.reversed().drop { $0 == " " }.reversed()))
            }
            lines.append(line(t.header))
            lines += t.rows.map(line)
        }
        return lines.joined(separator: "\n")
    }

    /// `text` cut to `width` with an ellipsis.
    static func fit(_ text: String) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    /// `text` broken at spaces into lines of at most `width`, the first after `indent`.
    static func wrap(_ text: String, indent: String, continuation: String) -> [String] {
        var lines: [String] = [], line = indent
        for word in text.split(separator: " ") {
            let prefixOnly = line == indent || line == continuation
            if !prefixOnly && line.count + 1 + word.count > width {
                lines.append(line)
                line = continuation
            }
            line += (line == indent || line == continuation ? "" : " ") + word
        }
        lines.append(line)
        return lines.map(fit)
    }
}
