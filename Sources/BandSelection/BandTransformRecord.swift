// BandTransformRecord: a fitted band transform split for storage into a small Codable record
// (method, normalization statistics, variances, errors, settings) and one components matrix
// (k × bands, PCA axes or NMF H). FileFormats writes them as JSON and .npy; the split and its
// validation live here so every reader rebuilds exactly the value that was saved.

/// Everything of a fitted transform except its components matrix.
public struct BandTransformRecord: Sendable, Equatable, Codable {
    /// Version of this layout; readers reject versions they do not know.
    public static let currentSchemaVersion = 1

    /// Which projection the record holds.
    public enum Kind: String, Sendable, Codable {
        case identity, subset, pca, nmf
    }

    /// PCA figures besides its axes.
    public struct PCAPart: Sendable, Equatable, Codable {
        public var mean: [Double]
        public var explainedVariance: [Double]
        public var explainedVarianceRatio: [Double]
        public var singularValues: [Double]
        public var noiseVariance: Double
        public var whiten: Bool
        public var samples: Int
    }

    /// NMF figures besides its components.
    public struct NMFPart: Sendable, Equatable, Codable {
        public var reconstructionError: Double
        public var relativeError: Double
        public var iterations: Int
        public var errorHistory: [Double]
        public var converged: Bool
        public var settings: NMF
    }

    public var schemaVersion: Int
    public var kind: Kind
    public var inputBands: Int
    public var outputBands: Int
    public var normalization: FittedNormalization
    public var subset: BandSubset?
    public var pca: PCAPart?
    public var nmf: NMFPart?
}

extension FittedBandTransform {
    /// The small record of this transform (everything but `componentsMatrix`).
    public var record: BandTransformRecord {
        var record = BandTransformRecord(schemaVersion: BandTransformRecord.currentSchemaVersion, kind: .identity,
                                         inputBands: inputBands, outputBands: outputBands,
                                         normalization: normalization, subset: nil, pca: nil, nmf: nil)
        switch projection {
        case .identity:
            break
        case .subset(let subset):
            record.kind = .subset
            record.subset = subset
        case .pca(let p):
            record.kind = .pca
            record.pca = .init(mean: p.mean, explainedVariance: p.explainedVariance,
                               explainedVarianceRatio: p.explainedVarianceRatio, singularValues: p.singularValues,
                               noiseVariance: p.noiseVariance, whiten: p.whiten, samples: p.samples)
        case .nmf(let f):
            record.kind = .nmf
            record.nmf = .init(reconstructionError: f.reconstructionError, relativeError: f.relativeError,
                               iterations: f.iterations, errorHistory: f.errorHistory, converged: f.converged,
                               settings: f.settings)
        }
        return record
    }

    /// The components matrix (PCA axes or NMF H, k × bands), nil for identity and subsets.
    public var componentsMatrix: Matrix? {
        switch projection {
        case .identity, .subset: return nil
        case .pca(let p): return p.components
        case .nmf(let f): return f.components
        }
    }

    /// Rebuilds a transform from its record and components, checking that they fit together.
    public init(record: BandTransformRecord, components: Matrix?) throws(BandSelectionError) {
        guard record.schemaVersion == BandTransformRecord.currentSchemaVersion else {
            throw .malformedTransform("schema version \(record.schemaVersion) is not \(BandTransformRecord.currentSchemaVersion), the one this HSIFlow reads")
        }
        guard record.normalization.bands == record.inputBands else {
            throw .malformedTransform("normalization covers \(record.normalization.bands) bands, the record says \(record.inputBands)")
        }
        let projection: Projection
        switch record.kind {
        case .identity:
            guard record.outputBands == record.inputBands else {
                throw .malformedTransform("an identity transform keeps \(record.inputBands) bands, the record says \(record.outputBands)")
            }
            projection = .identity(bands: record.inputBands)
        case .subset:
            guard let subset = record.subset, subset.inputBands == record.inputBands else {
                throw .malformedTransform("a subset record needs its band indices over \(record.inputBands) bands")
            }
            projection = .subset(try BandSubset(indices: subset.indices, inputBands: subset.inputBands))
        case .pca:
            guard let part = record.pca, let components else {
                throw .malformedTransform("a PCA record needs its PCA figures and a components matrix")
            }
            let pca = FittedPCA(mean: part.mean, components: components, explainedVariance: part.explainedVariance,
                                explainedVarianceRatio: part.explainedVarianceRatio, singularValues: part.singularValues,
                                noiseVariance: part.noiseVariance, whiten: part.whiten, samples: part.samples)
            try pca.validate()
            projection = .pca(pca)
        case .nmf:
            guard let part = record.nmf, let components else {
                throw .malformedTransform("an NMF record needs its NMF figures and a components matrix")
            }
            guard components.values.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw .malformedTransform("NMF components must be finite and non-negative")
            }
            projection = .nmf(FittedNMF(components: components, reconstructionError: part.reconstructionError,
                                        relativeError: part.relativeError, iterations: part.iterations,
                                        errorHistory: part.errorHistory, converged: part.converged, settings: part.settings))
        }
        self.init(normalization: record.normalization, projection: projection)
        if let components {
            guard components.columns == record.inputBands, components.rows == record.outputBands else {
                throw .malformedTransform("components are \(components.rows)×\(components.columns), expected \(record.outputBands)×\(record.inputBands)")
            }
        }
    }
}
