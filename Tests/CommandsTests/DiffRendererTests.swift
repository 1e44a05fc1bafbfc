// DiffRendererTests: `hsiflow diff` text output as snapshots — with and without --all, a stage
// not reproduced (same key, different outputs) beside the environment, an environment-only
// diff, a timing-only diff (one line by default, a table with --timings); and diffs of the
// reference study against edited copies: the readable layout, a timing-only one (counted, and
// listed with --timings), and --all.
import Foundation
import PipelineModel
import Testing
import TestSupport
@testable import Commands

@Suite struct DiffRendererTests {
    @Test func diffTextMatchesItsSnapshot() {
        let diff = ManifestDiff(old: sampleManifest(variant: 0), oldPath: "results/a/manifest.json",
                                new: sampleManifest(variant: 1), newPath: "results/b/manifest.json")
        if let m = snapshotMismatch(DiffRenderer.text(diff), named: "diff.txt") { Issue.record(Comment(rawValue: m)) }
    }

    @Test func diffTextWithUnchangedRowsMatchesItsSnapshot() {
        let diff = ManifestDiff(old: sampleManifest(variant: 0), oldPath: "a.json", new: sampleManifest(variant: 1),
                                newPath: "b.json", includeUnchanged: true)
        // `--all` also lists the timings, and every metric leaf in one table.
        if let m = snapshotMismatch(DiffRenderer.text(diff, showTimings: true, showAll: true), named: "diff-all.txt") {
            Issue.record(Comment(rawValue: m))
        }
    }

    @Test func identicalManifestsSayNoDifferences() {
        let diff = ManifestDiff(old: sampleManifest(variant: 0), oldPath: "a", new: sampleManifest(variant: 0), newPath: "b")
        #expect(DiffRenderer.text(diff).hasSuffix("no differences"))
    }

    @Test func aStageNotReproducedIsItsOwnSectionWithTheEnvironmentBesideIt() {
        let (old, new) = unreproducedManifests()
        let diff = ManifestDiff(old: old, oldPath: "a.json", new: new, newPath: "b.json")
        let text = DiffRenderer.text(diff)
        #expect(text.contains("  environment: cpu flags +avx512f; blas config differs; blas core Haswell → SkylakeX; threads 2 → 1"))
        #expect(!text.contains("Outputs"))
        if let m = snapshotMismatch(text, named: "diff-not-reproduced.txt") { Issue.record(Comment(rawValue: m)) }
    }

    @Test func environmentDifferencesAloneAreAShortSectionAfterNoDifferences() {
        var old = sampleManifest(variant: 0), new = sampleManifest(variant: 0)
        old.environment = sampleEnvironment(core: "Haswell", flags: ["avx", "avx2", "fma"], threads: 2)
        new.environment = sampleEnvironment(core: "SkylakeX", flags: ["avx", "avx2", "avx512f"], threads: 2)
        new.environment?.blas.coreType = "SkylakeX"
        new.environment?.source = .init(commit: String(repeating: "8", count: 40), dirty: true)
        new.runID = "run-1"
        let diff = ManifestDiff(old: old, oldPath: "a.json", new: new, newPath: "b.json")
        #expect(DiffRenderer.environmentSummary(diff.environment)
                == "source commit 999999999999 → 888888888888; source dirty false → true; cpu flags +avx512f -fma; blas config differs; blas core Haswell → SkylakeX; OPENBLAS_CORETYPE - → SkylakeX")
        if let m = snapshotMismatch(DiffRenderer.text(diff), named: "diff-environment.txt") { Issue.record(Comment(rawValue: m)) }
    }

    @Test func aTimingOnlyDiffSaysNoDifferencesAndCountsTheTimingsInOneLine() {
        let (old, new) = timingOnlyManifests()
        let diff = ManifestDiff(old: old, oldPath: "a.json", new: new, newPath: "b.json")
        let text = DiffRenderer.text(diff)
        #expect(text.contains("no differences"))
        if let m = snapshotMismatch(text, named: "diff-timings-only.txt") { Issue.record(Comment(rawValue: m)) }
        if let m = snapshotMismatch(DiffRenderer.text(diff, showTimings: true), named: "diff-timings-shown.txt") {
            Issue.record(Comment(rawValue: m))
        }
    }
}

