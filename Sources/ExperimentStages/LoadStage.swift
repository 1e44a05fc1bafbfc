// LoadStage (kind `load`): brings a scene into the pipeline — a synthetic scene, or a cube and
// ground truth from .npy/.mat files — keeps and renumbers classes, and splits the labelled
// pixels into train and test (stratified by a seed, or two explicit label maps).
// Outputs: cube (float32 H×W×B .npy), train and test (int32 H×W .npy); a recognised scene's
// class names as the metric `class_names` (v2).
import Foundation
import FileFormats
public import PipelineEngine
import PipelineModel
import SpectralData

/// The `load` stage.
public struct LoadStage: StageKind {
    public init() {}
    public var kind: String { "load" }
    public var version: Int { 2 }
    public var summary: String { "Load a cube and its ground truth (or a synthetic scene), keep classes, split train/test." }
    public var outputNames: [String] { ["cube", "train", "test"] }

    public var parameters: [Parameter] {
        [
            Parameter("cube", .oneOf([.choice(["synthetic"]), .inputFile]), required: true,
                      "`synthetic`, or a .npy/.mat file holding an H×W×B cube"),
            Parameter("variable", .string, "the .mat variable of the cube (default: the only 3-D numeric variable)"),
            Parameter("labels", .inputFile, "ground truth: a .npy/.mat H×W label map, 0 = unlabelled (required with a cube file)"),
            Parameter("labels-variable", .string, "the .mat variable of the labels (default: the only 2-D numeric variable)"),
            Parameter("synthetic", .object([
                Parameter("height", .integer(min: 2, max: 4096), default: 64, "rows"),
                Parameter("width", .integer(min: 2, max: 4096), default: 64, "columns"),
                Parameter("bands", .integer(min: 1, max: 4096), default: 32, "spectral bands"),
                Parameter("classes", .integer(min: 1, max: 255), default: 5, "classes"),
                Parameter("regions", .integer(min: 1, max: 64), default: 3, "regions per class"),
                Parameter("noise", .number(min: 0, max: 1), default: 0.02, "noise standard deviation, fraction of the range"),
                Parameter("unlabelled", .number(min: 0, max: 0.99), default: 0.15, "fraction of pixels left unlabelled"),
            ]), default: [:], "synthetic scene shape (used when cube: synthetic); the experiment seed seeds it"),
            Parameter("classes", .list(.integer(min: 1), minCount: 1), "keep these original labels, renumbered 1…k in list order"),
            Parameter("split", .object([
                Parameter("method", .choice(["stratified", "maps"]), default: "stratified",
                          "stratified: a seeded per-class fraction; maps: explicit train/test label maps"),
                Parameter("train", .oneOf([.number(min: 0, max: 1, exclusive: true), .inputFile]), default: 0.5,
                          "fraction of each class that trains (stratified), or a label-map file (maps)"),
                Parameter("test", .inputFile, "the test label-map file (maps)"),
                Parameter("seed", .integer(min: 0), "seed of the stratified draw (default: the experiment seed)"),
            ]), default: [:], "how labelled pixels split into train and test"),
        ]
    }

    public func run(_ context: StageContext) throws {
        let cubeParam = try context.string("cube")
        var cube: Cube
        var truth: LabelMap
        if cubeParam == "synthetic" {
            let s = context.params["synthetic"]?.object ?? [:]
            let scene = SyntheticScene(height: s["height"]?.int ?? 64, width: s["width"]?.int ?? 64,
                                       bands: s["bands"]?.int ?? 32, classes: s["classes"]?.int ?? 5,
                                       regionsPerClass: s["regions"]?.int ?? 3, noise: s["noise"]?.number ?? 0.02,
                                       unlabelledFraction: s["unlabelled"]?.number ?? 0.15, seed: UInt64(context.seed))
            (cube, truth) = try scene.generate()
        } else {
            guard let labelsPath = context.params["labels"]?.string else {
                throw ExperimentStagesError.invalidInput(stage: context.id.description,
                                                reason: "a cube file needs `labels:` (its ground-truth label map)")
            }
            context.progress(nil, "reading \(cubeParam)")
            cube = try ArrayFile.loadCube(path: context.url(forPath: cubeParam).path, variable: context.params["variable"]?.string)
            truth = try ArrayFile.loadLabelMap(path: context.url(forPath: labelsPath).path,
                                               variable: context.params["labels-variable"]?.string)
            guard truth.height == cube.height, truth.width == cube.width else {
                throw ExperimentStagesError.invalidInput(stage: context.id.description,
                    reason: "labels are \(truth.height)×\(truth.width) but the cube is \(cube.height)×\(cube.width); use the ground truth of this cube")
            }
        }
        let classes = context.params["classes"]?.list?.compactMap(\.int)
        let scene = KnownScene.recognise(height: cube.height, width: cube.width, bands: cube.bands, maxLabel: truth.maxLabel)
        let kept = classes ?? Array(1...max(truth.maxLabel, 1))
        if let classes { truth = try truth.keeping(classes: classes) }

        let splitParams = context.params["split"]?.object ?? [:]
        let method = splitParams["method"]?.string ?? "stratified"
        let split: Split
        if method == "maps" {
            guard let trainPath = splitParams["train"]?.string, let testPath = splitParams["test"]?.string else {
                throw ExperimentStagesError.invalidInput(stage: context.id.description,
                                                reason: "split method maps needs train: and test: label-map files")
            }
            var train = try ArrayFile.loadLabelMap(path: context.url(forPath: trainPath).path)
            var test = try ArrayFile.loadLabelMap(path: context.url(forPath: testPath).path)
            if let classes {
                train = try train.keeping(classes: classes)
                test = try test.keeping(classes: classes)
            }
            try truth.checkSameSize(as: train, "split.train label map")
            split = try Split(train: train, test: test)
        } else {
            guard let fraction = splitParams["train"]?.number else {
                throw ExperimentStagesError.invalidInput(stage: context.id.description,
                                                reason: "split method stratified needs train: a fraction in (0, 1)")
            }
            let seed = splitParams["seed"]?.int ?? context.seed
            split = try Split.stratified(truth, trainFraction: fraction, seed: UInt64(seed))
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
