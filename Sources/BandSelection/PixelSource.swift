// PixelSource: the pixels of a cube (Float32) or of a matrix (Float64), handed out in row blocks
// as normalized Float64 or Float32. PCA on a whole cube reads through it, so it never builds a
// full-size Float64 copy of the data (34 MB for Indian Pines) or of its projection.
import SpectralData
import Tensors

struct PixelSource {
    private enum Storage {
        case floats([Float])
        case doubles([Double])
    }

    let rows: Int
    let columns: Int
    private let storage: Storage
    private let offsets: [Double]
    private let inverseScales: [Double]
    /// False when values pass through unchanged (normalization `none`).
    private let normalizes: Bool

    /// Rows per block: big enough for efficient BLAS calls, small enough to stay in cache.
    static let blockRows = 2048

    /// The pixels of `cube`, normalized by `normalization` on the way out.
    init(cube: Cube, normalization: FittedNormalization) throws(BandSelectionError) {
        guard normalization.bands == cube.bands else {
            throw .shapeMismatch("the normalization was fitted on \(normalization.bands) bands, the cube has \(cube.bands)")
        }
        rows = cube.pixelCount
        columns = cube.bands
        storage = .floats(cube.values)
        offsets = normalization.offsets
        inverseScales = normalization.scales.map { 1 / $0 }
        normalizes = normalization.method != .none
    }

    /// The rows of a matrix, as they are.
    init(matrix: Matrix) {
        rows = matrix.rows
        columns = matrix.columns
        storage = .doubles(matrix.values)
        offsets = [Double](repeating: 0, count: matrix.columns)
        inverseScales = [Double](repeating: 1, count: matrix.columns)
        normalizes = false
    }

    /// Position of the first NaN or infinity, if any.
    func firstNonFinite() -> (row: Int, column: Int)? {
        let index: Int?
        switch storage {
        case .floats(let v): index = v.firstIndex { !$0.isFinite }
        case .doubles(let v): index = v.firstIndex { !$0.isFinite }
        }
        return index.map { ($0 / columns, $0 % columns) }
    }

    /// Per-column means of the normalized values, over every `step`-th row (all rows by default).
    func columnMeans(everyRow step: Int = 1) -> [Double] {
        var sums = [Double](repeating: 0, count: columns)
        let m = columns, step = max(1, step)
        var count = 0
        func accumulate<T: BinaryFloatingPoint>(_ values: [T]) {
            values.withUnsafeBufferPointer { v in
                sums.withUnsafeMutableBufferPointer { s in
                    for r in stride(from: 0, to: rows, by: step) {
                        for c in 0..<m { s[c] += Double(v[r * m + c]) }
                        count += 1
                    }
                }
            }
        }
        switch storage {
        case .floats(let v): accumulate(v)
        case .doubles(let v): accumulate(v)
        }
        return (0..<m).map { (sums[$0] / Double(max(count, 1)) - offsets[$0]) * inverseScales[$0] }
    }

    /// Calls `body` with rows `range` as Float64 (normalized, row-major): a pointer into the storage
    /// when nothing needs converting, otherwise `buffer` (at least range.count × columns) filled first.
    func withRows<R>(_ range: Range<Int>, buffer: UnsafeMutablePointer<Double>,
                     _ body: (UnsafePointer<Double>) -> R) -> R {
        let m = columns
        switch storage {
        case .doubles(let v) where !normalizes:
            return v.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress else { return body(buffer) }
                return body(base + range.lowerBound * m)
            }
        default:
            fill(range, minus: nil, into: UncheckedBox(buffer))
            return body(buffer)
        }
    }

    /// Writes rows `range`, normalized and minus `center` (per column, if given), into `buffer`
    /// as Float64 or Float32, converting on `Workers.count` threads.
    func fill<T: BinaryFloatingPoint>(_ range: Range<Int>, minus center: [Double]?, into buffer: UncheckedBox<UnsafeMutablePointer<T>>) {
        let m = columns
        var shift = offsets
        if let center { for c in 0..<m { shift[c] += center[c] / inverseScales[c] } }
        // y = (x − offset)·s − center = (x − (offset + center/s))·s
        let (shifts, scales) = (shift, inverseScales)
        func convert<S: BinaryFloatingPoint>(_ values: [S]) {
            values.withUnsafeBufferPointer { v in
                guard let base = v.baseAddress else { return }
                let source = UncheckedBox(base)
                parallelBlocks(count: range.count, blockSize: 512) { local in
                    for r in local {
                        let from = source.value + (range.lowerBound + r) * m, to = buffer.value + r * m
                        for c in 0..<m { to[c] = T((Double(from[c]) - shifts[c]) * scales[c]) }
                    }
                    return 0
                }
            }
        }
        switch storage {
        case .floats(let v): convert(v)
        case .doubles(let v): convert(v)
        }
    }
}
