// Heatmap: a matrix as coloured cells with row/column labels — the confusion matrix of a
// trained model (rows true class, columns predicted), shaded per row so small classes read too.
import Foundation

/// A labelled matrix drawn as an SVG heatmap.
public struct Heatmap: Sendable {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var values: [[Double]]
    public var rowTitle: String
    public var columnTitle: String

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]],
                rowTitle: String = "true class", columnTitle: String = "predicted class") {
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.rowTitle = rowTitle
        self.columnTitle = columnTitle
    }

    public func svg() -> String {
        let cell = max(18.0, min(36.0, 260.0 / Double(max(columnLabels.count, 1))))
        let left = max(70.0, 18 + 5.2 * Double(rowLabels.map(\.count).max() ?? 0)), top = 48.0
        let width = max(left + cell * Double(columnLabels.count) + 16, 8 * Double(title.count) + 20)
        let height = top + cell * Double(rowLabels.count) + 36
        var canvas = SVGCanvas(width: width, height: height)
        canvas.text(width / 2, 16, title, size: 13, anchor: "middle", weight: "bold")
        canvas.text(left + cell * Double(columnLabels.count) / 2, 32, columnTitle, size: 10, anchor: "middle", fill: "#555")
        canvas.text(12, top + cell * Double(rowLabels.count) / 2, rowTitle, size: 10, anchor: "middle", fill: "#555", rotate: -90)
        for (j, label) in columnLabels.enumerated() {
            canvas.text(left + (Double(j) + 0.5) * cell, top - 4, label, size: 9, anchor: "middle")
        }
        for (i, label) in rowLabels.enumerated() {
            let row = i < values.count ? values[i] : []
            let total = row.reduce(0, +)
            canvas.text(left - 6, top + (Double(i) + 0.5) * cell + 3, label, size: 9, anchor: "end")
            for j in 0..<columnLabels.count {
                let v = j < row.count ? row[j] : 0
                let share = total > 0 ? v / total : 0
                let x = left + Double(j) * cell, y = top + Double(i) * cell
                canvas.rect(x, y, cell - 1, cell - 1, fill: Self.blue(share), title: "\(rowLabels[i]) → \(columnLabels[j]): \(tickLabel(v)) (\(String(format: "%.1f", share * 100))%)")
                if v != 0, cell >= 22 {
                    canvas.text(x + cell / 2 - 0.5, y + cell / 2 + 3, tickLabel(v), size: 8, anchor: "middle", fill: share > 0.5 ? "#fff" : "#222")
                }
            }
        }
        return canvas.rendered(label: title)
    }

    /// White (0) to dark blue (1).
    static func blue(_ t: Double) -> String {
        let s = min(max(t, 0), 1)
        let r = Int(247 - s * (247 - 8)), g = Int(251 - s * (251 - 48)), b = Int(255 - s * (255 - 107))
        return String(format: "#%02x%02x%02x", r, g, b)
    }
}
