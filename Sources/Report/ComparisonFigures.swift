// ComparisonFigures: the headline curves of several runs overlaid — OA against % pruned (float
// solid, quantized dashed) and saliency similarity to the unpruned model. Replicates (seeds mode)
// draw each curve's mean with its ± std band; other runs draw one line per run, never averaged.
import Foundation

/// A chart of a comparison: plain lines (LineChart) or mean curves with spread (ComparisonChart).
enum ComparisonFigure {
    case lines(LineChart)
    case banded(ComparisonChart)

    var title: String {
        switch self {
        case .lines(let chart): return chart.title
        case .banded(let chart): return chart.title
        }
    }

    func svg() -> String {
        switch self {
        case .lines(let chart): return chart.svg()
        case .banded(let chart): return chart.svg()
        }
    }
}

extension Comparison {
    /// Every figure, accuracy first, then saliency similarity.
    func figures() -> [ComparisonFigure] {
        accuracyFigures() + similarityFigures()
    }

    /// OA against % pruned. Seeds: one chart, a mean line (± std band) per prune instance and a dashed
    /// one per quantize instance in the same colour. Settings: one chart per matrix instance, a colour
    /// per run, float solid and quantized dashed.
    func accuracyFigures() -> [ComparisonFigure] {
        let instances = levelInstances()
        switch mode {
        case .seeds:
            var lines: [ComparisonChart.Line] = []
            for (color, instance) in instances.enumerated() {
                for stage in Self.stages(in: levelRows) where StudyFigures.instance(stage) == instance {
                    for series in Self.seriesNames(of: stage, in: levelRows) {
                        let rows = levelCurve(stage: stage, series: series, metric: "oa")
                        let points = rows.compactMap { r in r.level.flatMap { x in r.mean.map { (x: x, y: $0, spread: r.std) } } }
                        guard !points.isEmpty else { continue }
                        let quantized = series != "float"
                        lines.append(.init(name: quantized ? "\(stage) \(series)" : stage, points: points, dashed: quantized, colorIndex: color))
                    }
                }
            }
            guard !lines.isEmpty else { return [] }
            return [.banded(ComparisonChart(title: "Overall accuracy against pruning (mean ± std, \(runs.count) runs)",
                                            xLabel: "pruned channels (%)", yLabel: "overall accuracy", lines: lines, bounds: 0...1))]
        case .settings:
            return instances.compactMap { instance -> ComparisonFigure? in
                var series: [ChartSeries] = []
                for (r, run) in runs.enumerated() {
                    for s in levelSeries(instance: instance, metric: "oa") {
                        let points = s.rows.compactMap { row in row.level.flatMap { x in row.values[r].map { (x: x, y: $0) } } }
                        guard !points.isEmpty else { continue }
                        series.append(ChartSeries(name: "\(run.label) \(s.title)", points: points, dashed: s.title != "float", colorIndex: r))
                    }
                }
                guard !series.isEmpty else { return nil }
                let suffix = instance.isEmpty ? "" : " " + instance
                var chart = LineChart(title: "Overall accuracy against pruning\(suffix), per run", xLabel: "pruned channels (%)",
                                      yLabel: "overall accuracy", series: series, width: 720, height: 340)
                chart.alwaysShowsLegend = true
                return .lines(chart)
            }
        }
    }

    /// Cosine similarity of saliency to the unpruned model against % pruned, one chart per visualize
    /// stage. Seeds: a mean line (± std band) per method. Settings: a line per run, the mean over methods.
    func similarityFigures() -> [ComparisonFigure] {
        Self.stages(in: similarityRows).compactMap { stage -> ComparisonFigure? in
            let methods = Self.seriesNames(of: stage, in: similarityRows)
            let yLabel = "cosine similarity to 0 % pruned"
            switch mode {
            case .seeds:
                let lines = methods.compactMap { method -> ComparisonChart.Line? in
                    let points = levelCurve(stage: stage, series: method, metric: "cosine")
                        .compactMap { r in r.level.flatMap { x in r.mean.map { (x: x, y: $0, spread: r.std) } } }
                    return points.isEmpty ? nil : .init(name: method, points: points)
                }
                guard !lines.isEmpty else { return nil }
                return .banded(ComparisonChart(title: "\(stage): saliency similarity (mean ± std, \(runs.count) runs)",
                                               xLabel: "pruned channels (%)", yLabel: yLabel, lines: lines, bounds: -1...1))
            case .settings:
                let rows = similarityRows.filter { $0.stage == stage && $0.metric == "cosine" }
                let levels = Set(rows.compactMap(\.level)).sorted()
                let series = runs.indices.compactMap { r -> ChartSeries? in
                    let points = levels.compactMap { level -> (x: Double, y: Double)? in
                        let values = rows.filter { $0.level == level }.compactMap { $0.values[r] }
                        return values.isEmpty ? nil : (level, values.reduce(0, +) / Double(values.count))
                    }
                    return points.isEmpty ? nil : ChartSeries(name: "\(runs[r].label) (mean of \(methods.count) methods)", points: points, colorIndex: r)
                }
                guard !series.isEmpty else { return nil }
                var chart = LineChart(title: "\(stage): saliency similarity, per run", xLabel: "pruned channels (%)",
                                      yLabel: yLabel, series: series, width: 720, height: 340)
                chart.alwaysShowsLegend = true
                return .lines(chart)
            }
        }
    }
}
