// StudySection: the top of the report, the figures a paper would print — headline numbers, accuracy
// and kappa against % pruned (float solid, quantized dashed), saliency similarity, accuracy against
// cost, band importance, class maps side by side with a legend, per-class accuracy and confusion.
import Foundation
import PipelineModel

/// Renders `StudyFigures` of a page's manifest as the Study section.
struct StudySection {
    let page: ReportPage

    /// The section, nil when the manifest has no accuracy or saliency against pruning.
    func section() -> ReportPage.Section? {
        let figures = StudyFigures(manifest: page.manifest, importance: page.importance)
        let labels = figures.classLabels()
        var parts: [(id: String, title: String, html: String)] = []

        let accuracy = [figures.accuracyChart("oa"), figures.accuracyChart("kappa")].compactMap { $0 }
        if !accuracy.isEmpty {
            parts.append(("study-accuracy", "Accuracy", headlineTable(figures.headlines()) + charts(accuracy.map { $0.svg() })))
        }
        let similarity = figures.similarityCharts()
        if !similarity.isEmpty {
            let note = "<p class=\"note\">Similarity of each pruned model's saliency maps to the unpruned model's, averaged over the explained pixels: 1 is unchanged.</p>"
            parts.append(("study-saliency", "Saliency", note + charts(similarity.map { $0.svg() })))
        }
        let cost = figures.costCharts()
        if !cost.isEmpty { parts.append(("study-cost", "Cost", charts(cost.map { $0.svg() }))) }
        let importance = importanceHTML(figures, labels: labels)
        if !importance.isEmpty { parts.append(("study-bands", "Band importance", importance)) }
        let maps = classMapsHTML(labels)
        if !maps.isEmpty { parts.append(("study-maps", "Class maps", maps)) }
        let perClass = perClassHTML(figures, labels: labels)
        if !perClass.isEmpty { parts.append(("study-classes", "Per class", perClass)) }

        // A study is about pruning: without accuracy or saliency against it, the detail sections suffice.
        guard parts.contains(where: { $0.id == "study-accuracy" || $0.id == "study-saliency" }) else { return nil }
        let titles = ["study-accuracy": "Accuracy against pruning", "study-saliency": "Saliency similarity to the unpruned model",
                      "study-cost": "Accuracy against cost", "study-bands": "Band importance",
                      "study-maps": "Class maps", "study-classes": "Per class"]
        let html = "<section id=\"study\"><h2>Study</h2>"
            + parts.map { "<h3 id=\"\($0.id)\">\(escapeHTML(titles[$0.id] ?? $0.title))</h3>\($0.html)" }.joined() + "</section>"
        return ReportPage.Section(id: "study", title: "Study", html: html, parts: parts.map { ($0.id, $0.title) })
    }

    func charts(_ svgs: [String]) -> String {
        "<div class=\"charts\">" + svgs.joined() + "</div>"
    }

