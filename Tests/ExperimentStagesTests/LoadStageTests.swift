// LoadStageTests: the `load` stage through the real engine — a synthetic scene, .npy files with
// classes kept and renumbered, explicit split maps, bad inputs reported clearly, and (when the
// data is present) the real Indian Pines cube.
import ExperimentStages
import FileFormats
import Foundation
import PipelineEngine
import PipelineModel
import SpectralData
import Testing
import TestSupport

@Suite struct LoadStageTests {
    private func outputs(_ h: EngineHarness, _ result: RunResult, _ id: String = "scene") throws -> (Cube, LabelMap, LabelMap) {
        let record = try #require(result.outcomes.first { $0.id.description == id }?.record)
        let read = { (name: String) throws -> Data in
            let ref = try #require(record.outputs[name])
            return try #require(try h.store.read(ref))
        }
        return (try ArtifactCoding.cube(try read("cube"), source: "cube"),
                try ArtifactCoding.labelMap(try read("train"), source: "train"),
                try ArtifactCoding.labelMap(try read("test"), source: "test"))
    }

    @Test func aSyntheticSceneIsLoadedAndSplitStratified() throws {
        let h = EngineHarness(registry: StandardStages.registry)
        let run = try h.run("""
        name: s
        seed: 3
        stages:
          scene:
            kind: load
            cube: synthetic
            synthetic: {height: 20, width: 24, bands: 6, classes: 3}
            split: {train: 0.25}
        """)
        #expect(run.result.status("scene") == .ran)
        let (cube, train, test) = try outputs(h, run.result)
        #expect((cube.height, cube.width, cube.bands) == (20, 24, 6))
        let expected = try SyntheticScene(height: 20, width: 24, bands: 6, classes: 3, seed: 3).generate()
        #expect(cube == expected.cube)
        #expect(zip(train.labels, test.labels).allSatisfy { $0 == 0 || $1 == 0 })
        #expect(train.labelledCount + test.labelledCount == expected.groundTruth.labelledCount)
        let metrics = try #require(run.result.outcomes.first?.record?.metrics)
        #expect(metrics["shape"] == [20, 24, 6])
        #expect(metrics["train_pixels"] == .int(train.labelledCount))
        // Roughly a quarter of each class trains.
        let fraction = Double(train.labelledCount) / Double(expected.groundTruth.labelledCount)
        #expect(abs(fraction - 0.25) < 0.05)
    }

    @Test func npyFilesWithClassesKeptAndExplicitSplitMaps() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (cube, truth) = tinyScene(height: 10, width: 12, bands: 5, classes: 4)
        try Npy.write(NumericArray(float32: cube.values, shape: [10, 12, 5]), to: dir.appendingPathComponent("cube.npy").path)
        try Npy.write(NumericArray(integers: truth.labels.map(Int.init), shape: [10, 12], as: .uint8),
                      to: dir.appendingPathComponent("gt.npy").path)
        // Train on the left half, test on the right half.
        let left = truth.labels.enumerated().map { $0.offset % 12 < 6 ? Int($0.element) : 0 }
        let right = truth.labels.enumerated().map { $0.offset % 12 >= 6 ? Int($0.element) : 0 }
        try Npy.write(NumericArray(integers: left, shape: [10, 12], as: .int32), to: dir.appendingPathComponent("train.npy").path)
        try Npy.write(NumericArray(integers: right, shape: [10, 12], as: .int32), to: dir.appendingPathComponent("test.npy").path)
        let h = EngineHarness(registry: StandardStages.registry, baseDirectory: dir)
        let run = try h.run("""
        name: n
        stages:
          scene:
            kind: load
            cube: cube.npy
            labels: gt.npy
            classes: [3, 1]
            split: {method: maps, train: train.npy, test: test.npy}
        """)
        #expect(run.result.status("scene") == .ran, "\(run.result.outcomes.first?.error ?? "")")
        let (loaded, train, test) = try outputs(h, run.result)
        #expect(loaded == cube)
        // Class 3 became 1, class 1 became 2, others dropped.
        for i in truth.labels.indices {
            let expected: Int32 = truth.labels[i] == 3 ? 1 : truth.labels[i] == 1 ? 2 : 0
            #expect((i % 12 < 6 ? train.labels[i] : test.labels[i]) == expected)
        }
        #expect(run.manifest.stages[0].files.map(\.path) == ["cube.npy", "gt.npy", "train.npy", "test.npy"])
    }

    @Test func aCubeFileWithoutLabelsFailsWithAMessage() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Npy.write(NumericArray(float32: [1, 2, 3, 4], shape: [2, 2, 1]), to: dir.appendingPathComponent("c.npy").path)
        let h = EngineHarness(registry: StandardStages.registry, baseDirectory: dir)
        let run = try h.run("name: x\nstages:\n  scene: {kind: load, cube: c.npy}\n")
        #expect(run.result.status("scene") == .failed)
        #expect(run.result.outcomes[0].error?.contains("needs `labels:`") == true)
    }

    @Test(.enabled(if: realDataDirectory() != nil, "needs HSIFLOW_DATA with indian_pines/"))
    func theRealIndianPinesCubeLoadsWithNineClasses() throws {
        let data = try #require(realDataDirectory())
        let h = EngineHarness(registry: StandardStages.registry, baseDirectory: data)
        let run = try h.run("""
        name: ip
        seed: 41
        stages:
          scene:
            kind: load
            cube: Indian_pines_corrected.mat
            labels: Indian_pines_gt.mat
            classes: [2, 3, 5, 6, 10, 11, 12, 14, 15]
            split: {method: stratified, train: 0.5}
        """)
        #expect(run.result.status("scene") == .ran, "\(run.result.outcomes.first?.error ?? "")")
        let metrics = try #require(run.result.outcomes.first?.record?.metrics)
        #expect(metrics["shape"] == [145, 145, 200])
        #expect(metrics["classes"] == 9)
        // Class sizes of the nine kept Indian Pines classes, split in half.
        let total = (metrics["train_pixels"]?.int ?? 0) + (metrics["test_pixels"]?.int ?? 0)
        #expect(total == 1428 + 830 + 483 + 730 + 972 + 2455 + 593 + 1265 + 386)
        // The scene is recognised: the kept classes are named in their new order.
        #expect(metrics["class_names"] == .list(["Corn-notill", "Corn-mintill", "Grass-pasture", "Grass-trees", "Soybean-notill",
                                                 "Soybean-mintill", "Soybean-clean", "Woods", "Buildings-Grass-Trees-Drives"].map { .string($0) }))
    }

    @Test func aSceneOfAnotherShapeRecordsNoClassNames() throws {
        let h = EngineHarness(registry: StandardStages.registry)
        let run = try h.run("""
        name: s
        stages:
          scene:
            kind: load
            cube: synthetic
            synthetic: {height: 12, width: 12, bands: 4, classes: 3}
        """)
        let metrics = try #require(run.result.outcomes.first?.record?.metrics)
        #expect(metrics["classes"] == 3)
        #expect(metrics["class_names"] == nil)
    }
}
