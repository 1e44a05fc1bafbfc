// ManifestDiffTests: the diff model between two manifests, as a JSON snapshot, and its rules:
// numeric deltas, leaves of nested metrics, stages added/removed/re-keyed, changed artifacts.
import Foundation
import PipelineModel
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
}
