// PCA: principal components of the pixels (n samples × m bands) the way scikit-learn's
// `covariance_eigh` solver finds them — covariance Xᵀ·X − n·μμᵀ through BLAS syrk, LAPACK dsyevd,
// components sorted by variance with `svd_flip`'s sign rule — plus whitening and the inverse.
// A Float64 matrix is not copied: both the covariance and the projection correct for the mean
// afterwards (exact enough in Float64: Indian Pines loses under 3 of its 16 digits to the offset).
// A Float32 cube takes one pass for the fit instead (`fitTransformOnePass`): blocks of rows shifted
// by a sampled mean, Float64 syrk per block on the workers, blocks summed in order; the projection
// is one Float32 sgemm per block, also on the workers.
public import SpectralData
import Tensors

/// Settings of a principal component analysis.
public struct PCA: Sendable, Equatable, Codable {
    /// Number of components kept (1 … min(samples, bands)).
    public var components: Int
    /// Scale each component to unit variance (scikit-learn's `whiten=True`).
    public var whiten: Bool

    public init(components: Int, whiten: Bool = false) {
        self.components = components
        self.whiten = whiten
    }

    /// Fits the components on the rows of `x` (samples × features) and projects them (scikit-learn's `fit_transform`).
    public func fitTransform(_ x: Matrix) throws(BandSelectionError) -> (fitted: FittedPCA, projected: Matrix) {
        let fitted = try fit(x)
        return (fitted, fitted.project(x))
    }

    /// Fits the components on the rows of `x` (samples × features).
    public func fit(_ x: Matrix) throws(BandSelectionError) -> FittedPCA {
        try fit(PixelSource(matrix: x))
    }

    /// Fits on the pixels of a cube after `normalization`, and returns the projected pixels as
    /// Float32 values (pixels × components), without a full-size Float64 copy of either.
    public func fitTransform(cube: Cube, normalization: FittedNormalization) throws(BandSelectionError)
        -> (fitted: FittedPCA, projected: [Float]) {
        try fitTransformOnePass(try PixelSource(cube: cube, normalization: normalization))
    }

    /// Checks the shape against the settings.
    private func validate(samples n: Int, features m: Int) throws(BandSelectionError) {
        guard n >= 2, m >= 1 else {
            throw .invalidParameter("PCA needs at least 2 samples and 1 feature, got \(n)×\(m)")
        }
        guard components >= 1, components <= min(n, m) else {
            throw .invalidParameter("PCA components must be in 1…\(min(n, m)) (min of pixels and bands), got \(components)")
        }
    }

    /// Rows per block of the one-pass fit and of the Float32 projection: blocks are what the
    /// workers share, and each one's Float64 scratch (1024 × bands) stays in cache.
    static let blockRows = 1024

