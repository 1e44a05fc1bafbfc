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
    // 4: NMF's coordinate descent runs in CNMF's kernel (fused multiply-adds, row by row) and PCA on a
    //    cube fits and projects in Float32 with Float64 sums, so both round differently from version 3.
    public var version: Int { 4 }
    /// Defaults of `resources:` (reads the whole cube; PCA/NMF use every core).
    public var resources: StageResources { StageResources(cpus: 2, memory: "4G", time: "1:00:00") }
    public var summary: String { "Normalize the cube and reduce its bands (PCA, NMF, or a uniform subset)." }
    public var inputs: [InputPort] {
        [InputPort(.cube, "the cube to reduce"), InputPort(.split, "label maps, passed through so a train stage can need this stage alone")]
    }
    public var outputs: [OutputPort] {
        [OutputPort(.cube, "the reduced cube"), OutputPort(.split, "the input label maps, unchanged"),
         OutputPort(.transform, "the fitted normalization and projection (components.npy for PCA and NMF)")]
    }

    /// How bands are reduced.
    public enum Method: String, ChoiceParameter { case none, pca, nmf, uniform }
    /// Per-band scaling; `auto` picks what the method needs.
    public enum Normalize: String, ChoiceParameter { case auto, standard, minmax, none }

    /// The `band-select` parameters.
    public struct Parameters: ParameterGroup {
        @Param("method", "none keeps every band; pca and nmf project onto `components` axes; uniform keeps evenly spaced bands")
        public var method = Method.pca
        @Param("components", .integer(min: 1, max: 4096), "bands after reduction (ignored by none)")
        public var components = 100
        @Param("normalize", "per-band scaling fitted before the projection; auto: minmax for nmf (it needs non-negative input), standard otherwise")
        public var normalize = Normalize.auto
        @Param("whiten", "PCA: scale components to unit variance")
        public var whiten = false
        @Param("iterations", .integer(min: 1, max: 100_000), "NMF: maximum iterations")
        public var iterations = 200
        @Param("tolerance", .number(min: 0, max: 1), "NMF: stopping tolerance")
        public var tolerance = 0.0001
        public init() {}
    }

    public func problems(_ p: Parameters) -> [String] {
        guard p.method == .nmf, p.normalize == .standard else { return [] }
        return ["NMF needs non-negative data, and `normalize: standard` centres bands around 0; "
                + "use `normalize: auto` (minmax for nmf) or `minmax`, or `none` on raw non-negative data"]
    }

    public func run(_ p: Parameters, _ context: StageContext) throws {
        let cube = try ArtifactCoding.cube(try context.input("cube"), source: "\(context.id) input cube")
        let method: BandReducer.Method
        switch p.method {
        case .none: method = .none
        case .uniform: method = .uniform(count: p.components)
        case .nmf:
            method = .nmf(NMF(components: p.components, tolerance: p.tolerance, maxIterations: p.iterations, seed: UInt64(context.seed)))
        case .pca: method = .pca(PCA(components: p.components, whiten: p.whiten))
        }
        // `auto` picks what each method needs: NMF non-negative input, the others zero-mean unit-variance bands.
        let normalization: NormalizationMethod
        switch p.normalize {
        case .auto: normalization = p.method == .nmf ? .minmax : .standard
        case .standard: normalization = .standard
        case .minmax: normalization = .minmax
        case .none: normalization = .none
        }
        context.progress(nil, "fitting \(p.method.rawValue) on \(cube.pixelCount) pixels")
        let started = Date()
        // NMF reports each iteration; the fraction is of the iteration limit (convergence may end it sooner).
        let limit = p.iterations
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
