// BandSelectStageTests: `band-select` through the engine — PCA reduces the upstream cube to the
// requested components (matching BandReducer called directly), passes the label maps through,
// and reports explained variance; NMF with standard scaling is refused with a clear message.
import BandSelection
import ExperimentStages
import Foundation
import PipelineEngine
import PipelineModel
import SpectralData
import Testing
import TestSupport

private func experiment(_ reduce: String) -> String {
    """
    name: b
    seed: 9
    stages:
      scene:
        kind: load
        cube: synthetic
        synthetic: {height: 16, width: 16, bands: 12, classes: 3}
      reduce:
        kind: band-select
        needs: scene
    \(reduce)
    """
}

@Suite struct BandSelectStageTests {
    @Test func pcaReducesTheUpstreamCubeLikeBandReducer() throws {
        let h = EngineHarness(registry: StandardStages.registry)
        let run = try h.run(experiment("    method: pca\n    components: 4\n    normalize: standard\n"))
        #expect(run.result.status("reduce") == .ran, "\(run.result.outcomes.last?.error ?? "")")
        let scene = try #require(run.result.outcomes.first?.record)
        let reduce = try #require(run.result.outcomes.last?.record)
        let cubeRef = try #require(reduce.outputs["cube"])
        let sceneCubeRef = try #require(scene.outputs["cube"])
        let reduced = try ArtifactCoding.cube(try #require(try h.store.read(cubeRef)), source: "reduced")
        let original = try ArtifactCoding.cube(try #require(try h.store.read(sceneCubeRef)), source: "scene")
        let direct = try BandReducer(method: .pca(PCA(components: 4)), normalization: .standard).fitTransform(cube: original).reduced
        #expect(reduced.bands == 4)
        #expect(allClose(reduced.values, direct.values, absolute: 1e-5))
        #expect(reduce.outputs["train"] == scene.outputs["train"])
        #expect(reduce.outputs["test"] == scene.outputs["test"])
        let ratio = try #require(reduce.metrics["explainedVarianceRatio"]?.number)
        #expect(ratio > 0.5 && ratio <= 1.0 + 1e-9)
        #expect(reduce.outputs["transform"] != nil && reduce.outputs["components"] != nil)
    }

    @Test func nmfWithStandardScalingIsRefusedWithAnExplanation() throws {
        let h = EngineHarness(registry: StandardStages.registry)
        // Validation refuses it before anything runs (BandSelectStage.problems)…
        #expect {
            _ = try h.run(experiment("    method: nmf\n    components: 3\n    normalize: standard\n"))
        } throws: { error in
            guard case EngineError.invalidExperiment(_, let problems) = error else { return false }
            return problems.count == 1 && problems[0].message.contains("minmax")
        }
        // …and the reducer itself still refuses signed input, should anything reach it.
        let scene = try SyntheticScene(height: 8, width: 8, bands: 6, classes: 2, seed: 3).generate().0
        #expect(throws: BandSelectionError.self) {
            _ = try BandReducer(method: .nmf(NMF(components: 3, maxIterations: 5)), normalization: .standard).fitTransform(cube: scene)
        }
        let ok = try h.run(experiment("    method: nmf\n    components: 3\n    normalize: minmax\n    iterations: 50\n"))
        #expect(ok.result.status("reduce") == .ran, "\(ok.result.outcomes.last?.error ?? "")")
        #expect(ok.result.outcomes.last?.record?.metrics["reconstructionError"] != nil)
    }

    @Test func autoNormalizationGivesNMFMinmaxAndTheOthersStandard() throws {
        let h = EngineHarness(registry: StandardStages.registry)
        // NMF refuses standardized (negative) input, so `auto` running it proves minmax was chosen.
        let nmf = try h.run(experiment("    method: nmf\n    components: 3\n    iterations: 20\n"))
        #expect(nmf.result.status("reduce") == .ran, "\(nmf.result.outcomes.last?.error ?? "")")
        // With `auto`, `none` standardizes every band: zero mean, unit variance.
        let none = try h.run(experiment("    method: none\n"))
        let record = try #require(none.result.outcomes.last?.record)
        let reference = try #require(record.outputs["cube"])
        let bytes = try #require(try h.store.read(reference))
        let cube = try ArtifactCoding.cube(bytes, source: "reduced")
        for band in [0, cube.bands - 1] {
            let values = (0..<cube.pixelCount).map { Double(cube.values[$0 * cube.bands + band]) }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
            #expect(abs(mean) < 1e-4 && abs(variance - 1) < 1e-3, "band \(band): mean \(mean), variance \(variance)")
        }
    }
}
