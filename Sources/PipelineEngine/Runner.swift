// Runner: carries out a plan. Stages run in the graph's dependency order, independent ones in
// parallel on `jobs` workers. A stage whose key the plan could not know yet gets it from its
// upstream stages' actual outputs (`Fingerprint`, the one recipe) and is settled (`settle`): a
// rerun upstream whose outputs came out byte-identical keeps it cached (early cutoff). A stage
// that must compute takes its per-stage lock in the store, then looks again: another run that
// computed it meanwhile is reused. Reused outputs are hash-checked; a corrupt one is dropped and
// its stage recomputed. The runner owns the worker-thread count and sets it around each stage.
public import Foundation
public import PipelineModel

/// How one stage ended.
public struct StageOutcome: Sendable {
    public let id: StageID
    public let kind: String
    public let version: Int
    public let status: Manifest.Status
    public let reason: Reason
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
    /// Another process holds the lock of a stage this run must compute; the run waits for it.
    func stageWaiting(_ id: StageID, holder: String)
}

extension RunObserver {
    /// Observers that do not show waiting ignore it.
    public func stageWaiting(_ id: StageID, holder: String) {}
}

/// How many worker threads each computing stage gets, and who applies the count.
public struct ThreadPolicy: Sendable {
    /// A fixed count for every stage (`--threads`); nil shares `cores` out between the stages
    /// computing at the moment, so a stage that computes alone gets every core.
    public var fixed: Int?
    /// The cores to share out.
    public var cores: Int
    /// Applies a worker count (process-wide; e.g. `Workers.count = n`). Results do not depend on
    /// it (see Docs/Reproducibility.md), so changing it while stages compute changes speed only.
    public var apply: (@Sendable (Int) -> Void)?

    public init(fixed: Int? = nil, cores: Int = ProcessInfo.processInfo.activeProcessorCount,
                apply: (@Sendable (Int) -> Void)? = nil) {
        self.fixed = fixed.map { max(1, $0) }
        self.cores = max(1, cores)
        self.apply = apply
    }

    /// The threads for each of `computing` stages computing at once.
    public func threads(computing: Int) -> Int { fixed ?? max(1, cores / max(1, computing)) }
}

/// Options of a run.
public struct RunOptions: Sendable {
    /// Stages run at the same time.
    public var jobs: Int
    /// Keep running stages that do not depend on a failed one.
    public var keepGoing: Bool
    /// Worker threads per computing stage.
    public var threads: ThreadPolicy
    /// Directory relative input paths are resolved against.
    public var baseDirectory: URL
    /// Who this run is, as other processes waiting for a lock it holds are told.
    public var owner: String
    /// Wait for a stage another process is computing (false: the stage fails, saying who holds it).
    public var waitForLocks: Bool
    /// Seconds each stage is expected to take (see `Runner.expectedSeconds`): ready stages start
    /// longest remaining path first. Stages missing here count 1 s if they run, 0 if reused.
    public var expectedSeconds: [StageID: Double] = [:]

    public init(jobs: Int = 1, keepGoing: Bool = false, threads: ThreadPolicy = ThreadPolicy(fixed: 1),
                baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                owner: String = "hsiflow", waitForLocks: Bool = true) {
        self.jobs = max(1, jobs)
        self.keepGoing = keepGoing
        self.threads = threads
        self.baseDirectory = baseDirectory
        self.owner = owner
        self.waitForLocks = waitForLocks
    }

