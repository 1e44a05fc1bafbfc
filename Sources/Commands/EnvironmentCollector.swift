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

    /// HEAD of a work tree, read from its git files, and whether tracked files differ from it;
    /// nil when there is no commit yet or git cannot run. A no-op run costs a few milliseconds, so
    /// the commit is read without a process and only the dirty check runs git (`posix_spawn`,
    /// not Foundation's `Process`, which alone cost about 50 ms a call here).
    static func source(of workTree: URL) -> Manifest.Environment.Source? {
        guard let gitDir = gitDirectory(of: workTree), let commit = headCommit(gitDir: gitDir),
              let status = gitExitStatus(["--no-optional-locks", "-C", workTree.path, "diff", "--quiet", "HEAD", "--"]),
              status == 0 || status == 1 else { return nil }
        return .init(commit: commit, dirty: status == 1)
    }

    /// The git directory of a work tree: `.git` itself, or where a linked work tree's `.git` file points.
    static func gitDirectory(of workTree: URL) -> URL? {
        let dotGit = workTree.appendingPathComponent(".git")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue { return dotGit }
        guard let text = try? String(contentsOf: dotGit, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("gitdir: ") }) else { return nil }
        let path = String(line.dropFirst("gitdir: ".count)).trimmingCharacters(in: .whitespaces)
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : workTree.appendingPathComponent(path)
    }

    /// The commit HEAD names: a detached hash, or the hash of the branch it refers to (a loose ref
    /// file, else `packed-refs`, in the git directory or the common one of a linked work tree).
    static func headCommit(gitDir: URL) -> String? {
        func read(_ url: URL) -> String? {
            (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func isHash(_ text: String) -> Bool { text.count == 40 && text.allSatisfy(\.isHexDigit) }
        guard let head = read(gitDir.appendingPathComponent("HEAD")) else { return nil }
        if isHash(head) { return head }
        guard head.hasPrefix("ref: ") else { return nil }
        let ref = String(head.dropFirst("ref: ".count))
        var directories = [gitDir]
        if let common = read(gitDir.appendingPathComponent("commondir")) {
            directories.append(common.hasPrefix("/") ? URL(fileURLWithPath: common) : gitDir.appendingPathComponent(common))
        }
        for dir in directories {
            if let hash = read(dir.appendingPathComponent(ref)), isHash(hash) { return hash }
        }
        for dir in directories {
            guard let packed = read(dir.appendingPathComponent("packed-refs")) else { continue }
            for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                let hash = String(line.prefix(40))
                if isHash(hash) { return hash }
            }
        }
        return nil
    }

    /// The exit status of `git arguments…` with no input or output, or nil when git is not on
    /// PATH, cannot start, or dies of a signal.
    private static func gitExitStatus(_ arguments: [String]) -> Int32? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let git = path.split(separator: ":").map({ "\($0)/git" })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([git] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        guard posix_spawn(&pid, git, &actions, nil, argv, environ) == 0 else { return nil }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { return nil }
        }
        // Exited normally (no signal): the low 7 bits are 0 and the status is in the next byte.
        guard status & 0x7f == 0 else { return nil }
        return (status >> 8) & 0xff
    }
}
