// ValidateCommand: `hsiflow validate FILE` — every problem of an experiment file at once, or "ok";
// with `--json`, the same as a versioned object (schema in Docs/JSONOutput.md), exit 2 if invalid.
import ArgumentParser
import Foundation
import PipelineEngine
import PipelineModel

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an experiment file: YAML, keys, kinds, types, ranges, needs, cycles and input files, all at once.")

    @OptionGroup var experiment: ExperimentOptions

    @Flag(help: "Print the result (or every problem) as JSON.")
    var json = false

    func run() throws {
        let pipeline = try EngineSupport.pipeline(cache: experiment.cache)
        let spec: ExperimentSpec
        do throws(EngineError) {
            spec = try pipeline.loader.load(path: experiment.file, overrides: experiment.overrides)
        } catch {
            guard json else { throw EngineSupport.translate(error) }
            EngineSupport.print(try EngineSupport.json(ValidationReport(file: experiment.file, error: error)))
            throw ExitCode(ExitStatus.invalidInput.rawValue)
        }
        let report = ValidationReport(file: experiment.file, spec: spec)
        if json {
            EngineSupport.print(try EngineSupport.json(report))
            return
        }
        let names = report.stages ?? 0, instances = report.instances ?? 0
        EngineSupport.print("ok: \(experiment.file) — \(names) stage\(names == 1 ? "" : "s"), \(instances) instance\(instances == 1 ? "" : "s") (kinds: \(report.kinds.joined(separator: ", ")))")
    }
}

/// What `validate --json` prints: the experiment's shape when valid, its problems when not.
struct ValidationReport: Encodable {
    /// One problem, at `file:line:column` (line and column absent when the file could not be read).
    struct Problem: Encodable {
        let file: String
        let line: Int?
        let column: Int?
        let message: String
    }

    var schemaVersion = 1
    let file: String
    let valid: Bool
    let experiment: String?
    let stages: Int?
    let instances: Int?
    let kinds: [String]
    let problems: [Problem]

    init(file: String, spec: ExperimentSpec) {
        self.file = file
        valid = true
        experiment = spec.name
        stages = Set(spec.stages.map(\.id.name)).count
        instances = spec.stages.count
        kinds = Set(spec.stages.map(\.kind)).sorted()
        problems = []
    }

    init(file: String, error: EngineError) {
        self.file = file
        valid = false
        experiment = nil
        stages = nil
        instances = nil
        kinds = []
        switch error {
        case .invalidExperiment(_, let list):
            problems = list.map { Problem(file: $0.position.file, line: $0.position.line, column: $0.position.column, message: $0.message) }
        default:
            problems = [Problem(file: file, line: nil, column: nil, message: error.description)]
        }
    }
}
