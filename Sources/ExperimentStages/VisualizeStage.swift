// VisualizeStage (kind `visualize`): what the networks look at, per pruning level. Reads the scene
// (`cube`, `test`) and the models (`model`, or `model-<level>` per prune level) from upstream; for
// seeded test pixels per class draws every method's maps as PNG grids (rows = levels, columns =
// bands), activation maps, activation maximization and class maps; writes band-importance curves
// and the similarity of every level's saliency to the first level's as JSON and metrics.
import Attribution
import FileFormats
import Foundation
import NeuralNet
public import PipelineEngine
import PipelineModel
import SpectralData
import Tensors

/// The `visualize` stage.
public struct VisualizeStage: StageKind {
    public init() {}
    public var kind: String { "visualize" }
    // 2: 3×3 convolutions on Winograd F(3×3, 3×3) (same function, different float rounding).
    // 3: the same bits at any thread count (OpenBLAS on one thread, products split by shape, fixed
    //    reduction blocks), so results differ in rounding from version 2's multi-threaded OpenBLAS.
    public var version: Int { 3 }
    public var summary: String {
        "Saliency and activation maps of test pixels per pruning level (PNG grids), class maps, band-importance curves, similarity to the first level."
    }
    public var inputs: [InputPort] {
        [InputPort("models", [.model, .modelsPerLevel], "the models to explain: one model (level 0), or one per prune level"),
         InputPort(.cube, "the cube the models read"), InputPort(.split, "test pixels to explain")]
    }
    public var outputs: [OutputPort] {
        [OutputPort(.images, "<method>-<colormap>-class<k>.png, activations-L<level>-<colormap>.png, maximization-L<level>-<colormap>.png, classmap-predicted/truth/errors.png"),
         OutputPort(.json, "importance.json (band-importance curves), similarity.json (to the first level)")]
    }

    /// Attribution methods drawn as band grids.
    static let bandMethods = ["gradient", "integrated-gradients", "smoothgrad", "smoothgrad-ig", "guided-backprop", "visual-backprop"]
    /// Every method name the stage accepts.
    static let methods = bandMethods + ["activation-map", "activation-maximization"]

    public var parameters: [Parameter] {
        [
            Parameter("methods", .list(.choice(VisualizeStage.methods), minCount: 1),
                      default: .list(["gradient", "integrated-gradients", "smoothgrad", "guided-backprop", "visual-backprop", "activation-map"]),
                      "what to draw"),
            Parameter("levels", .list(.number(min: 0), minCount: 1),
                      "pruning levels to draw (upstream outputs model-<level>); default every level found, or the one `model`"),
            Parameter("bands", .object([
                Parameter("from", .integer(min: 0), default: 0, "first band"),
                Parameter("to", .integer(min: 0), "last band (inclusive; default the cube's last band)"),
                Parameter("step", .integer(min: 1), default: 10, "band step"),
            ]), default: [:], "the band columns of every grid"),
            Parameter("samples", .integer(min: 1, max: 1000), default: 2, "test pixels explained per class, chosen by the experiment seed"),
            Parameter("classes", .list(.integer(min: 1), minCount: 1), "classes (labels of the test map) to explain; default all"),
            Parameter("explain", .choice(["label", "predicted"]), default: "label",
                      "explain each pixel's true class (comparable across levels) or the class the model predicts"),
            Parameter("score", .choice(["logits", "probabilities"]), default: "logits", "the score explained (logits: see Attribution's Explainer)"),
            Parameter("colormaps", .list(.choice(Colormap.allCases.map(\.rawValue)), minCount: 1), default: ["gray", "jet"], "colormaps to draw with"),
            Parameter("steps", .integer(min: 1, max: 4096), default: 50, "integrated-gradients steps (a sample missing 1% completeness is refined, tripling its steps up to 27×)"),
            Parameter("baseline", .choice(["zeros", "band-means"]), default: "zeros", "integrated-gradients baseline"),
            Parameter("smoothgrad", .object([
                Parameter("samples", .integer(min: 1, max: 1000), default: 25, "noisy copies per pixel"),
                Parameter("noise", .number(min: 0, max: 1), default: 0.15, "noise σ as a fraction of the patch's value range"),
            ]), default: [:], "SmoothGrad settings"),
            Parameter("scale", .integer(min: 1, max: 64), default: 16, "screen pixels per map pixel"),
            Parameter("classmap", .bool, default: true, "draw predicted, ground-truth and error class maps of the whole scene (first level)"),
        ]
    }

