// ComparisonTables: the tables of a comparison as values (titles, headers, cells as text), built
// once and rendered twice — as HTML by ComparisonPage and as 100-column text by ComparisonText.
// Replicates (seeds mode) get a "mean ± std" cell; other runs get one column per run.
import Foundation
import PipelineModel

/// One table: the first `keyColumns` columns name the row and repeat when the text splits a wide table.
public struct ComparisonTable: Sendable, Equatable {
    public var title: String
    public var header: [String]
    public var rows: [[String]]
    public var keyColumns: Int
}

extension Comparison {
    /// "Runs": label, manifest, run, seed, what differs from the first run.
    func runsTable() -> ComparisonTable {
        ComparisonTable(
            title: "Runs", header: ["run", "manifest", "run id", "seed", "differs from \(runs.first?.label ?? "A")"],
            rows: runs.map { [$0.label, $0.path, $0.runID, $0.seed.map(String.init) ?? "—",
                              $0.differences.isEmpty ? "—" : $0.differences.map(\.text).joined(separator: "; ")] },
            keyColumns: 1)
    }

    /// Stage scalars: seeds → stage | OA | kappa | AA (mean ± std); settings → stage | metric | A | B …
    func keyMetricsTable() -> ComparisonTable? {
        guard !stageRows.isEmpty else { return nil }
        let stages = Self.stages(in: stageRows)
        let metrics = Self.stageMetrics.filter { m in stageRows.contains { $0.metric == m } }
        switch mode {
        case .seeds:
            let rows = stages.map { stage in
                [stage] + metrics.map { m in stageRows.first { $0.stage == stage && $0.metric == m }.map(cell) ?? "" }
            }
            return ComparisonTable(title: "Key metrics (mean ± std over \(runs.count) runs)", header: ["stage"] + metrics.map(Self.metricTitle),
                                   rows: rows, keyColumns: 1)
        case .settings:
            let rows = stages.flatMap { stage in
                stageRows.filter { $0.stage == stage }.map { [stage, Self.metricTitle($0.metric)] + $0.values.map(Self.value) }
            }
            return ComparisonTable(title: "Key metrics per run", header: ["stage", "metric"] + runs.map(\.label), rows: rows, keyColumns: 2)
        }
    }

    /// Matrix instances with per-level rows (`[bands=pca]`), in order of first appearance.
    func levelInstances() -> [String] {
        var seen = Set<String>()
        return Self.stages(in: levelRows).map(StudyFigures.instance).filter { seen.insert($0).inserted }
    }

    /// The per-level rows of one matrix instance and metric, keyed by a series title (`float`, `int8`).
    func levelSeries(instance: String, metric: String) -> [(title: String, rows: [Row])] {
        let stages = Self.stages(in: levelRows).filter { StudyFigures.instance($0) == instance }
        return stages.flatMap { stage in
            Self.seriesNames(of: stage, in: levelRows).map { series in
                (title: series, rows: levelRows.filter { $0.stage == stage && $0.series == series && $0.metric == metric })
            }
        }.filter { !$0.rows.isEmpty }
    }

    /// Per level of one matrix instance: seeds → level | float | int8 (mean ± std); settings → level | A float | A int8 | B float …
    func levelTable(instance: String, metric: String) -> ComparisonTable? {
        let series = levelSeries(instance: instance, metric: metric)
        guard !series.isEmpty else { return nil }
        let levels = Set(series.flatMap { $0.rows.compactMap(\.level) }).sorted()
        let stages = Self.stages(in: levelRows).filter { StudyFigures.instance($0) == instance }
        let title = "\(Self.metricTitle(metric)) per level: " + stages.joined(separator: ", ")
        switch mode {
        case .seeds:
            let rows = levels.map { level in
                [Self.levelText(level)] + series.map { s in s.rows.first { $0.level == level }.map(cell) ?? "" }
            }
            return ComparisonTable(title: title, header: ["% pruned"] + series.map(\.title), rows: rows, keyColumns: 1)
        case .settings:
            // Runs without these stages get no columns.
            let present = runs.indices.filter { r in series.contains { $0.rows.contains { $0.values[r] != nil } } }
            let header = ["% pruned"] + present.flatMap { r in series.map { "\(runs[r].label) \($0.title)" } }
            let rows = levels.map { level in
                [Self.levelText(level)] + present.flatMap { r in
                    series.map { s in s.rows.first { $0.level == level }.map { Self.value($0.values[r]) } ?? "" }
                }
            }
            return ComparisonTable(title: title, header: header, rows: rows, keyColumns: 1)
        }
    }

    /// Saliency similarity of one visualize stage: rows method (× run in settings mode), columns levels.
    func similarityTable(stage: String, metric: String) -> ComparisonTable? {
        let rows = similarityRows.filter { $0.stage == stage && $0.metric == metric }
        guard !rows.isEmpty else { return nil }
        let levels = Set(rows.compactMap(\.level)).sorted()
        let methods = Self.seriesNames(of: stage, in: rows)
        let header = levels.map { Self.levelText($0) + " %" }
        let title = "\(stage): saliency similarity to 0 % pruned (\(metric))"
        switch mode {
        case .seeds:
            let body = methods.map { method in
                [method] + levels.map { level in rows.first { $0.series == method && $0.level == level }.map { cell($0, digits: 3) } ?? "" }
            }
            return ComparisonTable(title: title, header: ["method"] + header, rows: body, keyColumns: 1)
        case .settings:
            let body = methods.flatMap { method in
                runs.indices.filter { r in rows.contains { $0.series == method && $0.values[r] != nil } }.map { r in
                    [method, runs[r].label] + levels.map { level in
                        rows.first { $0.series == method && $0.level == level }.map { Self.value($0.values[r], digits: 3) } ?? ""
                    }
                }
            }
            return ComparisonTable(title: title, header: ["method", "run"] + header, rows: body, keyColumns: 2)
        }
    }

    // MARK: - Cells

    /// `0.9284 ± 0.0031`, `0.9284 (n=1)` when one run has it, ` (n=2)` appended when some runs lack it.
    func cell(_ row: Row) -> String { cell(row, digits: 4) }

    func cell(_ row: Row, digits: Int) -> String {
        guard let mean = row.mean else { return "" }
        var text = String(format: "%.\(digits)f", mean)
        if let std = row.std { text += " ± " + String(format: "%.\(digits)f", std) }
        if row.count < runs.count { text += " (n=\(row.count))" }
        return text
    }

    static func value(_ v: Double?) -> String { value(v, digits: 4) }

    static func value(_ v: Double?, digits: Int) -> String {
        guard let v else { return "—" }
        return String(format: "%.\(digits)f", v)
    }

    static func levelText(_ level: Double) -> String { ParamValue.format(level) }

    static func metricTitle(_ metric: String) -> String {
        ["oa": "OA", "aa": "AA", "kappa": "kappa"][metric] ?? metric
    }
}
