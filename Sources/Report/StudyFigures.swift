// StudyFigures: the study's answer drawn from a manifest — overall accuracy against % pruned with a
// solid line per prune instance and a dashed line of the same colour per matching quantize instance,
// and saliency similarity to the unpruned model per method. Built from metrics alone, for any experiment.
import Foundation
import PipelineModel

/// The headline charts of a run, as values; `ReportPage` renders them at the top of the page.
struct StudyFigures {
    let manifest: Manifest

    /// OA against % pruned: one solid line per prune stage (its `levels` records, `level` or `percent`
    /// against `oa`), one dashed line per quantize stage (its `models` records) in the colour of the
    /// prune stage with the same matrix instance (`[bands=pca]`). Nil when no stage has such records.
    func accuracyChart() -> LineChart? {
        var series: [ChartSeries] = []
        var colorOfInstance: [String: Int] = [:]
        for st in manifest.stages where st.kind == "prune" {
            let points = Self.points(st.metrics["levels"], y: "oa")
            guard !points.isEmpty else { continue }
            let color = colorOfInstance.count
            colorOfInstance[Self.instance(st.id)] = color
            series.append(ChartSeries(name: st.id, points: points, colorIndex: color))
        }
        var nextColor = colorOfInstance.count
        for st in manifest.stages where st.kind == "quantize" {
            let points = Self.points(st.metrics["models"], y: "oa")
            guard !points.isEmpty else { continue }
            let color = colorOfInstance[Self.instance(st.id)] ?? {
                defer { nextColor += 1 }
                return nextColor
            }()
            let bits = Set(st.metrics["models"]?.list?.compactMap { $0.object?["bits"]?.int } ?? [])
            let suffix = bits.count == 1 ? bits.first.map { " int\($0)" } ?? "" : " quantized"
            series.append(ChartSeries(name: st.id + suffix, points: points, dashed: true, colorIndex: color))
        }
        guard !series.isEmpty else { return nil }
        var chart = LineChart(title: "Overall accuracy against pruning", xLabel: "pruned channels (%)", yLabel: "overall accuracy",
                              series: series, width: 720, height: 340)
        chart.alwaysShowsLegend = true
        return chart
    }

    /// Saliency similarity (cosine) to the unpruned model against % pruned, one chart per visualize
    /// stage with a line per method, from `similarity_to_L0` (method → `L<level>` → {cosine, …}).
    func similarityCharts() -> [LineChart] {
        manifest.stages.filter { $0.kind == "visualize" }.compactMap { st in
            guard let methods = st.metrics["similarity_to_L0"]?.object else { return nil }
            let series = methods.sorted { $0.key < $1.key }.compactMap { method, byLevel -> ChartSeries? in
                let points = (byLevel.object ?? [:]).compactMap { key, value -> (x: Double, y: Double)? in
                    guard key.hasPrefix("L"), let level = Double(key.dropFirst()),
                          let cosine = value.object?["cosine"]?.number else { return nil }
                    return (level, cosine)
                }.sorted { $0.x < $1.x }
                return points.isEmpty ? nil : ChartSeries(name: method, points: points)
            }
            guard !series.isEmpty else { return nil }
            var chart = LineChart(title: "\(st.id): saliency similarity to the unpruned model", xLabel: "pruned channels (%)",
                                  yLabel: "cosine similarity to 0 % pruned", series: series, width: 720, height: 340)
            chart.alwaysShowsLegend = true
            return chart
        }
    }

    // MARK: - Helpers

    /// The matrix instance of a stage id: `prune[bands=pca]` → `[bands=pca]`; "" when it has none.
    static func instance(_ id: String) -> String {
        id.firstIndex(of: "[").map { String(id[$0...]) } ?? ""
    }

    /// (level, y) from a list of records, taking `level` (else `percent`) as x; sorted by x.
    static func points(_ value: ParamValue?, y yKey: String) -> [(x: Double, y: Double)] {
        (value?.list ?? []).compactMap { item -> (x: Double, y: Double)? in
            guard let record = item.object, let x = (record["level"] ?? record["percent"])?.number,
                  let y = record[yKey]?.number else { return nil }
            return (x, y)
        }.sorted { $0.x < $1.x }
    }
}