    public func run(_ context: StageContext) throws {
        let stage = context.id.description
        func contract(_ message: String) -> EngineError { .stageContract(stage: stage, message: message) }

        // Scene and models.
        let cube = try ArtifactCoding.cube(try context.input("cube"), source: "cube")
        let test = try ArtifactCoding.labelMap(try context.input("test"), source: "test")
        let models = try loadModels(context)
        guard let firstLevel = models.first?.level else { throw contract("no upstream model: needs a stage with a `model` or `model-<level>` output") }
        guard let patch = models.first?.model.inputShape.first, models.first?.model.inputShape.last == cube.bands else {
            throw contract("the model takes \(models.first?.model.inputShape ?? []) inputs but the cube has \(cube.bands) bands; visualize the model with the cube it was trained on")
        }

        // Parameters.
        let methods = (context.params["methods"]?.list ?? []).compactMap(\.string)
        let bandParams = context.params["bands"]?.object ?? [:]
        let from = bandParams["from"]?.int ?? 0, step = bandParams["step"]?.int ?? 10
        let to = min(bandParams["to"]?.int ?? cube.bands - 1, cube.bands - 1)
        guard from <= to else { throw contract("bands.from \(from) is past bands.to \(to) (the cube has \(cube.bands) bands)") }
        let bands = Array(stride(from: from, through: to, by: step))
        let colormaps = (context.params["colormaps"]?.list ?? []).compactMap { $0.string.flatMap(Colormap.init(rawValue:)) }
        let score: OutputTarget = context.params["score"]?.string == "probabilities" ? .probabilities : .logits
        let steps = context.params["steps"]?.int ?? 50
        let scale = context.params["scale"]?.int ?? 16
        let smooth = context.params["smoothgrad"]?.object ?? [:]
        let smoothSamples = smooth["samples"]?.int ?? 25, smoothNoise = Float(smooth["noise"]?.number ?? 0.15)
        let wantedClasses = context.params["classes"]?.list?.compactMap(\.int)

        // The pixels explained: seeded, per class.
        let pixels = try SampleSelection.perClass(test, perClass: context.params["samples"]?.int ?? 2, classes: wantedClasses,
                                                  seed: UInt64(context.seed))
        let labels = pixels.map { Int(test.labels[$0]) }
        let x = try PatchExtractor(size: patch).extract(from: cube, pixels: pixels)
        let classList = Array(Set(labels)).sorted()
        let baseline: Baseline = context.params["baseline"]?.string == "band-means"
            ? .bandValues((0..<cube.bands).map { b in
                Float((0..<cube.pixelCount).reduce(0.0) { $0 + Double(cube.values[$1 * cube.bands + b]) } / Double(cube.pixelCount))
            })
            : .zeros

        // Attributions per method and level.
        var maps: [String: [Double: Attributions]] = [:]
        var metrics: [String: ParamValue] = [:]
        var importance: [String: ParamValue] = [:]
        for (index, entry) in models.enumerated() {
            context.progress(0.9 * Double(index) / Double(models.count), "level \(ParamValue.format(entry.level)) (\(index + 1)/\(models.count))")
            let explainer = try Explainer(model: entry.model, score: score)
            let choice: ClassChoice = context.params["explain"]?.string == "predicted" ? .predicted : .perSample(labels.map { $0 - 1 })
            let bandMethods = methods.filter { VisualizeStage.bandMethods.contains($0) }
            for (m, method) in bandMethods.enumerated() {
                // Attributions take most of the stage: they fill the first 90% of its bar.
                context.progress(0.9 * (Double(index) + Double(m) / Double(bandMethods.count)) / Double(models.count),
                                 "level \(ParamValue.format(entry.level)) (\(index + 1)/\(models.count)): \(method) on \(pixels.count) pixels")
                let attributions: Attributions
                switch method {
                case "gradient": attributions = try explainer.gradient(x, for: choice)
                case "integrated-gradients":
                    let ig = try explainer.integratedGradients(x, for: choice, baseline: baseline, steps: steps)
                    attributions = ig.attributions
                    metrics["completeness_max_L\(ParamValue.format(entry.level))"] = .double(Double(ig.maxCompletenessError))
                case "smoothgrad":
                    attributions = try explainer.smoothGrad(x, for: choice, noise: smoothNoise, samples: smoothSamples, seed: UInt64(context.seed))
                case "smoothgrad-ig":
                    attributions = try explainer.smoothGrad(x, for: choice, method: .integratedGradients(baseline: baseline, steps: steps),
                                                            noise: smoothNoise, samples: smoothSamples, seed: UInt64(context.seed))
                case "guided-backprop": attributions = try explainer.guidedBackprop(x, for: choice)
                default: attributions = try explainer.visualBackprop(x)
                }
                maps[method, default: [:]][entry.level] = attributions
                if attributions.values.shape[3] > 1 {
                    let curves = try BandImportance(attributions)
                    importance[method, default: .object([:])] = .object((importance[method]?.object ?? [:]).merging([
                        "L\(ParamValue.format(entry.level))": .object([
                            "overall": .list(curves.overall.map { .double(Double($0)) }),
                            "per_class": .object(Dictionary(uniqueKeysWithValues: curves.perClass.map { ("\($0.key + 1)", ParamValue.list($0.value.map { .double(Double($0)) })) })),
                        ]),
                    ]) { $1 })
                }
            }
            for colormap in colormaps {
                if methods.contains("activation-map") {
                    let grid = try MapGrid.activations(try explainer.activationMaps(x.slicing(rows: 0 ..< 1)), channels: 8)
                    try write(context, "activations-L\(ParamValue.format(entry.level))-\(colormap.rawValue).png", try grid.render(colormap: colormap, scale: scale))
                }
            }
            if methods.contains("activation-maximization") {
                var inputs: [Float] = []
                for c in classList {
                    inputs += try explainer.maximizeActivation(.classScore(c - 1), options: MaximizationOptions(seed: UInt64(context.seed))).input.scalars
                }
                let found = Attributions(values: Tensor(shape: [classList.count] + entry.model.inputShape, scalars: inputs), classes: classList.map { $0 - 1 })
                for colormap in colormaps {
                    var tiles: [[MapTile]] = []
                    for row in 0..<classList.count {
                        tiles.append(try bands.map { b in try MapTile(width: patch, height: patch, values: try found.map(sample: row, band: b)) })
                    }
                    let grid = try MapGrid(rowLabels: classList.map { "CLASS \($0)" }, columnLabels: bands.map { "B\($0)" }, tiles: tiles)
                    try write(context, "maximization-L\(ParamValue.format(entry.level))-\(colormap.rawValue).png", try grid.render(colormap: colormap, scale: scale))
                }
            }
        }

        // Grids: one per method, colormap and class (its first chosen pixel), rows = levels.
        context.progress(0.9, "drawing saliency grids")
        for method in methods where maps[method] != nil {
            let byLevel = maps[method] ?? [:]
            let rows = models.compactMap { entry in byLevel[entry.level].map { (label: "L\(ParamValue.format(entry.level))", maps: $0) } }
            for c in classList {
                guard let sample = labels.firstIndex(of: c) else { continue }
                let grid = try MapGrid.bands(rows, sample: sample, bands: bands)
                for colormap in colormaps {
                    try write(context, "\(method)-\(colormap.rawValue)-class\(c).png", try grid.render(colormap: colormap, scale: scale))
                }
            }
        }

        // Similarity of every level to the first, per method.
        var similarity: [String: ParamValue] = [:]
        for method in methods {
            guard let byLevel = maps[method], let reference = byLevel[firstLevel] else { continue }
            var perLevel: [String: ParamValue] = [:]
            for entry in models {
                guard let current = byLevel[entry.level] else { continue }
                let s = try SaliencySimilarity(current, reference: reference)
                perLevel["L\(ParamValue.format(entry.level))"] = .object(["spearman": .double(s.meanSpearman), "cosine": .double(s.meanCosine)])
            }
            similarity[method] = .object(perLevel)
        }
        metrics["similarity_to_L\(ParamValue.format(firstLevel))"] = .object(similarity)
        try context.write("similarity.json", Data(ParamValue.object(similarity).canonicalJSON.utf8))
        try context.write("importance.json", Data(ParamValue.object(importance).canonicalJSON.utf8))

        // Class maps of the whole scene with the first level's model.
        if context.params["classmap"]?.bool ?? true, var model = models.first?.model {
            context.progress(0.95, "class map")
            let extractor = try PatchExtractor(size: patch)
            let all = Array(0..<cube.pixelCount)
            let predicted = try model.predict(count: all.count, batchSize: 512) { range in
                try extractor.extract(from: cube, pixels: Array(all[range]))
            }.argmaxRows()
            let predictedMap = try LabelMap(height: cube.height, width: cube.width, labels: predicted.map { Int32($0 + 1) })
            let scale = max(1, min(4, 600 / max(cube.height, cube.width)))
            try write(context, "classmap-predicted.png", try ClassMapImage.render(predictedMap, scale: scale))
            try write(context, "classmap-truth.png", try ClassMapImage.render(test, scale: scale))
            try write(context, "classmap-errors.png", try ClassMapImage.errors(predicted: predictedMap, truth: test, scale: scale))
            let labelled = test.labelledPixels
            let correct = labelled.filter { predictedMap.labels[$0] == test.labels[$0] }.count
            metrics["classmap_test_accuracy"] = .double(labelled.isEmpty ? 0 : Double(correct) / Double(labelled.count))
        }
        metrics["levels"] = .list(models.map { .double($0.level) })
        metrics["pixels_explained"] = .int(pixels.count)
        for (name, value) in metrics { context.metric(name, value) }
    }

    /// The upstream models by level, ascending: `model-<level>` outputs (prune), or `model` (train) as level 0.
    private func loadModels(_ context: StageContext) throws -> [(level: Double, model: Sequential)] {
        var available: [Double: String] = [:]
        for (_, name) in try context.artifacts(of: "models") {
            if name == "model" { available[0] = available[0] ?? name }
            if name.hasPrefix("model-"), let level = Double(name.dropFirst(6)) { available[level] = name }
        }
        let wanted = context.params["levels"]?.list?.compactMap(\.number) ?? available.keys.sorted()
        return try wanted.map { level in
            guard let name = available[level] else {
                throw EngineError.stageContract(stage: context.id.description,
                    message: "level \(ParamValue.format(level)) has no upstream model (available levels: \(available.keys.sorted().map(ParamValue.format).joined(separator: ", "))); list levels the prune stage computes")
            }
            return (level, try ModelArtifacts.model(try context.input(name)))
        }
    }

    /// Writes an image as a PNG output.
    private func write(_ context: StageContext, _ name: String, _ image: RGBImage) throws {
        let png = try Png.encode(PixelImage(width: image.width, height: image.height, channels: 3, pixels: image.pixels))
        try context.write(name, Data(png))
    }
}