    /// Fit and projection of a cube's pixels: one pass over the data for the mean and the
    /// covariance, one for the projection, both in blocks of rows on the workers:
    /// 1. a shift s = the mean of about 1024 evenly spaced rows (close to the mean, so the sums
    ///    below keep their digits);
    /// 2. per block: Y = x − s in Float64, its column sums and YᵀY by dsyrk into the block's own
    ///    partial, then the partials are added in block order;
    /// 3. with d = mean of Y: mean = s + d, covariance = (YᵀY − n·ddᵀ) / (n − 1), eigenvectors as `fit`;
    /// 4. the projection as `FittedPCA.transform(cube:)` computes it (Float32, one sgemm per block).
    /// The result does not depend on the number of workers.
    func fitTransformOnePass(_ x: PixelSource) throws(BandSelectionError) -> (fitted: FittedPCA, projected: [Float]) {
        let (n, m) = (x.rows, x.columns)
        try validate(samples: n, features: m)
        let shift = x.columnMeans(everyRow: max(1, n / 1024))
        let blockRows = PCA.blockRows
        let blocks = (n + blockRows - 1) / blockRows
        var blockSums = [Double](repeating: 0, count: blocks * m)
        // Each block's syrk writes the upper triangle of its partial (beta 0), the only part read.
        var blockGrams = [Double](unsafeUninitializedCapacity: blocks * m * m) { _, count in count = blocks * m * m }
        let ones = [Double](repeating: 1, count: blockRows)
        blockSums.withUnsafeMutableBufferPointer { sums in
            blockGrams.withUnsafeMutableBufferPointer { grams in
                ones.withUnsafeBufferPointer { ones in
                    guard let sums = sums.baseAddress, let grams = grams.baseAddress, let ones = ones.baseAddress else { return }
                    let pointers = UncheckedBox((sums, grams, ones))
                    _ = parallelBlocks(count: n, blockSize: blockRows) { range in
                        let (sums, grams, ones) = pointers.value
                        let block = range.lowerBound / blockRows
                        let rows = UnsafeMutablePointer<Double>.allocate(capacity: range.count * m)
                        defer { rows.deallocate() }
                        x.fill(range, minus: shift, into: UncheckedBox(rows))
                        // column sums (1, m) = 1ᵀ (1, b) · Y (b, m); inside the parallel loop BLAS stays on this thread
                        BLAS.dgemm(m: 1, n: m, k: range.count, a: ones, lda: range.count, b: rows, ldb: m,
                                   c: sums + block * m, ldc: m)
                        BLAS.dsyrkTransposed(n: m, k: range.count, a: rows, lda: m, c: grams + block * m * m, ldc: m)
                        return 0
                    }
                }
            }
        }
        var sums = [Double](repeating: 0, count: m)
        var covariance = [Double](repeating: 0, count: m * m)
        for block in 0..<blocks {
            for c in 0..<m { sums[c] += blockSums[block * m + c] }
            for i in 0..<m { for j in i..<m { covariance[i * m + j] += blockGrams[block * m * m + i * m + j] } }
        }
        if sums.contains(where: { !$0.isFinite }), let bad = x.firstNonFinite() {
            throw .nonFiniteInput(row: bad.row, column: bad.column)
        }
        let d = sums.map { $0 / Double(n) }
        for i in 0..<m { for j in i..<m {
            covariance[i * m + j] = (covariance[i * m + j] - Double(n) * d[i] * d[j]) / Double(n - 1)
        } }
        let fitted = try finish(covariance: covariance, mean: zip(shift, d).map { $0 + $1 }, samples: n)
        return (fitted, fitted.projectToFloats(x))
    }

    func fit(_ x: PixelSource) throws(BandSelectionError) -> FittedPCA {
        let (n, m) = (x.rows, x.columns)
        try validate(samples: n, features: m)
        if let bad = x.firstNonFinite() { throw .nonFiniteInput(row: bad.row, column: bad.column) }

        // mean: (m)
        let mean = x.columnMeans()
        // covariance: (m, m) = (Xᵀ·X − n·μμᵀ) / (n − 1), upper triangle, accumulated block by block
        var covariance = [Double](repeating: 0, count: m * m)
        let blockRows = min(n, PixelSource.blockRows)
        var buffer = [Double](repeating: 0, count: blockRows * m)
        buffer.withUnsafeMutableBufferPointer { b in
            covariance.withUnsafeMutableBufferPointer { c in
                guard let b = b.baseAddress, let c = c.baseAddress else { return }
                for start in stride(from: 0, to: n, by: blockRows) {
                    let range = start ..< min(n, start + blockRows)
                    x.withRows(range, buffer: b) { a in
                        BLAS.dsyrkTransposed(n: m, k: range.count, alpha: 1 / Double(n - 1), a: a, lda: m,
                                             beta: start == 0 ? 0 : 1, c: c, ldc: m)
                    }
                }
            }
        }
        let correction = Double(n) / Double(n - 1)
        for i in 0..<m { for j in i..<m { covariance[i * m + j] -= correction * mean[i] * mean[j] } }
        return try finish(covariance: covariance, mean: mean, samples: n)
    }

