// ProgressDisplayTests: when progress is live, plain or silent (TTY, CI, --quiet/--json), the
// bytes of one redraw, and the display as the observer of a real run: plain lines in order, and
// a live block redrawn in place that ends cleared with the finished-stage lines left above it.
import Foundation
import ExperimentStages
import PipelineEngine
import PipelineModel
import Testing
import TestSupport
@testable import Commands

/// Collects what a display writes.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    func append(_ s: String) { lock.withLock { parts.append(s) } }
    var text: String { lock.withLock { parts.joined() } }
}

private let yaml = """
name: display
stages:
  a: {kind: sleep, seconds: 0.05, value: 1}
  b: {kind: sleep, needs: a, seconds: 0.3, value: 2}
  c: {kind: sleep, needs: a, seconds: 0.3, value: 3}

"""

@Suite struct ProgressDisplayTests {
    @Test func progressIsLiveOnlyOnATerminalOutsideCI() {
        typealias Mode = ProgressDisplay.Mode
        #expect(Mode.choose(quiet: false, json: false, stdoutIsTerminal: true, stderrIsTerminal: true, environment: [:]) == .live)
        #expect(Mode.choose(quiet: false, json: false, stdoutIsTerminal: true, stderrIsTerminal: true, environment: ["CI": "true"]) == .lines)
        #expect(Mode.choose(quiet: false, json: false, stdoutIsTerminal: true, stderrIsTerminal: true, environment: ["CI": "false"]) == .live)
        #expect(Mode.choose(quiet: false, json: false, stdoutIsTerminal: true, stderrIsTerminal: true, environment: ["TERM": "dumb"]) == .lines)
        #expect(Mode.choose(quiet: false, json: false, stdoutIsTerminal: false, stderrIsTerminal: true, environment: [:]) == .lines)
        #expect(Mode.choose(quiet: false, json: false, stdoutIsTerminal: true, stderrIsTerminal: false, environment: [:]) == .lines)
        #expect(Mode.choose(quiet: true, json: false, stdoutIsTerminal: true, stderrIsTerminal: true, environment: [:]) == .silent)
        #expect(Mode.choose(quiet: false, json: true, stdoutIsTerminal: false, stderrIsTerminal: false, environment: ["CI": "true"]) == .silent)
    }

    @Test func aRedrawGoesBackOverTheOldBlockAndClearsBelow() {
        #expect(ProgressDisplay.frame(replacing: 0, permanent: [], block: ["x", "y"]) == "\rx\u{1B}[K\ny\u{1B}[K\u{1B}[J")
        #expect(ProgressDisplay.frame(replacing: 3, permanent: ["done"], block: ["x"])
                == "\r\u{1B}[2Adone\u{1B}[K\nx\u{1B}[K\u{1B}[J")
        #expect(ProgressDisplay.frame(replacing: 1, permanent: [], block: []) == "\r\u{1B}[J")
    }

    @Test func plainModePrintsOneLinePerFinishedStageAndNoEscapes() throws {
        let harness = EngineHarness(registry: StandardStages.registry(includingTestUtilities: true))
        let (prepared, plan) = try harness.plan(yaml)
        let out = Collected()
        let display = ProgressDisplay(mode: .lines,
                                      progress: RunProgress(plan: plan, graph: prepared.graph, previous: nil, jobs: 2, startedAt: Date()),
                                      output: { out.append($0) })
        try harness.run(yaml, jobs: 2, observer: display)
        display.finish()
        let lines = out.text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("[1/3] ran a ") == true)
        #expect(lines.dropFirst().map { $0.prefix(9) }.sorted() == ["[2/3] ran", "[3/3] ran"])
        #expect(!out.text.contains("\u{1B}"))
    }

    @Test func silentModeWritesNothing() throws {
        let harness = EngineHarness(registry: StandardStages.registry(includingTestUtilities: true))
        let (prepared, plan) = try harness.plan(yaml)
        let out = Collected()
        let display = ProgressDisplay(mode: .silent,
                                      progress: RunProgress(plan: plan, graph: prepared.graph, previous: nil, jobs: 2, startedAt: Date()),
                                      output: { out.append($0) })
        try harness.run(yaml, jobs: 2, observer: display)
        display.finish()
        #expect(out.text.isEmpty)
    }

    @Test func liveModeRedrawsInPlaceAndEndsCleared() throws {
        let harness = EngineHarness(registry: StandardStages.registry(includingTestUtilities: true))
        let (prepared, plan) = try harness.plan(yaml)
        let out = Collected()
        let display = ProgressDisplay(mode: .live,
                                      progress: RunProgress(plan: plan, graph: prepared.graph, previous: nil, jobs: 2, startedAt: Date()),
                                      output: { out.append($0) }, size: { (100, 30) }, interval: 0.05)
        try harness.run(yaml, jobs: 2, observer: display)
        display.finish()
        let text = out.text
        #expect(text.contains("Stages 1/3 done"))
        #expect(text.contains("  b  [") && text.contains("  c  ["))
        #expect(text.contains("\u{1B}[2A"))                       // back over a run line and one stage line at least
        #expect(text.contains("[1/3] ran a "))
        #expect(text.hasSuffix("\u{1B}[J"))
        // No line of the block is wider than the terminal.
        let plain = text.replacingOccurrences(of: "\u{1B}[K", with: "").replacingOccurrences(of: "\u{1B}[J", with: "")
        #expect(plain.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).allSatisfy { $0.count < 100 })
    }
}
