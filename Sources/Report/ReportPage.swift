// ReportPage: the HTML report as a pure function of a manifest (plus where its figures were
// copied and, optionally, a diff against another run). No scripts, fonts or styles from the
// network: one self-contained page whose charts are inline SVG and whose images sit in figures/.
import Foundation
public import PipelineModel

/// Builds `report.html` from a manifest.
public struct ReportPage: Sendable {
    public var manifest: Manifest
    /// Output sha256 → path of the copied figure, relative to the report (e.g. `figures/ab12.png`).
    public var figures: [String: String]
    /// A comparison with another run, shown as its own section.
    public var comparison: ManifestDiff?
    /// Report title (the experiment's `report.title`, else its name).
    public var title: String
    /// The decoded `importance.json` output of each visualize stage, by stage id (band-importance charts).
    public var importance: [String: ParamValue]
    /// This run beside others (`report --compare A B …`): curves and key metrics, as its own section.
    public var runsCompared: Comparison?

    public init(manifest: Manifest, figures: [String: String] = [:], comparison: ManifestDiff? = nil, title: String? = nil,
                importance: [String: ParamValue] = [:]) {
        self.manifest = manifest
        self.figures = figures
        self.comparison = comparison
        self.title = title ?? manifest.experiment.params["report"]?["title"]?.string ?? manifest.experiment.name
        self.importance = importance
    }

