// PlanCommand: `hsiflow plan FILE` — what a run would do with every stage and why; runs nothing.
import ArgumentParser
import Foundation
import PipelineEngine
import PipelineModel

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show which stages a run would reuse and which it would run, and why. Runs nothing.")

    @OptionGroup var experiment: ExperimentOptions

    @Option(help: ArgumentHelp("Plan as if this stage were forced.", valueName: "stage"), completion: StageIDCompletion.selectors)
    var force: [String] = []

    @Option(help: ArgumentHelp("Plan only this stage and what it needs.", valueName: "stage"), completion: StageIDCompletion.selectors)
    var only: [String] = []

    @Option(help: ArgumentHelp("Where results/<name>/ folders go (the previous manifest explains changes).", valueName: "dir"))
    var results: String = "results"

    @Flag(help: "Print the plan as JSON.")
    var json = false

    func run() throws {
        let pipeline = try EngineSupport.pipeline(cache: experiment.cache)
        let prepared = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.prepare(path: experiment.file, overrides: experiment.overrides)
        }
        let options = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.options(prepared, force: force, only: only)
        }
        let workspace = Workspace(pipeline: pipeline, resultsRoot: URL(fileURLWithPath: results), experiment: prepared)
        let plan = workspace.plan(prepared, options: options)
        EngineSupport.print(json ? try PlanRenderer.json(plan) : PlanRenderer.table(plan))
    }
}
