// RunCommandTests: what `hsiflow run` leaves in results/<name>/ — a partial run (`--only`) keeps
// the stages it did not select in the current manifest (carried over while their keys still
// apply), and its own record under runs/<run-id>/ says only what it did.
import Foundation
import PipelineModel
import Testing
import TestSupport

@Suite struct RunCommandTests {
    /// a → b[v] → c[v], and d alone; every stage is the quick `sleep` test kind.
    private func experiment(dValue: Int) -> String {
        "name: partial\nmatrix:\n  v: [1, 2]\nstages:\n  a: {kind: sleep}\n  b: {kind: sleep, needs: a, value: \"${v}\"}\n"
            + "  c: {kind: sleep, needs: b}\n  d: {kind: sleep, value: \(dValue)}\n"
    }

    private func manifest(_ url: URL) throws -> Manifest {
        try Manifest.decode(try Data(contentsOf: url), source: url.path)
    }

    @Test func aPartialRunCarriesTheStagesItLeftAloneIntoTheCurrentManifest() throws {
        let dir = try makeTemporaryDirectory("hsiflow-partial")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("partial.yaml")
        try experiment(dValue: 1).write(to: file, atomically: true, encoding: .utf8)
        let current = dir.appendingPathComponent("results/partial/manifest.json")

        let full = try runHsiflow(["run", "partial.yaml", "-q"], in: dir)
        #expect(full.status == 0, "\(full.stderr)")
        let first = try manifest(current)
        #expect(first.stages.allSatisfy { $0.status == .ran && $0.carriedFrom == nil })

        let partial = try runHsiflow(["run", "partial.yaml", "-q", "--only", "b[v=1]", "--force", "b[v=1]"], in: dir)
        #expect(partial.status == 0, "\(partial.stderr)")
        let second = try manifest(current)
        #expect(second.runID != first.runID)
        #expect(second.stages.map(\.id) == first.stages.map(\.id))
        #expect(second.stages.allSatisfy { !$0.outputs.isEmpty && $0.status != .skipped }, "\(second.stages.map(\.status))")
        let carried = second.stages.filter { $0.carriedFrom != nil }
        #expect(carried.map(\.id).sorted() == ["b[v=2]", "c[v=1]", "c[v=2]", "d"])
        for entry in carried {
            var original = entry
            original.carriedFrom = nil
            #expect(entry.carriedFrom == first.runID && first.stage(entry.id) == original, "\(entry.id)")
        }
        #expect(second.stage("b[v=1]")?.status == .ran && second.stage("b[v=1]")?.carriedFrom == nil)
        #expect(second.summary.carried == 4 && second.summary.skipped == 0)

        // The run's own record: exactly what the partial run did, nothing carried.
        let record = try manifest(dir.appendingPathComponent("results/partial/runs/\(second.runID)/manifest.json"))
        #expect(record.stages.allSatisfy { $0.carriedFrom == nil })
        #expect(record.stages.filter { $0.status == .skipped }.map(\.id).sorted() == ["b[v=2]", "c[v=1]", "c[v=2]", "d"])
        #expect(record.summary.carried == nil && record.summary.skipped == 4)
        // The first run's record is untouched.
        #expect(try manifest(dir.appendingPathComponent("results/partial/runs/\(first.runID)/manifest.json")) == first)
    }

    @Test func aStageWhoseKeyAnEditChangedIsNotCarried() throws {
        let dir = try makeTemporaryDirectory("hsiflow-partial")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("partial.yaml")
        try experiment(dValue: 1).write(to: file, atomically: true, encoding: .utf8)
        let full = try runHsiflow(["run", "partial.yaml", "-q"], in: dir)
        #expect(full.status == 0, "\(full.stderr)")
        let first = try manifest(dir.appendingPathComponent("results/partial/manifest.json"))

        // d's value changes its key; the run does not select it, so its old entry no longer applies.
        try experiment(dValue: 2).write(to: file, atomically: true, encoding: .utf8)
        let partial = try runHsiflow(["run", "partial.yaml", "-q", "--only", "c[v=1]"], in: dir)
        #expect(partial.status == 0, "\(partial.stderr)")
        let second = try manifest(dir.appendingPathComponent("results/partial/manifest.json"))
        #expect(second.stage("d")?.status == .skipped)
        #expect(second.stage("d")?.carriedFrom == nil && second.stage("d")?.outputs.isEmpty == true)
        #expect(second.stages.filter { $0.carriedFrom != nil }.map(\.id).sorted() == ["b[v=2]", "c[v=2]"])
        #expect(second.stage("c[v=2]")?.carriedFrom == first.runID)
        #expect(second.summary.carried == 2 && second.summary.skipped == 1)
    }
}
