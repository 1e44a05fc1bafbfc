// Runner: executes a plan. Stages run in dependency order, independent ones in parallel on
// `jobs` workers; each stage's key is recomputed from its upstream stages' actual outputs, so a
// rerun upstream whose outputs come out byte-identical keeps its dependents cached (early cutoff).
// Reused outputs are hash-checked; a corrupt one is dropped and its stage recomputed.
public import Foundation
public import PipelineModel

/// How one stage ended.
public struct StageOutcome: Sendable {
    public let id: StageID
    public let kind: String
    public let version: Int
    public let status: Manifest.Status
    public let reason: String
    /// Empty when the stage never got a key (skipped or excluded before its inputs existed).
    public let key: String
    public let record: StageRecord?
    /// Upstream stage → its key, as read.
    public let inputs: [(stage: StageID, key: String)]
    /// Seconds of the stage's own work in this run (0 when cached).
    public let seconds: Double
    /// Worker threads the stage ran with: this run's when it ran or failed, the original run's
    /// when cached (nil if its record predates keeping them, or when it never started).
    public let threads: Int?
    public let error: String?
}

/// Receives run events; the terminal renderer in Commands is one, tests count with another.
public protocol RunObserver: StageProgressSink {
    func runStarted(total: Int, toRun: Int, jobs: Int)
    func stageStarted(_ id: StageID, kind: String)
    func stageFinished(_ outcome: StageOutcome)
}

/// Options of a run.
public struct RunOptions: Sendable {
    /// Stages run at the same time.
    public var jobs: Int
    /// Keep running stages that do not depend on a failed one.
    public var keepGoing: Bool
    /// Cores each stage may use (the machine's cores shared out between jobs).
    public var threadsPerJob: Int
    /// Directory relative input paths are resolved against.
    public var baseDirectory: URL

    public init(jobs: Int = 1, keepGoing: Bool = false, threadsPerJob: Int = 1,
                baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        self.jobs = max(1, jobs)
        self.keepGoing = keepGoing
        self.threadsPerJob = max(1, threadsPerJob)
        self.baseDirectory = baseDirectory
    }
}

/// The result of a run: one outcome per stage in dependency order.
public struct RunResult: Sendable {
    public let outcomes: [StageOutcome]
    public let seconds: Double

    public var failed: [StageOutcome] { outcomes.filter { $0.status == .failed } }
    public func outcome(_ id: StageID) -> StageOutcome? { outcomes.first { $0.id == id } }
    public func count(_ status: Manifest.Status) -> Int { outcomes.filter { $0.status == status }.count }
}

/// Executes plans through a registry and a store.
public struct Runner: Sendable {
    public let registry: StageRegistry
    public let store: any ArtifactStore

    public init(registry: StageRegistry, store: any ArtifactStore) {
        self.registry = registry
        self.store = store
    }

