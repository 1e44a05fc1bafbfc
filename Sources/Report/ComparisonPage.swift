// ComparisonPage: a comparison of N runs as HTML — the whole page `hsiflow compare` writes, or one
// section of a run's report (`hsiflow report RUN --compare A B …`). Script-free and offline: inline
// SVG charts, every table inside a scrolling box no wider than the page.
import Foundation

/// The HTML of a `Comparison`.
public struct ComparisonPage: Sendable {
    public var comparison: Comparison
    public var title: String

    public init(comparison: Comparison, title: String? = nil) {
        self.comparison = comparison
        let names = Set(comparison.runs.map(\.experiment)).sorted()
        self.title = title ?? "Comparison of \(comparison.runs.count) runs of \(names.joined(separator: ", "))"
    }

    /// The whole page (XHTML-compatible markup, like the report).
    public func html() -> String {
        let parts = parts(level: 2)
        let toc = "<nav id=\"contents\" class=\"toc\"><b>Contents</b><ul>"
            + parts.map { "<li><a href=\"#\($0.id)\">\(escapeHTML($0.title))</a></li>" }.joined() + "</ul></nav>"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"/><title>\(escapeHTML(title))</title>
            <style>\(ReportPage.css)\(Self.css)</style></head>
            <body><header><h1>\(escapeHTML(title))</h1>
            <p class="sub">\(escapeHTML(comparison.summarySentence))</p></header>
            \(toc)\(parts.map(\.html).joined())
            <footer>Written by hsiflow compare from \(comparison.runs.count) manifests; readable offline.</footer>
            </body></html>

            """
    }

    /// One `<section>` for a run's report: the same content under one heading.
    public func section(id: String, heading: String = "Runs compared") -> String {
        // The page's few extra rules travel with the section (a style element in the body is valid HTML).
        "<section id=\"\(escapeHTML(id))\"><style>\(Self.css)</style><h2>\(escapeHTML(heading))</h2><p>\(escapeHTML(comparison.summarySentence))</p>"
            + parts(level: 3).map(\.html).joined() + "</section>"
    }

    /// The page's parts in order: runs, curves, key metrics, per-level tables, saliency similarity.
    func parts(level: Int) -> [(id: String, title: String, html: String)] {
        let h = "h\(level)"
        func part(_ id: String, _ title: String, _ body: String) -> (id: String, title: String, html: String) {
            (id, title, "<section id=\"cmp-\(id)\"><\(h)>\(escapeHTML(title))</\(h)>\(body)</section>")
        }
        let c = comparison
        var list = [part("runs", "Runs", Self.table(c.runsTable(), wrapLast: true))]
        let figures = c.figures()
        if !figures.isEmpty {
            list.append(part("curves", "Curves", "<div class=\"charts\">" + figures.map { $0.svg() }.joined() + "</div>"))
        }
        if let key = c.keyMetricsTable() { list.append(part("key", "Key metrics", Self.table(key))) }
        let levelTables = c.levelInstances().flatMap { instance in
            Comparison.levelMetrics.compactMap { c.levelTable(instance: instance, metric: $0) }
        }
        if !levelTables.isEmpty {
            list.append(part("levels", "Per level", levelTables.map { Self.table($0, caption: true) }.joined()))
        }
        let similarityTables = Comparison.stages(in: c.similarityRows).flatMap { stage in
            ["cosine", "spearman"].compactMap { c.similarityTable(stage: stage, metric: $0) }
        }
        if !similarityTables.isEmpty {
            list.append(part("similarity", "Saliency similarity", similarityTables.map { Self.table($0, caption: true) }.joined()))
        }
        if c.mode == .seeds, !c.stageRows.isEmpty || !c.levelRows.isEmpty {
            // The replicates' own numbers, folded: the means above carry the answer.
            let perRun = c.perRunTable()
            list.append(part("values", "Values per run", "<details><summary>every value of every run</summary>\(Self.table(perRun))</details>"))
        }
        return list.map { (id: "cmp-\($0.id)", title: $0.title, html: $0.html) }
    }

    /// A table inside a scrolling box; `caption` puts the table's title above it.
    static func table(_ t: ComparisonTable, caption: Bool = false, wrapLast: Bool = false) -> String {
        var html = caption ? "<p class=\"caption\">\(escapeHTML(t.title))</p>" : ""
        html += "<div class=\"scroll\"><table class=\"data\"><thead><tr>" + t.header.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in t.rows {
            html += "<tr>" + row.enumerated().map { i, text in
                let numeric = text.first.map { $0.isNumber || $0 == "-" || $0 == "—" } ?? false
                let cls = wrapLast && i == row.count - 1 ? " class=\"wrap\"" : (i >= t.keyColumns && numeric ? " class=\"num\"" : "")
                return "<td\(cls)>\(escapeHTML(text))</td>"
            }.joined() + "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    static let css = """
        .scroll{max-width:100%;overflow-x:auto}.charts svg{max-width:100%;height:auto}p.caption{margin:14px 0 2px;font-weight:bold}
        table.data td.num{white-space:nowrap}td.wrap{overflow-wrap:anywhere;min-width:16em}
        """
}

extension Comparison {
    /// One sentence saying how the runs relate and what the numbers are.
    public var summarySentence: String {
        switch mode {
        case .seeds:
            let seeds = runs.map { $0.seed.map(String.init) ?? "?" }.joined(separator: ", ")
            let only = runs.contains { !$0.differences.isEmpty } ? "differ only by seed (\(seeds))" : "have the same parameters (seed \(seeds))"
            return "\(runs.count) runs that \(only): values are the mean ± sample standard deviation (n−1) over the runs."
        case .settings:
            return "\(runs.count) runs whose parameters differ (see Runs): values are shown per run, not averaged."
        }
    }

    /// Every stage and per-level value of every run: stage | series | metric | level | A | B …
    func perRunTable() -> ComparisonTable {
        let rows = (stageRows + levelRows).map { r in
            [r.stage, r.series, Self.metricTitle(r.metric), r.level.map(Self.levelText) ?? ""] + r.values.map(Self.value)
        }
        return ComparisonTable(title: "Values per run", header: ["stage", "series", "metric", "% pruned"] + runs.map(\.label),
                               rows: rows, keyColumns: 4)
    }
}
