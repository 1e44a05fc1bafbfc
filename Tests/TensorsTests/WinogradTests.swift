import Foundation
import Testing
import TestSupport
@testable import Tensors

/// The Winograd F(3×3, 3×3) transforms: their constants against the matrices reference/winograd_matrices.py
/// derives exactly, and every backward transform as the adjoint (transpose) of its forward one.
@Suite struct WinogradTests {
    struct Matrices: Decodable {
        let AT: [[Double]], G: [[Double]], BT: [[Double]]
    }

    func reference() throws -> Matrices {
        let url = try #require(Bundle.module.url(forResource: "winograd_matrices", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Matrices.self, from: Data(contentsOf: url))
    }

    func tiling(_ shape: [Int], same: Bool) throws -> WinogradTiling {
        let g = try #require(ConvolutionGeometry(inputShape: shape, kernelHeight: 3, kernelWidth: 3, samePadding: same))
        return try #require(WinogradTiling(g))
    }

    func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in rng.uniform(-1, 1) }
    }

    @Test func inputTransformIsBTransposeDB() throws {
        let m = try reference(), t = try tiling([1, 5, 5, 1], same: false)
        #expect(t.rows == 1)
        for a in 0..<5 { for b in 0..<5 {
            var d = [Float](repeating: 0, count: 25)
            d[a * 5 + b] = 1
            var v = [Float](repeating: .nan, count: 25)
            d.withUnsafeBufferPointer { dp in v.withUnsafeMutableBufferPointer { Winograd.transformInput(dp.baseAddress!, t, into: $0.baseAddress!) } }
            for i in 0..<5 { for j in 0..<5 { #expect(Double(v[i * 5 + j]) == m.BT[i][a] * m.BT[j][b]) } }
        }}
    }

    @Test func kernelTransformIsGgGTranspose() throws {
        let m = try reference()
        for k in 0..<3 { for l in 0..<3 {
            var w = [Float](repeating: 0, count: 9)
            w[k * 3 + l] = 1
            var u = [Float](repeating: .nan, count: 25)
            w.withUnsafeBufferPointer { wp in u.withUnsafeMutableBufferPointer { Winograd.transformKernel(wp.baseAddress!, channels: 1, filters: 1, into: $0.baseAddress!) } }
            for a in 0..<5 { for b in 0..<5 {
                #expect(abs(Double(u[a * 5 + b]) - m.G[a][k] * m.G[b][l]) < 1e-7)
            }}
        }}
    }

    @Test func outputTransformIsATransposeMA() throws {
        let m = try reference(), t = try tiling([1, 5, 5, 1], same: false)
        let zero: [Float] = [0]
        for a in 0..<5 { for b in 0..<5 {
            var mm = [Float](repeating: 0, count: 25)
            mm[a * 5 + b] = 1
            var y = [Float](repeating: .nan, count: 9)
            mm.withUnsafeBufferPointer { mp in zero.withUnsafeBufferPointer { bp in y.withUnsafeMutableBufferPointer {
                Winograd.transformOutput(mp.baseAddress!, t, filters: 1, bias: bp.baseAddress!, into: $0.baseAddress!)
            }}}
            for i in 0..<3 { for j in 0..<3 { #expect(Double(y[i * 3 + j]) == m.AT[i][a] * m.AT[j][b]) } }
        }}
    }

    /// Geometries with padding, partial edge tiles and several tiles per image.
    static let shapes: [([Int], Bool)] = [([2, 5, 5, 3], false), ([2, 7, 8, 4], true), ([1, 4, 11, 2], false), ([3, 3, 3, 5], true)]

    @Test(arguments: shapes)
    func inputGradientIsTheAdjointOfTheInputTransform(shape: [Int], same: Bool) throws {
        let t = try tiling(shape, same: same)
        let x = random(Tensor.count(of: shape), seed: 1), w = random(t.transformedInputCount, seed: 2)
        var v = [Float](repeating: 0, count: t.transformedInputCount), dx = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in v.withUnsafeMutableBufferPointer { Winograd.transformInput(xp.baseAddress!, t, into: $0.baseAddress!) } }
        w.withUnsafeBufferPointer { wp in dx.withUnsafeMutableBufferPointer { Winograd.transformInputGradient(wp.baseAddress!, t, into: $0.baseAddress!) } }
        let lhs = dot(v, w), rhs = dot(x, dx)
        #expect(abs(lhs - rhs) <= 1e-4 * max(1, abs(lhs)), "⟨Bᵀ x B, w⟩ = \(lhs), ⟨x, B w Bᵀ⟩ = \(rhs)")
    }

    @Test(arguments: shapes)
    func outputGradientIsTheAdjointOfTheOutputTransform(shape: [Int], same: Bool) throws {
        let t = try tiling(shape, same: same), f = 3
        let g = t.convolution
        let products = random(25 * t.rows * f, seed: 3), dy = random(g.batch * g.outputHeight * g.outputWidth * f, seed: 4)
        let zeros = [Float](repeating: 0, count: f)
        var y = [Float](repeating: 0, count: dy.count), dm = [Float](repeating: 0, count: products.count)
        products.withUnsafeBufferPointer { mp in zeros.withUnsafeBufferPointer { bp in y.withUnsafeMutableBufferPointer {
            Winograd.transformOutput(mp.baseAddress!, t, filters: f, bias: bp.baseAddress!, into: $0.baseAddress!)
        }}}
        dy.withUnsafeBufferPointer { dp in dm.withUnsafeMutableBufferPointer {
            Winograd.transformOutputGradient(dp.baseAddress!, t, filters: f, into: $0.baseAddress!)
        }}
        let lhs = dot(y, dy), rhs = dot(products, dm)
        #expect(abs(lhs - rhs) <= 1e-4 * max(1, abs(lhs)), "⟨Aᵀ M A, dy⟩ = \(lhs), ⟨M, A dy Aᵀ⟩ = \(rhs)")
    }

    @Test func kernelGradientIsTheAdjointOfTheKernelTransform() {
        // 1500 scalars per position: more than one of the transforms' 1024-scalar chunks.
        let (c, f) = (30, 50)
        let w = random(9 * c * f, seed: 5), du = random(25 * c * f, seed: 6)
        var u = [Float](repeating: 0, count: du.count), dw = [Float](repeating: 0, count: w.count)
        w.withUnsafeBufferPointer { wp in u.withUnsafeMutableBufferPointer { Winograd.transformKernel(wp.baseAddress!, channels: c, filters: f, into: $0.baseAddress!) } }
        du.withUnsafeBufferPointer { dp in dw.withUnsafeMutableBufferPointer { Winograd.transformKernelGradient(dp.baseAddress!, channels: c, filters: f, into: $0.baseAddress!) } }
        let lhs = dot(u, du), rhs = dot(w, dw)
        #expect(abs(lhs - rhs) <= 1e-4 * max(1, abs(lhs)), "⟨G w Gᵀ, du⟩ = \(lhs), ⟨w, Gᵀ du G⟩ = \(rhs)")
    }

    @Test func tilingCountsTilesAndCost() throws {
        let cao = try tiling([128, 5, 5, 200], same: false)
        #expect(cao.tilesPerImage == 1 && cao.rows == 128)
        #expect(abs(cao.relativeCost - 25.0 / 81.0) < 1e-12)
        let partial = try tiling([2, 7, 8, 4], same: true)     // 7×8 output: 3×3 tiles of 3×3
        #expect(partial.tilesDown == 3 && partial.tilesAcross == 3 && partial.rows == 18)
        let single = try tiling([1, 3, 3, 1], same: false)     // 1×1 output: one tile, 25 products for 9
        #expect(single.relativeCost > 2.7)
        let g5 = try #require(ConvolutionGeometry(inputShape: [1, 5, 5, 1], kernelHeight: 5, kernelWidth: 5, samePadding: false))
        #expect(WinogradTiling(g5) == nil)
    }
}