    /// The fitted PCA from the covariance (m × m, upper triangle, n − 1 denominator) and the mean.
    private func finish(covariance: [Double], mean: [Double], samples n: Int) throws(BandSelectionError) -> FittedPCA {
        let m = mean.count
        guard let eigen = BLAS.symmetricEigen(covariance, n: m) else {
            throw .numericalFailure("LAPACK dsyevd did not converge on the \(m)×\(m) covariance matrix")
        }

        // Eigenvalues come ascending: reverse to descending variance, clip round-off negatives.
        var variances = [Double](repeating: 0, count: m)
        var axes = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            let source = m - 1 - i
            variances[i] = max(eigen.values[source], 0)
            for c in 0..<m { axes[i * m + c] = eigen.vectors[source * m + c] }
        }
        // svd_flip (v-based): the entry of largest magnitude in each component is positive.
        for i in 0..<m {
            var best = 0, bestMagnitude = -1.0
            for c in 0..<m where abs(axes[i * m + c]) > bestMagnitude {
                best = c
                bestMagnitude = abs(axes[i * m + c])
            }
            if axes[i * m + best] < 0 { for c in 0..<m { axes[i * m + c] = -axes[i * m + c] } }
        }

        let k = components
        let total = variances.reduce(0, +)
        let kept = Array(variances[0..<k])
        let fitted = FittedPCA(
            mean: mean,
            components: Matrix(uncheckedRows: k, columns: m, values: Array(axes[0..<(k * m)])),
            explainedVariance: kept,
            explainedVarianceRatio: kept.map { total > 0 ? $0 / total : 0 },
            singularValues: kept.map { ($0 * Double(n - 1)).squareRoot() },
            noiseVariance: k < min(n, m) ? variances[k..<min(n, m)].reduce(0, +) / Double(min(n, m) - k) : 0,
            whiten: whiten,
            samples: n)
        return fitted
    }
}

/// A fitted PCA: mean, components (k × bands, rows orthonormal) and their variances.
public struct FittedPCA: Sendable, Equatable {
    /// Per-band mean removed before projecting.
    public let mean: [Double]
    /// Principal axes as rows (k × bands), sorted by decreasing variance.
    public let components: Matrix
    /// Variance along each component (eigenvalue of the covariance, n − 1 denominator).
    public let explainedVariance: [Double]
    /// Each component's share of the total variance of all bands.
    public let explainedVarianceRatio: [Double]
    /// Singular values of the centred data for the kept components.
    public let singularValues: [Double]
    /// Mean variance of the discarded components (0 when all are kept).
    public let noiseVariance: Double
    /// Whether `transform` scales components to unit variance.
    public let whiten: Bool
    /// Number of samples the fit saw.
    public let samples: Int

    /// A fitted PCA from its parts (e.g. read back from disk); `FittedBandTransform(record:components:)`
    /// checks that the shapes agree.
    public init(mean: [Double], components: Matrix, explainedVariance: [Double], explainedVarianceRatio: [Double],
                singularValues: [Double], noiseVariance: Double, whiten: Bool, samples: Int) {
        self.mean = mean
        self.components = components
        self.explainedVariance = explainedVariance
        self.explainedVarianceRatio = explainedVarianceRatio
        self.singularValues = singularValues
        self.noiseVariance = noiseVariance
        self.whiten = whiten
        self.samples = samples
    }

    /// Number of components.
    public var componentCount: Int { components.rows }
    /// Number of input features (bands).
    public var featureCount: Int { components.columns }

    /// Checks that the parts agree with each other.
    func validate() throws(BandSelectionError) {
        let (k, m) = (components.rows, components.columns)
        guard mean.count == m, explainedVariance.count == k, explainedVarianceRatio.count == k,
              singularValues.count == k, k >= 1 else {
            throw .malformedTransform("PCA with \(k)×\(m) components has \(mean.count) means, \(explainedVariance.count) variances")
        }
    }

    /// Divisors applied per component: √variance when whitening (clipped at machine ε), else 1.
    var whiteningScales: [Double] {
        guard whiten else { return [Double](repeating: 1, count: componentCount) }
        return explainedVariance.map { max($0.squareRoot(), Double.ulpOfOne) }
    }

