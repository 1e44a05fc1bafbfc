// JSONOutputTests: the `--json` output of graph, validate, cache du / verify / gc and data check,
// through the built binary, as snapshots (temporary paths replaced by <dir>); the shapes are the
// ones Docs/JSONOutput.md documents, each with "schemaVersion": 1.
import Foundation
import Testing
import TestSupport

private let experiment = """
name: shapes
seed: 5
matrix:
  v: [1, 2]
stages:
  first: {kind: sleep, value: start}
  second: {kind: sleep, needs: first, value: "${v}", bytes: 2000}

"""

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"), .serialized)
struct JSONOutputTests {
    private func workspace() throws -> URL {
        let dir = try makeTemporaryDirectory("hsiflow-json")
        try experiment.write(to: dir.appendingPathComponent("exp.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    /// Runs `hsiflow arguments`, expects `status`, and compares stdout (paths normalized) with a snapshot.
    private func expectSnapshot(_ arguments: [String], in dir: URL, status: Int32 = 0, named name: String) throws {
        let result = try runHsiflow(arguments, in: dir)
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        let text = result.stdout.replacingOccurrences(of: dir.path, with: "<dir>")
        #expect(text.contains("\"schemaVersion\" : 1"), "\(arguments)")
        #expect(snapshotMismatch(text, named: name) == nil, "\(snapshotMismatch(text, named: name) ?? "")")
    }

    @Test func graphAndValidate() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        try expectSnapshot(["graph", "exp.yaml", "--json"], in: dir, named: "graph.json")
        try expectSnapshot(["validate", "exp.yaml", "--json"], in: dir, named: "validate-ok.json")
        try "name: bad\nstages:\n  a: {kind: slep}\n  b: {kind: sleep, needs: aa}\n"
            .write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        try expectSnapshot(["validate", "bad.yaml", "--json"], in: dir, status: 2, named: "validate-problems.json")
        try expectSnapshot(["validate", "nothere.yaml", "--json"], in: dir, status: 2, named: "validate-unreadable.json")
        let both = try runHsiflow(["graph", "exp.yaml", "--json", "--format", "dot"], in: dir)
        #expect(both.status == 2)
    }

    @Test func cacheCommands() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try runHsiflow(["run", "exp.yaml", "--quiet"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        try expectSnapshot(["cache", "du", "--json"], in: dir, named: "cache-du.json")
        try expectSnapshot(["cache", "verify", "--json"], in: dir, named: "cache-verify.json")
        try expectSnapshot(["cache", "gc", "--dry-run", "--json"], in: dir, named: "cache-gc-dry-run.json")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("results"))
        try expectSnapshot(["cache", "gc", "--json"], in: dir, named: "cache-gc.json")
    }

    @Test func dataCheckOfAFolderWithoutTheData() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        try expectSnapshot(["data", "check", "empty", "--json"], in: dir, status: 2, named: "data-check-missing.json")
    }
}
