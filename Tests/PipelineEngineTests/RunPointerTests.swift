// RunPointerTests: a no-op run (its manifest equal to the current one but for the run id, start
// and wall time) records a short pointer under runs/<run-id>/ and leaves results/<name>/manifest.json
// untouched; ManifestFile reads pointers and full per-run manifests alike, and refuses a pointer
// whose target changed or vanished, naming the file.
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

@Suite struct RunPointerTests {
    private let yaml = """
    name: pointer
    stages:
      a: {kind: fake, value: 1}
      b: {kind: fake, value: 2, needs: a}
    """

    /// A workspace over a MemoryStore with its results folder in a fresh temporary directory.
    private func workspace() throws -> (EngineHarness, Workspace, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hsiflow-pointer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let h = EngineHarness(registry: fakeRegistry(ExecutionLog()))
        return (h, Workspace(pipeline: h.pipeline, results: ResultsFolder(resultsRoot: root, experiment: "pointer")), root)
    }

    /// One run through the workspace (plan against its current manifest, write the records), started at `second`.
    private func run(_ h: EngineHarness, _ w: Workspace, second: Double, text: String? = nil,
                     force: [String] = []) throws -> Workspace.Run {
        let p = h.pipeline
        let prepared = try p.prepare(try p.loader.load(text: text ?? yaml, path: "test.yaml"))
        let previous = w.previous
        let plan = p.plan(prepared, previous: previous, options: try p.options(prepared, force: force, only: []))
        return try w.run(prepared, plan: plan, previous: previous, options: RunOptions(jobs: 1, threadsPerJob: 1),
                         observer: nil, toolVersion: "test", startedAt: Date(timeIntervalSince1970: 1_800_000_000 + second))
    }

    private func bytes(_ url: URL) -> Data? { FileManager.default.contents(atPath: url.path) }

    @Test func aNoOpRunWritesAShortPointerAndLeavesTheManifestAlone() throws {
        let (h, w, root) = try workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let cold = try run(h, w, second: 0)
        #expect(!cold.isNoOp && cold.result.count(.ran) == 2)
        // The first rerun differs (ran → cached, reasons): written in full.
        let warm = try run(h, w, second: 10)
        #expect(!warm.isNoOp && warm.result.count(.cached) == 2)
        let current = try #require(bytes(w.results.manifestURL))
        // The next rerun is a no-op: a pointer to the warm run's full record.
        let noOp = try run(h, w, second: 20)
        #expect(noOp.isNoOp)
        let pointerURL = w.results.recordURL(runID: noOp.record.runID)
        let pointerBytes = try #require(bytes(pointerURL))
        #expect(pointerBytes.count < 1024, "the pointer is \(pointerBytes.count) bytes")
        let pointer = try #require(ManifestFile.pointer(in: pointerBytes))
        #expect(pointer.manifest.runID == warm.record.runID)
        #expect(pointer.runID == noOp.record.runID)
        #expect(bytes(w.results.manifestURL) == current, "the current manifest was rewritten")
        // Read through the pointer, the record is the manifest the run would have written.
        #expect(try ManifestFile.load(pointerURL.path) == noOp.record)
        // Full per-run records (old and new) still read as they are.
        #expect(try ManifestFile.load(w.results.recordURL(runID: cold.record.runID).path) == cold.record)
        #expect(try ManifestFile.load(w.results.recordURL(runID: warm.record.runID).path) == warm.record)
        // And the plan of the run after still sees the unchanged manifest as its previous one.
        let again = try run(h, w, second: 30)
        #expect(again.isNoOp)
        #expect(ManifestFile.pointer(in: try #require(bytes(w.results.recordURL(runID: again.record.runID))))?.manifest.runID
                == warm.record.runID)
    }

    @Test func aRunThatChangesAnythingIsWrittenInFull() throws {
        let (h, w, root) = try workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try run(h, w, second: 0)
        _ = try run(h, w, second: 10)
        // A forced stage reruns: not a no-op.
        let forced = try run(h, w, second: 20, force: ["b"])
        #expect(!forced.isNoOp)
        #expect(ManifestFile.pointer(in: try #require(bytes(w.results.recordURL(runID: forced.record.runID)))) == nil)
        #expect(try ManifestFile.load(w.results.manifestURL.path).runID == forced.record.runID)
        // A new stage: not a no-op either.
        let grown = try run(h, w, second: 30, text: yaml + "\n  c: {kind: fake, value: 3}")
        #expect(!grown.isNoOp && grown.result.count(.ran) == 1)
    }

    @Test func aPointerWhoseTargetChangedOrVanishedIsRefusedNamingTheFile() throws {
        let (h, w, root) = try workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try run(h, w, second: 0)
        let warm = try run(h, w, second: 10)
        let noOp = try run(h, w, second: 20)
        #expect(noOp.isNoOp)
        let pointerPath = w.results.recordURL(runID: noOp.record.runID).path
        let targetURL = w.results.recordURL(runID: warm.record.runID)
        var target = try #require(bytes(targetURL))
        target.append(contentsOf: Array(" ".utf8))
        try target.write(to: targetURL)
        #expect {
            try ManifestFile.load(pointerPath)
        } throws: { error in
            "\(error)".contains(pointerPath) && "\(error)".contains("has changed")
        }
        try FileManager.default.removeItem(at: targetURL)
        #expect {
            try ManifestFile.load(pointerPath)
        } throws: { error in
            "\(error)".contains(pointerPath) && "\(error)".contains("cannot be read")
        }
        // With the target gone, the next no-op cannot point at it: it is written in full.
        let full = try run(h, w, second: 30)
        #expect(!full.isNoOp)
        #expect(try ManifestFile.load(w.results.recordURL(runID: full.record.runID).path) == full.record)
    }
}
