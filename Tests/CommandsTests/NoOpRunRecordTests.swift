// NoOpRunRecordTests: end to end through the binary, a no-op run leaves a short record pointing at
// the unchanged manifest, and diff, report and cache gc read it, and the older full records, alike.
import Foundation
import Testing
import TestSupport

@Suite struct NoOpRunRecordTests {
    @Test func diffReportAndGCReadANoOpRunsShortRecordAndTheFullOnes() throws {
        guard hsiflowBinary() != nil else {
            print("skipped: the hsiflow binary is not built")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hsiflow-noop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: noop\nstages:\n  a: {kind: sleep, value: 1}\n  b: {kind: sleep, needs: a, value: 2}\n"
            .write(to: dir.appendingPathComponent("noop.yaml"), atomically: true, encoding: .utf8)
        let runs = dir.appendingPathComponent("results/noop/runs")
        var records: [String] = []
        // Cold, the first rerun (stages turn cached: written in full), then a no-op. Run ids are
        // per second and process, so each run starts in a new second.
        for _ in 0..<3 {
            let run = try runHsiflow(["run", "-q", "noop.yaml"], in: dir)
            #expect(run.status == 0, "\(run.stderr)")
            let all = try FileManager.default.contentsOfDirectory(atPath: runs.path).sorted()
            records = all
            Thread.sleep(forTimeInterval: 1.05)
        }
        #expect(records.count == 3, "\(records)")
        guard records.count == 3 else { return }
        let manifest = dir.appendingPathComponent("results/noop/manifest.json")
        let noOp = runs.appendingPathComponent(records[2]).appendingPathComponent("manifest.json")
        let full = runs.appendingPathComponent(records[1]).appendingPathComponent("manifest.json")
        let noOpText = try String(contentsOf: noOp, encoding: .utf8)
        #expect(noOpText.contains("\"record\" : \"no-op run\"") && noOpText.utf8.count < 1024, "\(noOpText)")
        #expect(noOpText.contains("../\(records[1])/manifest.json"))
        #expect(try Data(contentsOf: manifest) == Data(contentsOf: full), "the current manifest is the last full record")
        // diff reads the pointer (by file and by the run's folder) and the full records.
        for pair in [[noOp.path, manifest.path], [runs.appendingPathComponent(records[2]).path, full.path]] {
            let diff = try runHsiflow(["diff", "--exit-code"] + pair, in: dir)
            #expect(diff.status == 0, "diff \(pair): \(diff.stdout) \(diff.stderr)")
        }
        let fromCold = try runHsiflow(["diff", runs.appendingPathComponent(records[0]).path, noOp.path], in: dir)
        #expect(fromCold.status == 0, "\(fromCold.stderr)")
        let report = try runHsiflow(["report", runs.appendingPathComponent(records[2]).path], in: dir)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: runs.appendingPathComponent(records[2]).appendingPathComponent("report.html").path))
        // gc keeps what the records name: the next run is still all cached.
        let gc = try runHsiflow(["cache", "gc"], in: dir)
        #expect(gc.status == 0, "\(gc.stderr)")
        let again = try runHsiflow(["run", "--json", "noop.yaml"], in: dir)
        #expect(again.status == 0 && again.stdout.contains("\"cached\" : 2"), "\(again.stdout) \(again.stderr)")
        // A pointer whose target was changed is refused with the file named, exit 2.
        try (try String(contentsOf: full, encoding: .utf8) + " ").write(to: full, atomically: true, encoding: .utf8)
        let broken = try runHsiflow(["diff", noOp.path, manifest.path], in: dir)
        #expect(broken.status == 2 && broken.stderr.contains(noOp.path) && broken.stderr.contains("has changed"), "\(broken.stderr)")
    }
}
