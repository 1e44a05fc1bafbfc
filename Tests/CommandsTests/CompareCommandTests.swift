// CompareCommandTests: `hsiflow compare` and `hsiflow report --compare A B …` through the built
// binary — the page and the 100-column summary for replicates, `--json` numbers, and bad input
// (a missing manifest, a file that is not a manifest, a single run, --to on a file) as exit 2.
import Foundation
import PipelineModel
import Report
import Testing
import TestSupport

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"))
struct CompareCommandTests {
    /// Three replicate runs written as results folders s41, s42, s43 in a fresh folder.
    private func replicates() throws -> URL {
        let dir = try makeTemporaryDirectory("hsiflow-compare")
        for (seed, shift) in [(41, 0.01), (42, -0.01), (43, 0.0)] {
            let folder = dir.appendingPathComponent("results/s\(seed)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try studyManifest(seed: seed, shift: shift).encoded().write(to: folder.appendingPathComponent("manifest.json"))
        }
        return dir
    }

    private struct Output: Decodable {
        var page: String
        var comparison: Comparison
    }

    @Test func replicatesGiveAPageAndASummaryWithMeanAndStd() throws {
        let dir = try replicates()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try runHsiflow(["compare", "results/s41", "results/s42", "results/s43/manifest.json", "--to", "cmp"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("differ only by seed (41, 42, 43)"))
        #expect(result.stdout.contains("0.9500 ± 0.0100"))
        #expect(result.stdout.split(separator: "\n").allSatisfy { $0.count <= 100 })
        #expect(result.stdout.hasSuffix("page: cmp/comparison.html\n"))
        let html = try String(contentsOf: dir.appendingPathComponent("cmp/comparison.html"), encoding: .utf8)
        #expect(html.contains("<polygon") && !html.contains("<script"))

        let json = try runHsiflow(["compare", "results/s41", "results/s42", "results/s43", "--to", "cmp", "--json"], in: dir)
        #expect(json.status == 0, "\(json.stderr)")
        let output = try JSONDecoder().decode(Output.self, from: Data(json.stdout.utf8))
        #expect(output.comparison.mode == .seeds)
        #expect(output.comparison.runs.map(\.path) == ["results/s41", "results/s42", "results/s43"])
        #expect(output.page == "cmp/comparison.html")
        let oa = output.comparison.stageRows.first { $0.stage == "train[bands=nmf]" && $0.metric == "oa" }
        #expect(abs((oa?.mean ?? 0) - 0.90) < 1e-12 && abs((oa?.std ?? 0) - 0.01) < 1e-12)
    }

    @Test func reportCompareTakesSeveralRuns() throws {
        let dir = try replicates()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try runHsiflow(["report", "results/s41", "--compare", "results/s42", "results/s43", "--cache", "cache"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOf: dir.appendingPathComponent("results/s41/report.html"), encoding: .utf8)
        #expect(html.contains("<section id=\"runs-compared\">"))
        #expect(html.contains("3 runs that differ only by seed (41, 42, 43)"))
        // One other run keeps the diff section and adds the curves.
        let one = try runHsiflow(["report", "results/s41", "--compare", "results/s42", "--cache", "cache"], in: dir)
        #expect(one.status == 0, "\(one.stderr)")
        let page = try String(contentsOf: dir.appendingPathComponent("results/s41/report.html"), encoding: .utf8)
        #expect(page.contains("<section id=\"comparison\">") && page.contains("<section id=\"runs-compared\">"))
    }

    @Test func badInputIsExitTwoWithAMessage() throws {
        let dir = try replicates()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{\"hello\": 1}".utf8).write(to: dir.appendingPathComponent("not-a-manifest.json"))
        let cases: [([String], String)] = [
            (["compare", "results/s41"], "at least two runs"),
            (["compare", "results/s41", "results/missing"], "results/missing does not exist"),
            (["compare", "results/s41", "not-a-manifest.json"], "schemaVersion"),
            (["compare", "results/s41", "results/s42", "--to", "results/s41/manifest.json"], "is a file"),
        ]
        for (arguments, message) in cases {
            let result = try runHsiflow(arguments, in: dir)
            #expect(result.status == 2, "\(arguments): \(result.stdout)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results/comparison").path))
    }
}
