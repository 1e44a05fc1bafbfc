// LinearAlgebra: the few matrix products BandSelection needs (through Tensors' BLAS; the
// parallel-for over row blocks is Tensors' parallelBlocks). Shapes in comments use
// n = samples (pixels), m = features (bands), k = components.
import Tensors

extension Matrix {
    /// op(self)·op(other), where op transposes when asked; Float64 BLAS.
    func multiplied(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        var out = Matrix(zerosRows: transposeSelf ? columns : rows, columns: transposeOther ? other.rows : other.columns)
        multiply(by: other, transposeSelf: transposeSelf, transposeOther: transposeOther, into: &out)
        return out
    }

    /// op(self)·op(other) written over `out` (of that shape), reusing its storage: a loop that
    /// forms the same large product every iteration allocates (and page-faults) it once.
    func multiply(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false, into out: inout Matrix) {
        let m = transposeSelf ? columns : rows
        let k = transposeSelf ? rows : columns
        let kOther = transposeOther ? other.columns : other.rows
        let n = transposeOther ? other.rows : other.columns
        precondition(k == kOther, "inner dimensions differ: \(k) vs \(kOther)")
        precondition(out.rows == m && out.columns == n, "product is \(m)×\(n), output \(out.rows)×\(out.columns)")
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                out.values.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                    BLAS.dgemm(transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                               a: a, lda: columns, b: b, ldb: other.columns, c: c, ldc: n)
                }
            }
        }
    }

    /// selfᵀ·self (columns × columns), both triangles filled; Float64 BLAS syrk.
    func gram() -> Matrix {
        let n = columns
        var out = [Double](repeating: 0, count: n * n)
        values.withUnsafeBufferPointer { a in
            out.withUnsafeMutableBufferPointer { c in
                guard let a = a.baseAddress, let c = c.baseAddress else { return }
                BLAS.dsyrkTransposed(n: n, k: rows, a: a, lda: n, c: c, ldc: n)
            }
        }
        for i in 0..<n {
            for j in 0..<i { out[i * n + j] = out[j * n + i] }
        }
        return Matrix(uncheckedRows: n, columns: n, values: out)
    }

    /// Σ self∘other (the Frobenius inner product).
    func inner(_ other: Matrix) -> Double {
        precondition(values.count == other.values.count, "inner product of different shapes")
        var s = 0.0
        for i in values.indices { s += values[i] * other.values[i] }
        return s
    }
}
