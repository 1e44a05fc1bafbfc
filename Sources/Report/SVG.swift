// SVG: a tiny builder for the report's inline charts — elements as escaped strings, numbers
// printed with fixed precision so the same data always gives byte-identical output.
import Foundation

/// Escapes text for HTML and SVG content and attribute values — the one escaping function of
/// the report. It works on Unicode scalars, not Characters: `"` followed by a combining mark
/// (U+0338) is one Swift Character that is not equal to `"`, yet the browser still reads its
/// first scalar as a quote that ends the attribute. Control characters other than tab, newline
/// and carriage return become U+FFFD, which no HTML or XML parser takes as markup.
public func escapeHTML(_ text: String) -> String {
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out.append(contentsOf: "&amp;".unicodeScalars)
        case "<": out.append(contentsOf: "&lt;".unicodeScalars)
        case ">": out.append(contentsOf: "&gt;".unicodeScalars)
        case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
        case "'": out.append(contentsOf: "&#39;".unicodeScalars)
        case "`": out.append(contentsOf: "&#96;".unicodeScalars)
        case "\t", "\n", "\r": out.append(scalar)
        default:
            let v = scalar.value
            out.append(v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) ? "\u{FFFD}" : scalar)
        }
    }
    return String(out)
}

/// Accumulates SVG elements inside one `<svg>` of a given size.
struct SVGCanvas {
    let width: Double
    let height: Double
    private(set) var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let rounded = (v * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.2f", rounded)
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        let n = Self.number
        let dashText = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        elements.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\"\(dashText)/>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        let n = Self.number
        let text = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        let dashText = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        elements.append("<polyline points=\"\(text)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\" stroke-linejoin=\"round\"\(dashText)/>")
    }

    mutating func circle(_ x: Double, _ y: Double, r: Double, fill: String, stroke: String? = nil, title: String? = nil) {
        let n = Self.number
        let tip = title.map { "<title>\(escapeHTML($0))</title>" } ?? ""
        let strokeText = stroke.map { " stroke=\"\($0)\" stroke-width=\"1.5\"" } ?? ""
        elements.append("<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\" fill=\"\(fill)\"\(strokeText)>\(tip)</circle>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil, rx: Double = 0, title: String? = nil) {
        let n = Self.number
        let strokeText = stroke.map { " stroke=\"\($0)\"" } ?? ""
        let tip = title.map { "<title>\(escapeHTML($0))</title>" } ?? ""
        elements.append("<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" rx=\"\(n(rx))\" fill=\"\(fill)\"\(strokeText)>\(tip)</rect>")
    }

    mutating func text(_ x: Double, _ y: Double, _ content: String, size: Double = 11, anchor: String = "start",
                       fill: String = "#333", rotate: Double? = nil, weight: String? = nil) {
        let n = Self.number
        let transform = rotate.map { " transform=\"rotate(\(n($0)) \(n(x)) \(n(y)))\"" } ?? ""
        let weightText = weight.map { " font-weight=\"\($0)\"" } ?? ""
        elements.append("<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\"\(weightText)\(transform)>\(escapeHTML(content))</text>")
    }

    mutating func raw(_ element: String) { elements.append(element) }

    func rendered(label: String) -> String {
        let n = Self.number
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\"\(escapeHTML(label))\" font-family=\"sans-serif\">"
            + elements.joined() + "</svg>"
    }
}

/// A qualitative palette for series (colour-blind-friendly, Okabe–Ito).
let seriesColors = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

/// "Nice" tick values covering [low, high] (1, 2, 5 × 10^k steps).
func niceTicks(low: Double, high: Double, count: Int = 5) -> [Double] {
    guard low.isFinite, high.isFinite else { return [0, 1] }
    var (lo, hi) = (low, high)
    if lo == hi { lo -= 0.5; hi += 0.5 }
    let rough = (hi - lo) / Double(max(count, 1))
    let magnitude = pow(10, floor(log10(rough)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
    var ticks: [Double] = []
    var t = floor(lo / step) * step
    while t <= hi + step * 1e-9 {
        ticks.append(abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    if let first = ticks.first, first > lo { ticks.insert(first - step, at: 0) }
    if let last = ticks.last, last < hi { ticks.append(last + step) }
    return ticks
}

/// A tick label: integers plainly, else up to three significant decimals.
func tickLabel(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e9 { return String(Int(v)) }
    let text = String(format: "%.3g", v)
    return text
}

/// How many legend entries fit side by side in `width` (1–3), judging by the longest name.
func legendColumns(_ names: [String], width: Double) -> Int {
    let entry = 24 + 5.6 * Double(names.map(\.count).max() ?? 1)
    return max(1, min(3, Int(width / entry)))
}

/// The frame of an x–y chart: the ticks' extent as the data → pixel mapping, and the grid, ticks,
/// axes and axis titles drawn once for every chart that plots lines.
struct PlotFrame {
    let left: Double, top: Double, width: Double, height: Double
    let xTicks: [Double], yTicks: [Double]
    private let x0: Double, x1: Double, y0: Double, y1: Double

    /// `xFallback`/`yFallback` stand in for an axis whose ticks came out empty.
    init(left: Double, top: Double, width: Double, height: Double, xTicks: [Double], yTicks: [Double],
         xFallback: ClosedRange<Double>, yFallback: ClosedRange<Double>) {
        (self.left, self.top, self.width, self.height) = (left, top, width, height)
        (self.xTicks, self.yTicks) = (xTicks, yTicks)
        (x0, x1) = (xTicks.first ?? xFallback.lowerBound, xTicks.last ?? xFallback.upperBound)
        (y0, y1) = (yTicks.first ?? yFallback.lowerBound, yTicks.last ?? yFallback.upperBound)
    }

    func px(_ x: Double) -> Double { left + (x1 == x0 ? 0.5 : (x - x0) / (x1 - x0)) * width }
    func py(_ y: Double) -> Double { top + height - (y1 == y0 ? 0.5 : (y - y0) / (y1 - y0)) * height }

    /// Horizontal grid lines at the y ticks, x tick marks, both axes and their titles.
    func draw(on canvas: inout SVGCanvas, xLabel: String, yLabel: String) {
        for t in yTicks {
            canvas.line(left, py(t), left + width, py(t), stroke: "#e6e6e6")
            canvas.text(left - 6, py(t) + 4, tickLabel(t), size: 10, anchor: "end", fill: "#555")
        }
        for t in xTicks {
            canvas.line(px(t), top + height, px(t), top + height + 4, stroke: "#888")
            canvas.text(px(t), top + height + 16, tickLabel(t), size: 10, anchor: "middle", fill: "#555")
        }
        canvas.line(left, top, left, top + height, stroke: "#888")
        canvas.line(left, top + height, left + width, top + height, stroke: "#888")
        canvas.text(left + width / 2, top + height + 32, xLabel, size: 11, anchor: "middle")
        canvas.text(14, top + height / 2, yLabel, size: 11, anchor: "middle", rotate: -90)
    }
}
