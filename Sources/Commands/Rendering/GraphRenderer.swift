// GraphRenderer: the stage DAG as indented text, Graphviz DOT, or a Mermaid flowchart.
import PipelineEngine
import PipelineModel

enum GraphRenderer {
    static func render(_ graph: PipelineGraph, format: GraphFormat) -> String {
        switch format {
        case .text: return text(graph)
        case .dot: return dot(graph)
        case .mermaid: return mermaid(graph)
        }
    }

    /// One line per stage in dependency order: `id (kind) ← needs`.
    static func text(_ graph: PipelineGraph) -> String {
        graph.order.compactMap { id in
            guard let s = graph.stage(id) else { return nil }
            let needs = s.needs.isEmpty ? "" : " ← " + s.needs.map(\.description).joined(separator: ", ")
            return "\(id) (\(s.kind))\(needs)"
        }.joined(separator: "\n")
    }

    static func dot(_ graph: PipelineGraph) -> String {
        var lines = ["digraph pipeline {", "  rankdir=LR;", "  node [shape=box];"]
        for id in graph.order {
            guard let s = graph.stage(id) else { continue }
            lines.append("  \(quoted(id.description)) [label=\(quoted("\(id)\\n\(s.kind)"))];")
        }
        for id in graph.order {
            for need in graph.stage(id)?.needs ?? [] {
                lines.append("  \(quoted(need.description)) -> \(quoted(id.description));")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    static func mermaid(_ graph: PipelineGraph) -> String {
        var names: [StageID: String] = [:]
        for (i, id) in graph.order.enumerated() { names[id] = "s\(i)" }
        var lines = ["flowchart LR"]
        for id in graph.order {
            guard let s = graph.stage(id), let n = names[id] else { continue }
            lines.append("  \(n)[\"\(id.description.replacingOccurrences(of: "\"", with: "#quot;")) (\(s.kind))\"]")
        }
        for id in graph.order {
            for need in graph.stage(id)?.needs ?? [] {
                if let a = names[need], let b = names[id] { lines.append("  \(a) --> \(b)") }
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
