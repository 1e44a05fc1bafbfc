// ProgressDisplay: the run observer behind `hsiflow run`'s progress — a thin shell that keeps a
// RunProgress current from the runner's events and shows what ProgressRenderer makes of it:
// redrawn in place 4 times a second on a terminal, one plain line per finished stage elsewhere
// (a pipe, CI=true), nothing with --quiet or --json.
import Foundation
import PipelineEngine
import PipelineModel

final class ProgressDisplay: RunObserver, @unchecked Sendable {
    /// How progress is shown.
    enum Mode: Equatable {
        /// Redraw a live block in place (a terminal, not CI).
        case live
        /// One plain line per finished stage, no escape sequences.
        case lines
        /// Nothing.
        case silent

        /// Live only when both stdout and stderr are terminals and neither CI nor TERM=dumb is set.
        static func choose(quiet: Bool, json: Bool,
                           stdoutIsTerminal: Bool = TerminalFacts.isTerminal(STDOUT_FILENO),
                           stderrIsTerminal: Bool = TerminalFacts.isTerminal(STDERR_FILENO),
                           environment: [String: String] = ProcessInfo.processInfo.environment) -> Mode {
            if quiet || json { return .silent }
            let ci = environment["CI"].map { !["", "0", "false", "no"].contains($0.lowercased()) } ?? false
            if ci || environment["TERM"] == "dumb" || !stdoutIsTerminal || !stderrIsTerminal { return .lines }
            return .live
        }
    }

    private let mode: Mode
    private let clock: @Sendable () -> Date
    private let output: @Sendable (String) -> Void
    private let size: @Sendable () -> (columns: Int, rows: Int)
    private let interval: Double
    private let condition = NSCondition()
    private var progress: RunProgress
    /// Finished-stage lines not yet written above the live block.
    private var permanent: [String] = []
    private var drawn: [String] = []
    private var stopped = false
    private var ticking = false
    private let tickerEnded = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - clock: the time events are stamped with and the block is drawn at.
    ///   - output: where text goes (standard error by default).
    ///   - size: the terminal's columns and rows, asked before every redraw.
    ///   - interval: seconds between redraws in live mode.
    init(mode: Mode, progress: RunProgress, clock: @escaping @Sendable () -> Date = { Date() },
         output: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
         size: @escaping @Sendable () -> (columns: Int, rows: Int) = { TerminalFacts.size(STDERR_FILENO) },
         interval: Double = 0.25) {
        self.mode = mode
        self.progress = progress
        self.clock = clock
        self.output = output
        self.size = size
        self.interval = interval
    }

    // MARK: - RunObserver

    func runStarted(total: Int, toRun: Int, jobs: Int) {
        let startTicker: Bool = condition.withLock {
            progress.begin(at: clock())
            guard mode == .live, !ticking else { return false }
            ticking = true
            return true
        }
        if startTicker { Thread { [self] in tick() }.start() }
    }

    func stageStarted(_ id: StageID, kind: String) {
        condition.withLock { progress.start(id, at: clock()) }
    }

    func stageProgress(_ id: StageID, fraction: Double?, message: String) {
        condition.withLock { progress.report(id, fraction: fraction, message: message) }
    }

    func stageWaiting(_ id: StageID, holder: String) {
        condition.withLock {
            let line = "\(id): waiting for \(holder), which is computing it"
            switch mode {
            case .live: permanent.append(line)
            case .lines: output(line + "\n")
            case .silent: break
            }
        }
    }

    func stageFinished(_ outcome: StageOutcome) {
        condition.withLock {
            progress.finish(outcome.id, status: outcome.status, seconds: outcome.seconds)
            let detail = outcome.status == .failed ? outcome.error : outcome.reason.description
            let line = ProgressRenderer.finishedLine(done: progress.done, total: progress.total, id: outcome.id,
                                                     status: outcome.status, seconds: outcome.seconds, detail: detail)
            switch mode {
            case .live: permanent.append(line)
            case .lines: output(line + "\n")   // under the lock: lines from parallel stages never interleave
            case .silent: break
            }
        }
    }

    /// Stops redrawing and clears the live block, leaving the finished-stage lines above it.
    func finish() {
        let wasTicking: Bool = condition.withLock {
            stopped = true
            condition.broadcast()
            return ticking
        }
        guard wasTicking else { return }
        tickerEnded.wait()
        draw(final: true)
    }

    // MARK: - Drawing

    private func tick() {
        while true {
            let stop: Bool = condition.withLock {
                if !stopped { _ = condition.wait(until: Date().addingTimeInterval(interval)) }
                return stopped
            }
            if stop { break }
            draw(final: false)
        }
        tickerEnded.signal()
    }

    private func draw(final: Bool) {
        condition.withLock {
            let (columns, rows) = size()
            let block = final ? [] : ProgressRenderer.lines(progress, now: clock(), width: columns, height: rows)
            guard final || !permanent.isEmpty || block != drawn else { return }
            output(Self.frame(replacing: drawn.count, permanent: permanent, block: block))
            permanent = []
            drawn = block
        }
    }

    /// The bytes that replace a block of `height` lines (the cursor at the end of its last line)
    /// with `permanent` lines that stay and a new `block`: back to the block's first line, each
    /// line written over the old one and cleared to its end, then everything below cleared.
    static func frame(replacing height: Int, permanent: [String], block: [String]) -> String {
        var text = "\r"
        if height > 1 { text += "\u{1B}[\(height - 1)A" }
        for line in permanent { text += line + "\u{1B}[K\n" }
        text += block.map { $0 + "\u{1B}[K" }.joined(separator: "\n")
        return text + "\u{1B}[J"
    }
}
