// Fingerprint: the one recipe for keys. A stage's key = SHA-256 of canonical JSON {kind, version,
// seed, resolved params, content hashes of input files, content hashes of upstream outputs}; a
// step key (one step of an iterative stage) = SHA-256 of {kind, version, seed, step name, the
// step's own params, upstream output hashes}. No timestamps, no paths of cache objects: same
// inputs and parameters give the same key on any machine.
import Foundation
public import PipelineModel

/// The identity of one stage execution.
public struct Fingerprint: Sendable, Hashable {
    public let kind: String
    public let version: Int
    public let seed: Int
    public let params: [String: ParamValue]
    /// Input file path → SHA-256 of its content.
    public let files: [String: String]
    /// Upstream stage id → its outputs' names → SHA-256.
    public let inputs: [String: [String: String]]

    public init(kind: String, version: Int, seed: Int, params: [String: ParamValue],
                files: [String: String], inputs: [String: [String: String]]) {
        self.kind = kind
        self.version = version
        self.seed = seed
        self.params = params
        self.files = files
        self.inputs = inputs
    }

    /// The fingerprint of `stage` at implementation `version`: its parameters, the hashes of its
    /// input files (from `files`, by path) and its upstream outputs (`inputs`). The planner, the
    /// runner and the carrying of partial runs all key stages through this one recipe.
    public init(stage: StageSpec, version: Int, seed: Int, files: [String: FileHash], inputs: [String: [String: String]]) {
        self.init(kind: stage.kind, version: version, seed: seed, params: stage.params,
                  files: Dictionary(stage.inputFiles.map { ($0, files[$0]?.sha256 ?? "") }, uniquingKeysWith: { a, _ in a }),
                  inputs: inputs)
    }

    /// The canonical JSON that is hashed.
    public var canonicalJSON: String {
        ParamValue.object([
            "kind": .string(kind),
            "version": .int(version),
            "seed": .int(seed),
            "params": .object(params),
            "files": .object(files.mapValues(ParamValue.string)),
            "inputs": .object(inputs.mapValues { .object($0.mapValues(ParamValue.string)) }),
        ]).canonicalJSON
    }

    /// The key: SHA-256 of the canonical JSON, hex.
    public var key: String { sha256Hex(canonicalJSON) }

    /// The key of step `step` of an iterative stage of this kind, version and seed, which reads
    /// `inputs` (upstream stage id → output name → SHA-256) and depends on `stepParams` only
    /// (e.g. one prune level, not the sweep's end), so extending a sweep keeps earlier steps' keys.
    public static func stepKey(kind: String, version: Int, seed: Int, step: String, stepParams: ParamValue,
                               inputs: [String: [String: String]]) -> String {
        sha256Hex(ParamValue.object([
            "kind": .string(kind), "version": .int(version), "step": .string(step), "params": stepParams,
            "seed": .int(seed), "inputs": .object(inputs.mapValues { .object($0.mapValues(ParamValue.string)) }),
        ]).canonicalJSON)
    }
}
