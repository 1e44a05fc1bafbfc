// BandReducer: the one entry point a band-select stage needs. A reducer (method + normalization)
// fits on a cube and yields a FittedBandTransform — a value that reduces this or any other cube
// with the same bands, reports its metrics, and splits into a small Codable record plus a
// components matrix for saving (FileFormats writes them; this module touches no files).
import Foundation
public import SpectralData

/// What a band selection does to a cube: its method and the normalization applied first.
public struct BandReducer: Sendable, Equatable {
    /// How bands are reduced.
    public enum Method: Sendable, Equatable {
        /// Keep all bands (only the normalization applies).
        case none
        /// Principal components.
        case pca(PCA)
        /// Non-negative factorization; the reduced cube is W.
        case nmf(NMF)
        /// `count` evenly spaced real bands.
        case uniform(count: Int)
        /// These real bands (0-based indices), in this order.
        case explicit([Int])
    }

    public var method: Method
    public var normalization: NormalizationMethod

    public init(method: Method, normalization: NormalizationMethod = .none) {
        self.method = method
        self.normalization = normalization
    }

    /// Fits the normalization and the method on the pixels of `cube`.
    public func fit(cube: Cube) throws(BandSelectionError) -> FittedBandTransform {
        try fitTransform(cube: cube).transform
    }

    /// Fits on `cube` and returns the reduced cube as well (for NMF that is the fitted W itself,
    /// not a second solve). `iterations` sees every finished NMF iteration (it cannot stop the fit).
    public func fitTransform(cube: Cube, iterations: (NMFIteration) -> Void = { _ in })
        throws(BandSelectionError) -> (transform: FittedBandTransform, reduced: Cube) {
        let normalizer = try FittedNormalization.fit(normalization, cube: cube)
        if case .pca(let pca) = method {
            // PCA reads the Float32 cube block by block: no full-size Float64 copies.
            let (fitted, projected) = try pca.fitTransform(cube: cube, normalization: normalizer)
            let transform = FittedBandTransform(normalization: normalizer, projection: .pca(fitted))
            return (transform, try transform.cube(projected, bands: fitted.componentCount, like: cube))
        }
        let x = try normalizer.apply(to: Matrix(pixelsOf: cube))
        let projection: FittedBandTransform.Projection
        let reduced: Matrix
        switch method {
        case .none:
            (projection, reduced) = (.identity(bands: cube.bands), x)
        case .uniform(let count):
            let subset = try BandSubset.uniform(count: count, of: cube.bands)
            (projection, reduced) = (.subset(subset), try subset.apply(to: x))
        case .explicit(let indices):
            let subset = try BandSubset(indices: indices, inputBands: cube.bands)
            (projection, reduced) = (.subset(subset), try subset.apply(to: x))
        case .pca(let pca):   // handled above; kept for the Float64 path's completeness
            let (fitted, projected) = try pca.fitTransform(x)
            (projection, reduced) = (.pca(fitted), projected)
        case .nmf(let nmf):
            if normalization == .standard {
                throw .invalidParameter("NMF needs non-negative data, and `normalize: standard` centres bands around 0; "
                    + "use `normalize: minmax` or the raw data (`normalize: none`) with NMF")
            }
            let fit = try nmf.fit(x) { iteration in
                iterations(iteration)
                return true
            }
            (projection, reduced) = (.nmf(fit.fitted), fit.weights)
        }
        let transform = FittedBandTransform(normalization: normalizer, projection: projection)
        return (transform, try transform.cube(reduced, like: cube))
    }
}

/// A fitted band selection: normalization statistics and a fitted projection.
public struct FittedBandTransform: Sendable, Equatable {
    /// The fitted projection after normalization.
    public enum Projection: Sendable, Equatable {
        case identity(bands: Int)
        case subset(BandSubset)
        case pca(FittedPCA)
        case nmf(FittedNMF)
    }

    public let normalization: FittedNormalization
    public let projection: Projection

    public init(normalization: FittedNormalization, projection: Projection) {
        self.normalization = normalization
        self.projection = projection
    }

    /// Bands the transform expects.
    public var inputBands: Int { normalization.bands }

    /// Bands (components) the transform produces.
    public var outputBands: Int {
        switch projection {
        case .identity(let bands): return bands
        case .subset(let subset): return subset.indices.count
        case .pca(let pca): return pca.componentCount
        case .nmf(let nmf): return nmf.componentCount
        }
    }

    /// Figures for a results manifest: explained variance (PCA), reconstruction error and
    /// iterations (NMF), band counts (all).
    public var metrics: [String: Double] {
        var out: [String: Double] = ["inputBands": Double(inputBands), "outputBands": Double(outputBands)]
        switch projection {
        case .identity, .subset:
            break
        case .pca(let pca):
            out["explainedVarianceRatio"] = pca.explainedVarianceRatio.reduce(0, +)
            out["firstComponentVarianceRatio"] = pca.explainedVarianceRatio.first ?? 0
        case .nmf(let nmf):
            out["reconstructionError"] = nmf.reconstructionError
            out["relativeReconstructionError"] = nmf.relativeError
            out["iterations"] = Double(nmf.iterations)
            out["converged"] = nmf.converged ? 1 : 0
        }
        return out
    }

    /// Reduces pixels (n × inputBands) to n × outputBands.
    public func transform(_ pixels: Matrix) throws(BandSelectionError) -> Matrix {
        let x = try normalization.apply(to: pixels)
        switch projection {
        case .identity: return x
        case .subset(let subset): return try subset.apply(to: x)
        case .pca(let pca): return try pca.transform(x)
        case .nmf(let nmf): return try nmf.transform(x)
        }
    }

    /// Reduces a cube with the same bands as the one fitted (NMF solves for its weights).
    public func transform(cube: Cube) throws(BandSelectionError) -> Cube {
        if case .pca(let pca) = projection {
            return try self.cube(pca.transform(cube: cube, normalization: normalization), bands: outputBands, like: cube)
        }
        return try self.cube(transform(Matrix(pixelsOf: cube)), like: cube)
    }

    /// Maps reduced pixels back to the original bands and scale (PCA and NMF reconstruct;
    /// identity only undoes the normalization; a subset cannot be inverted).
    public func inverseTransform(_ reduced: Matrix) throws(BandSelectionError) -> Matrix {
        let y: Matrix
        switch projection {
        case .identity: y = reduced
        case .subset: throw .invalidParameter("a band subset drops bands and has no inverse; use PCA or NMF to reconstruct")
        case .pca(let pca): y = try pca.inverseTransform(reduced)
        case .nmf(let nmf): y = try nmf.inverseTransform(reduced)
        }
        return try normalization.invert(y)
    }

    /// A matrix of per-pixel values as a cube with the spatial size of `like`.
    func cube(_ matrix: Matrix, like cube: Cube) throws(BandSelectionError) -> Cube {
        guard matrix.rows == cube.pixelCount else {
            throw .shapeMismatch("\(matrix.rows) rows cannot fill a \(cube.height)×\(cube.width) cube")
        }
        return try self.cube(matrix.floats(), bands: matrix.columns, like: cube)
    }

    /// Per-pixel Float32 values (pixels × bands) as a cube with the spatial size of `like`.
    func cube(_ values: [Float], bands: Int, like cube: Cube) throws(BandSelectionError) -> Cube {
        do {
            return try cube.replacingBands(bands, values: values)
        } catch {
            throw .shapeMismatch(error.description)
        }
    }
}
