// LineChart: x/y series drawn as an inline SVG with axes, nice ticks, grid lines and a legend —
// loss and accuracy per epoch, accuracy vs % pruned, band importance, similarity curves.
import Foundation

/// One named series of (x, y) points.
public struct ChartSeries: Sendable, Equatable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    /// Drawn dashed (e.g. the int8 model beside its float line).
    public var dashed: Bool
    /// Index into the palette; nil takes the series' position, so related lines can share a colour.
    public var colorIndex: Int?
    /// A colour of its own (`#rrggbb`), e.g. a class's colour in the class maps; overrides `colorIndex`.
    public var color: String?

    public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false, colorIndex: Int? = nil, color: String? = nil) {
        self.name = name
        self.points = points
        self.dashed = dashed
        self.colorIndex = colorIndex
        self.color = color
    }

    /// True when every value is the same (all zero included) up to a relative 1e-6 (0.4999997 and
    /// 0.5 are one value): such a curve says nothing a number would not.
    public var isConstant: Bool {
        let ys = points.map(\.y).filter(\.isFinite)
        guard let low = ys.min(), let high = ys.max() else { return true }
        return high - low <= 1e-6 * max(abs(low), abs(high))
    }

    public static func == (a: ChartSeries, b: ChartSeries) -> Bool {
        a.name == b.name && a.dashed == b.dashed && a.colorIndex == b.colorIndex && a.color == b.color && a.points.count == b.points.count
            && zip(a.points, b.points).allSatisfy { $0.x == $1.x && $0.y == $1.y }
    }
}

/// A line chart, rendered to SVG by `svg()`.
public struct LineChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ChartSeries]
    /// Fixed y range (e.g. 0…1 for accuracy); nil fits the data.
    public var yRange: ClosedRange<Double>?
    public var width: Double = 520
    public var height: Double = 300
    /// Draws the legend even for a single series (the study's charts name every line).
    public var alwaysShowsLegend = false
    /// Marks every point (off for dense curves such as band importance over 100 bands).
    public var showsPoints = true

    public init(title: String, xLabel: String, yLabel: String, series: [ChartSeries], yRange: ClosedRange<Double>? = nil,
                width: Double = 520, height: Double = 300) {
        self.width = width
        self.height = height
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
    }

    public func svg() -> String {
        let left = 56.0, right = 16.0, top = 28.0
        let showsLegend = series.count > 1 || (alwaysShowsLegend && !series.isEmpty)
        let plotW = width - left - right
        let columns = legendColumns(series.map(\.name), width: plotW)
        let legendRows = showsLegend ? Double((series.count + columns - 1) / columns) : 0
        let bottom = 50.0 + legendRows * 16
        let plotH = height - top - bottom
        var canvas = SVGCanvas(width: width, height: height)
        canvas.text(width / 2, 16, title, size: 13, anchor: "middle", weight: "bold")

        let xs = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        let ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        guard let xMin = xs.min(), let xMax = xs.max(), let yMinData = ys.min(), let yMaxData = ys.max() else {
            canvas.text(width / 2, height / 2, "no data", anchor: "middle", fill: "#888")
            return canvas.rendered(label: title)
        }
        // Whole-number x values (epochs, levels) get whole-number ticks.
        let integral = xs.allSatisfy { $0 == $0.rounded() }
        let xTicks = niceTicks(low: xMin, high: xMax, count: integral ? min(5, max(1, Int(xMax - xMin))) : 5)
        let yTicks = yRange.map { niceTicks(low: $0.lowerBound, high: $0.upperBound) } ?? niceTicks(low: yMinData, high: yMaxData)
        let frame = PlotFrame(left: left, top: top, width: plotW, height: plotH, xTicks: xTicks, yTicks: yTicks,
                              xFallback: xMin...max(xMin, xMax), yFallback: yMinData...max(yMinData, yMaxData))
        func px(_ x: Double) -> Double { frame.px(x) }
        func py(_ y: Double) -> Double { frame.py(y) }
        frame.draw(on: &canvas, xLabel: xLabel, yLabel: yLabel)

        for (i, s) in series.enumerated() {
            let color = Self.color(of: s, at: i)
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite }.map { (px($0.x), py($0.y)) }
            if pts.count > 1 { canvas.polyline(pts, stroke: color, dash: s.dashed ? "6 4" : nil) }
            for (p, original) in zip(showsPoints ? pts : [], s.points.filter { $0.x.isFinite && $0.y.isFinite }) {
                // A dashed series gets rings, so it stays visible where it lies on its solid twin.
                canvas.circle(p.0, p.1, r: s.dashed ? 4 : 2.5, fill: s.dashed ? "none" : color, stroke: s.dashed ? color : nil, title: "\(s.name): \(tickLabel(original.x)) → \(String(format: "%.4g", original.y))")
            }
        }
        if showsLegend {
            for (i, s) in series.enumerated() {
                let col = Double(i % columns), row = Double(i / columns)
                let lx = left + col * (plotW / Double(columns)), ly = height - legendRows * 16 + row * 16 - 2
                if s.dashed {
                    canvas.line(lx, ly - 4, lx + 12, ly - 4, stroke: Self.color(of: s, at: i), width: 2, dash: "4 2")
                } else {
                    canvas.rect(lx, ly - 9, 12, 10, fill: Self.color(of: s, at: i))
                }
                canvas.text(lx + 16, ly, s.name, size: 10)
            }
        }
        return canvas.rendered(label: title)
    }

    static func color(of series: ChartSeries, at index: Int) -> String {
        series.color ?? seriesColors[(series.colorIndex ?? index) % seriesColors.count]
    }
}
