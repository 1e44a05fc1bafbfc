// Manifest: what one run of an experiment did and produced — results/<name>/manifest.json.
// Encoded with `schemaVersion` first and every other key sorted, so two runs with the same
// outcome differ only in their run id, times, host and environment; decoded in one pass, then
// its schema version checked (the header alone is read to explain one that does not decode).
// `environment`, per-stage `threads` and `carriedFrom`, and the resolved paths of the experiment and
// its input files are optional: manifests written before them still decode.
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
    /// What the run executed on, beyond the host: nil in manifests written before it was recorded.
    public var environment: Environment?

    public init(runID: String, startedAt: String, tool: Tool, host: Host, experiment: Experiment,
                stages: [StageEntry], summary: Summary, environment: Environment? = nil) {
        self.schemaVersion = Manifest.currentSchemaVersion
        self.runID = runID
        self.startedAt = startedAt
        self.tool = tool
        self.host = host
        self.experiment = experiment
        self.stages = stages
        self.summary = summary
        self.environment = environment
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

    /// The execution environment of a run: what, besides a stage's key, can change its bytes.
    public struct Environment: Sendable, Hashable, Codable {
        /// The hsiflow version that ran.
        public var hsiflowVersion: String
        /// HEAD of the git work tree the binary lives in, read when the run starts; nil outside one.
        /// Not stamped at build time: a binary not rebuilt after a checkout or an edit can differ from it.
        public var source: Source?
        public var cpu: CPU
        public var blas: BLASLibrary
        /// Worker threads each running stage was given (the cores shared out between parallel jobs).
        public var threads: Int
        /// Stages the run allowed at the same time (`--jobs`).
        public var jobs: Int

        public init(hsiflowVersion: String, source: Source?, cpu: CPU, blas: BLASLibrary, threads: Int, jobs: Int) {
            self.hsiflowVersion = hsiflowVersion; self.source = source; self.cpu = cpu; self.blas = blas
            self.threads = threads; self.jobs = jobs
        }

        /// A git commit and whether the work tree had uncommitted changes to tracked or new files.
        public struct Source: Sendable, Hashable, Codable {
            public var commit: String
            public var dirty: Bool
            public init(commit: String, dirty: Bool) { self.commit = commit; self.dirty = dirty }
        }

        /// The processor model and the instruction-set flags that change numerical kernels.
        public struct CPU: Sendable, Hashable, Codable {
            public var model: String
            /// Sorted, only the flags that select kernels (avx2, fma, avx512f, …).
            public var flags: [String]
            public init(model: String, flags: [String]) { self.model = model; self.flags = flags }
        }

        /// The BLAS library linked, its build configuration and the kernel it picked at load time.
        public struct BLASLibrary: Sendable, Hashable, Codable {
            /// e.g. `OpenBLAS`.
            public var name: String
            /// The library's own configuration string (version, DYNAMIC_ARCH, MAX_THREADS, …).
            public var config: String
            /// The kernel chosen for this CPU, e.g. `Haswell` or `SkylakeX`.
            public var core: String
            /// `OPENBLAS_CORETYPE` when set: a kernel forced by the user.
            public var coreType: String?
            public init(name: String, config: String, core: String, coreType: String?) {
                self.name = name; self.config = config; self.core = core; self.coreType = coreType
            }
        }
    }

    /// The experiment file and its resolved top-level parameters.
    public struct Experiment: Sendable, Hashable, Codable {
        public var name: String
        /// The experiment file's path as given on the command line.
        public var path: String
        /// Its absolute folder, which relative input paths resolve against; nil in older manifests.
        public var directory: String?
        public var sha256: String
        /// Seed, vars and matrix after `--set` overrides.
        public var params: ParamValue
        public init(name: String, path: String, directory: String? = nil, sha256: String, params: ParamValue) {
            self.name = name; self.path = path; self.directory = directory; self.sha256 = sha256; self.params = params
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
        /// The path as written in the experiment (after interpolation and `--set`).
        public var path: String
        /// Where it was read: the path resolved against the experiment file's folder; nil when the
        /// path was absolute, and in older manifests.
        public var resolved: String?
        public var sha256: String
        public var bytes: Int
        public init(path: String, resolved: String? = nil, sha256: String, bytes: Int) {
            self.path = path; self.resolved = resolved; self.sha256 = sha256; self.bytes = bytes
        }
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
        /// Worker threads the stage ran with (the original run's when cached; nil when unknown).
        public var threads: Int?
        /// The error message when the stage failed.
        public var error: String?
        /// In a current manifest only: the run whose entry this is, kept because a later partial
        /// run (`--only`) did not select the stage and its key still applies. Nil in a run's own record.
        public var carriedFrom: String?
        /// The Slurm job that ran the stage (run with `--executor slurm`); nil when run locally or not submitted.
        public var job: Job?

        public init(id: String, kind: String, version: Int, key: String, status: Status, reason: String,
                    params: [String: ParamValue], needs: [String], inputs: [Input], files: [InputFile],
                    outputs: [Output], metrics: [String: ParamValue], seconds: Double, threads: Int? = nil,
                    error: String? = nil, carriedFrom: String? = nil, job: Job? = nil) {
            self.job = job
            self.id = id; self.kind = kind; self.version = version; self.key = key; self.status = status; self.reason = reason
            self.params = params; self.needs = needs; self.inputs = inputs; self.files = files
            self.outputs = outputs; self.metrics = metrics; self.seconds = seconds; self.threads = threads; self.error = error
            self.carriedFrom = carriedFrom
        }
    }

    /// The Slurm job of a stage: its id, the node it ran on, its final state and its log.
    public struct Job: Sendable, Hashable, Codable {
        public var id: String
        /// The node it ran on (nil when it never started).
        public var node: String?
        /// Slurm's final state (COMPLETED, FAILED, CANCELLED, TIMEOUT, ...).
        public var state: String
        /// The job's output and error, relative to the results folder.
        public var log: String

        public init(id: String, node: String?, state: String, log: String) {
            self.id = id; self.node = node; self.state = state; self.log = log
        }
    }

    /// Counts per status and the run's wall time.
    public struct Summary: Sendable, Hashable, Codable {
        public var ran: Int
        public var cached: Int
        public var failed: Int
        public var skipped: Int
        /// In a current manifest only: stages whose entries were carried over from earlier runs
        /// (not counted as skipped); nil when none were.
        public var carried: Int?
        public var seconds: Double
        public init(ran: Int, cached: Int, failed: Int, skipped: Int, carried: Int? = nil, seconds: Double) {
            self.ran = ran; self.cached = cached; self.failed = failed; self.skipped = skipped; self.carried = carried
            self.seconds = seconds
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

    /// Decodes a manifest after checking its schema version. The whole manifest is decoded in one
    /// pass (a header decode parses all of the JSON too: a tenth of a no-op run at 10,000 stages);
    /// the header alone is read only to explain a manifest that does not decode, so the errors are
    /// those of checking the header first.
    public static func decode(_ data: Data, source: String) throws(PipelineModelError) -> Manifest {
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            try checkHeader(data, source: source)
            throw .unreadableManifest(path: source, reason: "\(error)")
        }
        guard manifest.schemaVersion == currentSchemaVersion else {
            throw .unsupportedSchema(path: source, found: manifest.schemaVersion, supported: currentSchemaVersion)
        }
        return manifest
    }

    /// Throws what is wrong with a manifest's header: not a JSON object, no schema version, or
    /// one this build does not read.
    private static func checkHeader(_ data: Data, source: String) throws(PipelineModelError) {
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
    }

    /// Every field but `schemaVersion`, which `encoded()` writes first by hand.
    private struct Body: Encodable {
        let m: Manifest
        init(_ m: Manifest) { self.m = m }
        enum Keys: String, CodingKey { case runID, startedAt, tool, host, experiment, stages, summary, environment }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(m.runID, forKey: .runID)
            try c.encode(m.startedAt, forKey: .startedAt)
            try c.encode(m.tool, forKey: .tool)
            try c.encode(m.host, forKey: .host)
            try c.encode(m.experiment, forKey: .experiment)
            try c.encode(m.stages, forKey: .stages)
            try c.encode(m.summary, forKey: .summary)
            try c.encodeIfPresent(m.environment, forKey: .environment)
        }
    }
}
