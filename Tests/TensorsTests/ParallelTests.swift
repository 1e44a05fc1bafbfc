// ParallelTests: the fixed-block rule — parallel loops and split BLAS products give the same bits
// at 1, 2, 3 and 4 workers, cover every item once, and agree with plain loops.
import Testing
import TestSupport
@testable import Tensors

@Suite(.serialized) struct ParallelTests {
    static let workerCounts = [1, 2, 3, 4]

    /// Runs `body` once per worker count and returns what each run gave.
    func atEveryWorkerCount<T>(_ body: () -> T) -> [T] {
        BLASConfiguration.exclusively {
            Self.workerCounts.map { workers in
                Workers.count = workers
                return body()
            }
        }
    }

    /// Values of very different magnitudes, so any change in summation order changes the sum.
    func badlyScaled(_ count: Int, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { i in Double(rng.uniform(-1, 1)) * (i % 7 == 0 ? 1e12 : i % 3 == 0 ? 1e-6 : 1) }
    }

    @Test("a block sum is the same bits at 1, 2, 3 and 4 workers, and differs from a differently blocked sum")
    func blockSumIsIndependentOfWorkers() {
        let values = badlyScaled(100_003, seed: 7)
        let sums = atEveryWorkerCount {
            values.withUnsafeBufferPointer { v in
                let box = UncheckedBox(v)
                return parallelBlocks(count: values.count, blockSize: 1000) { range in
                    var s = 0.0
                    for i in range { s += box.value[i] }
                    return s
                }
            }
        }
        #expect(Set(sums.map(\.bitPattern)).count == 1, "sums \(sums)")
        // The check can fail: blocking by another size rounds differently on these values.
        let other = values.withUnsafeBufferPointer { v in
            let box = UncheckedBox(v)
            return parallelBlocks(count: values.count, blockSize: 999) { range in
                var s = 0.0
                for i in range { s += box.value[i] }
                return s
            }
        }
        #expect(other.bitPattern != sums[0].bitPattern)
    }

    @Test("every item is visited exactly once, at any worker count and block size", arguments: [1, 7, 64, 1000])
    func blocksCoverEveryItemOnce(blockSize: Int) {
        for counts in atEveryWorkerCount({ () -> [Int] in
            var visits = [Int](repeating: 0, count: 4099)
            visits.withUnsafeMutableBufferPointer { v in
                let box = UncheckedBox(v)
                parallelBlocks(count: 4099, blockSize: blockSize) { range in
                    for i in range { box.value[i] += 1 }
                    return 0
                }
            }
            return visits
        }) {
            #expect(counts.allSatisfy { $0 == 1 })
        }
        #expect(parallelBlocks(count: 0, blockSize: blockSize) { _ in 1 } == 0)
    }

    @Test("nested loops run inline on the worker and still cover everything")
    func nestedLoopsRunInline() {
        let totals = atEveryWorkerCount {
            parallelBlocks(count: 8, blockSize: 1) { outer in
                parallelBlocks(count: 100, blockSize: 10) { inner in Double(inner.count * outer.count) }
            }
        }
        #expect(totals.allSatisfy { $0 == 800 })
    }

    // MARK: - Split products

    func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in rng.uniform(-1, 1) }
    }

    /// Shapes that split along rows, along columns, unevenly, and not at all (cao's products among them).
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (128, 200, 2700), (2700, 200, 128), (128, 2700, 200), (1152, 300, 1800), (1000, 37, 500), (9, 16, 200),
    ]

    @Test("sgemm gives the same bits at 1, 2, 3 and 4 workers and agrees with a plain loop",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func sgemmIsIndependentOfWorkers(ta: Bool, tb: Bool) {
        for (m, n, k) in Self.shapes {
            let a = random(m * k, seed: 1), b = random(k * n, seed: 2)
            let results = atEveryWorkerCount { () -> [Float] in
                var c = [Float](repeating: 0.5, count: m * n)
                BLAS.sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.75, a: a, lda: ta ? m : k,
                           b: b, ldb: tb ? k : n, beta: 1, c: &c, ldc: n)
                return c
            }
            #expect(results.allSatisfy { $0.map(\.bitPattern) == results[0].map(\.bitPattern) }, "\(m)×\(n)×\(k)")
            if m * n * k <= 1 << 22 {
                var expected = [Float](repeating: 0, count: m * n)
                for i in 0..<m { for j in 0..<n {
                    var s: Float = 0
                    for p in 0..<k { s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]) }
                    expected[i * n + j] = 0.5 + 0.75 * s
                } }
                #expect(allClose(results[0], expected, absolute: 1e-3), "\(m)×\(n)×\(k)")
            }
        }
    }

    @Test("dgemm gives the same bits at 1, 2, 3 and 4 workers", arguments: [(false, false), (true, false), (false, true)])
    func dgemmIsIndependentOfWorkers(ta: Bool, tb: Bool) {
        let (m, n, k) = (21025 / 5, 100, 200)
        let a = random(m * k, seed: 3).map(Double.init), b = random(k * n, seed: 4).map(Double.init)
        let results = atEveryWorkerCount { () -> [Double] in
            var c = [Double](repeating: 0, count: m * n)
            BLAS.dgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: a, lda: ta ? m : k,
                       b: b, ldb: tb ? k : n, c: &c, ldc: n)
            return c
        }
        #expect(results.allSatisfy { $0.map(\.bitPattern) == results[0].map(\.bitPattern) })
    }

    @Test("products are cut by their shape alone: whole when small, in parts of at least 32 when large")
    func splitRule() {
        #expect(ProductSplit(m: 9, n: 16, k: 200).parts == 1)
        let conv2 = ProductSplit(m: 128, n: 200, k: 2700)
        #expect(!conv2.alongRows && conv2.parts > 1 && conv2.step >= ProductSplit.minimumExtent)
        let tall = ProductSplit(m: 2700, n: 200, k: 128)
        #expect(tall.alongRows && tall.parts > 1 && tall.parts <= ProductSplit.maximumParts)
        #expect(ProductSplit(m: 31, n: 31, k: 1 << 20).parts == 1)   // too narrow to cut
    }
}
