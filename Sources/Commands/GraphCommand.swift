// GraphCommand: `hsiflow graph FILE` — the stage DAG as text, Graphviz DOT or Mermaid.
import ArgumentParser
import Foundation
import PipelineEngine

/// Output formats of `hsiflow graph`.
enum GraphFormat: String, ExpressibleByArgument, CaseIterable {
    case text, dot, mermaid
}

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the stage graph (after matrix expansion) as text, DOT or Mermaid.")

    @OptionGroup var experiment: ExperimentOptions

    @Option(help: "text, dot or mermaid.")
    var format: GraphFormat = .text

    func run() throws {
        let pipeline = try EngineSupport.pipeline(cache: experiment.cache)
        let spec = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.loader.load(path: experiment.file, overrides: experiment.overrides)
        }
        EngineSupport.print(GraphRenderer.render(PipelineGraph(spec), format: format))
    }
}
