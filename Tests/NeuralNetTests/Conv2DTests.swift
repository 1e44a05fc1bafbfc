import Testing
import TestSupport
import Tensors
@testable import NeuralNet

@Suite struct Conv2DTests {
    @Test(arguments: [(3, 3, Padding.valid), (3, 3, .same), (2, 4, .same), (5, 5, .valid), (1, 1, .same)])
    func blasConvolutionMatchesPlainLoops(kh: Int, kw: Int, padding: Padding) throws {
        var rng = SeededRandom(seed: 21)
        var conv = Conv2D(name: "c", filters: 7, kernelSize: (kh, kw), channels: 5, padding: padding, activation: .linear, rng: &rng)
        let bias = seededTensor([7], seed: 22)
        try conv.setParameters([conv.kernel, bias])
        let x = seededTensor([3, 6, 7, 5], seed: 23)
        let fast = conv.forward(x, training: false)
        let slow = ConvolutionReference.forward(x, kernel: conv.kernel, bias: bias, padding: padding)
        #expect(fast.shape == slow.shape)
        #expect(allClose(fast.scalars, slow.scalars, absolute: 1e-5, relative: 1e-5))

        let dz = seededTensor(fast.shape, seed: 24)
        let maybeDx = conv.backward(dz, needInputGradient: true, skipActivation: false)
        let dx = try #require(maybeDx)
        let ref = ConvolutionReference.backward(x, kernel: conv.kernel, padding: padding, outputGradient: dz)
        #expect(allClose(dx.scalars, ref.input.scalars, absolute: 1e-4, relative: 1e-5))
        #expect(allClose(conv.kernelGradient.scalars, ref.kernel.scalars, absolute: 1e-4, relative: 1e-5))
        #expect(allClose(conv.biasGradient.scalars, ref.bias.scalars, absolute: 1e-4, relative: 1e-5))
    }

    @Test func caoSizedConvolutionMatchesPlainLoops() throws {
        // The first cao layer's shape (5×5×B → 3×3×F), smaller B and F to keep the loops quick.
        var rng = SeededRandom(seed: 25)
        var conv = Conv2D(name: "conv1", filters: 30, kernelSize: (3, 3), channels: 20, padding: .valid, activation: .relu, rng: &rng)
        let x = seededTensor([8, 5, 5, 20], seed: 26)
        let fast = conv.forward(x, training: false)
        let slow = ConvolutionReference.forward(x, kernel: conv.kernel, bias: conv.bias, padding: .valid).map { max($0, 0) }
        #expect(fast.shape == [8, 3, 3, 30])
        #expect(allClose(fast.scalars, slow.scalars, absolute: 1e-5, relative: 1e-5))
    }

    @Test func outputShapeRejectsKernelsThatDoNotFit() {
        var rng = SeededRandom(seed: 1)
        let conv = Conv2D(name: "conv9", filters: 2, kernelSize: (3, 3), channels: 4, padding: .valid, activation: .relu, rng: &rng)
        #expect(throws: NeuralNetError.self) { try conv.outputShape(for: [2, 2, 4]) }
        #expect(throws: NeuralNetError.self) { try conv.outputShape(for: [5, 5, 3]) }
        #expect((try? conv.outputShape(for: [5, 5, 4])) == [3, 3, 2])
    }

    @Test func glorotUniformStaysWithinItsLimitAndIsSeeded() {
        var a = SeededRandom(seed: 3), b = SeededRandom(seed: 3)
        let k1 = Conv2D(name: "c", filters: 300, kernelSize: (3, 3), channels: 200, padding: .valid, activation: .relu, rng: &a)
        let k2 = Conv2D(name: "c", filters: 300, kernelSize: (3, 3), channels: 200, padding: .valid, activation: .relu, rng: &b)
        #expect(k1.kernel == k2.kernel)
        let limit = Float((6.0 / Double(9 * 200 + 9 * 300)).squareRoot())
        #expect(k1.kernel.max <= limit && k1.kernel.min >= -limit)
        #expect(k1.kernel.max > 0.95 * limit)
        #expect(k1.bias.scalars.allSatisfy { $0 == 0 })
    }
}
