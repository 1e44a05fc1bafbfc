// BLAS: the one file that calls OpenBLAS (CBLAS shim). Everything else in HSIFlow
// reaches matrix products and symmetric eigensolvers through these functions.
// Matrices are row-major; `lda`, `ldb`, `ldc` are row strides in elements.
//
// Same bits at any thread count: OpenBLAS runs every call on the calling thread (its own
// threading rounds differently at 1 and 2 threads: it blocks the inner dimension per thread).
// Large products are cut here into parts along the rows or the columns of C, by a rule that looks
// at the shape alone (`ProductSplit`), and the parts go to HSIFlow's workers (`Workers.count`).
// Every element of C is then summed by one single-threaded call in a fixed order.
import CBLAS

/// Matrix products and LAPACK routines on raw buffers.
public enum BLAS {
    /// OpenBLAS' own thread pool stays at one thread for the life of the process; every entry point
    /// below touches this first.
    private static let singleThreaded: Void = openblas_set_num_threads(1)

    /// C ← alpha·op(A)·op(B) + beta·C, Float32, row-major. op(A) is m×k, op(B) is k×n, C is m×n.
    /// Large products run in parts on `Workers.count` threads; the result does not depend on it.
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        let operands = UncheckedBox((a, b, c))
        ProductSplit(m: m, n: n, k: k).run(transposeA: transposeA, transposeB: transposeB, lda: lda, ldb: ldb, ldc: ldc) { part in
            let (a, b, c) = operands.value
            sgemmOnThisThread(transposeA: transposeA, transposeB: transposeB, m: part.m, n: part.n, k: k,
                              alpha: alpha, a: a + part.a, lda: lda, b: b + part.b, ldb: ldb, beta: beta,
                              c: c + part.c, ldc: ldc)
        }
    }

    /// `sgemm` as one OpenBLAS call on the calling thread, for callers that share out many
    /// independent products themselves (Winograd's 25 per convolution).
    public static func sgemmOnThisThread(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        _ = singleThreaded
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha,
                    a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// y ← alpha·op(A)·x + beta·y, Float32, row-major A (rows×columns), one call on the calling
    /// thread: the matrix–vector product of a batch of one.
    public static func sgemv(
        transpose: Bool = false, rows: Int, columns: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        guard rows > 0, columns > 0 else { return }
        _ = singleThreaded
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(rows), blasint(columns), alpha,
                    a, blasint(lda), x, 1, beta, y, 1)
    }

    /// C ← alpha·op(A)·op(B) + beta·C, Float64, row-major; split like `sgemm`.
    public static func dgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        _ = singleThreaded
        let operands = UncheckedBox((a, b, c))
        ProductSplit(m: m, n: n, k: k).run(transposeA: transposeA, transposeB: transposeB, lda: lda, ldb: ldb, ldc: ldc) { part in
            let (a, b, c) = operands.value
            cblas_dgemm(CblasRowMajor,
                        transposeA ? CblasTrans : CblasNoTrans,
                        transposeB ? CblasTrans : CblasNoTrans,
                        blasint(part.m), blasint(part.n), blasint(k), alpha,
                        a + part.a, blasint(lda), b + part.b, blasint(ldb), beta, c + part.c, blasint(ldc))
        }
    }

    /// C ← alpha·Aᵀ·A + beta·C for A (k×n, row-major), filling the upper triangle of C (n×n), Float64,
    /// in one call on the calling thread.
    public static func dsyrkTransposed(n: Int, k: Int, alpha: Double = 1,
                                       a: UnsafePointer<Double>, lda: Int,
                                       beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard n > 0 else { return }
        _ = singleThreaded
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, blasint(n), blasint(k),
                    alpha, a, blasint(lda), beta, c, blasint(ldc))
    }

    /// Eigen-decomposition of a symmetric n×n Float64 matrix (LAPACK dsyevd), on the calling thread
    /// (dsyevd's inner products would round differently on more OpenBLAS threads).
    /// - Parameter matrix: row-major, only the upper triangle is read; overwritten.
    /// - Returns: eigenvalues ascending, and eigenvectors as the *rows* of an n×n row-major array.
    public static func symmetricEigen(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [Double])? {
        precondition(matrix.count == n * n, "symmetricEigen needs an n×n matrix")
        if n == 0 { return ([], []) }
        _ = singleThreaded
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

    // MARK: - Band selection

    /// A ← alpha·x·yᵀ + A (rank-1 update), Float64, row-major A (m×n), x of length m, y of length n.
    public static func dger(m: Int, n: Int, alpha: Double = 1,
                            x: UnsafePointer<Double>, y: UnsafePointer<Double>,
                            a: UnsafeMutablePointer<Double>, lda: Int) {
        guard m > 0, n > 0 else { return }
        _ = singleThreaded
        cblas_dger(CblasRowMajor, blasint(m), blasint(n), alpha, x, 1, y, 1, a, blasint(lda))
    }
}

