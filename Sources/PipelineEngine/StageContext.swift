// StageContext: everything a running stage may touch — its decoded parameters, the
// experiment seed, its inputs (read through the store, hash-checked, each from the ancestor the
// loader wired it to with InputWiring's rule), the outputs and metrics it writes, progress, and
// per-step caching for iterative stages.
public import Foundation
public import PipelineModel

/// Receives a running stage's progress.
public protocol StageProgressSink: Sendable {
    func stageProgress(_ id: StageID, fraction: Double?, message: String)
}

/// The view of the world a running stage gets.
public final class StageContext: @unchecked Sendable {
    public let id: StageID
    public let kind: String
    /// Parameters after interpolation, overrides and defaults (stages read them decoded, see `parameters(_:)`).
    let params: [String: ParamValue]
    /// The experiment's top-level seed.
    public let seed: Int
    /// Worker threads the runner gave this stage (it sets the worker count around the stage;
    /// the stage itself does not touch it). Recorded with step records.
    let threads: Int
    /// The stage's fingerprint.
    public let key: String
    /// Directory relative input paths are resolved against (the experiment file's folder).
    public let baseDirectory: URL

    let version: Int
    /// The stages read from (`StageSpec.inputStages`): the needs, then farther ancestors feeding an input.
    let upstream: [(id: StageID, record: StageRecord)]
    /// The kind's input ports and the ancestor wired to each (port name → stage).
    let inputPorts: [InputPort]
    let sources: [String: StageID]
    let store: any ArtifactStore
    let progressSink: (any StageProgressSink)?
    /// How many stages are computing in this process right now (this one included).
    private let computingNow: @Sendable () -> Int
    private let mutex = NSLock()
    private var outputs: [String: ObjectRef] = [:]
    private var metrics: [String: ParamValue] = [:]
    private var readCorruption: StageID?

    init(id: StageID, kind: String, version: Int, params: [String: ParamValue], seed: Int, threads: Int, key: String,
         baseDirectory: URL, upstream: [(id: StageID, record: StageRecord)], inputPorts: [InputPort] = [],
         sources: [String: StageID] = [:], store: any ArtifactStore, progressSink: (any StageProgressSink)?,
         computingNow: @escaping @Sendable () -> Int = { 1 }) {
        self.computingNow = computingNow
        self.inputPorts = inputPorts
        self.sources = sources
        self.id = id
        self.kind = kind
        self.version = version
        self.params = params
        self.seed = seed
        self.threads = threads
        self.key = key
        self.baseDirectory = baseDirectory
        self.upstream = upstream
        self.store = store
        self.progressSink = progressSink
    }

    /// Stages computing in this process at this moment, this one included. A stage that times
    /// something records it: above 1, other stages shared the cores while it measured.
    public var stagesComputing: Int { computingNow() }

    // MARK: - Parameters

    /// The resolved parameters decoded as the kind's declaration; throws when they do not fit it
    /// (validation checked them against the same declaration, so this is a contract error).
    public func parameters<P: ParameterGroup>(_ type: P.Type) throws(EngineError) -> P {
        do {
            return try P.decoded(from: params)
        } catch {
            throw .stageContract(stage: id.description, message: "parameters do not fit the kind's declaration: \(error)")
        }
    }

    /// A path parameter resolved against the base directory.
    public func url(forPath path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
    }

    // MARK: - Inputs

    /// Upstream stages and the output names each provides.
    public var availableInputs: [(stage: StageID, outputs: [String])] {
        upstream.map { ($0.id, $0.record.outputs.keys.sorted()) }
    }

    /// The artifacts of input port `port` (e.g. every `model-<level>` of the prune stage wired to
    /// `models`), sorted by name; empty when the port is optional and nothing provides it.
    public func artifacts(of port: String) throws(EngineError) -> [(stage: StageID, name: String)] {
        guard let declared = inputPorts.first(where: { $0.name == port }) else {
            throw .stageContract(stage: id.description, message: "has no input port '\(port)'")
        }
        guard let source = sources[port], let record = upstream.first(where: { $0.id == source })?.record else { return [] }
        return record.outputs.keys.filter { declared.covers($0) }.sorted().map { (stage: source, name: $0) }
    }

