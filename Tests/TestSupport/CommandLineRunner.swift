// CommandLineRunner: spawns the built `hsiflow` binary (found beside the test bundle) in a
// working directory and captures its exit status and output — for end-to-end and crash tests.
// The test-only stage kinds (`sleep`) are switched on (HSIFLOW_TEST_KINDS=1) unless a test overrides it.
public import Foundation

/// The `hsiflow` executable of the current build, if it has been built.
public func hsiflowBinary(file: String = #filePath) -> URL? {
    var candidates: [URL] = []
    if let first = CommandLine.arguments.first {
        let url = URL(fileURLWithPath: first)
        candidates.append(url.deletingLastPathComponent().appendingPathComponent("hsiflow"))
        candidates.append(url.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("hsiflow"))
    }
    let root = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(".build/debug/hsiflow"))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}

/// The outcome of one `hsiflow` invocation.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `hsiflow` with `arguments` in `directory` and waits for it.
public func runHsiflow(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> CommandResult {
    guard let binary = hsiflowBinary() else { throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "hsiflow is not built"]) }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "HSIFLOW_CACHE")
    env["HSIFLOW_TEST_KINDS"] = "1"
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                         stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Starts `hsiflow` without waiting; output goes to /dev/null, standard error to `stderrFile`
/// (created empty, readable while the process runs) when given.
public func startHsiflow(_ arguments: [String], in directory: URL, stderrFile: URL? = nil,
                         environment: [String: String] = [:]) throws -> Process {
    guard let binary = hsiflowBinary() else { throw CocoaError(.fileNoSuchFile) }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "HSIFLOW_CACHE")
    env["HSIFLOW_TEST_KINDS"] = "1"
    for (k, v) in environment { env[k] = v }
    process.environment = env
    process.standardOutput = FileHandle.nullDevice
    if let stderrFile {
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
    } else {
        process.standardError = FileHandle.nullDevice
    }
    try process.run()
    return process
}