// MARK: - Which library and kernel

// Read-only facts for the run manifest, so that "same key, different bytes" can be traced to a
// library build or a kernel; nothing here changes how BLAS computes.
extension BLAS {
    /// OpenBLAS' build configuration, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64`.
    public static var configuration: String {
        guard let text = openblas_get_config() else { return "unknown" }
        return String(cString: text).trimmingWhitespace
    }

    /// The kernel family OpenBLAS dispatches to on this machine, e.g. `Haswell` or `SkylakeX`.
    public static var coreName: String {
        guard let text = openblas_get_corename() else { return "unknown" }
        return String(cString: text).trimmingWhitespace
    }
}

private extension String {
    /// Without leading and trailing spaces or newlines (OpenBLAS pads some of its strings).
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}

// MARK: - Splitting products

/// How a product C (m×n) = op(A)·op(B) with inner extent k is cut into independent parts: a
/// function of (m, n, k) alone. Small products stay whole; larger ones are cut along the side of C
/// whose operand is cheaper to pack again for every part (rows of C repack B, columns repack A).
struct ProductSplit {
    /// Parts carry at least this many multiply-adds (smaller products are one call: splitting
    /// would cost more than it saves), and there are at most `maximumParts`.
    static let workPerPart = 1 << 22
    static let maximumParts = 8
    /// No part is narrower than this many rows or columns (the kernels' register blocks).
    static let minimumExtent = 32

    let m: Int, n: Int
    let alongRows: Bool
    let extent: Int
    let step: Int

    init(m: Int, n: Int, k: Int) {
        self.m = m
        self.n = n
        let work = Double(m) * Double(n) * Double(max(k, 1))
        alongRows = m >= n
        extent = alongRows ? m : n
        let byWork = Int(min(Double(ProductSplit.maximumParts), work / Double(ProductSplit.workPerPart)))
        let parts = max(1, min(byWork, extent / ProductSplit.minimumExtent))
        // Round each part up to a multiple of 16 so the kernels' vector blocks stay full.
        step = parts <= 1 ? extent : ((extent + parts - 1) / parts + 15) / 16 * 16
    }

    var parts: Int { (extent + step - 1) / step }

    /// One part: C[rows, columns] = op(A)[rows, :]·op(B)[:, columns], as its extents and the element
    /// offsets of its first A, B and C elements in the row-major operands.
    struct Part {
        let m: Int, n: Int
        let a: Int, b: Int, c: Int
    }

    /// Calls `body` for every part, on up to `Workers.count` threads. A stored transposed (k×m) is
    /// offset by columns, B stored transposed (n×k) by rows, each by its own leading dimension.
    func run(transposeA: Bool, transposeB: Bool, lda: Int, ldb: Int, ldc: Int, _ body: (Part) -> Void) {
        parallelBlocks(count: extent, blockSize: step) { range in
            let rows = alongRows ? range : 0 ..< m, columns = alongRows ? 0 ..< n : range
            body(Part(m: rows.count, n: columns.count,
                      a: transposeA ? rows.lowerBound : rows.lowerBound * lda,
                      b: transposeB ? columns.lowerBound * ldb : columns.lowerBound,
                      c: rows.lowerBound * ldc + columns.lowerBound))
            return 0
        }
    }
}
