import Testing
import TestSupport
@testable import Tensors

@Suite struct BLASTests {
    /// Plain-loop reference for C = op(A)·op(B).
    func reference(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, ta: Bool, tb: Bool) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for p in 0..<k {
                let x = ta ? a[p * m + i] : a[i * k + p]
                let y = tb ? b[j * k + p] : b[p * n + j]
                s += x * y
            }
            c[i * n + j] = s
        } }
        return c
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func sgemmAgreesWithPlainLoops(ta: Bool, tb: Bool) {
        var rng = SeededRandom(seed: 1)
        let (m, n, k) = (7, 5, 9)
        let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
        let b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
        var c = [Float](repeating: 0, count: m * n)
        BLAS.sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: a, lda: ta ? m : k, b: b, ldb: tb ? k : n, c: &c, ldc: n)
        #expect(allClose(c, reference(a, b, m: m, n: n, k: k, ta: ta, tb: tb), absolute: 1e-5))
    }

    @Test func symmetricEigenReconstructsTheMatrix() throws {
        let a: [Double] = [4, 1, 2, 1, 3, 0, 2, 0, 5]
        let (values, vectors) = try #require(BLAS.symmetricEigen(a, n: 3))
        #expect(values == values.sorted())
        // A·v = λ·v for every eigenvector (rows of `vectors`).
        for e in 0..<3 {
            for i in 0..<3 {
                let av = (0..<3).map { a[i * 3 + $0] * vectors[e * 3 + $0] }.reduce(0, +)
                #expect(abs(av - values[e] * vectors[e * 3 + i]) < 1e-10)
            }
        }
    }
}
