// ManifestDiffTests: the diff model between two manifests, as a JSON snapshot, and its rules:
// numeric deltas, leaves of nested metrics, stages added/removed/re-keyed, changed artifacts,
// "same key, different outputs" as its own finding, environment changes, and timings kept apart.
import Foundation
@testable import PipelineModel
import Testing
import TestSupport

@Suite struct ManifestDiffTests {
    @Test func diffOfTwoManifestsMatchesItsSnapshot() throws {
        let diff = ManifestDiff(old: sampleManifest(variant: 0), oldPath: "a/manifest.json",
                                new: sampleManifest(variant: 1), newPath: "b/manifest.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(diff), as: UTF8.self)
        if let mismatch = snapshotMismatch(text, named: "diff.json") { Issue.record(Comment(rawValue: mismatch)) }
    }

    @Test func diffReportsDeltasStagesAndArtifacts() {
        let diff = ManifestDiff(old: sampleManifest(variant: 0), oldPath: "a", new: sampleManifest(variant: 1), newPath: "b")
        #expect(diff.hasDifferences)
        #expect(diff.stagesAdded == ["new"])
        #expect(diff.stagesRemoved == ["old"])
        #expect(diff.stagesRekeyed.map(\.stage) == ["train[bands=pca]"])
        let oa = diff.metrics.first { $0.metric == "oa" }
        #expect(oa?.delta == 0.0625)
        #expect(diff.metrics.first { $0.metric == "per_class[1]" }?.delta == -0.25)
        #expect(diff.metrics.first { $0.metric == "kappa" }?.old == nil)
        #expect(diff.metrics.contains { $0.metric == "loss" } == false)
        #expect(diff.params.map { "\($0.stage) \($0.path)" } == ["(experiment) seed", "train[bands=pca] epochs"])
        #expect(diff.outputs.map { "\($0.stage):\($0.output):\($0.change.rawValue)" } == ["train[bands=pca]:model:changed"])
    }

    @Test func unchangedRowsAppearOnlyWhenAsked() {
        let same = ManifestDiff(old: sampleManifest(variant: 0), oldPath: "a", new: sampleManifest(variant: 0), newPath: "b")
        #expect(!same.hasDifferences)
        #expect(same.metrics.isEmpty && same.params.isEmpty && same.outputs.isEmpty)
        let all = ManifestDiff(old: sampleManifest(variant: 0), oldPath: "a", new: sampleManifest(variant: 0), newPath: "b",
                               includeUnchanged: true)
        #expect(!all.hasDifferences)
        #expect(all.metrics.contains { $0.metric == "loss" && !$0.changed })
        #expect(all.outputs.count == 2)
    }

    @Test func aStageSkippedInOneRunIsListedOnceNotComparedLeafByLeaf() {
        let old = sampleManifest(variant: 0)
        var new = old
        new.runID = "only"
        let skipped = old.stages.count - 1
        new.stages[skipped].status = .skipped
        new.stages[skipped].key = ""
        new.stages[skipped].metrics = [:]
        new.stages[skipped].outputs = []
        let diff = ManifestDiff(old: old, oldPath: "a", new: new, newPath: "b")
        #expect(diff.notRunInOne == [old.stages[skipped].id])
        #expect(diff.metrics.isEmpty && diff.outputs.isEmpty && diff.stagesRekeyed.isEmpty)
        #expect(!diff.hasDifferences)
        let all = ManifestDiff(old: old, oldPath: "a", new: new, newPath: "b", includeUnchanged: true)
        #expect(!all.metrics.contains { $0.metric.isEmpty }, "no row without a metric name")
    }

    @Test func cacheBookkeepingMetricsAreNotDifferences() {
        let old = sampleManifest(variant: 0)
        var new = old
        new.stages[0].metrics["steps_computed"] = .int(0)
        new.stages[0].metrics["steps_reused"] = .int(4)
        var before = old
        before.stages[0].metrics["steps_computed"] = .int(4)
        before.stages[0].metrics["steps_reused"] = .int(0)
        let diff = ManifestDiff(old: before, oldPath: "a", new: new, newPath: "b")
        #expect(!diff.hasDifferences && diff.metrics.isEmpty)
        #expect(diff.timings.map(\.metric).sorted() == ["steps_computed", "steps_reused"])
    }

    @Test func aStageWithTheSameKeyAndDifferentOutputsIsNotReproducedNotAnOutputChange() {
        let (old, new) = unreproducedManifests()
        let diff = ManifestDiff(old: old, oldPath: "a", new: new, newPath: "b")
        #expect(diff.notReproduced.map(\.stage) == ["train[bands=pca]"])
        let finding = diff.notReproduced.first
        #expect(finding?.key == String(repeating: "b", count: 64) && finding?.outputs == ["history", "model"])
        #expect(finding?.oldThreads == 2 && finding?.newThreads == 1)
        #expect(diff.stagesRekeyed.isEmpty && diff.params.isEmpty)
        #expect(diff.outputs.isEmpty)
        // Its metric changes are consequences, kept with the finding rather than among the metrics.
        #expect(diff.metrics.isEmpty && finding?.metrics.map(\.metric) == ["oa"])
        #expect(diff.hasDifferences)
        // Nothing else is flagged: unchanged stages with the same key are fine.
        let same = ManifestDiff(old: old, oldPath: "a", new: old, newPath: "b")
        #expect(same.notReproduced.isEmpty && !same.hasDifferences)
    }

    @Test func aFailedOrSkippedStageIsNotCalledUnreproduced() {
        var (old, new) = unreproducedManifests()
        let t = new.stages.firstIndex { $0.id == "train[bands=pca]" } ?? 0
        new.stages[t].status = .failed
        new.stages[t].outputs = []
        old.environment = nil
        let diff = ManifestDiff(old: old, oldPath: "a", new: new, newPath: "b")
        #expect(diff.notReproduced.isEmpty)
        #expect(diff.outputs.map { "\($0.output):\($0.change.rawValue)" } == ["history:removed", "model:removed"])
    }

    @Test func environmentChangesListOnlyTheFieldsThatDiffer() {
        let (old, new) = unreproducedManifests()
        let diff = ManifestDiff(old: old, oldPath: "a", new: new, newPath: "b")
        #expect(diff.environment.map(\.field) == ["cpu flags", "blas config", "blas core", "threads"])
        let flags = diff.environment.first { $0.field == "cpu flags" }
        #expect(flags?.added == ["avx512f"] && flags?.removed == [])
        #expect(diff.environment.first { $0.field == "blas core" }.map { [$0.old, $0.new] } == ["Haswell", "SkylakeX"])
        // A manifest written before the environment was recorded: one row, not one per field.
        var older = old
        older.environment = nil
        older.host.cores = 8
        let mixed = ManifestDiff(old: older, oldPath: "a", new: new, newPath: "b")
        #expect(mixed.environment.map { "\($0.field) \($0.old ?? "-") → \($0.new ?? "-")" }
                == ["cores 8 → 2", "environment not recorded → recorded"])
        // Environment differences alone are not differences in results.
        var moved = old
        moved.environment = new.environment
        #expect(!ManifestDiff(old: old, oldPath: "a", new: moved, newPath: "b").hasDifferences)
    }

