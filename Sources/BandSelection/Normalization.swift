// Normalization: per-band scaling fitted on one cube and applied to any other with the same
// bands. `standard` is scikit-learn's StandardScaler (population std), `minmax` its
// MinMaxScaler onto [0, 1]; constant bands keep scale 1, as scikit-learn does.
public import SpectralData

/// How each band is scaled before a projection.
public enum NormalizationMethod: String, Sendable, Codable, CaseIterable {
    /// (x − mean) / std per band (z-score).
    case standard
    /// (x − min) / (max − min) per band, onto [0, 1].
    case minmax
    /// Leave the values as they are.
    case none
}

/// Per-band statistics of a fitted normalization: y = (x − offset) / scale.
public struct FittedNormalization: Sendable, Equatable, Codable {
    public let method: NormalizationMethod
    /// Per band: the mean (standard), the minimum (minmax) or 0 (none).
    public let offsets: [Double]
    /// Per band: the standard deviation (standard), the range (minmax) or 1 (none); never 0.
    public let scales: [Double]

    /// Statistics from raw values; `offsets` and `scales` need one entry per band and scales ≠ 0.
    public init(method: NormalizationMethod, offsets: [Double], scales: [Double]) throws(BandSelectionError) {
        guard offsets.count == scales.count else {
            throw .malformedTransform("normalization has \(offsets.count) offsets but \(scales.count) scales")
        }
        guard scales.allSatisfy({ $0 != 0 && $0.isFinite }), offsets.allSatisfy(\.isFinite) else {
            throw .malformedTransform("normalization scales must be finite and non-zero, offsets finite")
        }
        self.method = method
        self.offsets = offsets
        self.scales = scales
    }

    /// Fits the per-band statistics on the rows (pixels) of `x`.
    public static func fit(_ method: NormalizationMethod, to x: Matrix) throws(BandSelectionError) -> FittedNormalization {
        try fit(method, values: x.values, rows: x.rows, columns: x.columns)
    }

    /// Fits the per-band statistics on the pixels of a cube, reading its Float32 values directly.
    public static func fit(_ method: NormalizationMethod, cube: Cube) throws(BandSelectionError) -> FittedNormalization {
        try fit(method, values: cube.values, rows: cube.pixelCount, columns: cube.bands)
    }

    /// Statistics over row-major `values` (rows × columns), accumulated in Float64.
    static func fit<Element: BinaryFloatingPoint>(_ method: NormalizationMethod, values: [Element], rows n: Int,
                                                  columns m: Int) throws(BandSelectionError) -> FittedNormalization {
        guard n > 0 else { throw .invalidParameter("cannot fit a normalization on zero pixels") }
        var offsets = [Double](repeating: 0, count: m)
        var scales = [Double](repeating: 1, count: m)
        switch method {
        case .none:
            break
        case .standard:
            values.withUnsafeBufferPointer { v in
                for r in 0..<n { for c in 0..<m { offsets[c] += Double(v[r * m + c]) } }
            }
            for c in 0..<m { offsets[c] /= Double(n) }
            var variance = [Double](repeating: 0, count: m)
            values.withUnsafeBufferPointer { v in
                for r in 0..<n {
                    for c in 0..<m { let d = Double(v[r * m + c]) - offsets[c]; variance[c] += d * d }
                }
            }
            for c in 0..<m { scales[c] = guardedScale((variance[c] / Double(n)).squareRoot(), reference: offsets[c]) }
        case .minmax:
            var lo = [Double](repeating: .infinity, count: m), hi = [Double](repeating: -.infinity, count: m)
            values.withUnsafeBufferPointer { v in
                for r in 0..<n {
                    for c in 0..<m { let x = Double(v[r * m + c]); lo[c] = Swift.min(lo[c], x); hi[c] = Swift.max(hi[c], x) }
                }
            }
            for c in 0..<m {
                offsets[c] = lo[c]
                scales[c] = guardedScale(hi[c] - lo[c], reference: Swift.max(abs(lo[c]), abs(hi[c])))
            }
        }
        // Non-finite values leave non-finite statistics: find the culprit to name it.
        if !(offsets.allSatisfy(\.isFinite) && scales.allSatisfy(\.isFinite)),
           let i = values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteInput(row: i / m, column: i % m)
        }
        return try FittedNormalization(method: method, offsets: offsets, scales: scales)
    }

    /// A constant band has no spread: keep it unscaled instead of dividing by (almost) zero.
    private static func guardedScale(_ scale: Double, reference: Double) -> Double {
        scale <= 10 * Double.ulpOfOne * Swift.max(abs(reference), 1) ? 1 : scale
    }

    /// Number of bands the statistics were fitted on.
    public var bands: Int { offsets.count }

    /// The normalized matrix (rows are pixels).
    public func apply(to x: Matrix) throws(BandSelectionError) -> Matrix {
        try checkBands(x.columns)
        if method == .none { return x }
        var out = x
        let m = bands
        let inverse = scales.map { 1 / $0 }
        for r in 0..<x.rows {
            for c in 0..<m { out.values[r * m + c] = (x.values[r * m + c] - offsets[c]) * inverse[c] }
        }
        return out
    }

    /// The original-scale matrix of normalized values.
    public func invert(_ y: Matrix) throws(BandSelectionError) -> Matrix {
        try checkBands(y.columns)
        if method == .none { return y }
        var out = y
        let m = bands
        for r in 0..<y.rows {
            for c in 0..<m { out.values[r * m + c] = y.values[r * m + c] * scales[c] + offsets[c] }
        }
        return out
    }

    private func checkBands(_ columns: Int) throws(BandSelectionError) {
        guard columns == bands else {
            throw .shapeMismatch("the normalization was fitted on \(bands) bands, the data has \(columns)")
        }
    }
}
