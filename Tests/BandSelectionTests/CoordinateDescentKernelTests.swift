// CoordinateDescentKernelTests: CNMF's tile kernel on each path this CPU runs, forced in turn,
// against the plain-loop reference: the AVX-512F and AVX2+FMA paths bit for bit, the plain C path
// (multiply, then add) to rounding; odd widths exercise the vector tails, 112/113 and 128/129 the
// edges of the AVX-512 path's row pairs and rows in registers (23 rows: pairs and an odd one).
// Also the NMF fit through each path, and that the automatic choice is the best supported path.
import CNMF
import Testing
import Tensors
import TestSupport
@testable import BandSelection

@Suite("CNMF coordinate-descent kernel")
struct CoordinateDescentKernelTests {
    /// One tile's problem: W ≥ 0 with some zeros, G = AᵀA (symmetric, positive semidefinite), and
    /// the gradient W·G − C, all rows × k or k × k.
    struct Tile {
        var w: [Double], grad: [Double]
        let gram: [Double]
        let rows: Int, k: Int

        init(rows: Int, k: Int, seed: UInt64) {
            var random = SeededRandom(seed: seed)
            let a = (0..<(2 * k * k)).map { _ in abs(random.normal()) }            // (2k, k)
            var gram = [Double](repeating: 0, count: k * k)
            for i in 0..<k { for j in 0..<k { for p in 0..<(2 * k) { gram[i * k + j] += a[p * k + i] * a[p * k + j] } } }
            if k > 2 { for j in 0..<k { gram[1 * k + j] = 0; gram[j * k + 1] = 0 } }   // a zero Hessian: coordinate 1 never moves
            var w = (0..<(rows * k)).map { _ in abs(random.normal()) }
            for i in stride(from: 0, to: w.count, by: 4) { w[i] = 0 }
            let cross = (0..<(rows * k)).map { _ in abs(random.normal()) * Double(k) }
            var grad = [Double](repeating: 0, count: rows * k)
            for i in 0..<rows { for j in 0..<k {
                var s = -cross[i * k + j]
                for p in 0..<k { s += w[i * k + p] * gram[p * k + j] }
                grad[i * k + j] = s
            } }
            (self.w, self.grad, self.gram, self.rows, self.k) = (w, grad, gram, rows, k)
        }

        mutating func run(_ path: CoordinateDescentPath?, sweeps: Int) -> Double {
            let (rows, k) = (Int32(self.rows), Int32(self.k))
            return gram.withUnsafeBufferPointer { g in
                w.withUnsafeMutableBufferPointer { w in
                    grad.withUnsafeMutableBufferPointer { grad in
                        if let path {
                            return hsi_cd_tile(path.rawValue, rows, k, w.baseAddress, grad.baseAddress, g.baseAddress, Int32(sweeps), 0.1)
                        }
                        return hsi_cd_tile_reference(rows, k, w.baseAddress, grad.baseAddress, g.baseAddress, Int32(sweeps), 0.1)
                    }
                }
            }
        }
    }

    static let supported = CoordinateDescentPath.allCases.filter { $0 != .automatic && $0.isSupported }

    @Test("each supported path matches the plain-loop reference (AVX bit for bit, plain C to rounding)",
          arguments: supported, [1, 3, 7, 8, 9, 13, 100, 112, 113, 128, 129])
    func pathMatchesReference(path: CoordinateDescentPath, k: Int) {
        for sweeps in [1, 4] {
            var reference = Tile(rows: 23, k: k, seed: UInt64(100 + k))
            var tested = reference
            let expected = reference.run(nil, sweeps: sweeps)
            let got = tested.run(path, sweeps: sweeps)
            #expect(expected > 0)
            if path == .plainC {
                let scale = max(1, reference.grad.map(abs).max() ?? 1)
                #expect(abs(got - expected) <= 1e-9 * max(1, expected))
                #expect(maxAbsDifference(tested.w, reference.w) <= 1e-9 * max(1, reference.w.max() ?? 1))
                #expect(maxAbsDifference(tested.grad, reference.grad) <= 1e-9 * scale)
            } else {
                #expect(got.bitPattern == expected.bitPattern, "\(path) violation \(got) vs reference \(expected)")
                #expect(tested.w.map(\.bitPattern) == reference.w.map(\.bitPattern), "\(path) W differs from the reference")
                #expect(tested.grad.map(\.bitPattern) == reference.grad.map(\.bitPattern), "\(path) gradient differs")
            }
            #expect(tested.w.allSatisfy { $0 >= 0 })
        }
    }