    /// Per prune instance: OA unpruned and at the deepest level, and what quantization costs.
    func headlineTable(_ rows: [StudyFigures.Headline]) -> String {
        guard !rows.isEmpty else { return "" }
        let quantized = rows.contains { $0.quantizedMaxDelta != nil }
        var html = "<div class=\"scroll\"><table class=\"data headline\"><thead><tr><th>instance</th><th>OA unpruned</th><th>OA at deepest level</th>"
        if quantized { html += "<th>quantized: max |ΔOA| over levels</th><th>quantized size / float</th>" }
        html += "</tr></thead><tbody>"
        for r in rows {
            html += "<tr><td>\(escapeHTML(r.instance))</td><td class=\"num\">\(ReportPage.format(r.firstOA)) (\(ParamValue.format(r.firstLevel)) %)</td>"
                + "<td class=\"num\">\(ReportPage.format(r.lastOA)) (\(ParamValue.format(r.lastLevel)) %)</td>"
            if quantized {
                html += "<td class=\"num\">\(r.quantizedMaxDelta.map { "\(ReportPage.format($0)) (\(r.quantizedBits ?? ""))" } ?? "—")</td>"
                    + "<td class=\"num\">\(r.sizeRatio.map { String(format: "%.2f", $0) } ?? "—")</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    /// Per visualize stage: the primary method's overall importance per level; the other methods and
    /// the per-class curves at every level folded below.
    func importanceHTML(_ figures: StudyFigures, labels: [String]) -> String {
        let data = figures.importanceData()
        guard !data.isEmpty else { return "" }
        var overview: [String] = []
        var detail = ""
        for d in data {
            guard let primary = d.primary else { continue }
            if let chart = figures.importanceChart(d, method: primary) { overview.append(chart.svg()) }
            var more: [String] = []
            for method in d.methods.keys.sorted() where method != primary {
                if let chart = figures.importanceChart(d, method: method) { more.append(chart.svg()) }
            }
            for entry in d.methods[primary] ?? [] {
                if let chart = figures.importanceByClassChart(d, method: primary, level: entry.level, classLabels: labels) { more.append(chart.svg()) }
            }
            if !more.isEmpty {
                detail += "<details><summary>\(escapeHTML(d.stage)): other methods, and per class at every level</summary>\(charts(more))</details>"
            }
        }
        guard !overview.isEmpty || !detail.isEmpty else { return "" }
        return "<p class=\"note\">Each curve is the mean |attribution| per band over the explained pixels, as a share of its total, so levels compare.</p>"
            + charts(overview) + detail
    }

    /// Truth once, then every visualize stage's prediction and errors (else every train stage's class map).
    func classMapsHTML(_ labels: [String]) -> String {
        let manifest = page.manifest
        func output(_ st: Manifest.StageEntry, _ name: String) -> Manifest.Output? {
            st.outputs.first { $0.name == name && page.figures[$0.sha256] != nil }
        }
        func figure(_ o: Manifest.Output, _ caption: String) -> String {
            "<figure><img src=\"\(escapeHTML(page.figures[o.sha256] ?? ""))\" alt=\"\(escapeHTML(caption))\"/><figcaption>\(escapeHTML(caption))</figcaption></figure>"
        }
        var predicted: [String] = [], errors: [String] = []
        var truth: String?
        for st in manifest.stages where st.kind == "visualize" {
            let level = st.metrics["levels"]?.list?.first?.number.map { " at \(ParamValue.format($0)) % pruned" } ?? ""
            if truth == nil, let t = output(st, "classmap-truth.png") { truth = figure(t, "ground truth (test pixels)") }
            if let p = output(st, "classmap-predicted.png") { predicted.append(figure(p, "\(st.id): predicted\(level)")) }
            if let e = output(st, "classmap-errors.png") { errors.append(figure(e, "\(st.id): errors\(level)")) }
        }
        if predicted.isEmpty {
            for st in manifest.stages where st.kind == "train" {
                if let p = output(st, "classmap.png") { predicted.append(figure(p, "\(st.id): predicted")) }
            }
        }
        guard truth != nil || !predicted.isEmpty else { return "" }
        var html = "<div class=\"classmaps\">" + ([truth].compactMap { $0 } + predicted).joined() + "</div>"
        html += SwatchLegend.classes(labels).html()
        if !errors.isEmpty { html += "<div class=\"classmaps\">" + errors.joined() + "</div>" + SwatchLegend.errors.html() }
        return html
    }

    /// Per-class accuracy as bars and every train stage's confusion matrix, labelled with class names.
    func perClassHTML(_ figures: StudyFigures, labels: [String]) -> String {
        var svgs: [String] = []
        if let bars = figures.perClassAccuracyChart() { svgs.append(bars.svg()) }
        svgs += figures.confusionCharts(classLabels: labels).map { $0.svg() }
        return svgs.isEmpty ? "" : charts(svgs)
    }
}
