// BarChart: horizontal bars, one row per category (a class) and one bar per series in it (a band
// selection) — per-class accuracy and class counts, named, instead of a line over "index".
import Foundation

/// A horizontal grouped bar chart, rendered to SVG by `svg()`.
public struct BarChart: Sendable {
    public struct Series: Sendable, Equatable {
        public var name: String
        /// One value per category (missing values draw no bar).
        public var values: [Double]
        public init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    public var valueLabel: String
    public var categories: [String]
    public var series: [Series]
    /// Fixed value range (e.g. 0…1 for accuracy); nil runs from 0 to the largest value.
    public var valueRange: ClosedRange<Double>?
    public var width: Double

    public init(title: String, valueLabel: String, categories: [String], series: [Series],
                valueRange: ClosedRange<Double>? = nil, width: Double = 520) {
        self.title = title
        self.valueLabel = valueLabel
        self.categories = categories
        self.series = series
        self.valueRange = valueRange
        self.width = width
    }

    public func svg() -> String {
        let barHeight = 9.0, groupGap = 6.0
        let labelWidth = min(190, 14 + 5.6 * Double(categories.map(\.count).max() ?? 1))
        let left = labelWidth, right = 44.0, top = 28.0
        let groupHeight = barHeight * Double(max(series.count, 1)) + groupGap
        let showsLegend = series.count > 1
        let plotW = width - left - right
        let columns = legendColumns(series.map(\.name), width: width - 20)
        let legendRows = showsLegend ? Double((series.count + columns - 1) / columns) : 0
        let plotH = groupHeight * Double(categories.count)
        let height = top + plotH + 50 + legendRows * 16
        var canvas = SVGCanvas(width: width, height: height)
        canvas.text(width / 2, 16, title, size: 13, anchor: "middle", weight: "bold")
        let values = series.flatMap(\.values).filter(\.isFinite)
        let ticks = valueRange.map { niceTicks(low: $0.lowerBound, high: $0.upperBound) }
            ?? niceTicks(low: min(0, values.min() ?? 0), high: max(values.max() ?? 1, 0))
        let (v0, v1) = (ticks.first ?? 0, ticks.last ?? 1)
        func px(_ v: Double) -> Double { left + (v1 == v0 ? 0 : (v - v0) / (v1 - v0)) * plotW }
        for t in ticks {
            canvas.line(px(t), top, px(t), top + plotH, stroke: "#e6e6e6")
            canvas.text(px(t), top + plotH + 14, tickLabel(t), size: 10, anchor: "middle", fill: "#555")
        }
        canvas.line(px(max(v0, 0)), top, px(max(v0, 0)), top + plotH, stroke: "#888")
        canvas.text(left + plotW / 2, top + plotH + 30, valueLabel, size: 11, anchor: "middle")
        for (c, category) in categories.enumerated() {
            let y = top + Double(c) * groupHeight
            canvas.text(left - 6, y + groupHeight / 2 + 1, category, size: 10, anchor: "end")
            for (s, serie) in series.enumerated() where c < serie.values.count && serie.values[c].isFinite {
                let v = serie.values[c]
                let (a, b) = (px(max(v0, 0)), px(v))
                canvas.rect(min(a, b), y + Double(s) * barHeight, max(abs(b - a), 0.5), barHeight - 1,
                            fill: seriesColors[s % seriesColors.count], title: "\(category), \(serie.name): \(String(format: "%.4g", v))")
            }
        }
        if showsLegend {
            for (i, s) in series.enumerated() {
                let lx = 10 + Double(i % columns) * ((width - 20) / Double(columns)), ly = height - legendRows * 16 + Double(i / columns) * 16 - 2
                canvas.rect(lx, ly - 9, 12, 10, fill: seriesColors[i % seriesColors.count])
                canvas.text(lx + 16, ly, s.name, size: 10)
            }
        }
        return canvas.rendered(label: title)
    }
}
