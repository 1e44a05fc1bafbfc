// IsolatedReaderZygoteTests: the reader zygote (ReaderZygote) in the release binary. A read through
// a zygote worker gives what a spawned reader gives, a crashing or over-limit worker the same clean
// error (exit 2 naming the file), and the zygote never outlives hsiflow, even a SIGKILLed one.
// HSIFLOW_READER_TRACE makes hsiflow say on stderr which way each read got its child.
import FileFormats
import Foundation
import Testing
import TestSupport

@Suite struct IsolatedReaderZygoteTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FileFormatsTests/Fixtures")
    /// Valid files are read in this process by the Swift HDF5 reader; these tests are about the
    /// isolated reader, so they send every file there (HSIFLOW_HDF5_READER=isolated).
    static let trace = [ReaderZygote.traceVariable: "1", "HSIFLOW_HDF5_READER": "isolated"]
    static let spawnOnly = [ReaderZygote.traceVariable: "1", ReaderZygote.disableVariable: "1", "HSIFLOW_HDF5_READER": "isolated"]

    /// stderr without the trace lines.
    static func message(_ stderr: String) -> String {
        stderr.split(separator: "\n").filter { !$0.hasPrefix("hsiflow: read") }.joined(separator: "\n")
    }

    @Test(arguments: ["keras2_cao.h5", "keras3_cao.h5", "hsiflow_small.h5", "hsiflow_small_int8.h5", "mat_v73_cube.mat"])
    func aReadThroughTheZygoteEqualsASpawnedRead(name: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = Self.fixtures.appendingPathComponent(name).path
        let forked = try runHsiflow(["inspect", path], in: dir, environment: Self.trace)
        let spawned = try runHsiflow(["inspect", path], in: dir, environment: Self.spawnOnly)
        #expect(forked.status == 0 && spawned.status == 0, "\(forked.stderr)\n\(spawned.stderr)")
        #expect(forked.stderr.contains("reader zygote") && forked.stderr.contains("in zygote worker"), "\(forked.stderr)")
        #expect(!forked.stderr.contains("in a spawned"), "\(forked.stderr)")
        #expect(spawned.stderr.contains("in a spawned") && !spawned.stderr.contains("zygote"), "\(spawned.stderr)")
        #expect(!forked.stdout.isEmpty)
        #expect(forked.stdout == spawned.stdout)
        // The parent decodes a complete reply without waiting for the worker's exit, but waits for
        // it before it exits itself: the zygote has reaped every worker, none is left for init.
        for line in forked.stderr.split(separator: "\n") where line.contains("in zygote worker") {
            let worker = try #require(pid_t(line.split(separator: " ").last ?? ""))
            #expect(!FileManager.default.fileExists(atPath: "/proc/\(worker)"), "worker \(worker) was not reaped by the zygote")
        }
    }

    /// By default a valid file is read in this process by the Swift reader — no worker — and
    /// `inspect` prints exactly what it prints when libhdf5 reads the file in a worker.
    @Test(arguments: ["keras2_cao.h5", "keras3_cao.h5", "hsiflow_small.h5", "hsiflow_small_int8.h5", "mat_v73_cube.mat"])
    func aValidFileIsReadInProcessAsTheWorkerReadsIt(name: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = Self.fixtures.appendingPathComponent(name).path
        let fast = try runHsiflow(["inspect", path], in: dir, environment: [ReaderZygote.traceVariable: "1"])
        let isolated = try runHsiflow(["inspect", path], in: dir, environment: Self.trace)
        #expect(fast.status == 0 && isolated.status == 0, "\(fast.stderr)\n\(isolated.stderr)")
        #expect(fast.stderr.contains("read \(path) in this process (Swift HDF5 reader)"), "\(fast.stderr)")
        #expect(!fast.stderr.contains("worker") && !fast.stderr.contains("spawned"), "\(fast.stderr)")
        #expect(isolated.stderr.contains("in zygote worker"), "\(isolated.stderr)")
        #expect(!fast.stdout.isEmpty && fast.stdout == isolated.stdout)
    }

    @Test(arguments: HostileInputTests.crashingHDF5 + HostileInputTests.hostileConfigs + ["h5_vlen_length_ffffffff.h5", "mat73_huge_declared.mat"])
    func aCrashingOrOverLimitWorkerIsTheSameCleanError(name: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = HostileInputTests.folder.appendingPathComponent(name).path
        let forked = try HostileInputTests.run(["inspect", path], in: dir, environment: Self.trace)
        HostileInputTests.expectCleanRefusal(forked, naming: path, "inspect \(name) through the zygote")
        let spawned = try HostileInputTests.run(["inspect", path], in: dir, environment: Self.spawnOnly)
        guard let forked, let spawned else { return }
        #expect(forked.stderr.contains("in zygote worker"), "\(forked.stderr)")
        #expect(Self.message(forked.stderr) == Self.message(spawned.stderr))
    }

    @Test func aBombUnderASmallBudgetIsRefusedByTheWorker() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = HostileInputTests.folder.appendingPathComponent("mat73_gzip_bomb.mat").path
        let forked = try HostileInputTests.run(["inspect", path, "--max-memory", "16M"], in: dir, environment: Self.trace)
        HostileInputTests.expectCleanRefusal(forked, naming: path, "inspect --max-memory 16M through the zygote")
        #expect(forked?.stderr.contains("in zygote worker") == true && forked?.stderr.contains("--max-memory") == true, "\(forked?.stderr ?? "")")
    }

    /// `inspect` of a .mat v7.3 file lists its variables and reads the array in one worker (one
    /// read and heap validation of the file), with and without the zygote.
    @Test func inspectingAMatFileUsesOneWorker() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = Self.fixtures.appendingPathComponent("mat_v73_cube.mat").path
        for environment in [Self.trace, Self.spawnOnly] {
            let result = try runHsiflow(["inspect", path], in: dir, environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").filter { $0.hasPrefix("hsiflow: reading \(path)") }.count == 1, "\(result.stderr)")
            #expect(result.stdout.contains("variable  cube") && result.stdout.contains("gt  uint8 4×5"), "\(result.stdout)")
        }
    }

    /// `predict` reads twice (the model, then the input). With the test hook killing the zygote
    /// after the first read, the second meets a dead zygote: it must spawn a reader instead and
    /// give exactly what a spawned reader gives. The input is a v7.3 file with two numeric
    /// variables, so the answer is the reader's own refusal (naming the variables): it comes from
    /// the second worker's reply, not from the parent. (`inspect` of a .mat reads once.)
    @Test func aReadAfterTheZygoteDiedSpawnsAndGivesTheSameResult() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Self.fixtures.appendingPathComponent("hsiflow_small.h5").path
        let path = Self.fixtures.appendingPathComponent("mat_v73_cube.mat").path
        let arguments = ["predict", model, path, "--out", dir.appendingPathComponent("p.npy").path]
        let killing = Self.trace.merging(["HSIFLOW_TEST_KINDS": "1", ReaderZygote.testVariable: "kill-zygote"]) { $1 }
        let recovered = try runHsiflow(arguments, in: dir, environment: killing)
        let spawned = try runHsiflow(arguments, in: dir, environment: Self.spawnOnly)
        #expect(recovered.status == 2 && spawned.status == 2, "\(recovered.stderr)\n\(spawned.stderr)")
        let lines = recovered.stderr.split(separator: "\n")
        let forked = try #require(lines.firstIndex { $0.contains("in zygote worker") }, "\(recovered.stderr)")
        let lost = try #require(lines.firstIndex { $0.contains("lost; reads spawn from now on") }, "\(recovered.stderr)")
        let respawned = try #require(lines.firstIndex { $0.contains("reading \(path) in a spawned") }, "\(recovered.stderr)")
        #expect(forked < lost && lost < respawned, "\(recovered.stderr)")
        let message = Self.message(recovered.stderr)
        #expect(message.contains(path) && message.contains("several numeric variables (cube, gt)"), "\(message)")
        #expect(message == Self.message(spawned.stderr))
    }

    /// A worker that never answers (the test hook stalls it, and sets the wall limit to 2 s) is
    /// killed at the limit: a clean error naming the file, exit 2, and the worker does not survive.
    @Test func aWorkerKilledAtTheWallLimitIsACleanError() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = Self.fixtures.appendingPathComponent("keras2_cao.h5").path
        let stalling = Self.trace.merging(["HSIFLOW_TEST_KINDS": "1", ReaderZygote.testVariable: "stall"]) { $1 }
        let result = try runHsiflow(["inspect", path], in: dir, environment: stalling)
        #expect(result.status == 2, "\(result.stderr)")
        let message = Self.message(result.stderr)
        #expect(message.contains(path) && message.contains("took more than 2 s"), "\(message)")
        #expect(!message.contains("Fatal") && !message.contains("Stack"), "\(message)")
        let line = try #require(result.stderr.split(separator: "\n").first { $0.contains("in zygote worker") }, "\(result.stderr)")
        let worker = try #require(pid_t(line.split(separator: " ").last ?? ""))
        #expect(Self.ends(worker), "the stalled worker \(worker) still runs")
    }

    @Test func commandsThatReadNoModelStartNoZygote() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for arguments in [["--version"], ["inspect", "--help"], ["cache", "du"], ["completions", "bash"]] {
            let result = try runHsiflow(arguments, in: dir, environment: Self.trace)
            #expect(!result.stderr.contains("zygote"), "\(arguments): \(result.stderr)")
        }
    }

    /// The zygote's pid, once the trace in `file` names it.
    static func zygotePid(in file: URL, while process: Process) -> pid_t? {
        for _ in 0..<1500 {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("hsiflow: reader zygote ") }),
               let pid = pid_t(line.split(separator: " ")[3]) { return pid }
            guard process.isRunning else { return nil }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    /// Whether `pid` is a process that has not ended (a zombie has ended).
    static func running(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].first
        return state != "Z" && state != "X"
    }

    /// Waits (bounded, as a safety net) until `pid` has ended.
    static func ends(_ pid: pid_t) -> Bool {
        for _ in 0..<1000 where running(pid) { Thread.sleep(forTimeInterval: 0.02) }
        return !running(pid)
    }

    @Test(arguments: [SIGKILL, SIGTERM, 0])
    func theZygoteDoesNotOutliveHsiflow(signal: Int32) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let seconds = signal == 0 ? 0.2 : 30
        try "name: slow\nstages:\n  wait: {kind: sleep, seconds: \(seconds)}\n"
            .write(to: dir.appendingPathComponent("slow.yaml"), atomically: true, encoding: .utf8)
        let errors = dir.appendingPathComponent("stderr.txt")
        let process = try startHsiflow(["run", "slow.yaml", "--quiet"], in: dir, stderrFile: errors, environment: Self.trace)
        let zygote = try #require(Self.zygotePid(in: errors, while: process), "no zygote was started: \((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
        if signal != 0 {
            #expect(Self.running(zygote))
            kill(process.processIdentifier, signal)
        }
        process.waitUntilExit()
        if signal == 0 {
            #expect(process.terminationStatus == 0)
            // A normal exit ends and reaps the zygote itself: no zombie is left for init to collect.
            #expect(!FileManager.default.fileExists(atPath: "/proc/\(zygote)"), "the zygote \(zygote) was not reaped by hsiflow")
        }
        #expect(Self.ends(zygote), "the zygote \(zygote) still runs after hsiflow ended (signal \(signal))")
    }
}
