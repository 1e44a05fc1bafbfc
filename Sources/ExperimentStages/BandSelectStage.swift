// BandSelectStage (kind `band-select`): normalizes the upstream cube and reduces its bands
// (none, PCA, NMF, uniform subset) through BandSelection's BandReducer. Outputs: the reduced
// cube (float32 .npy), the fitted transform (transform.json + components.npy), and the train
// and test label maps passed through so a `train` stage can need this stage alone.
import BandSelection
import FileFormats
import Foundation
public import PipelineEngine
import PipelineModel
import SpectralData

/// The `band-select` stage.
public struct BandSelectStage: StageKind {
    public init() {}
    public var kind: String { "band-select" }
    // 3: the same bits at any thread count (OpenBLAS on one thread, products split by shape, fixed
    //    reduction blocks), so results differ in rounding from version 2's multi-threaded OpenBLAS.
    public var version: Int { 3 }
    public var summary: String { "Normalize the cube and reduce its bands (PCA, NMF, or a uniform subset)." }
    public var inputs: [InputPort] {
        [InputPort(.cube, "the cube to reduce"), InputPort(.split, "label maps, passed through so a train stage can need this stage alone")]
    }
    public var outputs: [OutputPort] {
        [OutputPort(.cube, "the reduced cube"), OutputPort(.split, "the input label maps, unchanged"),
         OutputPort(.transform, "the fitted normalization and projection (components.npy for PCA and NMF)")]
    }

    public var parameters: [Parameter] {
        [
            Parameter("method", .choice(["none", "pca", "nmf", "uniform"]), default: "pca",
                      "none keeps every band; pca and nmf project onto `components` axes; uniform keeps evenly spaced bands"),
            Parameter("components", .integer(min: 1, max: 4096), default: 100, "bands after reduction (ignored by none)"),
            Parameter("normalize", .choice(["auto", "standard", "minmax", "none"]), default: "auto",
                      "per-band scaling fitted before the projection; auto: minmax for nmf (it needs non-negative input), standard otherwise"),
            Parameter("whiten", .bool, default: false, "PCA: scale components to unit variance"),
            Parameter("iterations", .integer(min: 1, max: 100_000), default: 200, "NMF: maximum iterations"),
            Parameter("tolerance", .number(min: 0, max: 1), default: 0.0001, "NMF: stopping tolerance"),
        ]
    }

    public func run(_ context: StageContext) throws {
        let cube = try ArtifactCoding.cube(try context.input("cube"), source: "\(context.id) input cube")
        let components = try context.int("components")
        let method: BandReducer.Method
        switch try context.string("method") {
        case "none": method = .none
        case "uniform": method = .uniform(count: components)
        case "nmf":
            method = .nmf(NMF(components: components, tolerance: try context.double("tolerance"),
                              maxIterations: try context.int("iterations"), seed: UInt64(context.seed)))
        default: method = .pca(PCA(components: components, whiten: context.params["whiten"]?.bool ?? false))
        }
        // `auto` picks what each method needs: NMF non-negative input, the others zero-mean unit-variance bands.
        var normalizationName = try context.string("normalize")
        if normalizationName == "auto" { normalizationName = try context.string("method") == "nmf" ? "minmax" : "standard" }
        guard let normalization = NormalizationMethod(rawValue: normalizationName) else {
            throw ExperimentStagesError.invalidInput(stage: context.id.description, reason: "unknown normalization")
        }
        context.progress(nil, "fitting \(try context.string("method")) on \(cube.pixelCount) pixels")
        let started = Date()
        // NMF reports each iteration; the fraction is of the iteration limit (convergence may end it sooner).
        let limit = try context.int("iterations")
        let (transform, reduced) = try BandReducer(method: method, normalization: normalization).fitTransform(cube: cube) { step in
            context.progress(limit > 0 ? Double(step.iteration) / Double(limit) : nil,
                             "NMF iteration \(step.iteration)/\(limit), relative error \(String(format: "%.4f", step.relativeError))")
        }
        let seconds = Date().timeIntervalSince(started)

        try context.write("cube", ArtifactCoding.encode(reduced))
        try context.write("train", try context.input("train"))
        try context.write("test", try context.input("test"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try context.write("transform", try encoder.encode(transform.record))
        if let m = transform.componentsMatrix {
            try context.write("components", Data(Npy.encode(NumericArray(float64: m.values, shape: [m.rows, m.columns]))))
        }
        for (name, value) in transform.metrics.sorted(by: { $0.key < $1.key }) { context.metric(name, .double(value)) }
        context.metric("seconds", .double((seconds * 1000).rounded() / 1000))
    }
}