    @Test("the kernel lowers the tile's objective and keeps its gradient current")
    func kernelDescends() {
        var tile = Tile(rows: 17, k: 11, seed: 7)
        let (k, rows) = (tile.k, tile.rows)
        // cross recovered from the starting gradient: C = W·G − grad
        var cross = [Double](repeating: 0, count: rows * k)
        for i in 0..<rows { for j in 0..<k {
            var s = -tile.grad[i * k + j]
            for p in 0..<k { s += tile.w[i * k + p] * tile.gram[p * k + j] }
            cross[i * k + j] = s
        } }
        func objective(_ w: [Double]) -> Double {
            var f = 0.0
            for i in 0..<rows { for a in 0..<k {
                for b in 0..<k { f += 0.5 * w[i * k + a] * tile.gram[a * k + b] * w[i * k + b] }
                f -= w[i * k + a] * cross[i * k + a]
            } }
            return f
        }
        let before = objective(tile.w)
        _ = tile.run(.automatic, sweeps: 5)
        #expect(objective(tile.w) < before)
        for i in 0..<rows { for j in 0..<k {
            var s = -cross[i * k + j]
            for p in 0..<k { s += tile.w[i * k + p] * tile.gram[p * k + j] }
            #expect(abs(s - tile.grad[i * k + j]) <= 1e-9 * Double(k * k))
        } }
    }

    @Test("automatic runs the best supported path")
    func automaticIsBest() {
        let best = hsi_cd_best_path()
        #expect(hsi_cd_path_supported(best) == 1)
        #expect(CoordinateDescentPath.plainC.isSupported)
        var automatic = Tile(rows: 9, k: 21, seed: 3), forced = automatic
        _ = automatic.run(.automatic, sweeps: 2)
        _ = forced.run(CoordinateDescentPath(rawValue: best), sweeps: 2)
        #expect(automatic.w.map(\.bitPattern) == forced.w.map(\.bitPattern))
        let missing = CoordinateDescentPath.allCases.filter { !$0.isSupported }
        if !missing.isEmpty { print("CNMF: this CPU cannot run \(missing); those paths are not tested here") }
    }

    @Test("an NMF update through each path reaches the same factor (AVX paths bit for bit)",
          arguments: supported)
    func updateThroughEachPath(path: CoordinateDescentPath) {
        var random = SeededRandom(seed: 21)
        let (rows, k, m) = (300, 12, 30)
        let ht = Matrix(uncheckedRows: m, columns: k, values: (0..<(m * k)).map { _ in abs(random.normal()) })
        let x = Matrix(uncheckedRows: rows, columns: m, values: (0..<(rows * m)).map { _ in abs(random.normal()) })
        let start = Matrix(uncheckedRows: rows, columns: k, values: (0..<(rows * k)).map { _ in abs(random.normal()) })
        let gram = ht.gram(), cross = x.multiplied(by: ht)
        var reference = start, tested = start
        let expected = coordinateDescentUpdate(&reference, gram: gram, cross: cross, sweeps: 3, path: .plainC)
        let got = coordinateDescentUpdate(&tested, gram: gram, cross: cross, sweeps: 3, path: path)
        #expect(abs(got - expected) <= 1e-9 * expected)
        #expect(maxAbsDifference(tested.values, reference.values) <= 1e-9 * (reference.values.max() ?? 1))
        if path != .plainC, let other = Self.supported.last(where: { $0 != .plainC && $0 != path }) {
            var second = start
            _ = coordinateDescentUpdate(&second, gram: gram, cross: cross, sweeps: 3, path: other)
            #expect(second.values.map(\.bitPattern) == tested.values.map(\.bitPattern), "\(path) and \(other) differ")
        }
    }
}
