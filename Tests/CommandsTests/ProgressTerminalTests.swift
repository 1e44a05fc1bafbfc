// ProgressTerminalTests: `hsiflow run` on a real terminal (a tmux pane, 120 × 30): live lines for
// two parallel stages, with bars and ETAs, redrawn in place; with CI=true on the same terminal,
// or through a pipe, only plain finished-stage lines and no escape sequences. Skipped, saying
// so, when tmux is not installed.
import Foundation
import Testing
import TestSupport

private let experiment = """
name: tty
stages:
  first: {kind: sleep, seconds: 0.3, value: 1}
  left: {kind: sleep, needs: first, seconds: 3, value: 2}
  right: {kind: sleep, needs: first, seconds: 3, value: 3}
  last: {kind: sleep, needs: [left, right], seconds: 0.5}

"""

private let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// A private tmux server (its own socket in the test's folder), so the tests never touch anyone's sessions.
private struct Tmux {
    let executable: String
    let socket: URL

    /// Runs a tmux command and waits for it.
    func callAsFunction(_ arguments: String...) throws {
        let process = try start(arguments, output: FileHandle.nullDevice)
        process.waitUntilExit()
    }

    /// Starts a detached session `run` of `columns` × `rows` running `command`. Not waited for:
    /// Foundation's Process waits for the server the client forks, which lives until kill-server.
    func newSession(columns: Int, rows: Int, _ command: String) throws {
        _ = try start(["new-session", "-d", "-s", "run", "-x", "\(columns)", "-y", "\(rows)", command], output: FileHandle.nullDevice)
        for _ in 0..<100 {
            let check = try start(["has-session", "-t", "run"], output: FileHandle.nullDevice)
            check.waitUntilExit()
            if check.terminationStatus == 0 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The pane's text. (Only this command gets a pipe: the server that `new-session` forks
    /// would hold a pipe's write end open for as long as it lives.)
    func capture() throws -> String {
        let out = Pipe()
        let process = try start(["capture-pane", "-p", "-t", "run"], output: out)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    private func start(_ arguments: [String], output: Any) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-S", socket.path] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Polls the pane until `done` holds for its text, or `seconds` pass; returns every screen seen.
    func watch(seconds: Double, until done: (String) -> Bool) throws -> [String] {
        var screens: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let screen = try capture()
            screens.append(screen)
            if done(screen) { break }
            Thread.sleep(forTimeInterval: 0.15)
        }
        return screens
    }

    func stop() { try? self("kill-server") }
}

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"), .serialized)
struct ProgressTerminalTests {
    private func workspace() throws -> URL {
        let dir = try makeTemporaryDirectory("hsiflow-tty")
        try experiment.write(to: dir.appendingPathComponent("tty.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    private func command(_ dir: URL, environment: String) -> String {
        let binary = hsiflowBinary()?.path ?? "hsiflow"
        return "cd '\(dir.path)' && sleep 0.5 && env \(environment) HSIFLOW_TEST_KINDS=1 '\(binary)' run tty.yaml --jobs 2 --cache cache; sleep 30"
    }

    @Test(.enabled(if: tmux != nil, "tmux is not installed: the live-terminal test is skipped"))
    func aTerminalShowsALiveLinePerRunningStageWithAnEta() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = Tmux(executable: tmux ?? "tmux", socket: dir.appendingPathComponent("tmux.sock"))
        defer { t.stop() }
        try t.newSession(columns: 120, rows: 30, command(dir, environment: "-u CI -u HSIFLOW_CACHE"))
        try t("pipe-pane", "-t", "run", "-o", "cat >> '\(dir.appendingPathComponent("raw.txt").path)'")
        let screens = try t.watch(seconds: 30) { $0.contains("manifest:") }
        let live = screens.first { s in
            let lines = s.split(separator: "\n")
            return lines.contains { $0.hasPrefix("Stages 1/4 done") && $0.contains("ETA 0:0") }
                && lines.contains { $0.hasPrefix("  left ") && $0.contains("%") && $0.contains("ETA 0:0") && $0.hasSuffix("sleeping") }
                && lines.contains { $0.hasPrefix("  right") && $0.contains("ETA 0:0") }
        }
        #expect(live != nil, "no screen showed both stages live with ETAs; screens:\n\(screens.joined(separator: "\n----\n"))")
        let last = screens.last ?? ""
        #expect(last.contains("[1/4] ran first") && last.contains("[4/4] ran last") && last.contains("4 ran, 0 cached"))
        #expect(!last.contains("Stages 4/4"), "the live block is cleared at the end:\n\(last)")
        // The live block was redrawn in place: cursor-up sequences, never a full-screen clear.
        let raw = (try? String(contentsOf: dir.appendingPathComponent("raw.txt"), encoding: .utf8)) ?? ""
        #expect(raw.contains("\u{1B}[2A") && !raw.contains("\u{1B}[2J"))
    }

    @Test(.enabled(if: tmux != nil, "tmux is not installed: the CI-on-a-terminal test is skipped"))
    func withCITrueATerminalGetsOnlyPlainLines() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = Tmux(executable: tmux ?? "tmux", socket: dir.appendingPathComponent("tmux.sock"))
        defer { t.stop() }
        try t.newSession(columns: 120, rows: 30, command(dir, environment: "-u HSIFLOW_CACHE CI=true"))
        try t("pipe-pane", "-t", "run", "-o", "cat >> '\(dir.appendingPathComponent("raw.txt").path)'")
        let screens = try t.watch(seconds: 30) { $0.contains("manifest:") }
        #expect(!screens.contains { $0.contains("Stages ") || $0.contains("ETA") })
        let raw = (try? String(contentsOf: dir.appendingPathComponent("raw.txt"), encoding: .utf8)) ?? ""
        #expect(raw.contains("[1/4] ran first") && raw.contains("[4/4] ran last"))
        #expect(!raw.contains("\u{1B}"), "escape sequences with CI=true: \(raw.debugDescription)")
    }

    @Test func throughAPipeOnlyPlainLinesAppear() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try runHsiflow(["run", "tty.yaml", "--jobs", "2", "--cache", "cache"], in: dir, environment: ["CI": ""])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4 && lines.first?.hasPrefix("[1/4] ran first ") == true && lines.last?.hasPrefix("[4/4] ran last ") == true)
        #expect(!(result.stderr + result.stdout).contains("\u{1B}"))
        let quiet = try runHsiflow(["run", "tty.yaml", "--cache", "cache", "--force", "last", "--quiet"], in: dir)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty && quiet.stdout.isEmpty)
    }

    @Test func withOnlyTheLinesCountTheSelectedStagesAlone() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try runHsiflow(["run", "tty.yaml", "--only", "left", "--cache", "cache"], in: dir, environment: ["CI": ""])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 && lines.first?.hasPrefix("[1/2] ran first ") == true && lines.last?.hasPrefix("[2/2] ran left ") == true,
                "\(lines)")
        #expect(!result.stderr.contains("skipped"))
    }
}
