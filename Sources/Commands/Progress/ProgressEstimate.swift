// ProgressEstimate: remaining time, per running stage and for the whole run, from what a
// RunProgress knows at a given instant. A stage's own measured rate and its previous run's time
// are blended; the run's remainder replays the waiting stages on `jobs` workers in DAG order.
import Foundation
import PipelineModel

/// Seconds still to go, as far as they can be told at `now`.
struct ProgressEstimate {
    /// A remaining time; `rough` when part of it was guessed from stages of other kinds.
    struct Remaining: Equatable {
        var seconds: Double
        var rough: Bool
    }

    let progress: RunProgress
    let now: Date

    init(_ progress: RunProgress, now: Date) {
        self.progress = progress
        self.now = now
    }

    // MARK: - One stage

    /// Seconds a running stage still needs: its measured rate (elapsed ÷ fraction) weighted by how
    /// far it is, the rest from its previous run; else from stages of its kind that finished in
    /// this run; else (rough) from every stage that ran in this run. Nil when nothing tells.
    func remaining(_ stage: RunProgress.Stage) -> Remaining? {
        guard case .running(let since, let fraction, _) = stage.phase else { return nil }
        let elapsed = max(0, now.timeIntervalSince(since))
        var measured: Double?
        if let f = fraction, f >= 1 {
            measured = 0
        } else if let f = fraction, f >= 0.02, elapsed >= 0.5 {
            measured = elapsed * (1 - f) / f
        }
        // A stage that overran its previous time has no prior left to go by.
        let prior = stage.expected.flatMap { $0 > elapsed ? $0 - elapsed : nil }
        switch (measured, prior) {
        case let (m?, p?):
            let f = fraction ?? 0
            return Remaining(seconds: f * m + (1 - f) * p, rough: false)
        case let (m?, nil): return Remaining(seconds: m, rough: false)
        case let (nil, p?): return Remaining(seconds: p, rough: false)
        case (nil, nil): break
        }
        if let typical = typicalSeconds(kind: stage.kind, excluding: stage.id), typical > elapsed {
            return Remaining(seconds: typical - elapsed, rough: false)
        }
        if let mean = meanRanSeconds, mean > elapsed { return Remaining(seconds: mean - elapsed, rough: true) }
        return nil
    }

    /// Seconds a waiting stage will take.
    func duration(_ stage: RunProgress.Stage) -> Remaining? {
        if let expected = stage.expected { return Remaining(seconds: expected, rough: false) }
        if let typical = typicalSeconds(kind: stage.kind, excluding: stage.id) { return Remaining(seconds: typical, rough: false) }
        return meanRanSeconds.map { Remaining(seconds: $0, rough: true) }
    }

    /// What a stage of `kind` takes in this run: the mean of those that ran, else of the running
    /// ones' projected totals (elapsed ÷ fraction, once a tenth is done).
    func typicalSeconds(kind: String, excluding id: StageID) -> Double? {
        var ran: [Double] = [], projected: [Double] = []
        for s in progress.stages where s.kind == kind && s.id != id {
            switch s.phase {
            case .finished(.ran, let seconds): ran.append(seconds)
            case .running(let since, let f?, _) where f >= 0.1:
                projected.append(max(0, now.timeIntervalSince(since)) / f)
            default: break
            }
        }
        let values = ran.isEmpty ? projected : ran
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// The mean seconds of the stages that ran in this run so far.
    var meanRanSeconds: Double? {
        let ran = progress.stages.compactMap { s -> Double? in
            if case .finished(.ran, let seconds) = s.phase { seconds } else { nil }
        }
        return ran.isEmpty ? nil : ran.reduce(0, +) / Double(ran.count)
    }

    // MARK: - The run

    /// Seconds until the run ends: the running stages finish after their remaining times, and the
    /// waiting planned stages start, in dependency order, as workers free up and their needs end.
    /// Nil when some stage's time cannot be told.
    func run() -> Remaining? {
        var rough = false
        var inFlight: [(id: StageID, end: Double)] = []
        var waiting: [(stage: RunProgress.Stage, seconds: Double)] = []
        for stage in progress.stages {
            switch stage.phase {
            case .running:
                guard let r = remaining(stage) else { return nil }
                rough = rough || r.rough
                inFlight.append((stage.id, r.seconds))
            case .waiting where stage.planned:
                guard let d = duration(stage) else { return nil }
                rough = rough || d.rough
                waiting.append((stage, d.seconds))
            default: break
            }
        }
        // Stages still to end; a need outside this set has ended (or never runs).
        var open = Set(inFlight.map(\.id) + waiting.map(\.stage.id))
        var time = 0.0
        var free = max(0, progress.jobs - inFlight.count)
        while !waiting.isEmpty || !inFlight.isEmpty {
            var i = 0
            while free > 0, i < waiting.count {
                if waiting[i].stage.needs.allSatisfy({ !open.contains($0) }) {
                    inFlight.append((waiting[i].stage.id, time + waiting[i].seconds))
                    waiting.remove(at: i)
                    free -= 1
                } else {
                    i += 1
                }
            }
            guard let next = inFlight.map(\.end).min() else { break }   // waiting on something that never ends
            time = next
            for ended in inFlight where ended.end <= time { open.remove(ended.id) }
            free += inFlight.filter { $0.end <= time }.count
            inFlight.removeAll { $0.end <= time }
        }
        return Remaining(seconds: time, rough: rough)
    }
}
