// DiffCommandTests: `hsiflow diff --exit-code` through the built binary — a stage not reproduced
// fails it (exit 1), timings and the environment do not (exit 0), shown on the committed
// reference manifest with every timing it holds slowed down.
import Foundation
import PipelineModel
import Testing
import TestSupport

@Suite(.enabled(if: hsiflowBinary() != nil, "needs the hsiflow binary (swift build)"))
struct DiffCommandTests {
    private func write(_ manifests: (old: Manifest, new: Manifest), in dir: URL) throws {
        try manifests.old.encoded().write(to: dir.appendingPathComponent("old.json"))
        try manifests.new.encoded().write(to: dir.appendingPathComponent("new.json"))
    }

    @Test func aStageNotReproducedFailsExitCode() throws {
        let dir = try makeTemporaryDirectory("hsiflow-diff")
        defer { try? FileManager.default.removeItem(at: dir) }
        try write(unreproducedManifests(), in: dir)
        let text = try runHsiflow(["diff", "old.json", "new.json", "--exit-code"], in: dir)
        #expect(text.status == 1, "\(text.stderr)")
        #expect(text.stdout.contains("Not reproduced: same inputs and parameters, different outputs"))
        let json = try runHsiflow(["diff", "old.json", "new.json", "--json"], in: dir)
        #expect(json.status == 0)
        let diff = try JSONDecoder().decode(ManifestDiff.self, from: Data(json.stdout.utf8))
        #expect(diff.notReproduced.map(\.outputs) == [["history", "model"]])
        #expect(diff.environment.contains { $0.field == "blas core" && $0.new == "SkylakeX" })
    }

    @Test func timingsAndTheEnvironmentAloneDoNotFailExitCode() throws {
        let dir = try makeTemporaryDirectory("hsiflow-diff")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("results/reference/manifest.json")
        var reference = try Manifest.decode(try Data(contentsOf: url), source: url.path)
        reference.environment = nil   // as a manifest written before environments were recorded
        var slower = reference
        slower.runID = "slower"
        slower.summary.seconds *= 1.1
        slower.environment = sampleEnvironment()
        for i in slower.stages.indices {
            slower.stages[i].seconds *= 1.1
            slower.stages[i].metrics = scaleTimings(.object(slower.stages[i].metrics), by: 1.1, name: "").object ?? [:]
        }
        try write((reference, slower), in: dir)
        let result = try runHsiflow(["diff", "old.json", "new.json", "--exit-code"], in: dir)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("no differences"))
        #expect(result.stdout.contains("Timings: "))
        #expect(result.stdout.contains("environment  not recorded  recorded"))
        #expect(!result.stdout.contains("Metrics"))
        let listed = try runHsiflow(["diff", "old.json", "new.json", "--timings"], in: dir)
        #expect(listed.stdout.contains("levels[3].latency_batch1_us") && listed.stdout.contains("models[0].float_latency_us"))
    }
}

/// A metric value with every timing leaf below it (as `hsiflow` names them) multiplied by `factor`.
private func scaleTimings(_ value: ParamValue, by factor: Double, name: String) -> ParamValue {
    switch value {
    case .object(let fields):
        return .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.key, scaleTimings($0.value, by: factor, name: $0.key)) }))
    case .list(let items):
        return .list(items.map { scaleTimings($0, by: factor, name: name) })
    case .int, .double:
        let timing = ["seconds", "samples_per_second", "latency_us", "latency_batch1_us", "float_latency_us"].contains(name)
        return timing ? .double((value.number ?? 0) * factor) : value
    default:
        return value
    }
}