    /// Runs `plan` for `spec`; never throws for a stage failure (it becomes an outcome).
    public func run(_ spec: ExperimentSpec, graph: PipelineGraph, plan: Plan, files: [String: FileHash],
                    options: RunOptions, observer: (any RunObserver)?) -> RunResult {
        let started = Date()
        let state = Scheduler(graph: graph, plan: plan)
        // Stages excluded by --only are recorded as skipped but are not part of the run an observer sees.
        observer?.runStarted(total: plan.steps.filter { $0.action != .excluded }.count, toRun: plan.runCount, jobs: options.jobs)
        let workers = min(options.jobs, max(1, plan.steps.count))
        let work: @Sendable (Int) -> Void = { _ in
            while let id = state.next() {
                let outcome = self.process(id, spec: spec, graph: graph, plan: plan, files: files, state: state,
                                           options: options, observer: observer)
                state.finish(outcome, stopOnFailure: !options.keepGoing)
                if plan.step(id)?.action != .excluded { observer?.stageFinished(outcome) }
            }
        }
        // Dedicated threads, not the shared dispatch pool: `--jobs N` must mean N stages at once
        // even when the pool's threads are busy, and stages block on heavy work for long.
        let finished = DispatchSemaphore(value: 0)
        for worker in 1..<workers {
            let thread = Thread {
                work(worker)
                finished.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        work(0)
        for _ in 1..<workers { finished.wait() }
        let outcomes = graph.order.compactMap { state.outcome($0) }
        return RunResult(outcomes: outcomes, seconds: Date().timeIntervalSince(started))
    }

    private func process(_ id: StageID, spec: ExperimentSpec, graph: PipelineGraph, plan: Plan, files: [String: FileHash],
                         state: Scheduler, options: RunOptions, observer: (any RunObserver)?) -> StageOutcome {
        guard let stage = graph.stage(id), let step = plan.step(id) else {
            return StageOutcome(id: id, kind: "", version: 0, status: .failed, reason: "not in the plan", key: "",
                                record: nil, inputs: [], seconds: 0, threads: nil, error: "internal: stage \(id) missing from the plan")
        }
        let kind = registry[stage.kind]
        let version = kind?.version ?? 0
        func outcome(_ status: Manifest.Status, _ reason: String, key: String = "", record: StageRecord? = nil,
                     inputs: [(stage: StageID, key: String)] = [], seconds: Double = 0, threads: Int? = nil,
                     error: String? = nil) -> StageOutcome {
            StageOutcome(id: id, kind: stage.kind, version: version, status: status, reason: reason, key: key,
                         record: record, inputs: inputs, seconds: seconds, threads: threads, error: error)
        }
        if step.action == .excluded { return outcome(.skipped, step.reason) }
        if let stop = state.stoppedBy {
            return outcome(.skipped, "not run: stopped after \(stop) failed (--keep-going runs independent stages)")
        }
        // Upstream outcomes: every need has finished by now.
        var upstream: [(id: StageID, record: StageRecord)] = []
        var inputs: [(stage: StageID, key: String)] = []
        for need in stage.inputStages {
            guard let o = state.outcome(need), let record = o.record, o.status == .ran || o.status == .cached else {
                let why = state.outcome(need).map { $0.status == .failed ? "failed" : "was skipped" } ?? "did not run"
                return outcome(.skipped, "needs \(need), which \(why)")
            }
            upstream.append((need, record))
            inputs.append((need, o.key))
        }
        guard let kind else {
            return outcome(.failed, "unknown kind", error: "no stage kind '\(stage.kind)' is registered")
        }
        let fingerprint = Fingerprint(stage: stage, version: version, seed: spec.seed, files: files,
                                      inputs: Dictionary(upstream.map { ($0.id.description, $0.record.outputs.mapValues(\.sha256)) },
                                                         uniquingKeysWith: { a, _ in a }))
        let key = fingerprint.key
        var reason = step.reason
        // The plan already read the record when it knew the key; otherwise look it up now.
        let cachedRecord = step.key == key && step.record != nil ? step.record : store.record(key, in: .stages)
        if !step.forced, let record = cachedRecord {
            // Cached: check every output's bytes against its hash before trusting it.
            if let corrupt = record.outputs.keys.sorted().first(where: { name in record.outputs[name].map { !store.verify($0) } ?? true }) {
                store.removeRecord(key, in: .stages)
                reason = "output \(corrupt) corrupt or missing in cache (hash mismatch); recomputed"
            } else {
                // Planned to run but found cached: either an upstream rerun produced identical bytes
                // (early cutoff), or the stage's own change led back to a key that ran before.
                let ownChange = ["params.", "seed ", "kind ", "implementation "].contains { step.reason.hasPrefix($0) }
                let why = step.action == .reuse ? step.reason
                    : ownChange ? "restored from cache: \(step.reason)"
                    : "inputs reran with identical outputs (early cutoff)"
                return outcome(.cached, why, key: key, record: record, inputs: inputs, seconds: record.seconds,
                               threads: record.threads)
            }
        }
        if step.action == .reuse && reason == step.reason { reason = "cached record vanished; recomputed" }
        observer?.stageStarted(id, kind: stage.kind)
        let context = StageContext(id: id, kind: stage.kind, version: version, params: stage.params, seed: spec.seed,
                                   threads: options.threadsPerJob, key: key, baseDirectory: URL(fileURLWithPath: spec.directory),
                                   upstream: upstream, inputPorts: kind.inputs, sources: stage.inputs, store: store,
                                   progressSink: observer)
        let clock = Date()
        do {
            try kind.run(context)
            let seconds = Date().timeIntervalSince(clock)
            let record = StageRecord(key: key, stage: id.description, kind: stage.kind, outputs: context.writtenOutputs,
                                     metrics: context.writtenMetrics, seconds: seconds, threads: options.threadsPerJob)
            try store.putRecord(record, in: .stages)
            return outcome(.ran, reason, key: key, record: record, inputs: inputs, seconds: seconds,
                           threads: options.threadsPerJob)
        } catch {
            let seconds = Date().timeIntervalSince(clock)
            var message = (error as? EngineError)?.description ?? "\(error)"
            if let bad = context.corruptUpstream {
                message += " (an output of \(bad) was corrupt and has been dropped; run again to recompute it)"
                if let record = upstream.first(where: { $0.id == bad })?.record {
                    store.removeRecord(record.key, in: .stages)
                }
            }
            return outcome(.failed, reason, key: key, inputs: inputs, seconds: seconds, threads: options.threadsPerJob,
                           error: message)
        }
    }
}

/// Shared state of the workers: which stages are ready, which finished how.
private final class Scheduler: @unchecked Sendable {
    private let condition = NSCondition()
    private var remaining: [StageID: Int] = [:]
    private var ready: [StageID] = []
    private var outcomes: [StageID: StageOutcome] = [:]
    private let dependents: [StageID: [StageID]]
    private let rank: [StageID: Int]
    private let total: Int
    private var stop: StageID?

    init(graph: PipelineGraph, plan: Plan) {
        var rank: [StageID: Int] = [:]
        for (i, id) in graph.order.enumerated() { rank[id] = i }
        self.rank = rank
        var dependents: [StageID: [StageID]] = [:]
        for id in graph.order {
            let needs = graph.stage(id)?.needs ?? []
            remaining[id] = needs.count
            for n in needs { dependents[n, default: []].append(id) }
            if needs.isEmpty { ready.append(id) }
        }
        self.dependents = dependents
        total = graph.order.count
    }

    /// The next ready stage (earliest in dependency order), or nil when every stage has finished.
    func next() -> StageID? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty {
            if outcomes.count >= total { return nil }
            condition.wait()
        }
        return ready.removeFirst()
    }

    func finish(_ outcome: StageOutcome, stopOnFailure: Bool) {
        condition.lock()
        outcomes[outcome.id] = outcome
        if outcome.status == .failed, stopOnFailure, stop == nil { stop = outcome.id }
        var released: [StageID] = []
        for d in dependents[outcome.id] ?? [] {
            remaining[d, default: 0] -= 1
            if remaining[d] == 0 { released.append(d) }
        }
        if !released.isEmpty {
            ready += released
            ready.sort { (rank[$0] ?? 0) < (rank[$1] ?? 0) }
        }
        condition.broadcast()
        condition.unlock()
    }

    var stoppedBy: StageID? { condition.lock(); defer { condition.unlock() }; return stop }

    func outcome(_ id: StageID) -> StageOutcome? {
        condition.lock()
        defer { condition.unlock() }
        return outcomes[id]
    }
}
