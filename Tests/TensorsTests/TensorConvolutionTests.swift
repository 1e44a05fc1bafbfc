import Testing
import TestSupport
@testable import Tensors

/// A seeded tensor with values in [-1, 1).
func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return Tensor(shape: shape, scalars: (0..<Tensor.count(of: shape)).map { _ in rng.uniform(-1, 1) })
}

@Suite struct TensorConvolutionTests {
    /// im2col by definition: column (ky, kx, c) of row (n, oy, ox) reads x[n, oy+ky-pt, ox+kx-pl, c] or 0.
    func im2colReference(_ x: Tensor, _ g: ConvolutionGeometry) -> [Float] {
        var out: [Float] = []
        for n in 0..<g.batch { for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth {
            for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth { for c in 0..<g.channels {
                let iy = oy + ky - g.padTop, ix = ox + kx - g.padLeft
                out.append(iy >= 0 && iy < g.height && ix >= 0 && ix < g.width ? x[n, iy, ix, c] : 0)
            }}}
        }}}
        return out
    }

    @Test(arguments: [(3, 3, false), (3, 3, true), (2, 3, true), (1, 1, false), (5, 4, true), (2, 2, false)])
    func im2colMatchesDefinition(kh: Int, kw: Int, same: Bool) throws {
        let x = randomTensor([2, 5, 6, 3], seed: 1)
        let g = try #require(ConvolutionGeometry(inputShape: x.shape, kernelHeight: kh, kernelWidth: kw, samePadding: same))
        #expect(x.im2col(g).scalars == im2colReference(x, g))
        if same { #expect(g.outputHeight == 5 && g.outputWidth == 6) }
        else { #expect(g.outputHeight == 6 - kh && g.outputWidth == 7 - kw) }
    }

    @Test(arguments: [false, true])
    func col2imIsTheAdjointOfIm2col(same: Bool) throws {
        // <im2col(x), y> = <x, col2im(y)> for every x, y: col2im is exactly the transpose map.
        let x = randomTensor([2, 4, 5, 3], seed: 2)
        let g = try #require(ConvolutionGeometry(inputShape: x.shape, kernelHeight: 3, kernelWidth: 2, samePadding: same))
        let y = randomTensor([g.rows, g.columns], seed: 3)
        let lhs = zip(x.im2col(g).scalars, y.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(x.scalars, y.col2im(g).scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(lhs - rhs) < 1e-4)
    }

    @Test func validKernelLargerThanInputHasNoGeometry() {
        #expect(ConvolutionGeometry(inputShape: [1, 2, 2, 1], kernelHeight: 3, kernelWidth: 3, samePadding: false) == nil)
        #expect(ConvolutionGeometry(inputShape: [1, 2, 2], kernelHeight: 1, kernelWidth: 1, samePadding: false) == nil)
    }
}
