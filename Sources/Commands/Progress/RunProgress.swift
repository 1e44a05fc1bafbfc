// RunProgress: a run in progress as its events describe it — every stage's plan and the seconds
// it took in the previous run, and whether it is waiting, running (since when, how far, saying
// what) or finished. A plain value updated by events that carry their own times: no clock inside.
import Foundation
import PipelineEngine
import PipelineModel

/// The state of a run for progress display, built from the plan and fed by run events.
struct RunProgress: Sendable, Equatable {
    /// Where one stage is.
    enum Phase: Sendable, Equatable {
        case waiting
        /// `fraction` is the last one the stage reported (nil until it reports one).
        case running(since: Date, fraction: Double?, message: String)
        case finished(Manifest.Status, seconds: Double)
    }

    /// One stage instance.
    struct Stage: Sendable, Equatable {
        let id: StageID
        let kind: String
        /// Upstream stages (for the run's estimate).
        let needs: [StageID]
        /// Whether the plan runs it (false: reused from the cache or excluded, so it ends at once).
        let planned: Bool
        /// Seconds its work took in the previous run, when known.
        let expected: Double?
        var phase: Phase = .waiting

        init(id: StageID, kind: String, needs: [StageID] = [], planned: Bool = true, expected: Double? = nil,
             phase: Phase = .waiting) {
            self.id = id
            self.kind = kind
            self.needs = needs
            self.planned = planned
            self.expected = expected
            self.phase = phase
        }
    }

    /// When the run started.
    private(set) var startedAt: Date
    /// Stages that may run at the same time.
    let jobs: Int
    /// Every stage, in dependency order.
    private(set) var stages: [Stage]
    private let index: [StageID: Int]
    /// How many stages are finished, kept as events arrive (counting them on every event made a
    /// run's progress quadratic in its stage count).
    private(set) var done: Int

    init(stages: [Stage], jobs: Int, startedAt: Date) {
        self.stages = stages
        self.done = stages.filter { if case .finished = $0.phase { true } else { false } }.count
        self.jobs = max(1, jobs)
        self.startedAt = startedAt
        self.index = Dictionary(stages.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
    }

    /// The stages of `plan`, each expected to take as long as it did in `previous` (when it ran or
    /// was restored there: a cached entry keeps the seconds of the run that made it).
    init(plan: Plan, graph: PipelineGraph, previous: Manifest?, jobs: Int, startedAt: Date) {
        var seconds: [String: Double] = [:]
        for entry in previous?.stages ?? [] where (entry.status == .ran || entry.status == .cached) && entry.seconds > 0 {
            if entry.seconds.isFinite { seconds[entry.id] = entry.seconds }
        }
        // Stages left out by --only are not part of this run: not counted, not listed.
        let stages = plan.steps.filter { $0.action != .excluded }.map { step in
            Stage(id: step.id, kind: step.kind, needs: graph.stage(step.id)?.needs ?? [], planned: step.action == .run,
                  expected: seconds[step.id.description])
        }
        self.init(stages: stages, jobs: jobs, startedAt: startedAt)
    }

    // MARK: - Events

    /// The run began at `time` (planning before it does not count as run time).
    mutating func begin(at time: Date) { startedAt = time }

    /// A stage started its work.
    mutating func start(_ id: StageID, at time: Date) {
        update(id) { $0.phase = .running(since: time, fraction: nil, message: "") }
    }

    /// A running stage reported progress; a report without a fraction keeps the last one known.
    mutating func report(_ id: StageID, fraction: Double?, message: String) {
        update(id) { stage in
            guard case .running(let since, let last, _) = stage.phase else { return }
            let clamped = fraction.map { min(1, max(0, $0)) }
            stage.phase = .running(since: since, fraction: clamped ?? last, message: message)
        }
    }

    /// A stage ended (ran, restored, failed or skipped).
    mutating func finish(_ id: StageID, status: Manifest.Status, seconds: Double) {
        update(id) { $0.phase = .finished(status, seconds: seconds) }
    }

    private mutating func update(_ id: StageID, _ change: (inout Stage) -> Void) {
        guard let i = index[id] else { return }
        let wasFinished = if case .finished = stages[i].phase { true } else { false }
        change(&stages[i])
        let isFinished = if case .finished = stages[i].phase { true } else { false }
        done += (isFinished ? 1 : 0) - (wasFinished ? 1 : 0)
    }

    // MARK: - Reading

    var total: Int { stages.count }
    /// Running stages in dependency order (a stable order, so lines do not jump around).
    var running: [Stage] { stages.filter { if case .running = $0.phase { true } else { false } } }
    func stage(_ id: StageID) -> Stage? { index[id].map { stages[$0] } }
}
