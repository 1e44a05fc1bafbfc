// DiffRendererTests: `hsiflow diff` text output as snapshots — with and without --all, a stage
// not reproduced (same key, different outputs) beside the environment, an environment-only
// diff, and a timing-only diff (one line by default, a table with --timings).
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
        // `--all` also lists the timings.
        if let m = snapshotMismatch(DiffRenderer.text(diff, showTimings: true), named: "diff-all.txt") {
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
