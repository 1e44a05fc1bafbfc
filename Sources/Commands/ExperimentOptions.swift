// ExperimentOptions and EngineSupport: what every pipeline command shares — the experiment
// file, `--set` overrides, the cache location — and the translation of engine errors into the
// two error types CommandLineEntry turns into exit codes.
import ArgumentParser
import ExperimentStages
import Foundation
import PipelineEngine

/// The experiment file and the options that change how it resolves.
struct ExperimentOptions: ParsableArguments {
    @Argument(help: "The experiment file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value by dotted path, e.g. stages.train.epochs=20 or vars.data=/elsewhere.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: ArgumentHelp("The cache directory (default: $HSIFLOW_CACHE, else .hsiflow/cache).", valueName: "dir"))
    var cache: String?
}

/// Building the engine for a command, and mapping its errors.
enum EngineSupport {
    /// The stage kinds every command knows: the science kinds, plus the test utilities
    /// (`sleep`) when the test-only variable `HSIFLOW_TEST_KINDS=1` is set.
    static var registry: StageRegistry {
        StandardStages.registry(includingTestUtilities: ProcessInfo.processInfo.environment["HSIFLOW_TEST_KINDS"] == "1")
    }

    /// The pipeline over the standard registry and the file cache.
    static func pipeline(cache: String?) throws -> Pipeline {
        let store = try mapErrors { () throws(EngineError) in try FileStore(root: FileStore.defaultRoot(flag: cache)) }
        return Pipeline(registry: registry, store: store)
    }

    /// Runs `body`, turning engine errors into UserInputError (exit 2) or WorkFailedError (exit 1).
    static func mapErrors<T>(_ body: () throws(EngineError) -> T) throws -> T {
        do { return try body() } catch { throw translate(error) }
    }

    static func translate(_ error: EngineError) -> Error {
        switch error {
        case .invalidExperiment, .unreadableFile, .unknownStage, .missingUpstream, .notCached, .locked, .unsafePath:
            return UserInputError(error.description)
        case .storeFailure, .corruptObject, .stageFailed, .stageContract:
            return WorkFailedError(error.description)
        }
    }

    /// Writes text to standard output.
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Writes text to standard error.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Pretty, sorted JSON of an encodable value.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
