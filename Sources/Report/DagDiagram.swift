// DagDiagram: the experiment's stage graph as an inline SVG, left to right by dependency
// depth, each stage a box coloured by what happened to it in the run (ran, cached, failed, skipped).
import Foundation

/// A stage graph to draw: nodes with a status, edges from a stage to what needs it.
public struct DagDiagram: Sendable {
    public struct Node: Sendable, Equatable {
        public var id: String
        public var kind: String
        public var status: String
        public init(id: String, kind: String, status: String) {
            self.id = id
            self.kind = kind
            self.status = status
        }
    }

    public var nodes: [Node]
    /// (from, to): `to` needs `from`.
    public var edges: [(from: String, to: String)]

    public init(nodes: [Node], edges: [(from: String, to: String)]) {
        self.nodes = nodes
        self.edges = edges
    }

    static func fill(for status: String) -> String {
        switch status {
        case "ran": return "#d8f0dc"
        case "cached": return "#dde7f5"
        case "failed": return "#f7d4d4"
        case "skipped": return "#eeeeee"
        default: return "#ffffff"
        }
    }

    /// Depth of every node: 0 for sources, else 1 + the deepest input (cycles are cut).
    func depths() -> [String: Int] {
        var inputs: [String: [String]] = [:]
        for e in edges { inputs[e.to, default: []].append(e.from) }
        var depth: [String: Int] = [:]
        var visiting: Set<String> = []
        func visit(_ id: String) -> Int {
            if let d = depth[id] { return d }
            if visiting.contains(id) { return 0 }
            visiting.insert(id)
            let d = (inputs[id] ?? []).map { visit($0) + 1 }.max() ?? 0
            visiting.remove(id)
            depth[id] = d
            return d
        }
        for n in nodes { _ = visit(n.id) }
        return depth
    }

    public func svg() -> String {
        let depth = depths()
        let columns = (depth.values.max() ?? 0) + 1
        var byColumn = [[Node]](repeating: [], count: columns)
        for n in nodes { byColumn[depth[n.id] ?? 0].append(n) }
        for c in 0..<columns { byColumn[c].sort { $0.id < $1.id } }
        let boxW = 170.0, boxH = 38.0, gapX = 46.0, gapY = 14.0, margin = 12.0
        let rows = byColumn.map(\.count).max() ?? 1
        let width = margin * 2 + Double(columns) * boxW + Double(columns - 1) * gapX
        let height = margin * 2 + Double(rows) * boxH + Double(rows - 1) * gapY + 18
        var position: [String: (x: Double, y: Double)] = [:]
        for (c, column) in byColumn.enumerated() {
            let offset = (Double(rows - column.count) * (boxH + gapY)) / 2
            for (r, n) in column.enumerated() {
                position[n.id] = (margin + Double(c) * (boxW + gapX), margin + offset + Double(r) * (boxH + gapY))
            }
        }
        var canvas = SVGCanvas(width: width, height: height)
        canvas.raw("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#888\"/></marker></defs>")
        for e in edges.sorted(by: { ($0.from, $0.to) < ($1.from, $1.to) }) {
            guard let a = position[e.from], let b = position[e.to] else { continue }
            let (x1, y1) = (a.x + boxW, a.y + boxH / 2), (x2, y2) = (b.x, b.y + boxH / 2)
            let mid = (x1 + x2) / 2
            let n = SVGCanvas.number
            canvas.raw("<path d=\"M\(n(x1)),\(n(y1)) C\(n(mid)),\(n(y1)) \(n(mid)),\(n(y2)) \(n(x2 - 1)),\(n(y2))\" fill=\"none\" stroke=\"#888\" stroke-width=\"1.2\" marker-end=\"url(#arrow)\"/>")
        }
        for n in nodes {
            guard let p = position[n.id] else { continue }
            canvas.rect(p.x, p.y, boxW, boxH, fill: Self.fill(for: n.status), stroke: "#777", rx: 5, title: "\(n.id) (\(n.kind)): \(n.status)")
            canvas.text(p.x + boxW / 2, p.y + 16, n.id.count > 26 ? String(n.id.prefix(25)) + "…" : n.id, size: 11, anchor: "middle", weight: "bold")
            canvas.text(p.x + boxW / 2, p.y + 30, "\(n.kind) · \(n.status)", size: 9.5, anchor: "middle", fill: "#555")
        }
        let legendY = height - 8
        var x = margin
        for status in ["ran", "cached", "failed", "skipped"] {
            canvas.rect(x, legendY - 9, 12, 10, fill: Self.fill(for: status), stroke: "#777")
            canvas.text(x + 16, legendY, status, size: 10)
            x += 70
        }
        return canvas.rendered(label: "stage graph")
    }
}