    @Test func timingsAreKeptApartAndAreNotDifferences() {
        let (old, new) = timingOnlyManifests()
        let diff = ManifestDiff(old: old, oldPath: "a", new: new, newPath: "b")
        #expect(!diff.hasDifferences)
        #expect(diff.metrics.isEmpty && diff.outputs.isEmpty && diff.params.isEmpty && diff.notReproduced.isEmpty)
        #expect(diff.timings.map { "\($0.stage) \($0.metric)" } == [
            "scene (seconds)",
            "train[bands=pca] levels[0].float_latency_us", "train[bands=pca] levels[0].latency_batch1_us",
            "train[bands=pca] levels[0].latency_us", "train[bands=pca] samples_per_second", "train[bands=pca] seconds",
            "train[bands=pca] (seconds)", "(run) seconds",
        ])
        #expect(diff.timings.first { $0.metric == "(seconds)" && $0.stage == "scene" }?.delta == 0.125)
    }

    @Test func timingNamesMatchWhatStagesWrite() {
        for timing in ["seconds", "samples_per_second", "latency_us", "models[0].latency_us", "levels[3].latency_batch1_us",
                       "models[1].float_latency_us", "fit_seconds", "times[2].seconds"] {
            #expect(ManifestDiff.isTiming(timing), "\(timing)")
        }
        for metric in ["oa", "levels[3].oa", "seconds_per_epoch_budget", "latency", "steps_computed", "models[0].bytes"] {
            #expect(!ManifestDiff.isTiming(metric), "\(metric)")
        }
    }

    @Test func listsOfObjectsAreComparedFieldByField() {
        var old = sampleManifest(variant: 0), new = sampleManifest(variant: 0)
        old.stages[1].metrics["levels"] = .list([["level": 0, "oa": 0.5], ["level": 20, "oa": 0.25]])
        new.stages[1].metrics["levels"] = .list([["level": 0, "oa": 0.5], ["level": 20, "oa": 0.5]])
        let diff = ManifestDiff(old: old, oldPath: "a", new: new, newPath: "b")
        #expect(diff.metrics.map(\.metric) == ["levels[1].oa"])
        #expect(diff.metrics.first?.delta == 0.25)
        // The row names the level it belongs to; a leaf outside a list of objects names none.
        #expect(diff.metrics.first?.item == "20")
        #expect(ManifestDiff.itemName("per_class[1]", new.stages[1].metrics) == nil)
    }
}

