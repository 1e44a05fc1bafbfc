// EnvironmentCollectorTests: what a run records about where it ran — CPU model and numeric
// flags parsed from /proc/cpuinfo text, the git commit of the tree a binary sits in (clean,
// dirty, or none), and the BLAS build, kernel and OPENBLAS_CORETYPE of this process.
import Foundation
import PipelineModel
import Testing
import TestSupport
@testable import Commands

@Suite struct EnvironmentCollectorTests {
    @Test func cpuModelAndOnlyTheNumericFlagsComeFromTheFirstProcessor() {
        let text = """
        processor\t: 0
        vendor_id\t: GenuineIntel
        model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz
        flags\t\t: fpu vme sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 avx512f avx512dq avx512bw avx512vl avx512_vnni pku

        processor\t: 1
        model name\t: Other
        flags\t\t: fpu
        """
        let cpu = EnvironmentCollector.cpu(fromCPUInfo: text)
        #expect(cpu.model == "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz")
        #expect(cpu.flags == ["avx", "avx2", "avx512_vnni", "avx512bw", "avx512dq", "avx512f", "avx512vl", "f16c", "fma",
                              "sse4_1", "sse4_2"])
    }

    @Test func armFeaturesAndAMissingFileGiveWhatTheyCan() {
        let arm = EnvironmentCollector.cpu(fromCPUInfo: "processor : 0\nFeatures : fp asimd evtstrm sve\nCPU part : 0xd0c\n")
        #expect(arm.model == "unknown" && arm.flags == ["asimd", "sve"])
        let none = EnvironmentCollector.cpu(fromCPUInfo: "")
        #expect(none.model == "unknown" && none.flags.isEmpty)
    }

    @Test func theWorkTreeIsTheNearestFolderWithAGitEntry() throws {
        let root = try makeTemporaryDirectory("hsiflow-env")
        defer { try? FileManager.default.removeItem(at: root) }
        let binary = root.appendingPathComponent("repo/.build/release/hsiflow")
        try FileManager.default.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(EnvironmentCollector.workTree(containing: binary)?.path.hasPrefix(root.path) != true)
        // A linked work tree has a `.git` file, not a folder.
        try "gitdir: /elsewhere\n".write(to: root.appendingPathComponent("repo/.git"), atomically: true, encoding: .utf8)
        #expect(EnvironmentCollector.workTree(containing: binary)?.standardizedFileURL.path
                == root.appendingPathComponent("repo").standardizedFileURL.path)
    }

    @Test(.enabled(if: gitIsInstalled, "needs git"))
    func theSourceIsHeadAndWhetherTheTreeIsDirty() throws {
        let repo = try makeTemporaryDirectory("hsiflow-env-git")
        defer { try? FileManager.default.removeItem(at: repo) }
        #expect(EnvironmentCollector.source(of: repo) == nil)  // not a repository
        try git(["init", "-q"], in: repo)
        #expect(EnvironmentCollector.source(of: repo) == nil)  // no commit yet
        try "a\n".write(to: repo.appendingPathComponent("file.txt"), atomically: true, encoding: .utf8)
        try git(["add", "file.txt"], in: repo)
        try git(["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "one"], in: repo)
        let clean = try #require(EnvironmentCollector.source(of: repo))
        #expect(clean.commit.count == 40 && !clean.dirty)
        try "b\n".write(to: repo.appendingPathComponent("file.txt"), atomically: true, encoding: .utf8)
        #expect(EnvironmentCollector.source(of: repo) == .init(commit: clean.commit, dirty: true))
    }

    @Test func theCollectedEnvironmentNamesTheBLASKernelAndTheRunsThreads() {
        let environment = EnvironmentCollector.collect(threads: 3, jobs: 2, environment: ["OPENBLAS_CORETYPE": "Haswell"])
        #expect(environment.hsiflowVersion == HSIFlowCommand.version)
        #expect(environment.blas.name == "OpenBLAS" && environment.blas.config.hasPrefix("OpenBLAS "))
        #expect(!environment.blas.core.isEmpty && environment.blas.core != "unknown")
        #expect(environment.blas.coreType == "Haswell")
        #expect(EnvironmentCollector.collect(threads: 1, jobs: 1, environment: [:]).blas.coreType == nil)
        #expect(environment.threads == 3 && environment.jobs == 2)
        #if os(Linux)
        #expect(environment.cpu.model != "unknown")
        #endif
    }
}

private let gitIsInstalled: Bool = (try? git(["--version"], in: FileManager.default.temporaryDirectory)) != nil

/// Runs git in `dir`, throwing when it fails.
@discardableResult
private func git(_ arguments: [String], in dir: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "-C", dir.path] + arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    return String(decoding: data, as: UTF8.self)
}
