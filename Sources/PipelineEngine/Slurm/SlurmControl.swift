// SlurmControl: the four things the Slurm executor asks of a cluster — submit a job script
// (`sbatch --parsable`), read job states (`squeue -t all`, falling back to `sacct` for jobs
// slurmctld has forgotten), cancel jobs (`scancel`) and whether a controller answers (`sinfo`) —
// and `SlurmCLI`, which runs Slurm's own command-line tools for them.
public import Foundation

/// A job's state as Slurm reports it.
public struct SlurmJobState: Sendable, Hashable {
    /// Slurm's state word: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...
    public let state: String
    /// Slurm's reason (why pending, why it ended: NonZeroExitCode, DependencyNeverSatisfied, ...).
    public let reason: String
    /// The node it runs or ran on; nil before it started.
    public let node: String?

    public init(state: String, reason: String = "", node: String? = nil) {
        self.state = state
        self.reason = reason
        self.node = node
    }

    /// States after which the job will not run again (a requeued job goes back to PENDING).
    static let finalStates: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                                           "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"]
    public var isFinal: Bool { SlurmJobState.finalStates.contains(state) }
    public var isRunning: Bool { ["RUNNING", "COMPLETING", "CONFIGURING", "STAGE_OUT", "SIGNALING"].contains(state) }
    /// Cancelled by Slurm because a job it depended on failed (`--kill-on-invalid-dep=yes`).
    public var isDependencyCancel: Bool { state == "CANCELLED" && reason.hasPrefix("Dependency") }
}

/// What the executor needs from a Slurm cluster.
public protocol SlurmControl: Sendable {
    /// Submits `script` with `arguments` (sbatch options); returns the job id.
    func submit(arguments: [String], script: URL) throws(EngineError) -> String
    /// The states of the jobs Slurm still knows; a job missing from the answer is not known yet.
    func states(of jobs: [String]) throws(EngineError) -> [String: SlurmJobState]
    /// Cancels jobs (already finished ones are left as they are).
    func cancel(_ jobs: [String])
}

/// Slurm's command-line tools (`sbatch`, `squeue`, `sacct`, `scancel`), found on PATH.
public struct SlurmCLI: SlurmControl {
    public init() {}

    /// Whether a controller answers (`sinfo` exits 0 within `timeout` seconds).
    public static func reachable(timeout: Double = 10) -> Bool {
        guard let result = try? run("sinfo", ["-h", "-o", "%P"], timeout: timeout) else { return false }
        return result.status == 0
    }

    public func submit(arguments: [String], script: URL) throws(EngineError) -> String {
        let result: (status: Int32, out: String, err: String)
        do { result = try SlurmCLI.run("sbatch", ["--parsable"] + arguments + [script.path]) } catch {
            throw .executorFailure(command: "sbatch", message: "cannot start it (\(error.localizedDescription)); is Slurm installed and on PATH?")
        }
        // --parsable prints "id" or "id;cluster".
        let id = result.out.split(separator: "\n").last.map { String($0.split(separator: ";")[0]) }?
            .trimmingCharacters(in: .whitespaces) ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw .executorFailure(command: "sbatch", message: result.err.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                                   ? "exit status \(result.status)" : result.err.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return id
    }

    public func states(of jobs: [String]) throws(EngineError) -> [String: SlurmJobState] {
        guard !jobs.isEmpty else { return [:] }
        var found: [String: SlurmJobState] = [:]
        // slurmctld knows a job's end at once and keeps it for MinJobAge; sacct lags by seconds.
        if let result = try? SlurmCLI.run("squeue", ["-h", "-t", "all", "-j", jobs.joined(separator: ","), "-o", "%i|%T|%r|%N"]),
           result.status == 0 {
            for line in result.out.split(separator: "\n") {
                let f = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard f.count >= 4 else { continue }
                found[f[0]] = SlurmJobState(state: f[1], reason: f[2] == "None" ? "" : f[2], node: f[3].isEmpty ? nil : f[3])
            }
        }
        let missing = jobs.filter { found[$0] == nil }
        guard !missing.isEmpty else { return found }
        // Forgotten by slurmctld (older than MinJobAge): the accounting database, when there is one.
        if let result = try? SlurmCLI.run("sacct", ["-n", "-P", "-X", "-j", missing.joined(separator: ","), "-o", "JobID,State,NodeList"]),
           result.status == 0 {
            for line in result.out.split(separator: "\n") {
                let f = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard f.count >= 3, missing.contains(f[0]) else { continue }
                // "CANCELLED by 0" → CANCELLED.
                let state = String(f[1].split(separator: " ").first ?? "")
                found[f[0]] = SlurmJobState(state: state, node: f[2].isEmpty || f[2] == "None assigned" ? nil : f[2])
            }
        }
        return found
    }

    public func cancel(_ jobs: [String]) {
        guard !jobs.isEmpty else { return }
        _ = try? SlurmCLI.run("scancel", jobs)
    }

    /// Runs a Slurm tool found on PATH; kills it after `timeout` seconds.
    static func run(_ tool: String, _ arguments: [String], timeout: Double = 60) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        // Read both pipes to their ends concurrently, so neither fills up and blocks the tool.
        let errData = DataBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errData.data = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        timer.cancel()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.data, as: UTF8.self))
    }
}

/// Bytes read on another thread; read only after that thread has finished (the group's wait).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
