// Legends: what the colours of an image mean — a colour bar beside every colour-mapped image
// (saliency grids, activation maps) and a swatch list naming the classes of a class map.
import Attribution
import Foundation

/// A vertical colour bar for a colormap, high values at the top.
struct ColorBar {
    var colormap: Colormap
    var high: String
    var low: String
    /// Unique on the page: the gradient's element id.
    var id: String
    var height: Double = 180

    func svg() -> String {
        let barW = 14.0, top = 10.0, width = 48.0
        var canvas = SVGCanvas(width: width, height: height + 32)
        let id = "cb-\(self.id)"
        let stops = (0...8).map { i -> String in
            let t = Float(i) / 8
            let c = colormap.color(1 - t)
            return "<stop offset=\"\(SVGCanvas.number(Double(t)))\" stop-color=\"\(hex(c))\"/>"
        }.joined()
        canvas.raw("<defs><linearGradient id=\"\(id)\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">\(stops)</linearGradient></defs>")
        canvas.raw("<rect x=\"2\" y=\"\(SVGCanvas.number(top))\" width=\"\(SVGCanvas.number(barW))\" height=\"\(SVGCanvas.number(height))\" fill=\"url(#\(id))\" stroke=\"#777\"/>")
        canvas.text(barW + 6, top + 8, high, size: 10)
        canvas.text(barW + 6, top + height, low, size: 10)
        canvas.text(2, top + height + 18, colormap.rawValue, size: 10, fill: "#555")
        return canvas.rendered(label: "colour bar: \(colormap.rawValue), \(low) to \(high)")
    }
}

/// Colour swatches with names, as HTML (a class map's legend or an error map's).
struct SwatchLegend: Sendable {
    var title: String
    var entries: [(color: String, label: String)]

    func html() -> String {
        "<div class=\"legend\"><b>\(escapeHTML(title))</b><ul>" + entries.map {
            "<li><span class=\"swatch\" style=\"background:\($0.color)\"></span>\(escapeHTML($0.label))</li>"
        }.joined() + "</ul></div>"
    }

    /// The legend of a class map: class k (renumbered) in palette colour k, named by `labels[k-1]`.
    static func classes(_ labels: [String]) -> SwatchLegend {
        var entries = [(color: hex(ClassMapImage.color(of: 0)), label: "unlabelled")]
        for (i, label) in labels.enumerated() {
            entries.append((hex(ClassMapImage.color(of: Int32(i + 1))), label))
        }
        return SwatchLegend(title: "Classes", entries: entries)
    }

    /// The legend of an error map.
    static let errors = SwatchLegend(title: "Errors", entries: [
        (hex(ClassMapImage.correct), "correct"), (hex(ClassMapImage.wrong), "misclassified"),
        (hex(ClassMapImage.unlabelled), "not in the test set"),
    ])
}

/// `#rrggbb` of a colour.
func hex(_ c: RGB) -> String {
    String(format: "#%02x%02x%02x", c.r, c.g, c.b)
}

/// The colour of class `k` (renumbered, 1-based) in class maps, for lines that should match them.
func classColor(_ k: Int) -> String {
    hex(ClassMapImage.color(of: Int32(clamping: k)))
}