/// Diffs of the committed reference study (results/reference/manifest.json) against copies the
/// tests edit and write: the readable layout, a timing-only diff, and `--all`.
@Suite struct ReferenceDiffRendererTests {
    private static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("results/reference/manifest.json")

    /// `value` with the leaf at `path` (object keys, or list indices as numbers) replaced by `change(leaf)`.
    private func updating(_ value: ParamValue, _ path: ArraySlice<String>, _ change: (ParamValue) -> ParamValue) -> ParamValue {
        guard let head = path.first else { return change(value) }
        switch value {
        case .object(var fields):
            fields[head] = updating(fields[head] ?? .null, path.dropFirst(), change)
            return .object(fields)
        case .list(var items):
            let i = Int(head)!
            items[i] = updating(items[i], path.dropFirst(), change)
            return .list(items)
        default:
            return value
        }
    }

    private func add(_ amount: Double) -> (ParamValue) -> ParamValue {
        { value in
            if case .int(let i) = value, amount.rounded() == amount { return .int(i + Int(amount)) }
            return .double((value.number ?? 0) + amount)
        }
    }

    /// Edits metric `path` of `stage` in `manifest`.
    private func edit(_ manifest: inout Manifest, _ stage: String, _ path: String, _ change: @escaping (ParamValue) -> ParamValue) {
        let i = manifest.stages.firstIndex { $0.id == stage }!
        let parts = path.split(separator: ".").map(String.init)
        manifest.stages[i].metrics = updating(.object(manifest.stages[i].metrics), parts[...], change).object!
    }

    /// Writes `manifest` into a temporary folder and reads it back as `hsiflow diff` would.
    private func roundTrip(_ manifest: Manifest) throws -> Manifest {
        let dir = try makeTemporaryDirectory("hsiflow-diff")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("manifest.json")
        try manifest.encoded().write(to: url)
        return try DiffCommand.load(url.path).0
    }

    private func referenceManifest() throws -> Manifest {
        try DiffCommand.load(Self.reference.path).0
    }

    /// The reference with the pca branch's results moved: a retrained model, its metrics, its
    /// pruning levels and quantized models, and the band reducers' headline numbers.
    private func changedCopy() throws -> Manifest {
        var m = try referenceManifest()
        m.runID = "changed"
        let train = m.stages.firstIndex { $0.id == "train[bands=pca]" }!
        m.stages[train].params["epochs"] = .int(20)
        m.stages[train].key = String(repeating: "f", count: 64)
        m.stages[train].outputs[2].sha256 = String(repeating: "e", count: 64)
        edit(&m, "train[bands=pca]", "oa", add(0.004))
        edit(&m, "train[bands=pca]", "aa", add(-0.002))
        edit(&m, "train[bands=pca]", "kappa", add(0.005))
        for cell in 0..<14 { edit(&m, "train[bands=pca]", "confusion.\(cell % 9).\((cell / 9 + cell * 4) % 9)", add(Double(cell % 3 == 0 ? 9 : -2))) }
        for epoch in 0..<10 { edit(&m, "train[bands=pca]", "loss.\(epoch)", add(0.0003 * Double(epoch + 1))) }
        edit(&m, "train[bands=pca]", "samples_per_second", add(120))
        edit(&m, "reduce[bands=pca]", "explainedVarianceRatio", add(0.0012))
        edit(&m, "reduce[bands=nmf]", "reconstructionError", add(-1.5))
        for level in [3, 5, 9] {
            edit(&m, "prune[bands=pca]", "levels.\(level).oa", add(-0.01 * Double(level)))
            edit(&m, "prune[bands=pca]", "levels.\(level).kappa", add(-0.012 * Double(level)))
        }
        edit(&m, "prune[bands=pca]", "levels.2.latency_us", add(3))
        edit(&m, "prune[bands=pca]", "levels.4.fine_tuning_loss.1", add(0.002))
        edit(&m, "quantize[bands=pca]", "models.1.oa", add(-0.02))
        edit(&m, "quantize[bands=pca]", "models.1.oa_delta", add(-0.02))
        return try roundTrip(m)
    }