    /// The whole page (XHTML-compatible markup, so an XML parser can check it).
    public func html() -> String {
        let all = sections()
        let body = tableOfContents(all) + all.map(\.html).joined()
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"/><title>\(escapeHTML(title))</title>
            <style>\(ReportPage.css)</style></head>
            <body><header><h1>\(escapeHTML(title))</h1>
            <p class="sub">experiment <code>\(escapeHTML(manifest.experiment.name))</code> · run <code>\(escapeHTML(manifest.runID))</code> · \(escapeHTML(manifest.startedAt))</p></header>
            \(body)
            <footer>Written by \(escapeHTML(manifest.tool.name)) \(escapeHTML(manifest.tool.version)) from <code>manifest.json</code>; readable offline.</footer>
            </body></html>

            """
    }

    /// Stage kinds in the order their sections appear.
    static let kindOrder = ["load", "band-select", "train", "prune", "quantize", "visualize"]

    static let sectionTitles = [
        "load": "Data", "band-select": "Band selection", "train": "Training", "prune": "Pruning",
        "quantize": "Quantization", "visualize": "Visualization", "other": "Other stages",
    ]

    // MARK: - Sections

    /// One section of the page: its anchor, its title in the table of contents, its markup.
    struct Section {
        var id: String
        var title: String
        var html: String
        /// Linked subsections (anchor, title), listed under the section in the table of contents.
        var parts: [(id: String, title: String)] = []
    }

    /// Every section in page order: the study's answer first, then the summary and the detail.
    func sections() -> [Section] {
        var list: [Section] = []
        if let study = StudySection(page: self).section() { list.append(study) }
        list.append(Section(id: "summary", title: "Summary", html: summarySection()))
        list.append(Section(id: "graph", title: "Stage graph", html: graphSection()))
        for kind in ReportPage.kindOrder {
            let stages = manifest.stages.filter { $0.kind == kind }
            if !stages.isEmpty {
                list.append(Section(id: "kind-\(Self.anchor(kind))", title: Self.sectionTitles[kind] ?? kind, html: kindSection(kind, stages)))
            }
        }
        let others = manifest.stages.filter { !ReportPage.kindOrder.contains($0.kind) && !$0.metrics.isEmpty }
        if !others.isEmpty { list.append(Section(id: "kind-other", title: Self.sectionTitles["other"] ?? "other", html: kindSection("other", others))) }
        if let comparison { list.append(Section(id: "comparison", title: "Comparison", html: comparisonSection(comparison))) }
        if let runsCompared { list.append(Section(id: "runs-compared", title: "Runs compared", html: ComparisonPage(comparison: runsCompared).section(id: "runs-compared"))) }
        list.append(Section(id: "stages", title: "Every stage", html: stagesSection()))
        return list
    }

    func tableOfContents(_ sections: [Section]) -> String {
        "<nav id=\"contents\" class=\"toc\"><b>Contents</b><ul>"
            + sections.map { section in
                "<li><a href=\"#\(section.id)\">\(escapeHTML(section.title))</a>"
                    + (section.parts.isEmpty ? "" : " (" + section.parts.map { "<a href=\"#\($0.id)\">\(escapeHTML($0.title))</a>" }.joined(separator: " · ") + ")")
                    + "</li>"
            }.joined() + "</ul></nav>"
    }

    func summarySection() -> String {
        let s = manifest.summary
        var rows: [(String, String)] = [
            ("experiment", manifest.experiment.path),
            ("experiment sha256", String(manifest.experiment.sha256.prefix(16)) + "…"),
            ("run", manifest.runID),
            ("started", manifest.startedAt),
            ("tool", "\(manifest.tool.name) \(manifest.tool.version)"),
            ("host", "\(manifest.host.name) (\(manifest.host.os), \(manifest.host.cores) cores)"),
            ("total time", Self.seconds(s.seconds)),
            ("stages", "\(s.ran) ran · \(s.cached) cached · \(s.failed) failed · \(s.skipped) skipped"
                + (s.carried.map { " · \($0) carried from earlier runs" } ?? "")),
        ]
        let carried = manifest.stages.filter { $0.carriedFrom != nil }
        if !carried.isEmpty {
            rows.append(("carried", carried.map { "\($0.id) (run \($0.carriedFrom ?? ""))" }.joined(separator: ", ")))
        }
        if s.failed > 0 { rows.append(("failed", manifest.stages.filter { $0.status == .failed }.map(\.id).joined(separator: ", "))) }
        var html = "<section id=\"summary\"><h2>Summary</h2>" + Self.keyValueTable(rows)
        // Key results: the headline accuracy figures of every stage that has them.
        let keyMetrics = ["oa", "aa", "kappa"]
        let withKeys = manifest.stages.filter { st in keyMetrics.contains { st.metrics[$0]?.number != nil } }
        if !withKeys.isEmpty {
            html += "<h3>Key results</h3><div class=\"scroll\"><table class=\"data\"><thead><tr><th>stage</th><th>kind</th>"
                + keyMetrics.map { "<th>\($0.uppercased())</th>" }.joined() + "</tr></thead><tbody>"
            for st in withKeys {
                html += "<tr><td><a href=\"#stage-\(Self.anchor(st.id))\">\(escapeHTML(st.id))</a></td><td>\(escapeHTML(st.kind))</td>"
                    + keyMetrics.map { "<td class=\"num\">\(st.metrics[$0]?.number.map { Self.format($0) } ?? "")</td>" }.joined() + "</tr>"
            }
            html += "</tbody></table></div>"
        }
        return html + "</section>"
    }

    func graphSection() -> String {
        let nodes = manifest.stages.map { DagDiagram.Node(id: $0.id, kind: $0.kind, status: $0.status.rawValue) }
        let edges = manifest.stages.flatMap { st in st.needs.map { (from: $0, to: st.id) } }
        return "<section id=\"graph\"><h2>Stage graph</h2><div class=\"scroll\">\(DagDiagram(nodes: nodes, edges: edges).svg())</div></section>"
    }

    /// Class names by renumbered class, for legends, confusion matrices and per-class bars.
    var classLabels: [String] { StudyFigures(manifest: manifest).classLabels() }

    func kindSection(_ kind: String, _ stages: [Manifest.StageEntry]) -> String {
        let classLabels = self.classLabels
        var html = "<section id=\"kind-\(Self.anchor(kind))\"><h2>\(escapeHTML(Self.sectionTitles[kind] ?? kind))</h2>"
        if stages.count > 1 { html += comparisonAcrossStages(stages) }
        for st in stages {
            // Folded when the kind has several stages (none/PCA/NMF): the Study section and the
            // comparison table above carry the answer, the detail opens on demand.
            let open = stages.count > 1 ? "" : " open=\"open\""
            html += "<details class=\"stage\"\(open)><summary><h3>\(escapeHTML(st.id)) <span class=\"status \(st.status.rawValue)\">\(st.status.rawValue)</span></h3></summary>"
            if let error = st.error { html += "<p class=\"error\">\(escapeHTML(error))</p>" }
            html += MetricsRenderer(stageID: st.id, classLabels: classLabels).render(st.metrics)
            html += FigureGallery(stage: st, figures: figures, classLabels: classLabels).html()
            html += "</details>"
        }
        return html + "</section>"
    }

    /// A table of the scalar metrics shared by several stages of one kind (e.g. none/PCA/NMF side by side).
    func comparisonAcrossStages(_ stages: [Manifest.StageEntry]) -> String {
        var found: [String] = []
        for st in stages {
            for (k, v) in st.metrics.sorted(by: { $0.key < $1.key }) where v.number != nil && !found.contains(k) { found.append(k) }
        }
        guard !found.isEmpty else { return "" }
        let keys = MetricsRenderer.keyColumnsFirst(found)
        var html = "<div class=\"scroll\"><table class=\"data\"><thead><tr><th>stage</th>" + keys.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr></thead><tbody>"
        for st in stages {
            html += "<tr><td>\(escapeHTML(st.id))</td>" + keys.map { "<td class=\"num\">\(st.metrics[$0]?.number.map { Self.format($0) } ?? "")</td>" }.joined() + "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    func comparisonSection(_ diff: ManifestDiff) -> String {
        var html = "<section id=\"comparison\"><h2>Comparison</h2><p>old: <code>\(escapeHTML(diff.old.path))</code> (run \(escapeHTML(diff.old.runID))) → new: <code>\(escapeHTML(diff.new.path))</code> (run \(escapeHTML(diff.new.runID)))</p>"
        if !diff.stagesAdded.isEmpty { html += "<p>stages added: \(escapeHTML(diff.stagesAdded.joined(separator: ", ")))</p>" }
        if !diff.stagesRemoved.isEmpty { html += "<p>stages removed: \(escapeHTML(diff.stagesRemoved.joined(separator: ", ")))</p>" }
        for r in diff.notReproduced {
            html += "<p>not reproduced (same key, different outputs): <b>\(escapeHTML(r.stage))</b>, outputs \(escapeHTML(r.outputs.joined(separator: ", ")))</p>"
        }
        let params = diff.params.filter(\.changed)
        if !params.isEmpty {
            html += "<h3>Parameters</h3><div class=\"scroll\"><table class=\"data wrap\"><thead><tr><th>stage</th><th>parameter</th><th>old</th><th>new</th></tr></thead><tbody>"
            for p in params {
                html += "<tr><td>\(escapeHTML(p.stage))</td><td>\(escapeHTML(p.path))</td><td>\(escapeHTML(p.old?.canonicalJSON ?? "—"))</td><td>\(escapeHTML(p.new?.canonicalJSON ?? "—"))</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        let metrics = diff.metrics.filter(\.changed)
        if !metrics.isEmpty {
            html += "<h3>Metrics</h3><div class=\"scroll\"><table class=\"data wrap\"><thead><tr><th>stage</th><th>metric</th><th>old</th><th>new</th><th>delta</th></tr></thead><tbody>"
            for m in metrics {
                let delta = m.delta.map { ($0 >= 0 ? "+" : "") + Self.format($0) } ?? ""
                let cls = (m.delta ?? 0) > 0 ? "up" : (m.delta ?? 0) < 0 ? "down" : ""
                html += "<tr><td>\(escapeHTML(m.stage))</td><td>\(escapeHTML(m.metric))</td><td class=\"num\">\(escapeHTML(Self.short(m.old)))</td><td class=\"num\">\(escapeHTML(Self.short(m.new)))</td><td class=\"num \(cls)\">\(delta)</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        if !diff.hasDifferences { html += "<p>No differences.</p>" }
        return html + "</section>"
    }

    func stagesSection() -> String {
        var html = "<section id=\"stages\"><h2>Every stage</h2>"
        for st in manifest.stages {
            html += "<details id=\"stage-\(Self.anchor(st.id))\"><summary><b>\(escapeHTML(st.id))</b> · \(escapeHTML(st.kind)) · <span class=\"status \(st.status.rawValue)\">\(st.status.rawValue)</span> · \(Self.seconds(st.seconds))</summary>"
            var rows: [(String, String)] = [("reason", st.reason), ("key", st.key.isEmpty ? "—" : st.key), ("needs", st.needs.joined(separator: ", "))]
            if let run = st.carriedFrom { rows.append(("carried", "from run \(run): this run did not touch the stage")) }
            if let error = st.error { rows.append(("error", error)) }
            html += Self.keyValueTable(rows)
            if !st.params.isEmpty {
                html += "<h4>Parameters</h4>" + Self.keyValueTable(st.params.sorted { $0.key < $1.key }.map { ($0.key, $0.value.canonicalJSON) })
            }
            if !st.outputs.isEmpty {
                html += "<h4>Outputs</h4><div class=\"scroll\"><table class=\"data\"><thead><tr><th>name</th><th>bytes</th><th>sha256</th></tr></thead><tbody>"
                for o in st.outputs {
                    html += "<tr><td>\(escapeHTML(o.name))</td><td class=\"num\">\(o.bytes)</td><td><code>\(escapeHTML(String(o.sha256.prefix(16))))…</code></td></tr>"
                }
                html += "</tbody></table></div>"
            }
            html += "</details>"
        }
        return html + "</section>"
    }

    // MARK: - Helpers

    static func keyValueTable(_ rows: [(String, String)]) -> String {
        "<div class=\"scroll\"><table class=\"kv\"><tbody>" + rows.map { "<tr><th>\(escapeHTML($0.0))</th><td>\(escapeHTML($0.1))</td></tr>" }.joined() + "</tbody></table></div>"
    }

    /// An id made safe for `id=` and `href="#…"`: ASCII letters, digits and `-`, and non-ASCII
    /// letters and digits, kept scalar by scalar; anything else (quotes, even inside a grapheme
    /// with a mark) becomes `_`.
    static func anchor(_ id: String) -> String {
        var out = String.UnicodeScalarView()
        for s in id.unicodeScalars {
            let ascii = s.isASCII && (("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s) || s == "-")
            let word = !s.isASCII && (s.properties.isAlphabetic || s.properties.numericType != nil)
            out.append(ascii || word ? s : "_")
        }
        return String(out)
    }

    static func seconds(_ s: Double) -> String {
        s < 60 ? String(format: "%.2f s", s) : String(format: "%d min %02d s", Int(s) / 60, Int(s) % 60)
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e12 { return String(Int(v)) }
        return String(format: abs(v) >= 100 ? "%.1f" : "%.4f", v)
    }

    static func short(_ v: ParamValue?) -> String {
        guard let v else { return "—" }
        if let n = v.number { return format(n) }
        return v.canonicalJSON
    }

    static let css = """
        body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;padding:0 20px 40px;color:#222;line-height:1.4}
        header{border-bottom:2px solid #0072B2;margin-bottom:12px}h1{margin:18px 0 4px}.sub{color:#555;margin:0 0 10px}
        h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}h3{margin:18px 0 6px}
        table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 8px;text-align:left;vertical-align:top}
        table.data th{background:#f3f5f8;border-bottom:1px solid #ccd}table.data td{border-bottom:1px solid #eee}
        table.kv th{color:#555;font-weight:normal;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}
        td.up{color:#08792b}td.down{color:#b00020}code{font-size:90%;background:#f5f5f5;padding:1px 3px;border-radius:3px}
        .status{font-size:75%;padding:1px 6px;border-radius:8px;font-weight:normal}.ran{background:#d8f0dc}.cached{background:#dde7f5}
        .failed{background:#f7d4d4}.skipped{background:#eee}.error{color:#b00020}.scroll{overflow-x:auto}
        .charts{display:flex;flex-wrap:wrap;gap:12px}.gallery{display:flex;flex-wrap:wrap;gap:12px}
        figure{margin:0}figure img{image-rendering:pixelated;max-width:100%;border:1px solid #ddd}figcaption{font-size:80%;color:#555}
        details{margin:4px 0;padding:4px 8px;border:1px solid #e5e5e5;border-radius:4px}
        details.stage summary h3{display:inline}nav.toc ul{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;padding:0;margin:4px 0}footer{margin-top:40px;color:#777;font-size:85%}
        .scroll{overflow-x:auto;max-width:100%}.scroll.long{max-height:440px;overflow-y:auto}table.kv td,table.wrap td{overflow-wrap:anywhere}
        svg{max-width:100%;height:auto}section,details{max-width:100%;box-sizing:border-box}p,figcaption,summary{overflow-wrap:anywhere}p.note{color:#555;font-size:90%;margin:4px 0}
        .legend{font-size:85%;margin:4px 0}.legend ul{list-style:none;padding:0;margin:2px 0;display:flex;flex-wrap:wrap;gap:2px 14px}
        .swatch{display:inline-block;width:12px;height:12px;border:1px solid #999;margin-right:4px;vertical-align:-1px}
        .classmaps{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:10px}.classmaps img{width:100%}
        .mapped .row{display:flex;align-items:flex-start;gap:4px}.mapped img{max-width:calc(100% - 100px)}
        """
}
