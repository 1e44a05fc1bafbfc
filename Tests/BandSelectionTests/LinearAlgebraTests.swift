// LinearAlgebraTests: the BLAS-backed products, the Gram matrix, the threaded row blocks and the
// coordinate-descent kernel against plain loops (the kernel against scikit-learn's loop order:
// components outer, rows inner, a fresh dot product for every gradient).
import Testing
import Tensors
import TestSupport
@testable import BandSelection

@Suite("Linear algebra")
struct LinearAlgebraTests {
    func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64, nonNegative: Bool = false) -> Matrix {
        var random = SeededRandom(seed: seed)
        let values = (0..<(rows * columns)).map { _ in nonNegative ? abs(random.normal()) : random.normal() }
        return Matrix(uncheckedRows: rows, columns: columns, values: values)
    }

    func plainProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
        var out = Matrix(zerosRows: a.rows, columns: b.columns)
        for i in 0..<a.rows { for j in 0..<b.columns { for p in 0..<a.columns { out[i, j] += a[i, p] * b[p, j] } } }
        return out
    }

    @Test("products with every transpose combination agree with plain loops")
    func products() {
        let a = randomMatrix(7, 5, seed: 1), b = randomMatrix(5, 4, seed: 2)
        let expected = plainProduct(a, b)
        #expect(maxAbsDifference(a.multiplied(by: b).values, expected.values) < 1e-12)
        #expect(maxAbsDifference(a.transposed.multiplied(by: b, transposeSelf: true).values, expected.values) < 1e-12)
        #expect(maxAbsDifference(a.multiplied(by: b.transposed, transposeOther: true).values, expected.values) < 1e-12)
        #expect(maxAbsDifference(a.gram().values, plainProduct(a.transposed, a).values) < 1e-12)
        #expect(abs(a.inner(a) - a.squaredNorm) < 1e-12)
    }

    @Test("row blocks cover every row exactly once on several threads")
    func rowBlocks() {
        BLASConfiguration.exclusively {
            for threads in [1, 2, 3] {
                Workers.count = threads
                for count in [0, 1, 255, 256, 1000, 4099] {
                    let total = parallelBlocks(count: count, blockSize: 64) { rows in
                        Double(rows.reduce(0, +))
                    }
                    #expect(total == Double(count * (count - 1) / 2))
                }
            }
        }
    }

    /// scikit-learn's `_update_cdnmf_fast`, loop for loop.
    func plainCoordinateDescent(_ w: inout Matrix, gram: Matrix, cross: Matrix) -> Double {
        var violation = 0.0
        for t in 0..<w.columns {
            for i in 0..<w.rows {
                var grad = -cross[i, t]
                for r in 0..<w.columns { grad += gram[t, r] * w[i, r] }
                let pg = w[i, t] == 0 ? min(0, grad) : grad
                violation += abs(pg)
                let hess = gram[t, t]
                if hess != 0 { w[i, t] = max(w[i, t] - grad / hess, 0) }
            }
        }
        return violation
    }

    @Test("one coordinate-descent pass matches scikit-learn's loop, on one thread and on two, on every kernel path this CPU runs",
          arguments: [1, 2], CoordinateDescentPath.allCases.filter(\.isSupported))
    func coordinateDescentMatchesPlainLoop(threads: Int, path: CoordinateDescentPath) {
        BLASConfiguration.exclusively {
            Workers.count = threads
            coordinateDescentAgreesWithPlainLoop(path: path)
        }
    }

    func coordinateDescentAgreesWithPlainLoop(path: CoordinateDescentPath) {
        let x = randomMatrix(300, 9, seed: 3, nonNegative: true)
        let h = randomMatrix(4, 9, seed: 4, nonNegative: true)
        var fast = randomMatrix(300, 4, seed: 5, nonNegative: true)
        for i in stride(from: 0, to: fast.values.count, by: 3) { fast.values[i] = 0 }   // some zeros, as NMF has
        var plain = fast
        let ht = h.transposed
        let gram = ht.gram(), cross = x.multiplied(by: ht)
        for _ in 0..<3 {
            let v1 = coordinateDescentUpdate(&fast, gram: gram, cross: cross, sweeps: 1, path: path)
            let v2 = plainCoordinateDescent(&plain, gram: gram, cross: cross)
            #expect(abs(v1 - v2) <= 1e-10 * max(1, abs(v2)))
            #expect(maxAbsDifference(fast.values, plain.values) < 1e-10)
        }
    }

    @Test("more inner passes never do worse on the subproblem than one")
    func innerPassesImprove() {
        let x = randomMatrix(200, 8, seed: 6, nonNegative: true)
        let ht = randomMatrix(8, 3, seed: 7, nonNegative: true)
        let gram = ht.gram(), cross = x.multiplied(by: ht)
        func objective(_ w: Matrix) -> Double {   // ½‖X − W·Hᵀᵀ‖² up to a constant
            0.5 * w.multiplied(by: gram).inner(w) - w.inner(cross)
        }
        var one = randomMatrix(200, 3, seed: 8, nonNegative: true), many = one
        _ = coordinateDescentUpdate(&one, gram: gram, cross: cross, sweeps: 1)
        _ = coordinateDescentUpdate(&many, gram: gram, cross: cross, sweeps: 6)
        #expect(objective(many) <= objective(one) + 1e-9)
        #expect(many.values.allSatisfy { $0 >= 0 })
    }
}
