import Foundation
import Testing
import TestSupport

/// End to end: `hsiflow inspect` and `hsiflow predict` on Keras files whose global heap was damaged.
/// Before HSIFlow checked the heap itself, libhdf5 crashed on some of these and looped for ever on
/// others; so each run gets a deadline and is killed (and the test failed) past it.
@Suite struct DamagedModelFileTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FileFormatsTests/Fixtures/keras3_cao.h5")

    /// Runs hsiflow, killing it after `seconds`; nil when it had to be killed.
    func run(_ arguments: [String], in directory: URL, seconds: Double = 120) throws -> (status: Int32, stderr: String)? {
        let binary = try #require(hsiflowBinary(), "hsiflow is not built")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let errorFile = directory.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)  // a process stuck inside libhdf5 did not answer SIGTERM
            process.waitUntilExit()
            return nil
        }
        return (process.terminationStatus, (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
    }

    @Test(arguments: HeapDamage.allCases)
    func inspectAndPredictRefuseItWithExitCode2(damage: HeapDamage) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = try [UInt8](Data(contentsOf: Self.fixture))
        let damaged = try #require(damagingGlobalHeap(bytes, damage))
        let model = dir.appendingPathComponent("damaged.h5")
        try Data(damaged).write(to: model)
        for arguments in [["inspect", model.path], ["predict", model.path, model.path]] {
            let result = try #require(try run(arguments, in: dir), "hsiflow \(arguments[0]) did not finish within 120 s")
            #expect(result.status == 2, "hsiflow \(arguments[0]): exit \(result.status), \(result.stderr)")
            #expect(result.stderr.contains("global heap collection"), "\(result.stderr)")
        }
    }
}