// MARK: - Large metrics

extension ManifestDiffTests {
    /// A square matrix of `n`×`n` counts, one cell changed by `bump`.
    static func matrix(_ n: Int, bump: Int) -> ParamValue {
        .list((0..<n).map { i in .list((0..<n).map { j in .int((i * 31 + j) % 10 + (i == 3 && j == 5 ? bump : 0)) }) })
    }

    @Test func aMetricOfMoreThanTenThousandValuesIsOneSummarisedRow() {
        var old = sampleManifest(variant: 0), new = sampleManifest(variant: 0)
        old.stages[1].metrics["confusion"] = Self.matrix(300, bump: 0)
        new.stages[1].metrics["confusion"] = Self.matrix(300, bump: 1)
        let diff = ManifestDiff(old: old, oldPath: "a", new: new, newPath: "b")
        let rows = diff.metrics.filter { $0.metric.hasPrefix("confusion") }
        #expect(rows.count == 1)
        #expect(rows.first?.metric == "confusion")
        #expect(rows.first?.old?.string?.hasPrefix("300×300 values, digest ") == true)
        #expect(rows.first?.new?.string?.hasSuffix("(more than 10000 values: compared whole, not value by value)") == true)
        // The same large value on both sides is unchanged; ints and doubles of one value agree.
        new.stages[1].metrics["confusion"] = .list(Self.matrix(300, bump: 0).list?.map { .list($0.list?.map { .double($0.number ?? 0) } ?? []) } ?? [])
        #expect(ManifestDiff(old: old, oldPath: "a", new: new, newPath: "b").metrics.filter { $0.metric.hasPrefix("confusion") }.isEmpty)
        // A small matrix is still compared cell by cell.
        old.stages[1].metrics["confusion"] = Self.matrix(10, bump: 0)
        new.stages[1].metrics["confusion"] = Self.matrix(10, bump: 1)
        #expect(ManifestDiff(old: old, oldPath: "a", new: new, newPath: "b").metrics.map(\.metric).contains("confusion[3][5]"))
    }
}
