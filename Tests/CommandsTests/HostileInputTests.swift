import FileFormats
import Foundation
import Testing
import TestSupport

/// Issue 17, classes 1-3: the release binary on each hostile file made by reference/hostile_inputs.py,
/// in a subprocess under a 2 GB address-space ceiling the test sets (`ulimit -v` in /bin/sh, which the
/// hsiflow binary and its isolated reader inherit). Each must end in exit 2 with a message naming the
/// file — never a signal, a crash report or a hang.
@Suite struct HostileInputTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/hostile")

    /// The committed hostile files (reference/hostile_inputs.py), by class.
    static let crashingHDF5 = ["h5_gheap_index_wrong.h5", "h5_gheap_index_past_end.h5", "h5_gheap_object_length_0.h5",
                               "h5_btree_child_ff.h5", "h5_local_heap_size.h5", "mat73_btree_child_ff.mat"]
    static let hostileConfigs = ["cfg_batch_shape_huge.h5", "cfg_kernel_2p31.h5", "cfg_filters_1e9.h5", "cfg_units_2p40.h5"]
    static let amplifying = ["h5_vlen_length_ffffffff.h5", "mat5_inner_ffffffff.mat", "mat5_inflates_past_declared.mat",
                             "mat73_huge_declared.mat", "npy_shape_huge.npy"]
    /// Honest 64 MiB arrays in 64 KiB: refused under a 16 MiB budget.
    static let bombs = ["mat5_zlib_bomb.mat", "mat73_gzip_bomb.mat"]

    struct Outcome {
        var status: Int32
        var signalled: Bool
        var stderr: String
    }

    /// Runs hsiflow under `ulimit -v` (KiB) with a generous deadline (a safety net only: the
    /// assertions never depend on how long a run took); nil when it had to be killed.
    static func run(_ arguments: [String], in directory: URL, addressSpaceKiB: Int = 2_000_000,
                    environment: [String: String] = [:]) throws -> Outcome? {
        let binary = try #require(hsiflowBinary(), "hsiflow is not built")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v \(addressSpaceKiB) && exec \"$0\" \"$@\"", binary.path] + arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "HSIFLOW_MAX_MEMORY")
        env.removeValue(forKey: "HSIFLOW_BIN")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let errorFile = directory.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(180)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                       stderr: (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
    }

    static func expectCleanRefusal(_ outcome: Outcome?, naming file: String, _ what: String) {
        guard let outcome else {
            Issue.record("\(what): hsiflow did not finish within 180 s")
            return
        }
        #expect(!outcome.signalled, "\(what): killed by signal \(outcome.status)")
        #expect(outcome.status == 2, "\(what): exit \(outcome.status), stderr: \(outcome.stderr)")
        #expect(outcome.stderr.contains(file), "\(what): the message does not name \(file): \(outcome.stderr)")
        #expect(!outcome.stderr.contains("Program crashed") && !outcome.stderr.contains("Fatal error"), "\(what): \(outcome.stderr)")
    }

    @Test(arguments: crashingHDF5 + hostileConfigs + amplifying)
    func inspectRefusesTheHostileFileWithExit2(name: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = Self.folder.appendingPathComponent(name).path
        Self.expectCleanRefusal(try Self.run(["inspect", path], in: dir), naming: path, "inspect \(name)")
    }

    @Test(arguments: crashingHDF5.filter { $0.hasSuffix(".h5") } + hostileConfigs + ["h5_vlen_length_ffffffff.h5"])
    func predictRefusesTheHostileModelWithExit2(name: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("patches.npy")
        try Npy.write(NumericArray(float32: [Float](repeating: 0.5, count: 2 * 3 * 3 * 5), shape: [2, 3, 3, 5]), to: input.path)
        let path = Self.folder.appendingPathComponent(name).path
        Self.expectCleanRefusal(try Self.run(["predict", path, input.path, "--out", dir.appendingPathComponent("c.npy").path], in: dir),
                                naming: path, "predict \(name)")
    }

    @Test(arguments: bombs)
    func aDecompressionBombIsRefusedUnderTheBudget(name: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = Self.folder.appendingPathComponent(name).path
        let flag = try Self.run(["inspect", path, "--max-memory", "16M"], in: dir)
        Self.expectCleanRefusal(flag, naming: path, "inspect --max-memory 16M \(name)")
        #expect(flag?.stderr.contains("--max-memory") == true, "the message says how to raise the limit: \(flag?.stderr ?? "")")
        let variable = try Self.run(["inspect", path], in: dir, environment: ["HSIFLOW_MAX_MEMORY": "16M"])
        Self.expectCleanRefusal(variable, naming: path, "HSIFLOW_MAX_MEMORY=16M inspect \(name)")
        // Within the budget the same file is an honest 64 MiB array.
        let allowed = try Self.run(["inspect", path, "--max-memory", "1G"], in: dir)
        #expect(allowed?.status == 0, "inspect --max-memory 1G \(name): \(allowed?.stderr ?? "killed")")
    }

    @Test func aMissingReaderExecutableIsAClearError() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Self.folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FileFormatsTests/Fixtures/hsiflow_small.h5").path
        // Without the reader zygote (and the Swift reader), the only way to a reader is spawning HSIFLOW_BIN.
        let outcome = try #require(try Self.run(["inspect", model], in: dir, environment: ["HSIFLOW_BIN": "/nonexistent/hsiflow",
                                                                                          "HSIFLOW_NO_ZYGOTE": "1",
                                                                                          "HSIFLOW_HDF5_READER": "isolated"]))
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("HSIFLOW_BIN") && outcome.stderr.contains(model), "\(outcome.stderr)")
    }

    @Test func aBadMaxMemoryIsAUsageError() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = try #require(try Self.run(["inspect", "x.h5", "--max-memory", "lots"], in: dir))
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("--max-memory lots is not a size"), "\(outcome.stderr)")
    }
}
