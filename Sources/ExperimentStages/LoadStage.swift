// LoadStage (kind `load`): brings a scene into the pipeline — a synthetic scene, or a cube and
// ground truth from .npy/.mat files — keeps and renumbers classes, and splits the labelled
// pixels into train and test (stratified by a seed, or two explicit label maps).
// Outputs: cube (float32 H×W×B .npy), train and test (int32 H×W .npy); a recognised scene's
// class names as the metric `class_names` (v2).
import Foundation
import FileFormats
public import PipelineEngine
public import PipelineModel
import SpectralData

/// The `load` stage.
public struct LoadStage: StageKind {
    public init() {}
    public var kind: String { "load" }
    public var version: Int { 2 }
    /// Defaults of `resources:` (reads files; one core).
    public var resources: StageResources { StageResources(cpus: 1, memory: "2G", time: "30:00") }
    public var summary: String { "Load a cube and its ground truth (or a synthetic scene), keep classes, split train/test." }
    public var outputs: [OutputPort] {
        [OutputPort(.cube, "the scene's cube (float32 H×W×B)"), OutputPort(.split, "train and test label maps (int32 H×W, 0 = unlabelled)")]
    }

    /// The shape of a synthetic scene; its defaults are SyntheticScene's own.
    public struct Synthetic: ParameterGroup {
        @Param("height", .integer(min: 2, max: 4096), "rows")
        public var height = SyntheticScene().height
        @Param("width", .integer(min: 2, max: 4096), "columns")
        public var width = SyntheticScene().width
        @Param("bands", .integer(min: 1, max: 4096), "spectral bands")
        public var bands = SyntheticScene().bands
        @Param("classes", .integer(min: 1, max: 255), "classes")
        public var classes = SyntheticScene().classes
        @Param("regions", .integer(min: 1, max: 64), "regions per class")
        public var regions = SyntheticScene().regionsPerClass
        @Param("noise", .number(min: 0, max: 1), "noise standard deviation, fraction of the range")
        public var noise = SyntheticScene().noise
        @Param("unlabelled", .number(min: 0, max: 0.99), "fraction of pixels left unlabelled")
        public var unlabelled = SyntheticScene().unlabelledFraction
        public init() {}
    }

    /// How the labelled pixels are split.
    public enum SplitMethod: String, ChoiceParameter { case stratified, maps }

    /// `split.train`: a fraction of each class, or a label-map file.
    public enum TrainPart: ParameterValue, Equatable {
        case fraction(Double)
        case file(String)

