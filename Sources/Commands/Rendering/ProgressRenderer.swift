// ProgressRenderer: live progress on a terminal (stages done/total, the running stages and
// their own progress) on one rewritten stderr line; silent when disabled (not a TTY, --quiet, --json).
import Foundation
import PipelineEngine
import PipelineModel

final class ProgressRenderer: RunObserver, @unchecked Sendable {
    private let enabled: Bool
    private let mutex = NSLock()
    private var total = 0
    private var done = 0
    private var running: [StageID: String] = [:]
    private var lastDraw = Date.distantPast

    init(enabled: Bool) { self.enabled = enabled }

    func runStarted(total: Int, toRun: Int, jobs: Int) {
        mutex.withLock { self.total = total }
    }

    func stageStarted(_ id: StageID, kind: String) {
        guard enabled else { return }
        mutex.withLock { running[id] = kind }
        draw(force: true)
    }

    func stageProgress(_ id: StageID, fraction: Double?, message: String) {
        guard enabled else { return }
        mutex.withLock {
            running[id] = fraction.map { "\(message) \(Int(($0 * 100).rounded()))%" } ?? message
        }
        draw(force: false)
    }

    func stageFinished(_ outcome: StageOutcome) {
        guard enabled else { mutex.withLock { done += 1 }; return }
        let line: String? = mutex.withLock {
            done += 1
            running[outcome.id] = nil
            guard outcome.status != .cached else { return nil }
            return "\(outcome.status.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(outcome.id)" + (outcome.status == .ran ? String(format: " (%.2f s)", outcome.seconds) : "")
        }
        if let line { write("\r\u{1B}[K" + line + "\n") }
        draw(force: true)
    }

    /// Clears the status line.
    func finish() {
        guard enabled else { return }
        write("\r\u{1B}[K")
    }

    private func draw(force: Bool) {
        let text: String? = mutex.withLock {
            let now = Date()
            guard force || now.timeIntervalSince(lastDraw) > 0.1 else { return nil }
            lastDraw = now
            let current = running.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: " | ")
            return "[\(done)/\(total)] \(current)"
        }
        guard let text else { return }
        write("\r\u{1B}[K" + String(text.prefix(160)))
    }

    private func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
