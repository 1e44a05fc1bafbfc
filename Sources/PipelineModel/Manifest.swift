// Manifest: what one run of an experiment did and produced — results/<name>/manifest.json.
// Encoded with `schemaVersion` first and every other key sorted, so two runs with the same
// outcome differ only in their run id, times and host; decoded header-first.
public import Foundation

/// The results manifest of one run.
public struct Manifest: Sendable, Hashable, Codable {
    /// The schema version this build writes and reads.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var runID: String
    /// ISO 8601 UTC start time.
    public var startedAt: String
    public var tool: Tool
    public var host: Host
    public var experiment: Experiment
    public var stages: [StageEntry]
    public var summary: Summary

    public init(runID: String, startedAt: String, tool: Tool, host: Host, experiment: Experiment,
                stages: [StageEntry], summary: Summary) {
        self.schemaVersion = Manifest.currentSchemaVersion
        self.runID = runID
        self.startedAt = startedAt
        self.tool = tool
        self.host = host
        self.experiment = experiment
        self.stages = stages
        self.summary = summary
    }

    /// The program that wrote the manifest.
    public struct Tool: Sendable, Hashable, Codable {
        public var name: String
        public var version: String
        public init(name: String, version: String) { self.name = name; self.version = version }
    }

    /// The machine the run happened on.
    public struct Host: Sendable, Hashable, Codable {
        public var name: String
        public var os: String
        public var cores: Int
        public init(name: String, os: String, cores: Int) { self.name = name; self.os = os; self.cores = cores }
    }

    /// The experiment file and its resolved top-level parameters.
    public struct Experiment: Sendable, Hashable, Codable {
        public var name: String
        public var path: String
        public var sha256: String
        /// Seed, vars and matrix after `--set` overrides.
        public var params: ParamValue
        public init(name: String, path: String, sha256: String, params: ParamValue) {
            self.name = name; self.path = path; self.sha256 = sha256; self.params = params
        }
    }

    /// What happened to a stage in this run.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case ran, cached, failed, skipped
    }

    /// An upstream stage a stage read, with the key it had.
    public struct Input: Sendable, Hashable, Codable {
        public var stage: String
        public var key: String
        public init(stage: String, key: String) { self.stage = stage; self.key = key }
    }

    /// An input file, hashed by content.
    public struct InputFile: Sendable, Hashable, Codable {
        public var path: String
        public var sha256: String
        public var bytes: Int
        public init(path: String, sha256: String, bytes: Int) { self.path = path; self.sha256 = sha256; self.bytes = bytes }
    }

    /// An artifact a stage produced: its name, where it lies in the cache, its hash and size.
    public struct Output: Sendable, Hashable, Codable {
        public var name: String
        public var path: String
        public var sha256: String
        public var bytes: Int
        public init(name: String, path: String, sha256: String, bytes: Int) {
            self.name = name; self.path = path; self.sha256 = sha256; self.bytes = bytes
        }
    }

    /// One stage instance in the run.
    public struct StageEntry: Sendable, Hashable, Codable {
        public var id: String
        public var kind: String
        /// The implementation version of the kind.
        public var version: Int
        /// The stage's fingerprint (empty when it never got one: skipped before its inputs existed).
        public var key: String
        public var status: Status
        /// Why it ran, or why it was reused, skipped or failed.
        public var reason: String
        public var params: [String: ParamValue]
        public var needs: [String]
        public var inputs: [Input]
        public var files: [InputFile]
        public var outputs: [Output]
        public var metrics: [String: ParamValue]
        /// Seconds the stage's own work took when it ran (the original run's seconds when cached).
        public var seconds: Double
        /// The error message when the stage failed.
        public var error: String?

        public init(id: String, kind: String, version: Int, key: String, status: Status, reason: String,
                    params: [String: ParamValue], needs: [String], inputs: [Input], files: [InputFile],
                    outputs: [Output], metrics: [String: ParamValue], seconds: Double, error: String? = nil) {
            self.id = id; self.kind = kind; self.version = version; self.key = key; self.status = status; self.reason = reason
            self.params = params; self.needs = needs; self.inputs = inputs; self.files = files
            self.outputs = outputs; self.metrics = metrics; self.seconds = seconds; self.error = error
        }
    }

    /// Counts per status and the run's wall time.
    public struct Summary: Sendable, Hashable, Codable {
        public var ran: Int
        public var cached: Int
        public var failed: Int
        public var skipped: Int
        public var seconds: Double
        public init(ran: Int, cached: Int, failed: Int, skipped: Int, seconds: Double) {
            self.ran = ran; self.cached = cached; self.failed = failed; self.skipped = skipped; self.seconds = seconds
        }
    }

    /// The entry of a stage id.
    public func stage(_ id: String) -> StageEntry? { stages.first { $0.id == id } }

    // MARK: - Encoding

    /// Pretty JSON with `schemaVersion` first and every other key sorted; ends with a newline.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(Body(self))
        guard var text = String(data: body, encoding: .utf8), text.hasPrefix("{\n") else {
            throw PipelineModelError.encodingFailed("the manifest did not encode as a JSON object")
        }
        text.removeFirst(2)
        return Data(("{\n  \"schemaVersion\" : \(schemaVersion),\n" + text + "\n").utf8)
    }

    /// Decodes a manifest after checking its schema version.
    public static func decode(_ data: Data, source: String) throws(PipelineModelError) -> Manifest {
        struct Header: Decodable { let schemaVersion: Int? }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: data) } catch {
            throw .unreadableManifest(path: source, reason: "not a JSON object (\(error.localizedDescription))")
        }
        guard let version = header.schemaVersion else {
            throw .unreadableManifest(path: source, reason: "it has no schemaVersion; is it an hsiflow manifest?")
        }
        guard version == currentSchemaVersion else {
            throw .unsupportedSchema(path: source, found: version, supported: currentSchemaVersion)
        }
        do { return try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw .unreadableManifest(path: source, reason: "\(error)")
        }
    }

    /// Every field but `schemaVersion`, which `encoded()` writes first by hand.
    private struct Body: Encodable {
        let m: Manifest
        init(_ m: Manifest) { self.m = m }
        enum Keys: String, CodingKey { case runID, startedAt, tool, host, experiment, stages, summary }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(m.runID, forKey: .runID)
            try c.encode(m.startedAt, forKey: .startedAt)
            try c.encode(m.tool, forKey: .tool)
            try c.encode(m.host, forKey: .host)
            try c.encode(m.experiment, forKey: .experiment)
            try c.encode(m.stages, forKey: .stages)
            try c.encode(m.summary, forKey: .summary)
        }
    }
}
