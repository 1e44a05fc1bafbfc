// BLAS: the one file that calls OpenBLAS (CBLAS shim). Everything else in HSIFlow
// reaches matrix products and symmetric eigensolvers through these functions.
// Matrices are row-major; `lda`, `ldb`, `ldc` are row strides in elements.
import CBLAS

/// Matrix products and LAPACK routines on raw buffers.
public enum BLAS {
    /// C ← alpha·op(A)·op(B) + beta·C, Float32, row-major. op(A) is m×k, op(B) is k×n, C is m×n.
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha,
                    a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// C ← alpha·op(A)·op(B) + beta·C, Float64, row-major.
    public static func dgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_dgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha,
                    a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// C ← alpha·Aᵀ·A + beta·C for A (k×n, row-major), filling the upper triangle of C (n×n), Float64.
    public static func dsyrkTransposed(n: Int, k: Int, alpha: Double = 1,
                                       a: UnsafePointer<Double>, lda: Int,
                                       beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard n > 0 else { return }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, blasint(n), blasint(k),
                    alpha, a, blasint(lda), beta, c, blasint(ldc))
    }

    /// Eigen-decomposition of a symmetric n×n Float64 matrix (LAPACK dsyevd).
    /// - Parameter matrix: row-major, only the upper triangle is read; overwritten.
    /// - Returns: eigenvalues ascending, and eigenvectors as the *rows* of an n×n row-major array.
    public static func symmetricEigen(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [Double])? {
        precondition(matrix.count == n * n, "symmetricEigen needs an n×n matrix")
        if n == 0 { return ([], []) }
        // LAPACK is column-major: a row-major upper triangle is a column-major lower triangle,
        // and the column-major eigenvector columns come back as our rows.
        var a = matrix
        var values = [Double](repeating: 0, count: n)
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "L"))
        var workQuery = 0.0, iworkQuery: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        dsyevd_(&jobz, &uplo, &nn, &a, &lda, &values, &workQuery, &lwork, &iworkQuery, &liwork, &info)
        guard info == 0 else { return nil }
        lwork = Int32(workQuery)
        liwork = iworkQuery
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &nn, &a, &lda, &values, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { return nil }
        return (values, a)
    }

    /// Number of threads OpenBLAS uses for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    // MARK: - Band selection

    /// A ← alpha·x·yᵀ + A (rank-1 update), Float64, row-major A (m×n), x of length m, y of length n.
    /// OpenBLAS runs it on the calling thread while m·n stays below its threading threshold (≈ 9 000).
    public static func dger(m: Int, n: Int, alpha: Double = 1,
                            x: UnsafePointer<Double>, y: UnsafePointer<Double>,
                            a: UnsafeMutablePointer<Double>, lda: Int) {
        guard m > 0, n > 0 else { return }
        cblas_dger(CblasRowMajor, blasint(m), blasint(n), alpha, x, 1, y, 1, a, blasint(lda))
    }
}
