// ProgressRenderer: a run's progress as text, a pure function of a RunProgress and the time.
// The live block (a run line, then one line per running stage: bar, percent, elapsed, ETA and
// the stage's own message) fits the terminal; a finished stage gets one plain permanent line.
import Foundation
import PipelineModel

enum ProgressRenderer {
    /// The live block at `now`: the run line, then the running stages in dependency order, each
    /// line at most `width - 1` columns (never wrapping), at most `height - 1` lines.
    static func lines(_ progress: RunProgress, now: Date, width: Int, height: Int = 24) -> [String] {
        let estimate = ProgressEstimate(progress, now: now)
        let wide = width >= 60
        let elapsed = max(0, now.timeIntervalSince(progress.startedAt))
        let run = estimate.run()
        // The run's bar shows time: elapsed against elapsed plus what is left, when that is known.
        let fraction = run.map { elapsed / max(elapsed + $0.seconds, 0.001) }
            ?? Double(progress.done) / Double(max(progress.total, 1))
        let counts = "\(progress.done)/\(progress.total)"
        var out = [wide
            ? "Stages \(counts) done  \(bar(fraction, width: width >= 100 ? 24 : 12))  \(clock(elapsed)) elapsed  \(eta(run))"
            : "\(counts) \(clock(elapsed)) \(eta(run))"]

        let running = progress.running
        let room = max(0, height - 2)
        let shown = running.count > room ? Array(running.prefix(max(0, room - 1))) : running
        let idWidth = shown.map(\.id.description.count).max() ?? 0
        for stage in shown {
            guard case .running(let since, let f, let message) = stage.phase else { continue }
            let id = stage.id.description.padding(toLength: idWidth, withPad: " ", startingAt: 0)
            let percent = f.map { String(format: "%3d%%", Int((min(1, max(0, $0.isFinite ? $0 : 0)) * 100).rounded(.down))) } ?? "  --"
            let time = "\(clock(now.timeIntervalSince(since)))  \(eta(estimate.remaining(stage)))"
            let text = wide
                ? "  \(id)  \(bar(f, width: width >= 100 ? 20 : 10)) \(percent)  \(time) \(message)"
                : "  \(id) \(percent) \(time) \(message)"
            out.append(text)
        }
        if shown.count < running.count { out.append("  +\(running.count - shown.count) more running") }
        return out.map { truncated($0, to: width - 1) }
    }

    /// The one line a finished stage leaves: `[3/16] ran train[bands=pca] 12.4 s`, with the
    /// reason for a skipped stage and the error's first line for a failed one.
    static func finishedLine(done: Int, total: Int, id: StageID, status: Manifest.Status, seconds: Double,
                             detail: String? = nil) -> String {
        var line = "[\(done)/\(total)] \(status.rawValue) \(id)"
        if status == .ran || status == .failed { line += " " + String(format: "%.1f s", seconds) }
        if let detail, !detail.isEmpty, status == .failed || status == .skipped {
            line += ": " + (detail.split(separator: "\n").first.map(String.init) ?? detail)
        }
        return line
    }

    // MARK: - Pieces

    /// `[=========>          ]`; blank inside when the fraction is unknown.
    static func bar(_ fraction: Double?, width: Int) -> String {
        guard let fraction else { return "[" + String(repeating: " ", count: width) + "]" }
        let filled = min(width, Int((min(1, max(0, fraction)) * Double(width)).rounded(.down)))
        let head = filled < width && fraction > 0 ? ">" : ""
        return "[" + String(repeating: "=", count: filled) + head
            + String(repeating: " ", count: width - filled - head.count) + "]"
    }

    /// `ETA 1:05`, `ETA ~1:05` when partly guessed from other kinds of stages, `ETA ?` when unknown.
    static func eta(_ remaining: ProgressEstimate.Remaining?) -> String {
        guard let remaining else { return "ETA ?   " }
        let text = (remaining.rough ? "~" : "") + clock(remaining.seconds, rounding: .up)
        return "ETA " + text.padding(toLength: max(text.count, 5), withPad: " ", startingAt: 0)
    }

    /// `0:07`, `12:34`, `1:02:03`: whole seconds, elapsed ones rounded down, remaining ones up
    /// (so a last second to go never shows as 0:00).
    static func clock(_ seconds: Double, rounding rule: FloatingPointRoundingRule = .down) -> String {
        // Clamped to 99 999 hours: a hand-edited or corrupt previous manifest must not trap here.
        guard seconds.isFinite else { return "-:--" }
        let s = Int(min(max(0, seconds), 359_996_400).rounded(rule))
        let (h, m, r) = (s / 3600, s / 60 % 60, s % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, r) : String(format: "%d:%02d", m, r)
    }

    /// The first `columns` characters (every character HSIFlow prints is one column wide), without
    /// trailing spaces.
    static func truncated(_ line: String, to columns: Int) -> String {
        var text = line.count <= columns ? Substring(line) : line.prefix(max(0, columns))
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