    /// Options with a fixed thread count per stage (tests, `stage run --threads`).
    public init(jobs: Int = 1, keepGoing: Bool = false, threadsPerJob: Int,
                baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        self.init(jobs: jobs, keepGoing: keepGoing, threads: ThreadPolicy(fixed: threadsPerJob), baseDirectory: baseDirectory)
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
        // Locally, `resources.cpus` shares the cores out: stages start while their cpus fit in the
        // cores (or in --jobs, when it asks for more stages at once than there are cores).
        let cpus = Dictionary(graph.order.map { id in
            (id, StageResources.resolved(graph.stage(id)?.resources ?? [:]).cpus)
        }, uniquingKeysWith: { a, _ in a })
        let expected = Dictionary(plan.steps.map { step in
            (step.id, options.expectedSeconds[step.id] ?? (step.action == .run ? 1 : 0))
        }, uniquingKeysWith: { a, _ in a })
        let state = Scheduler(graph: graph, cores: max(options.threads.cores, options.jobs), cpus: cpus,
                              priority: Self.remainingPath(graph: graph, seconds: expected))
        // Stages excluded by --only are recorded as skipped but are not part of the run an observer sees.
        observer?.runStarted(total: plan.steps.filter { $0.action != .excluded }.count, toRun: plan.runCount, jobs: options.jobs)
        // The outputs of the records the plan reuses are hash-checked up front on every core (the
        // same check `process` makes, which takes the result while the record is the same).
        let reused = plan.steps.compactMap { step in step.action == .reuse && !step.forced ? step.record.map { (step.id, $0) } : nil }
        let checked = Dictionary(concurrentMap(reused) { (id, record) in (id, Checked(record: record, corrupt: self.firstCorruptOutput(record))) },
                                 uniquingKeysWith: { a, _ in a })
        let workers = min(options.jobs, max(1, plan.steps.count))
        let work: @Sendable (Int) -> Void = { _ in
            while let id = state.next() {
                let outcome = self.process(id, spec: spec, graph: graph, plan: plan, files: files, state: state,
                                           options: options, observer: observer, checked: checked[id])
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

    /// Each stage's expected seconds: its own from `previous` (the last run: a cached entry keeps
    /// the seconds of the run that made it) when the plan runs it, else the mean of its kind's there,
    /// else 1 s; 0 for a stage the plan reuses.
    public static func expectedSeconds(plan: Plan, previous: Manifest?) -> [StageID: Double] {
        var own: [String: Double] = [:]
        var byKind: [String: (sum: Double, count: Double)] = [:]
        for entry in previous?.stages ?? [] where (entry.status == .ran || entry.status == .cached)
            && entry.seconds.isFinite && entry.seconds > 0 {
            own[entry.id] = entry.seconds
            byKind[entry.kind, default: (0, 0)].sum += entry.seconds
            byKind[entry.kind, default: (0, 0)].count += 1
        }
        return Dictionary(plan.steps.map { step in
            guard step.action == .run else { return (step.id, 0) }
            let kind = byKind[step.kind].map { $0.sum / $0.count }
            return (step.id, own[step.id.description] ?? kind ?? 1)
        }, uniquingKeysWith: { a, _ in a })
    }

    /// The longest path of expected seconds from each stage to the end of the graph (the stage's
    /// own included): the stages on the critical path have the largest.
    static func remainingPath(graph: PipelineGraph, seconds: [StageID: Double]) -> [StageID: Double] {
        var path: [StageID: Double] = [:]
        for id in graph.order.reversed() {
            let longest = graph.dependents(of: id).map { path[$0] ?? 0 }.max() ?? 0
            path[id] = (seconds[id] ?? 0) + longest
        }
        return path
    }

    /// A record whose outputs were hash-checked, and the first corrupt one (nil: all sound).
    struct Checked: Sendable {
        let record: StageRecord
        let corrupt: String?
    }

    private func process(_ id: StageID, spec: ExperimentSpec, graph: PipelineGraph, plan: Plan, files: [String: FileHash],
                         state: Scheduler, options: RunOptions, observer: (any RunObserver)?, checked: Checked?) -> StageOutcome {
        guard let stage = graph.stage(id), let step = plan.step(id) else {
            return StageOutcome(id: id, kind: "", version: 0, status: .failed, reason: .notInPlan, key: "",
                                record: nil, inputs: [], seconds: 0, threads: nil, error: "internal: stage \(id) missing from the plan")
        }
        let kind = registry[stage.kind]
        let version = kind?.version ?? 0
        func outcome(_ status: Manifest.Status, _ reason: Reason, key: String = "", record: StageRecord? = nil,
                     inputs: [(stage: StageID, key: String)] = [], seconds: Double = 0, threads: Int? = nil,
                     error: String? = nil) -> StageOutcome {
            StageOutcome(id: id, kind: stage.kind, version: version, status: status, reason: reason, key: key,
                         record: record, inputs: inputs, seconds: seconds, threads: threads, error: error)
        }
        if step.action == .excluded { return outcome(.skipped, step.reason) }
        if let stop = state.stoppedBy { return outcome(.skipped, .stoppedAfter(stop)) }
        // Upstream outcomes: every need has finished by now.
        var upstream: [(id: StageID, record: StageRecord)] = []
        var inputs: [(stage: StageID, key: String)] = []
        for need in stage.inputStages {
            guard let o = state.outcome(need), let record = o.record, o.status == .ran || o.status == .cached else {
                let reason: Reason = switch state.outcome(need)?.status {
                case .failed?: .upstreamFailed(need)
                case nil: .upstreamDidNotRun(need)
                default: .upstreamSkipped(need)
                }
                return outcome(.skipped, reason)
            }
            upstream.append((need, record))
            inputs.append((need, o.key))
        }
        guard let kind else {
            return outcome(.failed, .unknownKind, error: "no stage kind '\(stage.kind)' is registered")
        }
        // The plan's key stands when every upstream record has the outputs the plan keyed with
        // (the key reads nothing else that can change meanwhile); otherwise it is computed again.
        let planned = step.key.flatMap { key in
            upstream.allSatisfy { Self.sameOutputHashes($0.record, plan.step($0.id)?.record) } ? key : nil
        }
        let key = planned ?? Fingerprint(stage: stage, version: version, seed: spec.seed, files: files,
                                         inputs: Dictionary(upstream.map { ($0.id.description, $0.record.outputs.mapValues(\.sha256)) },
                                                            uniquingKeysWith: { a, _ in a })).key
        // The plan already read the record when it knew the key; otherwise look it up now.
        let cachedRecord = step.forced ? nil : step.key == key && step.record != nil ? step.record : store.record(key, in: .stages)
        let reason: Reason
        switch settle(step, key: key, cached: cachedRecord) {
        case .reuse(let record, let why):
            // Cached: check every output's bytes against its hash before trusting it.
            let corrupt = if let checked, checked.record == record { checked.corrupt } else { firstCorruptOutput(record) }
            guard let corrupt else {
                return outcome(.cached, why, key: key, record: record, inputs: inputs, seconds: record.seconds,
                               threads: record.threads)
            }
            reason = .corruptOutput(name: corrupt)
        case .compute(let why):
            reason = why
        }
        // Compute under the stage's lock; whoever held it may have computed it meanwhile.
        let lock: any StoreLock
        do {
            lock = try store.lockEntry(key, in: .stages, owner: "\(options.owner), stage \(id)", wait: options.waitForLocks) { holder in
                observer?.stageWaiting(id, holder: holder)
            }
        } catch {
            guard case .locked(_, let holder) = error else {
                return outcome(.failed, reason, key: key, inputs: inputs, error: error.description)
            }
            return outcome(.failed, .lockBusy(holder: holder), key: key, inputs: inputs,
                           error: "stage \(id) is locked by \(holder), which is computing it; run again when it has finished, or without --no-wait to wait for it")
        }
        defer { lock.release() }
        if !step.forced, let record = store.record(key, in: .stages) {
            guard firstCorruptOutput(record) != nil else {
                return outcome(.cached, .computedByAnotherRun, key: key, record: record, inputs: inputs,
                               seconds: record.seconds, threads: record.threads)
            }
            store.removeRecord(key, in: .stages)
        }
        observer?.stageStarted(id, kind: stage.kind)
        let threads = state.startComputing(options.threads)
        defer { state.stopComputing(options.threads) }
        let context = StageContext(id: id, kind: stage.kind, version: version, params: stage.params, seed: spec.seed,
                                   threads: threads, key: key, baseDirectory: URL(fileURLWithPath: spec.directory),
                                   upstream: upstream, inputPorts: kind.inputs, sources: stage.inputs, store: store,
                                   progressSink: observer, computingNow: { state.computingCount })
        let clock = Date()
        do {
            try kind.run(context)
            let seconds = Date().timeIntervalSince(clock)
            let record = StageRecord(key: key, stage: id.description, kind: stage.kind, outputs: context.writtenOutputs,
                                     metrics: context.writtenMetrics, seconds: seconds, threads: threads)
            try store.putRecord(record, in: .stages)
            return outcome(.ran, reason, key: key, record: record, inputs: inputs, seconds: seconds, threads: threads)
        } catch {
            let seconds = Date().timeIntervalSince(clock)
            var message = (error as? EngineError)?.description ?? "\(error)"
            if let bad = context.corruptUpstream {
                message += " (an output of \(bad) was corrupt and has been dropped; run again to recompute it)"
                if let record = upstream.first(where: { $0.id == bad })?.record {
                    store.removeRecord(record.key, in: .stages)
                }
            }
            return outcome(.failed, reason, key: key, inputs: inputs, seconds: seconds, threads: threads, error: message)
        }
    }

    /// Whether two records' outputs have the same names and hashes: all a downstream key reads of them.
    static func sameOutputHashes(_ a: StageRecord, _ b: StageRecord?) -> Bool {
        guard let b, a.outputs.count == b.outputs.count else { return false }
        return a.outputs.allSatisfy { b.outputs[$0.key]?.sha256 == $0.value.sha256 }
    }

    /// What the runner does with a stage once its key is known.
    enum Settlement {
        /// Reuse the record (its outputs still to be hash-checked).
        case reuse(StageRecord, Reason)
        /// Compute the stage.
        case compute(Reason)
    }

    /// The transition from the plan's decision to the runner's, once the stage's actual key and
    /// cached record (nil when absent or forced) are known. A stage planned to run that turns out
    /// cached was either restored by its own change or cut off early behind an identical upstream
    /// rerun; one that must compute, whose key equals its previous run's, is simply not in cache
    /// (e.g. after a wipe: its inputs did not change).
    func settle(_ step: Plan.Step, key: String, cached: StageRecord?) -> Settlement {
        if let record = cached {
            switch step.action {
            case .reuse: return .reuse(record, step.reason)
            case .run, .excluded:
                return .reuse(record, step.reason.isOwnChange ? .restored(from: step.reason) : .earlyCutoff)
            }
        }
        switch step.action {
        case .reuse: return .compute(.recordVanished)
        case .run, .excluded:
            // Only a reason about the inputs can be settled by the key: the stage's own change stays.
            guard step.key == nil, !step.forced else { return .compute(step.reason) }
            switch step.reason {
            case .upstreamChanged, .upstreamReruns, .notInCache:
                if key == step.previousKey { return .compute(.notInCache) }
                if case .upstreamReruns(let id) = step.reason { return .compute(.upstreamChanged(id)) }
                return .compute(step.reason)
            default:
                return .compute(step.reason)
            }
        }
    }

    /// The first output of `record` whose bytes are missing or do not match their hash (dropped by the store).
    private func firstCorruptOutput(_ record: StageRecord) -> String? {
        record.outputs.keys.sorted().first { name in record.outputs[name].map { !store.verify($0) } ?? true }
    }
}

/// Shared state of the workers: which stages are ready, which finished how, how many compute.
private final class Scheduler: @unchecked Sendable {
    private let condition = NSCondition()
    private let graph: PipelineGraph
    private var remaining: [StageID: Int] = [:]
    private var ready: [StageID] = []
    private var outcomes: [StageID: StageOutcome] = [:]
    private var stop: StageID?
    private var computing = 0
    /// The cores to share out, each stage's cpus (at most `cores`), and the cpus of the stages
    /// being processed now: a ready stage starts only while its cpus fit beside them (or alone).
    private let cores: Int
    private let cpus: [StageID: Int]
    private var reserved = 0
    /// The cores each started stage holds: its cpus, or fewer when fewer were free.
    private var granted: [StageID: Int] = [:]
    /// The expected seconds from each stage to the end of the graph; ready stages are kept in
    /// descending order of it (ties in dependency order), so the critical path goes first.
    private let priority: [StageID: Double]

    init(graph: PipelineGraph, cores: Int, cpus: [StageID: Int], priority: [StageID: Double] = [:]) {
        self.graph = graph
        self.cores = max(1, cores)
        self.cpus = cpus.mapValues { min(max(1, $0), max(1, cores)) }
        self.priority = priority
        for id in graph.order {
            let needs = graph.stage(id)?.needs.count ?? 0
            remaining[id] = needs
            if needs == 0 { ready.append(id) }
        }
        ready.sort(by: goesFirst)
    }

    private func goesFirst(_ a: StageID, _ b: StageID) -> Bool {
        let pa = priority[a] ?? 0, pb = priority[b] ?? 0
        if pa != pb { return pa > pb }
        return (graph.position(of: a) ?? 0) < (graph.position(of: b) ?? 0)
    }

    /// The first ready stage (longest remaining path first) while a core is free, holding its cpus
    /// or the cores still free if fewer (a core never idles while a stage waits: the runner's
    /// thread policy shares the cores out between the stages computing), or nil when every stage
    /// has finished.
    func next() -> StageID? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if ready.isEmpty, outcomes.count >= graph.order.count { return nil }
            if !ready.isEmpty, reserved < cores {
                let id = ready.removeFirst()
                let cores = min(cpus[id] ?? 1, self.cores - reserved)
                granted[id] = cores
                reserved += cores
                return id
            }
            condition.wait()
        }
    }

    func finish(_ outcome: StageOutcome, stopOnFailure: Bool) {
        condition.lock()
        outcomes[outcome.id] = outcome
        reserved -= granted.removeValue(forKey: outcome.id) ?? 0
        if outcome.status == .failed, stopOnFailure, stop == nil { stop = outcome.id }
        var released: [StageID] = []
        for d in graph.dependents(of: outcome.id) {
            remaining[d, default: 0] -= 1
            if remaining[d] == 0 { released.append(d) }
        }
        if !released.isEmpty {
            ready += released
            ready.sort(by: goesFirst)
        }
        condition.broadcast()
        condition.unlock()
    }

    /// A stage starts computing: the worker count becomes the policy's share for every stage
    /// computing now (applied here, under the lock, so counts are applied in order). Returns this stage's threads.
    func startComputing(_ policy: ThreadPolicy) -> Int {
        condition.lock()
        defer { condition.unlock() }
        computing += 1
        let threads = policy.threads(computing: computing)
        policy.apply?(threads)
        return threads
    }

    /// A stage stops computing: the stages still computing share the cores again.
    func stopComputing(_ policy: ThreadPolicy) {
        condition.lock()
        defer { condition.unlock() }
        computing -= 1
        if computing > 0 { policy.apply?(policy.threads(computing: computing)) }
    }

    var stoppedBy: StageID? { condition.lock(); defer { condition.unlock() }; return stop }

    /// Stages computing now.
    var computingCount: Int { condition.lock(); defer { condition.unlock() }; return computing }

    func outcome(_ id: StageID) -> StageOutcome? {
        condition.lock()
        defer { condition.unlock() }
        return outcomes[id]
    }
}