    /// The bytes of artifact `name` of an input: from the ancestor wired to the input port that
    /// covers `name` (InputWiring's rule, as checked by `validate`); for a kind that declares no
    /// inputs, or with `stage` given, from that stage or the only upstream stage that has it.
    public func input(_ name: String, from stage: StageID? = nil) throws(EngineError) -> Data {
        var stage = stage
        if stage == nil, let port = inputPorts.first(where: { $0.covers(name) }) {
            guard let source = sources[port.name] else {
                throw .stageContract(stage: id.description,
                                     message: "input '\(port.name)' (\(port.accepts.map(\.rawValue).joined(separator: " or "))) is not wired to any ancestor; add a stage that provides it to `needs:`")
            }
            stage = source
        }
        let candidates = upstream.filter { ($0.id == stage || stage == nil) && $0.record.outputs[name] != nil }
        guard let source = candidates.first else {
            let known = upstream.flatMap { u in u.record.outputs.keys.map { "\(u.id):\($0)" } }.sorted()
            throw .stageContract(stage: id.description,
                                 message: "no upstream output '\(name)'\(stage.map { " from \($0)" } ?? ""); available: \(known.isEmpty ? "none (add `needs:`)" : known.joined(separator: ", "))")
        }
        guard candidates.count == 1 else {
            throw .stageContract(stage: id.description, message: "several upstream stages provide '\(name)' (\(candidates.map { $0.id.description }.joined(separator: ", "))); say which")
        }
        guard let ref = source.record.outputs[name] else { throw .stageContract(stage: id.description, message: "no output \(name)") }
        do throws(EngineError) {
            guard let data = try store.read(ref) else {
                mutex.withLock { readCorruption = source.id }
                throw EngineError.corruptObject(sha256: ref.sha256)
            }
            return data
        } catch {
            mutex.withLock { readCorruption = source.id }
            throw error
        }
    }

    /// The upstream stage whose output was missing or corrupt when read, if any.
    var corruptUpstream: StageID? { mutex.withLock { readCorruption } }

    // MARK: - Outputs

    /// Stores an output artifact under `name`.
    public func write(_ name: String, _ data: Data) throws(EngineError) {
        let ref = try store.put(data)
        mutex.withLock { outputs[name] = ref }
    }

    /// Records a metric for the manifest.
    public func metric(_ name: String, _ value: ParamValue) {
        mutex.withLock { metrics[name] = value }
    }

    /// Reports progress (fraction in 0...1 when known).
    public func progress(_ fraction: Double?, _ message: String) {
        progressSink?.stageProgress(id, fraction: fraction, message: message)
    }

    var writtenOutputs: [String: ObjectRef] { mutex.withLock { outputs } }
    var writtenMetrics: [String: ParamValue] { mutex.withLock { metrics } }

    // MARK: - Per-step cache

    /// Runs `compute` for one step of an iterative stage unless a step with the same
    /// identity is cached. The identity is the kind, its version, the upstream outputs and
    /// `stepParams` — pass only what the step depends on (e.g. the prune level, not the sweep's end),
    /// so extending a sweep computes only the new steps. Returns the step's outputs and metrics.
    public func cachedStep(_ name: String, stepParams: ParamValue,
                           compute: () throws -> (outputs: [String: Data], metrics: [String: ParamValue]))
        throws -> (outputs: [String: Data], metrics: [String: ParamValue], cached: Bool) {
        let stepKey = Fingerprint.stepKey(kind: kind, version: version, seed: seed, step: name, stepParams: stepParams,
                                          inputs: Dictionary(upstream.map { ($0.id.description, $0.record.outputs.mapValues(\.sha256)) },
                                                             uniquingKeysWith: { a, _ in a }))
        /// The cached step's outputs when its record and every object it names are readable.
        func cached() -> (outputs: [String: Data], metrics: [String: ParamValue])? {
            guard let record = store.record(stepKey, in: .steps) else { return nil }
            var out: [String: Data] = [:]
            for (outputName, ref) in record.outputs {
                guard let data = try? store.read(ref) else {
                    store.removeRecord(stepKey, in: .steps)
                    return nil
                }
                out[outputName] = data
            }
            return (out, record.metrics)
        }
        if let hit = cached() { return (hit.outputs, hit.metrics, true) }
        // Another process (a different stage with the same step) may be computing it: take the
        // step's lock and look again.
        let lock = try store.lockEntry(stepKey, in: .steps, owner: "stage \(id), step \(name)", wait: true) { _ in }
        defer { lock.release() }
        if let hit = cached() { return (hit.outputs, hit.metrics, true) }
        let started = Date()
        let result = try compute()
        var refs: [String: ObjectRef] = [:]
        for (outputName, data) in result.outputs { refs[outputName] = try store.put(data) }
        try store.putRecord(StageRecord(key: stepKey, stage: "\(id)#\(name)", kind: kind, outputs: refs,
                                        metrics: result.metrics, seconds: Date().timeIntervalSince(started), threads: threads),
                            in: .steps)
        return (result.outputs, result.metrics, false)
    }
}
