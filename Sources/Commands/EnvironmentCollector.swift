// EnvironmentCollector: gathers the execution environment a run records in its manifest —
// hsiflow's version, the git commit of the source tree the binary sits in, the CPU model and
// its kernel-selecting flags, the BLAS build and kernel, and the run's threads. Every probe is
// cheap and none can fail a run: what cannot be learnt is recorded as unknown or left out.
import Foundation
import PipelineModel
import Tensors

enum EnvironmentCollector {
    /// The instruction-set flags that decide which kernels BLAS and the compiler's vector code use.
    static let numericFlags: Set<String> = [
        "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c",
        "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16",
        "avx_vnni", "amx_tile", "amx_bf16", "amx_int8",
        "asimd", "sve", "sve2",
    ]

    /// The environment of this process for a run with `threads` worker threads per stage and `jobs` parallel stages.
    static func collect(threads: Int, jobs: Int,
                        environment: [String: String] = ProcessInfo.processInfo.environment) -> Manifest.Environment {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let coreType = environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 }
        let config = BLAS.configuration
        return Manifest.Environment(
            hsiflowVersion: HSIFlowCommand.version,
            source: executableURL().flatMap(workTree(containing:)).flatMap(source(of:)),
            cpu: cpu(fromCPUInfo: cpuinfo),
            blas: .init(name: config.split(separator: " ").first.map(String.init) ?? "unknown", config: config,
                        core: BLAS.coreName, coreType: coreType),
            threads: threads, jobs: jobs)
    }

    // MARK: - CPU

    /// The model name and numeric flags of the first processor in /proc/cpuinfo text (x86: `model name`
    /// and `flags`; Arm: `Model name` or `Hardware`, and `Features`); `unknown` and no flags when absent.
    static func cpu(fromCPUInfo text: String) -> Manifest.Environment.CPU {
        var model: String?
        var flags: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if model == nil, name == "model name" || name == "Model name" || name == "Hardware" { model = value }
            if flags == nil, name == "flags" || name == "Features" {
                flags = value.split(separator: " ").map(String.init).filter(numericFlags.contains).sorted()
            }
            if model != nil && flags != nil { break }
        }
        return .init(model: model ?? "unknown", flags: flags ?? [])
    }

    // MARK: - Source tree

    /// This executable's real path (symbolic links resolved).
    static func executableURL() -> URL? {
        Bundle.main.executableURL?.resolvingSymlinksInPath()
    }

    /// The nearest enclosing folder of `file` that holds a `.git` entry (a folder, or a file in
    /// a linked work tree); nil when there is none.
    static func workTree(containing file: URL) -> URL? {
        var dir = file.deletingLastPathComponent().standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(".git").path) { return dir }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { return nil }
            dir = parent
        }
    }

    /// HEAD of a work tree and whether tracked files differ from it or untracked ones exist; nil
    /// when git is missing or fails (not a repository it trusts, no commit yet).
    static func source(of workTree: URL) -> Manifest.Environment.Source? {
        guard let head = git(["rev-parse", "HEAD"], in: workTree)?.trimmingCharacters(in: .whitespacesAndNewlines),
              head.count >= 40, head.allSatisfy(\.isHexDigit),
              let status = git(["status", "--porcelain"], in: workTree) else { return nil }
        return .init(commit: head, dirty: !status.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    /// The standard output of `git -C dir args…`, or nil when it cannot run or exits non-zero.
    private static func git(_ arguments: [String], in dir: URL) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", dir.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        // Never take index.lock for a status refresh: a concurrent git command in the tree must not fail.
        environment["GIT_OPTIONAL_LOCKS"] = "0"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
