// StudyCharts: the Study section's charts as standalone SVG documents with their titles, so
// `hsiflow export` can write them as files named after what they show — the same figures the
// report draws, from the same manifest, in the same order.
public import PipelineModel

/// The study's charts, each a complete SVG document.
public enum StudyCharts {
    /// Every chart of the Study section: accuracy and kappa against pruning, saliency similarity,
    /// accuracy against cost, band importance (every method; per class for the primary method at
    /// every level), per-class accuracy and the train stages' confusion matrices.
    public static func all(manifest: Manifest, importance: [String: ParamValue] = [:]) -> [(title: String, svg: String)] {
        let figures = StudyFigures(manifest: manifest, importance: importance)
        let labels = figures.classLabels()
        var lines = [figures.accuracyChart("oa"), figures.accuracyChart("kappa")].compactMap { $0 }
        lines += figures.similarityCharts()
        lines += figures.costCharts()
        for data in figures.importanceData() {
            for method in data.methods.keys.sorted() {
                if let chart = figures.importanceChart(data, method: method) { lines.append(chart) }
            }
            guard let primary = data.primary else { continue }
            for entry in data.methods[primary] ?? [] {
                if let chart = figures.importanceByClassChart(data, method: primary, level: entry.level, classLabels: labels) {
                    lines.append(chart)
                }
            }
        }
        var charts = lines.map { (title: $0.title, svg: $0.svg()) }
        if let bars = figures.perClassAccuracyChart() { charts.append((bars.title, bars.svg())) }
        charts += figures.confusionCharts(classLabels: labels).map { (title: $0.title, svg: $0.svg()) }
        return charts
    }
}
