// DiffRendererTests: `hsiflow diff` text output as a snapshot, with and without --all.
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
        if let m = snapshotMismatch(DiffRenderer.text(diff), named: "diff-all.txt") { Issue.record(Comment(rawValue: m)) }
    }

    @Test func identicalManifestsSayNoDifferences() {
        let diff = ManifestDiff(old: sampleManifest(variant: 0), oldPath: "a", new: sampleManifest(variant: 0), newPath: "b")
        #expect(DiffRenderer.text(diff).hasSuffix("no differences"))
    }
}
