// VisualizeStage (kind `visualize`): what the networks look at, per pruning level. Reads the scene
// (`cube`, `test`) and the models (`model`, or `model-<level>` per prune level) from upstream; for
// seeded test pixels per class draws every method's maps as PNG grids (rows = levels, columns =
// bands), activation maps, activation maximization and class maps; writes band-importance curves
// and the similarity of every level's saliency to the first level's as JSON and metrics.
public import Attribution
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
    // 4: every grid drawn once, in the `colormap` parameter (default jet), instead of a gray and a
    //    jet copy (`colormaps`); the colormap is recorded as metric `colormap`. Class maps in the one
    //    class palette (the train stage's): classes 10 and 12 change colour, labels past 16 wrap around.
    public var version: Int { 4 }
    /// Defaults of `resources:` (saliency for many samples and levels).
    public var resources: StageResources { StageResources(cpus: 2, memory: "4G", time: "2:00:00") }
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

    /// What the stage can draw.
    public enum Method: String, ChoiceParameter {
        case gradient, integratedGradients = "integrated-gradients", smoothgrad, smoothgradIG = "smoothgrad-ig"
        case guidedBackprop = "guided-backprop", visualBackprop = "visual-backprop"
        case activationMap = "activation-map", activationMaximization = "activation-maximization"

        /// Whether the method's maps are drawn as band grids (the attribution methods).
        var isBandMethod: Bool { self != .activationMap && self != .activationMaximization }
    }

    /// Whose class a pixel's saliency explains.
    public enum Explain: String, ChoiceParameter { case label, predicted }
    /// The score explained.
    public enum Score: String, ChoiceParameter { case logits, probabilities }
    /// The integrated-gradients baseline.
    public enum BaselineChoice: String, ChoiceParameter { case zeros, bandMeans = "band-means" }

    /// `bands`: the band columns of every grid.
    public struct Bands: ParameterGroup {
        @Param("from", .integer(min: 0), "first band")
        public var from = 0
        @Param("to", .integer(min: 0), "last band (inclusive; default the cube's last band)")
        public var to: Int?
        @Param("step", .integer(min: 1), "band step")
        public var step = 10
        public init() {}
    }

    /// `smoothgrad`: SmoothGrad's noise.
    public struct SmoothGradSettings: ParameterGroup {
        @Param("samples", .integer(min: 1, max: 1000), "noisy copies per pixel")
        public var samples = 25
        @Param("noise", .number(min: 0, max: 1), "noise σ as a fraction of the patch's value range")
        public var noise = 0.15
        public init() {}
    }

    /// The `visualize` parameters.
    public struct Parameters: ParameterGroup {
        @Param("methods", .list(Method.parameterType, minCount: 1), "what to draw")
        public var methods: [Method] = [.gradient, .integratedGradients, .smoothgrad, .guidedBackprop, .visualBackprop, .activationMap]
        @Param("levels", .list(.number(min: 0), minCount: 1),
               "pruning levels to draw (upstream outputs model-<level>); default every level found, or the one `model`")
        public var levels: [Double]?
        @Param("bands", "the band columns of every grid")
        public var bands = Bands()
        @Param("samples", .integer(min: 1, max: 1000), "test pixels explained per class, chosen by the experiment seed")
        public var samples = 2
        @Param("classes", .list(.integer(min: 1), minCount: 1), "classes (labels of the test map) to explain; default all")
        public var classes: [Int]?
        @Param("explain", "explain each pixel's true class (comparable across levels) or the class the model predicts")
        public var explain = Explain.label
        @Param("score", "the score explained (logits: see Attribution's Explainer)")
        public var score = Score.logits
        @Param("colormap", "the colormap every grid is drawn in (recorded as metric `colormap`)")
        public var colormap = Colormap.jet
        @Param("steps", .integer(min: 1, max: 4096), "integrated-gradients steps (a sample missing 1% completeness is refined, tripling its steps up to 27×)")
        public var steps = 50
        @Param("baseline", "integrated-gradients baseline")
        public var baseline = BaselineChoice.zeros
        @Param("smoothgrad", "SmoothGrad settings")
        public var smoothgrad = SmoothGradSettings()
        @Param("scale", .integer(min: 1, max: 64), "screen pixels per map pixel")
        public var scale = 16
        @Param("classmap", "draw predicted, ground-truth and error class maps of the whole scene (first level)")
        public var classmap = true
        public init() {}
    }

    public func run(_ p: Parameters, _ context: StageContext) throws {
        let stage = context.id.description
        func contract(_ message: String) -> EngineError { .stageContract(stage: stage, message: message) }

        // Scene and models.
        let cube = try ArtifactCoding.cube(try context.input("cube"), source: "cube")
        let test = try ArtifactCoding.labelMap(try context.input("test"), source: "test")
        let models = try loadModels(context, levels: p.levels)
        guard let firstLevel = models.first?.level else { throw contract("no upstream model: needs a stage with a `model` or `model-<level>` output") }
        guard let patch = models.first?.model.inputShape.first, models.first?.model.inputShape.last == cube.bands else {
            throw contract("the model takes \(models.first?.model.inputShape ?? []) inputs but the cube has \(cube.bands) bands; visualize the model with the cube it was trained on")
        }

        // Parameters.
        let methods = p.methods
        let from = p.bands.from, step = p.bands.step
        let to = min(p.bands.to ?? cube.bands - 1, cube.bands - 1)
        guard from <= to else { throw contract("bands.from \(from) is past bands.to \(to) (the cube has \(cube.bands) bands)") }
        let bands = Array(stride(from: from, through: to, by: step))
        let colormap = p.colormap
        let score: OutputTarget = p.score == .probabilities ? .probabilities : .logits
        let steps = p.steps, scale = p.scale
        let smoothSamples = p.smoothgrad.samples, smoothNoise = Float(p.smoothgrad.noise)

        // The pixels explained: seeded, per class.
        let pixels = try SampleSelection.perClass(test, perClass: p.samples, classes: p.classes, seed: UInt64(context.seed))
        let labels = pixels.map { Int(test.labels[$0]) }
        let x = try PatchExtractor(size: patch).extract(from: cube, pixels: pixels)
        let classList = Array(Set(labels)).sorted()
        let baseline: Baseline = p.baseline == .bandMeans
            ? .bandValues((0..<cube.bands).map { b in
                Float((0..<cube.pixelCount).reduce(0.0) { $0 + Double(cube.values[$1 * cube.bands + b]) } / Double(cube.pixelCount))
            })
            : .zeros

        // Attributions per method and level.
        var maps: [Method: [Double: Attributions]] = [:]
        var metrics: [String: ParamValue] = [:]
        var importance: [String: ParamValue] = [:]
        for (index, entry) in models.enumerated() {
            context.progress(0.9 * Double(index) / Double(models.count), "level \(ParamValue.format(entry.level)) (\(index + 1)/\(models.count))")
            let explainer = try Explainer(model: entry.model, score: score)
            let choice: ClassChoice = p.explain == .predicted ? .predicted : .perSample(labels.map { $0 - 1 })
            let bandMethods = methods.filter(\.isBandMethod)
            for (m, method) in bandMethods.enumerated() {
                // Attributions take most of the stage: they fill the first 90% of its bar.
                context.progress(0.9 * (Double(index) + Double(m) / Double(bandMethods.count)) / Double(models.count),
                                 "level \(ParamValue.format(entry.level)) (\(index + 1)/\(models.count)): \(method.rawValue) on \(pixels.count) pixels")
                let attributions: Attributions
                switch method {
                case .gradient: attributions = try explainer.gradient(x, for: choice)
                case .integratedGradients:
                    let ig = try explainer.integratedGradients(x, for: choice, baseline: baseline, steps: steps)
                    attributions = ig.attributions
                    metrics["completeness_max_L\(ParamValue.format(entry.level))"] = .double(Double(ig.maxCompletenessError))
                case .smoothgrad:
                    attributions = try explainer.smoothGrad(x, for: choice, noise: smoothNoise, samples: smoothSamples, seed: UInt64(context.seed))
                case .smoothgradIG:
                    attributions = try explainer.smoothGrad(x, for: choice, method: .integratedGradients(baseline: baseline, steps: steps),
                                                            noise: smoothNoise, samples: smoothSamples, seed: UInt64(context.seed))
                case .guidedBackprop: attributions = try explainer.guidedBackprop(x, for: choice)
                case .visualBackprop, .activationMap, .activationMaximization: attributions = try explainer.visualBackprop(x)
                }
                maps[method, default: [:]][entry.level] = attributions
                if attributions.values.shape[3] > 1 {
                    let curves = try BandImportance(attributions)
                    importance[method.rawValue, default: .object([:])] = .object((importance[method.rawValue]?.object ?? [:]).merging([
                        "L\(ParamValue.format(entry.level))": .object([
                            "overall": .list(curves.overall.map { .double(Double($0)) }),
                            "per_class": .object(Dictionary(uniqueKeysWithValues: curves.perClass.map { ("\($0.key + 1)", ParamValue.list($0.value.map { .double(Double($0)) })) })),
                        ]),
                    ]) { $1 })
                }
            }
            if methods.contains(.activationMap) {
                let grid = try MapGrid.activations(try explainer.activationMaps(x.slicing(rows: 0 ..< 1)), channels: 8)
                try write(context, "activations-L\(ParamValue.format(entry.level))-\(colormap.rawValue).png", try grid.render(colormap: colormap, scale: scale))
            }
            if methods.contains(.activationMaximization) {
                var inputs: [Float] = []
                for c in classList {
                    inputs += try explainer.maximizeActivation(.classScore(c - 1), options: MaximizationOptions(seed: UInt64(context.seed))).input.scalars
                }
                let found = Attributions(values: Tensor(shape: [classList.count] + entry.model.inputShape, scalars: inputs), classes: classList.map { $0 - 1 })
                var tiles: [[MapTile]] = []
                for row in 0..<classList.count {
                    tiles.append(try bands.map { b in try MapTile(width: patch, height: patch, values: try found.map(sample: row, band: b)) })
                }
                let grid = try MapGrid(rowLabels: classList.map { "CLASS \($0)" }, columnLabels: bands.map { "B\($0)" }, tiles: tiles)
                try write(context, "maximization-L\(ParamValue.format(entry.level))-\(colormap.rawValue).png", try grid.render(colormap: colormap, scale: scale))
            }
        }

        // Grids: one per method and class (its first chosen pixel), rows = levels, in the one colormap.
        context.progress(0.9, "drawing saliency grids")
        for method in methods where maps[method] != nil {
            let byLevel = maps[method] ?? [:]
            let rows = models.compactMap { entry in byLevel[entry.level].map { (label: "L\(ParamValue.format(entry.level))", maps: $0) } }
            for c in classList {
                guard let sample = labels.firstIndex(of: c) else { continue }
                let grid = try MapGrid.bands(rows, sample: sample, bands: bands)
                try write(context, "\(method.rawValue)-\(colormap.rawValue)-class\(c).png", try grid.render(colormap: colormap, scale: scale))
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
            similarity[method.rawValue] = .object(perLevel)
        }
        metrics["similarity_to_L\(ParamValue.format(firstLevel))"] = .object(similarity)
        try context.write("similarity.json", Data(ParamValue.object(similarity).canonicalJSON.utf8))
        try context.write("importance.json", Data(ParamValue.object(importance).canonicalJSON.utf8))

        // Class maps of the whole scene with the first level's model.
        if p.classmap, let model = models.first?.model {
            context.progress(0.95, "class map")
            let predictedMap = try classify(cube: cube, model: model).labelMap
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
        metrics["colormap"] = .string(colormap.rawValue)
        for (name, value) in metrics { context.metric(name, value) }
    }

    /// The upstream models by level, ascending: `model-<level>` outputs (prune), or `model` (train) as level 0.
    private func loadModels(_ context: StageContext, levels: [Double]?) throws -> [(level: Double, model: Sequential)] {
        var available: [Double: String] = [:]
        for (_, name) in try context.artifacts(of: "models") {
            if name == "model" { available[0] = available[0] ?? name }
            if name.hasPrefix("model-"), let level = Double(name.dropFirst(6)) { available[level] = name }
        }
        let wanted = levels ?? available.keys.sorted()
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
        try context.write(name, try ArtifactCoding.png(image))
    }
}