        public static var parameterType: ParameterType { .oneOf([.number(min: 0, max: 1, exclusive: true), .inputFile]) }
        public var parameterValue: ParamValue {
            switch self {
            case .fraction(let f): return f.parameterValue
            case .file(let path): return .string(path)
            }
        }
        public init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let path = try? value.decode(String.self) { self = .file(path) } else { self = .fraction(try value.decode(Double.self)) }
        }
    }

    /// The `split` mapping.
    public struct SplitParameters: ParameterGroup {
        @Param("method", "stratified: a seeded per-class fraction; maps: explicit train/test label maps")
        public var method = SplitMethod.stratified
        @Param("train", "fraction of each class that trains (stratified), or a label-map file (maps)")
        public var train = TrainPart.fraction(0.5)
        @Param("test", .inputFile, "the test label-map file (maps)")
        public var test: String?
        @Param("seed", .integer(min: 0), "seed of the stratified draw (default: the experiment seed)")
        public var seed: Int?
        public init() {}
    }

    /// The `load` parameters.
    public struct Parameters: ParameterGroup {
        @Param(required: "cube", .oneOf([.choice(["synthetic"]), .inputFile]), "`synthetic`, or a .npy/.mat file holding an H×W×B cube")
        public var cube: String
        @Param("variable", "the .mat variable of the cube (default: the only 3-D numeric variable)")
        public var variable: String?
        @Param("labels", .inputFile, "ground truth: a .npy/.mat H×W label map, 0 = unlabelled (required with a cube file)")
        public var labels: String?
        @Param("labels-variable", "the .mat variable of the labels (default: the only 2-D numeric variable)")
        public var labelsVariable: String?
        @Param("synthetic", "synthetic scene shape (used when cube: synthetic); the experiment seed seeds it")
        public var synthetic = Synthetic()
        @Param("classes", .list(.integer(min: 1), minCount: 1), "keep these original labels, renumbered 1…k in list order")
        public var classes: [Int]?
        @Param("split", "how labelled pixels split into train and test")
        public var split = SplitParameters()
        public init() {}
    }

    public func run(_ p: Parameters, _ context: StageContext) throws {
        var cube: Cube
        var truth: LabelMap
        if p.cube == "synthetic" {
            let s = p.synthetic
            let scene = SyntheticScene(height: s.height, width: s.width, bands: s.bands, classes: s.classes,
                                       regionsPerClass: s.regions, noise: s.noise, unlabelledFraction: s.unlabelled,
                                       seed: UInt64(context.seed))
            (cube, truth) = try scene.generate()
        } else {
            guard let labelsPath = p.labels else {
                throw ExperimentStagesError.invalidInput(stage: context.id.description,
                                                reason: "a cube file needs `labels:` (its ground-truth label map)")
            }
            context.progress(nil, "reading \(p.cube)")
            cube = try ArrayFile.loadCube(path: context.url(forPath: p.cube).path, variable: p.variable)
            truth = try ArrayFile.loadLabelMap(path: context.url(forPath: labelsPath).path, variable: p.labelsVariable)
            guard truth.height == cube.height, truth.width == cube.width else {
                throw ExperimentStagesError.invalidInput(stage: context.id.description,
                    reason: "labels are \(truth.height)×\(truth.width) but the cube is \(cube.height)×\(cube.width); use the ground truth of this cube")
            }
        }
        let classes = p.classes
        let scene = KnownScene.recognise(height: cube.height, width: cube.width, bands: cube.bands, maxLabel: truth.maxLabel)
        let kept = classes ?? Array(1...max(truth.maxLabel, 1))
        if let classes { truth = try truth.keeping(classes: classes) }

        let split: Split
        let mapsNeedFiles = ExperimentStagesError.invalidInput(stage: context.id.description,
                                                               reason: "split method maps needs train: and test: label-map files")
        switch (p.split.method, p.split.train) {
        case (.maps, .file(let trainPath)):
            guard let testPath = p.split.test else { throw mapsNeedFiles }
            var train = try ArrayFile.loadLabelMap(path: context.url(forPath: trainPath).path)
            var test = try ArrayFile.loadLabelMap(path: context.url(forPath: testPath).path)
            if let classes = p.classes {
                train = try train.keeping(classes: classes)
                test = try test.keeping(classes: classes)
            }
            try truth.checkSameSize(as: train, "split.train label map")
            split = try Split(train: train, test: test)
        case (.maps, .fraction):
            throw mapsNeedFiles
        case (.stratified, .fraction(let fraction)):
            split = try Split.stratified(truth, trainFraction: fraction, seed: UInt64(p.split.seed ?? context.seed))
        case (.stratified, .file):
            throw ExperimentStagesError.invalidInput(stage: context.id.description,
                                            reason: "split method stratified needs train: a fraction in (0, 1)")
        }
        try context.write("cube", ArtifactCoding.encode(cube))
        try context.write("train", ArtifactCoding.encode(split.train))
        try context.write("test", ArtifactCoding.encode(split.test))
        let k = max(truth.maxLabel, split.train.maxLabel, split.test.maxLabel)
        func counts(_ m: LabelMap) -> ParamValue {
            let c = m.classCounts
            return .list((1...max(k, 1)).map { .int($0 < c.count ? c[$0] : 0) })
        }
        context.metric("shape", [.int(cube.height), .int(cube.width), .int(cube.bands)])
        context.metric("classes", .int(k))
        context.metric("train_pixels", .int(split.train.labelledCount))
        context.metric("test_pixels", .int(split.test.labelledCount))
        context.metric("train_per_class", counts(split.train))
        context.metric("test_per_class", counts(split.test))
        if let scene { context.metric("class_names", .list(scene.names(of: kept).map { .string($0) })) }
    }
}