    @Test func aChangedStudyReadsSummaryFirstThenHeadlinesThenTables() throws {
        let diff = ManifestDiff(old: try referenceManifest(), oldPath: "results/reference/manifest.json",
                                new: try changedCopy(), newPath: "changed/manifest.json")
        let text = DiffRenderer.text(diff)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= DiffRenderer.width })
        #expect(text.contains("Summary: stages 1 re-keyed, 0 added, 0 removed; changed 1 parameter, 38 metrics, 1 artifact\n"))
        #expect(text.contains("14 cells changed, max |Δ| 9"))
        #expect(text.contains("10 values changed, max |Δ| 0.003"))
        let order = ["Summary:", "Parameters", "Metrics", "prune[bands=pca] levels", "Lists and matrices", "Outputs"]
            .map { text.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order.compactMap { $0 } == order.compactMap { $0 }.sorted())
        // The value keeps every changed leaf; only the text summarises.
        #expect(diff.metrics.filter { $0.metric.hasPrefix("confusion[") }.count == 14)
        #expect(diff.metrics.first { $0.metric == "levels[3].oa" }?.item == "15")
        if let m = snapshotMismatch(text, named: "diff-reference.txt") { Issue.record(Comment(rawValue: m)) }
    }

    @Test func aTimingOnlyDiffOfTheStudyFitsOneScreen() throws {
        var m = try referenceManifest()
        m.runID = "timings"
        for i in m.stages.indices { m.stages[i].seconds += 1 }
        m.summary.seconds += 12
        edit(&m, "train[bands=pca]", "samples_per_second", add(-200))
        for level in 0..<18 { edit(&m, "prune[bands=pca]", "levels.\(level).latency_us", add(0.5)) }
        let diff = ManifestDiff(old: try referenceManifest(), oldPath: "results/reference/manifest.json",
                                new: try roundTrip(m), newPath: "timings/manifest.json")
        let text = DiffRenderer.text(diff)
        #expect(!diff.hasDifferences && text.contains("no differences"))
        #expect(text.split(separator: "\n").count <= 24 && text.split(separator: "\n").allSatisfy { $0.count <= 100 })
        if let m = snapshotMismatch(text, named: "diff-reference-timings.txt") { Issue.record(Comment(rawValue: m)) }
    }

    @Test func timingsOfTheStudyAreListedInTheirOwnSectionWithTimings() throws {
        var m = try referenceManifest()
        m.runID = "timings"
        for i in m.stages.indices { m.stages[i].seconds += 1 }
        edit(&m, "train[bands=pca]", "samples_per_second", add(-200))
        for level in [0, 9, 17] { edit(&m, "prune[bands=pca]", "levels.\(level).latency_us", add(0.5)) }
        edit(&m, "quantize[bands=nmf]", "models.3.latency_batch1_us", add(4))
        let diff = ManifestDiff(old: try referenceManifest(), oldPath: "results/reference/manifest.json",
                                new: try roundTrip(m), newPath: "timings/manifest.json")
        let text = DiffRenderer.text(diff, showTimings: true)
        #expect(!diff.hasDifferences)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= DiffRenderer.width })
        for leaf in ["samples_per_second", "levels[9].latency_us", "models[3].latency_batch1_us"] { #expect(text.contains(leaf), "\(leaf)") }
        if let m = snapshotMismatch(text, named: "diff-reference-timings-listed.txt") { Issue.record(Comment(rawValue: m)) }
    }

    @Test func allStillListsEveryLeaf() throws {
        let old = try referenceManifest(), new = try changedCopy()
        let changed = ManifestDiff(old: old, oldPath: "results/reference/manifest.json", new: new, newPath: "changed/manifest.json")
        let text = DiffRenderer.text(changed, showAll: true)
        for row in changed.metrics { #expect(text.contains("  \(row.metric)  "), "\(row.metric)") }
        #expect(!text.contains("Lists and matrices"))
        if let m = snapshotMismatch(text, named: "diff-reference-all.txt") { Issue.record(Comment(rawValue: m)) }
        // As `hsiflow diff --all` asks: unchanged leaves too, every one listed.
        let every = ManifestDiff(old: old, oldPath: "a", new: new, newPath: "b", includeUnchanged: true)
        let all = DiffRenderer.text(every, showTimings: true, showAll: true)
        let listed = Set(all.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
                            .filter { $0.count >= 2 }.map { "\($0[0]) \($0[1])" })
        #expect(every.metrics.count > 500)
        #expect(every.metrics.allSatisfy { listed.contains("\($0.stage) \($0.metric)") })
    }
}
