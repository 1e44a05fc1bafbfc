// Tensor+Elementwise: element-by-element arithmetic on equally shaped tensors, scaling,
// row-broadcast addition (a bias over the last axis), and the matrix product through BLAS.
// Hot loops run over unsafe buffers; the shape checks stay outside them.

extension Tensor {
    /// Applies `transform` to every element.
    public func map(_ transform: (Float) -> Float) -> Tensor {
        Tensor(shape: shape, scalars: scalars.map(transform))
    }

    /// Combines two equally shaped tensors element by element.
    public func zipWith(_ other: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "elementwise op on shapes \(shape) and \(other.shape)")
        var out = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                for i in 0..<a.count { out[i] = combine(a[i], b[i]) }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// Element-wise sum.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipWith(rhs, +) }
    /// Element-wise difference.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipWith(rhs, -) }
    /// Element-wise (Hadamard) product.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipWith(rhs, *) }
    /// Every element times a scalar.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }

    /// self += alpha · other, in place (axpy).
    public mutating func add(_ other: Tensor, scaledBy alpha: Float = 1) {
        precondition(shape == other.shape, "add on shapes \(shape) and \(other.shape)")
        other.scalars.withUnsafeBufferPointer { b in
            scalars.withUnsafeMutableBufferPointer { a in
                for i in 0..<a.count { a[i] += alpha * b[i] }
            }
        }
    }

    /// Adds `row` (length = last axis) to every row of the tensor seen as [rows, last].
    public func addingRow(_ row: Tensor) -> Tensor {
        var copy = self
        copy.addRow(row)
        return copy
    }

    /// In-place version of `addingRow`.
    public mutating func addRow(_ row: Tensor) {
        let width = shape.last ?? 1
        precondition(row.count == width, "row of \(row.count) elements added to rows of \(width)")
        row.scalars.withUnsafeBufferPointer { r in
            scalars.withUnsafeMutableBufferPointer { a in
                var base = 0
                while base < a.count {
                    for j in 0..<width { a[base + j] += r[j] }
                    base += width
                }
            }
        }
    }

    /// Matrix product of two rank-2 tensors, op(A)·op(B), through BLAS sgemm.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul needs rank-2 tensors, got \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == kb, "matmul inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        var out = [Float](repeating: 0, count: m * n)
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    guard let ca = pa.baseAddress, let cb = pb.baseAddress, let cc = pc.baseAddress else { return }
                    BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                               a: ca, lda: a.shape[1], b: cb, ldb: b.shape[1], c: cc, ldc: n)
                }
            }
        }
        return Tensor(shape: [m, n], scalars: out)
    }

    /// Plain-loop matrix product (reference for `matmul`; O(m·n·k), for tests only).
    public static func matmulReference(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[0], "matmulReference shapes \(a.shape) · \(b.shape)")
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for p in 0..<k { s += Double(a.scalars[i * k + p]) * Double(b.scalars[p * n + j]) }
                out[i * n + j] = Float(s)
            }
        }
        return Tensor(shape: [m, n], scalars: out)
    }
}
