// Real Indian Pines (HSIFLOW_DATA; release suite): on standardized raw bands — where the original
// tool's gradients came out black — a briefly trained cao gives non-constant maps for every method,
// integrated gradients stay complete, and the rendered grids are valid PNGs.
import Foundation
import Testing
import Tensors
import TestSupport
import SpectralData
import FileFormats
@testable import Attribution
@testable import NeuralNet

@Suite(.enabled(if: realDataDirectory() != nil, "HSIFLOW_DATA is not set or has no indian_pines/: real-data tests skipped"))
struct AttributionRealDataTests {
    @Test func everyMethodGivesNonConstantMapsOnStandardizedRawBands() throws {
        let directory = try #require(realDataDirectory())
        let raw = try ArrayFile.loadCube(path: directory.appendingPathComponent("Indian_pines_corrected.npy").path)
        let truth = try ArrayFile.loadLabelMap(path: directory.appendingPathComponent("Indian_pines_gt.npy").path)
            .keeping(classes: IndianPines.studyClasses)
        let cube = try standardizedPerBand(raw)
        let split = try Split.stratified(truth, trainFraction: 0.2, seed: 41)
        let train = try labelledPatches(cube, split.train, patch: 5)
        var model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 200], seed: 41)
        let history = try model.fit(inputs: train.inputs, labels: train.classes,
                                    options: TrainingOptions(epochs: 2, batchSize: 128, optimizer: .adam(), seed: 41))
        print("cao on standardized raw bands: \(train.classes.count) training pixels, accuracy per epoch \(history.accuracy)")

        let pixels = try SampleSelection.perClass(split.test, perClass: 2, seed: 41)
        let x = try PatchExtractor(size: 5).extract(from: cube, pixels: pixels)
        let labels = pixels.map { Int(split.test.labels[$0]) - 1 }
        let explainer = try Explainer(model: model)
        let ig = try explainer.integratedGradients(x, for: .perSample(labels), steps: 50)
        print("integrated gradients on real data: max completeness error \(ig.maxCompletenessError), steps used \(Set(ig.steps).sorted())")
        #expect(ig.maxCompletenessError < 0.01)
        let methods: [(String, Attributions)] = [
            ("GRADIENT", try explainer.gradient(x, for: .perSample(labels))),
            ("IG", ig.attributions),
            ("SMOOTHGRAD", try explainer.smoothGrad(x, for: .perSample(labels), samples: 10, seed: 41)),
            ("SMOOTH-IG", try explainer.smoothGrad(x, for: .perSample(labels), method: .integratedGradients(baseline: .zeros, steps: 20),
                                                    samples: 5, seed: 41)),
            ("GUIDED", try explainer.guidedBackprop(x, for: .perSample(labels))),
            ("VISUAL", try explainer.visualBackprop(x)),
        ]
        let bands = Array(stride(from: 0, to: 200, by: 20))
        for (name, maps) in methods {
            for s in 0..<maps.count {
                for band in bands {
                    let map = try maps.map(sample: s, band: band)
                    let normalized = MapNormalization.robust.normalized(map)
                    // Not constant (and so not black once normalized): the map spans the colormap.
                    #expect((map.max() ?? 0) > (map.min() ?? 0), "\(name) sample \(s) band \(band) is constant")
                    #expect(normalized.max() == 1 && normalized.min() == 0, "\(name) sample \(s) band \(band)")
                }
            }
        }
        let activations = try explainer.activationMaps(x.slicing(rows: 0 ..< 1))
        #expect(Set(activations[0].mean.scalars).count > 1, "conv1's mean activation map is constant")
        let maximized = try explainer.maximizeActivation(.classScore(labels[0]), options: MaximizationOptions(steps: 30, seed: 41))
        #expect(maximized.objective.last! > maximized.objective.first!)
        #expect(Set(maximized.input.scalars).count > 1)

        // Grids for every colormap render and survive the PNG round trip.
        let output = try makeTemporaryDirectory("attribution-real")
        defer { try? FileManager.default.removeItem(at: output) }
        for colormap in [Colormap.gray, .jet] {
            let image = try MapGrid.bands(methods.map { (label: $0.0, maps: $0.1) }, sample: 0, bands: bands).render(colormap: colormap)
            let path = output.appendingPathComponent("methods-\(colormap.rawValue).png").path
            try Png.write(pixelImage(image), to: path)
            #expect(try Png.read(path: path).pixels == image.pixels)
        }
        let importance = try BandImportance(ig.attributions)
        print("most important bands by integrated gradients: \(importance.ranking.prefix(10))")
        #expect(importance.overall.contains { $0 > 0 })
    }
}
