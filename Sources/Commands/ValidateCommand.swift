// ValidateCommand: `hsiflow validate FILE` — every problem of an experiment file at once, or "ok".
import ArgumentParser
import Foundation
import PipelineEngine

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an experiment file: YAML, keys, kinds, types, ranges, needs, cycles and input files, all at once.")

    @OptionGroup var experiment: ExperimentOptions

    func run() throws {
        let pipeline = try EngineSupport.pipeline(cache: experiment.cache)
        let spec = try EngineSupport.mapErrors { () throws(EngineError) in
            try pipeline.loader.load(path: experiment.file, overrides: experiment.overrides)
        }
        let kinds = Set(spec.stages.map(\.kind)).sorted().joined(separator: ", ")
        let names = Set(spec.stages.map(\.id.name)).count
        EngineSupport.print("ok: \(experiment.file) — \(names) stage\(names == 1 ? "" : "s"), \(spec.stages.count) instance\(spec.stages.count == 1 ? "" : "s") (kinds: \(kinds))")
    }
}
