// Matrix: the dense Float64 row-major matrix BandSelection computes in (pixels × bands,
// components × bands). Cubes arrive as Float32; statistics and factorizations need Float64,
// so conversion happens here, once, at the module boundary.
public import SpectralData

/// A dense, row-major matrix of Float64 values.
public struct Matrix: Sendable, Equatable {
    /// Number of rows (pixels, components…).
    public let rows: Int
    /// Number of columns (bands, components…).
    public let columns: Int
    /// Elements in row-major order; `values.count == rows * columns`.
    public var values: [Double]

    /// A matrix over `values` (row-major); the count must be `rows * columns`.
    public init(rows: Int, columns: Int, values: [Double]) throws(BandSelectionError) {
        guard rows >= 0, columns >= 0, values.count == rows * columns else {
            throw .shapeMismatch("a \(rows)×\(columns) matrix needs \(max(0, rows * columns)) values, got \(values.count)")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix whose shape the caller guarantees.
    init(uncheckedRows rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "matrix shape \(rows)×\(columns) vs \(values.count) values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A zero matrix.
    public init(zerosRows rows: Int, columns: Int) {
        self.init(uncheckedRows: rows, columns: columns, values: [Double](repeating: 0, count: rows * columns))
    }

    /// The pixels of a cube as a (height·width) × bands matrix.
    public init(pixelsOf cube: Cube) {
        self.init(uncheckedRows: cube.pixelCount, columns: cube.bands, values: cube.values.map { Double($0) })
    }

    /// Element at a row and column.
    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// One row as a slice.
    public func row(_ index: Int) -> ArraySlice<Double> {
        values[index * columns ..< (index + 1) * columns]
    }

    /// The transpose.
    public var transposed: Matrix {
        var out = [Double](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<columns { out[c * rows + r] = values[r * columns + c] }
        }
        return Matrix(uncheckedRows: columns, columns: rows, values: out)
    }

    /// Sum of squared elements (Frobenius norm squared).
    public var squaredNorm: Double {
        var s = 0.0
        for v in values { s += v * v }
        return s
    }

    /// Mean of each column.
    public func columnMeans() -> [Double] {
        var sums = [Double](repeating: 0, count: columns)
        let m = columns
        values.withUnsafeBufferPointer { v in
            sums.withUnsafeMutableBufferPointer { s in
                for r in 0..<rows {
                    let row = r * m
                    for c in 0..<m { s[c] += v[row + c] }
                }
            }
        }
        return sums.map { $0 / Double(max(rows, 1)) }
    }

    /// The values rounded to Float32 (for cubes and tensors).
    public func floats() -> [Float] { values.map { Float($0) } }

    /// The position of the first NaN or infinity, if any.
    func firstNonFinite() -> (row: Int, column: Int)? {
        guard let i = values.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (i / max(columns, 1), i % max(columns, 1))
    }

    /// Throws when any element is NaN or infinite.
    func requireFinite() throws(BandSelectionError) {
        if let bad = firstNonFinite() { throw .nonFiniteInput(row: bad.row, column: bad.column) }
    }
}