    /// Projects samples (n × bands) onto the components: (x − mean)·Vᵀ, whitened if fitted so.
    public func transform(_ x: Matrix) throws(BandSelectionError) -> Matrix {
        guard x.columns == featureCount else {
            throw .shapeMismatch("PCA was fitted on \(featureCount) bands, the data has \(x.columns)")
        }
        return project(x)
    }

    /// Projects the pixels of a cube (after `normalization`) to Float32 values (pixels × components).
    public func transform(cube: Cube, normalization: FittedNormalization) throws(BandSelectionError) -> [Float] {
        guard cube.bands == featureCount else {
            throw .shapeMismatch("PCA was fitted on \(featureCount) bands, the cube has \(cube.bands)")
        }
        return projectToFloats(try PixelSource(cube: cube, normalization: normalization))
    }

    /// Projects source rows in Float32, block by block on the workers:
    /// ((x − μ) (b, m) · (Vᵀ / scales) (m, k)) → (n, k), one single-threaded sgemm per fixed block.
    /// Centring comes first here (Float32 could not afford the offset); the result is Float32 anyway.
    func projectToFloats(_ x: PixelSource) -> [Float] {
        let (n, m, k) = (x.rows, featureCount, componentCount)
        let scales = whiteningScales
        var axes = [Float](repeating: 0, count: k * m)               // (k, m), rows divided by their scale
        for i in 0..<k { for c in 0..<m { axes[i * m + c] = Float(components[i, c] / scales[i]) } }
        var out = [Float](unsafeUninitializedCapacity: n * k) { _, count in count = n * k }   // every block's sgemm writes its rows
        let blockRows = PCA.blockRows
        axes.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                guard let v = v.baseAddress, let o = o.baseAddress else { return }
                let pointers = UncheckedBox((v, o))
                _ = parallelBlocks(count: n, blockSize: blockRows) { range in
                    let (v, o) = pointers.value
                    let rows = UnsafeMutablePointer<Float>.allocate(capacity: range.count * m)
                    defer { rows.deallocate() }
                    x.fill(range, minus: mean, into: UncheckedBox(rows))
                    BLAS.sgemmOnThisThread(transposeB: true, m: range.count, n: k, k: m, a: rows, lda: m, b: v, ldb: m,
                                           c: o + range.lowerBound * k, ldc: k)
                    return 0
                }
            }
        }
        return out
    }

    /// (x (n, m) · Vᵀ (m, k) − μ·Vᵀ) / scales → (n, k): the mean comes off after the product.
    func project(_ x: Matrix) -> Matrix {
        var out = x.multiplied(by: components, transposeOther: true)
        let k = componentCount
        let offset = (0..<k).map { i in (0..<featureCount).reduce(0.0) { $0 + mean[$1] * components[i, $1] } }
        let inverse = whiteningScales.map { 1 / $0 }
        _ = out.values.withUnsafeMutableBufferPointer { v in
            parallelBlocks(count: out.rows, blockSize: 256) { rows in
                for r in rows { for c in 0..<k { v[r * k + c] = (v[r * k + c] - offset[c]) * inverse[c] } }
                return 0
            }
        }
        return out
    }

    /// Maps projections (n × k) back to band space: y·(scales∘V) + mean.
    public func inverseTransform(_ y: Matrix) throws(BandSelectionError) -> Matrix {
        guard y.columns == componentCount else {
            throw .shapeMismatch("PCA has \(componentCount) components, the data has \(y.columns) columns")
        }
        var scaled = components
        let (k, m) = (componentCount, featureCount)
        let scales = whiten ? explainedVariance.map { $0.squareRoot() } : [Double](repeating: 1, count: k)
        for i in 0..<k { for c in 0..<m { scaled.values[i * m + c] *= scales[i] } }
        var out = y.multiplied(by: scaled)
        for r in 0..<out.rows { for c in 0..<m { out.values[r * m + c] += mean[c] } }
        return out
    }
}
