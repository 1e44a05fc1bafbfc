// GraphCommand: `hsiflow graph FILE` — the stage DAG as text, Graphviz DOT, Mermaid, or JSON
// (`--json`, schema in Docs/JSONOutput.md).
import ArgumentParser
import Foundation
import PipelineEngine
import PipelineModel

/// Output formats of `hsiflow graph`.
enum GraphFormat: String, ExpressibleByArgument, CaseIterable {
    case text, dot, mermaid
}

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the stage graph (after matrix expansion) as text, DOT, Mermaid or JSON.")

    @OptionGroup var experiment: ExperimentOptions

    @Option(help: "text, dot or mermaid.")
    var format: GraphFormat = .text

    @Flag(help: "Print the graph as JSON (stages in dependency order, each with its needs).")
    var json = false

    func validate() throws {
        if json && format != .text { throw ValidationError("--json and --format \(format.rawValue) are two outputs; pick one") }
    }

    func run() throws {
        let pipeline = try EngineSupport.pipeline(cache: experiment.cache)
        let spec = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.loader.load(path: experiment.file, overrides: experiment.overrides)
        }
        let graph = PipelineGraph(spec)
        if json {
            EngineSupport.print(try EngineSupport.json(GraphReport(experiment: spec.name, graph: graph)))
        } else {
            EngineSupport.print(GraphRenderer.render(graph, format: format))
        }
    }
}

/// What `graph --json` prints.
struct GraphReport: Encodable {
    /// One stage instance.
    struct Stage: Encodable {
        let id: String
        let name: String
        let kind: String
        let matrix: [String: String]
        let needs: [String]
    }

    var schemaVersion = 1
    let experiment: String
    let stages: [Stage]

    init(experiment: String, graph: PipelineGraph) {
        self.experiment = experiment
        stages = graph.order.compactMap { id in
            guard let s = graph.stage(id) else { return nil }
            return Stage(id: id.description, name: id.name, kind: s.kind,
                         matrix: Dictionary(id.matrix.map { ($0.variable, $0.value) }, uniquingKeysWith: { a, _ in a }),
                         needs: s.needs.map(\.description))
        }
    }
}
