// ComparisonChart: mean curves of replicate runs with their spread — a shaded band (mean ± std)
// under each solid line, error bars on each dashed one (so a float band and its int8 twin stay
// apart) — as inline SVG with the axes, ticks, palette and legend style of LineChart.
import Foundation

/// A line chart whose points carry a spread (± one standard deviation), rendered by `svg()`.
struct ComparisonChart {
    /// One mean curve: points (x, mean, std); std nil where a single run has the point.
    struct Line {
        var name: String
        var points: [(x: Double, y: Double, spread: Double?)]
        var dashed = false
        var colorIndex: Int?
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var lines: [Line]
    /// The range the quantity can take (0…1 for accuracy): bands and axes stop at it.
    var bounds: ClosedRange<Double>?
    var width: Double = 720
    var height: Double = 340

    func svg() -> String {
        let left = 56.0, right = 16.0, top = 28.0
        let legendRows = Double((lines.count + 2) / 3)
        // Room for tick labels, the x title and, below it, the legend rows.
        let bottom = 56.0 + legendRows * 16
        let plotW = width - left - right, plotH = height - top - bottom
        var canvas = SVGCanvas(width: width, height: height)
        canvas.text(width / 2, 16, title, size: 13, anchor: "middle", weight: "bold")

        let finite = lines.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xs = finite.map(\.x)
        // The y range covers the bands, not only the means.
        let ys = finite.flatMap { p in [low(p), high(p)] }.filter(\.isFinite)
        guard let xMin = xs.min(), let xMax = xs.max(), let yMin = ys.min(), let yMax = ys.max() else {
            canvas.text(width / 2, height / 2, "no data", anchor: "middle", fill: "#888")
            return canvas.rendered(label: title)
        }
        let integral = xs.allSatisfy { $0 == $0.rounded() }
        let xTicks = niceTicks(low: xMin, high: xMax, count: integral ? min(5, max(1, Int(xMax - xMin))) : 5)
        let yTicks = niceTicks(low: yMin, high: yMax).filter { t in bounds.map { t >= $0.lowerBound - 1e-9 && t <= $0.upperBound + 1e-9 } ?? true }
        let frame = PlotFrame(left: left, top: top, width: plotW, height: plotH, xTicks: xTicks, yTicks: yTicks,
                              xFallback: xMin...max(xMin, xMax), yFallback: yMin...max(yMin, yMax))
        func px(_ x: Double) -> Double { frame.px(x) }
        func py(_ y: Double) -> Double { frame.py(y) }
        frame.draw(on: &canvas, xLabel: xLabel, yLabel: yLabel)

        // Bands first, so every line lies on top of every band.
        for (i, line) in lines.enumerated() where !line.dashed {
            let banded = line.points.filter { $0.x.isFinite && $0.y.isFinite && ($0.spread ?? 0) > 0 }
            guard banded.count > 1 else { continue }
            let upper = banded.map { (px($0.x), py(high($0))) }
            let lower = banded.reversed().map { (px($0.x), py(low($0))) }
            let n = SVGCanvas.number
            let points = (upper + lower).map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
            canvas.raw("<polygon points=\"\(points)\" fill=\"\(color(line, i))\" fill-opacity=\"0.18\" stroke=\"none\"/>")
        }
        for (i, line) in lines.enumerated() {
            let c = color(line, i)
            let pts = line.points.filter { $0.x.isFinite && $0.y.isFinite }
            if pts.count > 1 { canvas.polyline(pts.map { (px($0.x), py($0.y)) }, stroke: c, dash: line.dashed ? "6 4" : nil) }
            for p in pts {
                if line.dashed, let s = p.spread, s > 0 {
                    // Error bar: mean ± std with short caps.
                    let (lo, hi) = (py(low(p)), py(high(p)))
                    canvas.line(px(p.x), lo, px(p.x), hi, stroke: c, width: 1.5)
                    canvas.line(px(p.x) - 3, lo, px(p.x) + 3, lo, stroke: c, width: 1.5)
                    canvas.line(px(p.x) - 3, hi, px(p.x) + 3, hi, stroke: c, width: 1.5)
                }
                let spreadText = p.spread.map { " ± " + String(format: "%.4g", $0) } ?? ""
                canvas.circle(px(p.x), py(p.y), r: line.dashed ? 4 : 2.5, fill: line.dashed ? "none" : c, stroke: line.dashed ? c : nil,
                              title: "\(line.name): \(tickLabel(p.x)) → \(String(format: "%.4g", p.y))\(spreadText)")
            }
        }
        for (i, line) in lines.enumerated() {
            let col = Double(i % 3), row = Double(i / 3)
            let lx = left + col * (plotW / 3), ly = height - legendRows * 16 + row * 16 - 2
            if line.dashed {
                canvas.line(lx, ly - 4, lx + 12, ly - 4, stroke: color(line, i), width: 2, dash: "4 2")
            } else {
                canvas.rect(lx, ly - 9, 12, 10, fill: color(line, i))
            }
            canvas.text(lx + 16, ly, line.name, size: 10)
        }
        return canvas.rendered(label: title)
    }

    /// Mean − std and mean + std, kept inside `bounds`.
    private func low(_ p: (x: Double, y: Double, spread: Double?)) -> Double {
        let v = p.y - (p.spread ?? 0)
        return bounds.map { max($0.lowerBound, v) } ?? v
    }

    private func high(_ p: (x: Double, y: Double, spread: Double?)) -> Double {
        let v = p.y + (p.spread ?? 0)
        return bounds.map { min($0.upperBound, v) } ?? v
    }

    private func color(_ line: Line, _ index: Int) -> String {
        seriesColors[(line.colorIndex ?? index) % seriesColors.count]
    }
}
