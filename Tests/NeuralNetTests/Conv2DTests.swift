import Testing
import TestSupport
import Tensors
@testable import NeuralNet

@Suite struct Conv2DTests {
    static let kernels: [(Int, Int, Padding)] = [(3, 3, .valid), (3, 3, .same), (2, 4, .same), (5, 5, .valid), (1, 1, .same)]

    @Test(arguments: kernels, ConvolutionAlgorithm.allCases)
    func blasConvolutionMatchesPlainLoops(kernel: (Int, Int, Padding), algorithm: ConvolutionAlgorithm) throws {
        try expectConvolutionMatchesPlainLoops(kernel: kernel, input: [3, 6, 7, 5], algorithm: algorithm)
    }

    /// Winograd on every kind of tiling: one exact tile (cao), partial edge tiles, a 1×1 output, padding.
    @Test(arguments: [[4, 5, 5, 6], [2, 3, 3, 4], [2, 4, 9, 3], [1, 11, 8, 2]], [Padding.valid, .same])
    func winogradMatchesPlainLoops(input: [Int], padding: Padding) throws {
        try expectConvolutionMatchesPlainLoops(kernel: (3, 3, padding), input: input, algorithm: .winograd)
    }

    func expectConvolutionMatchesPlainLoops(kernel: (Int, Int, Padding), input: [Int], algorithm: ConvolutionAlgorithm) throws {
        let (kh, kw, padding) = kernel
        var rng = SeededRandom(seed: 21)
        var conv = Conv2D(name: "c", filters: 7, kernelSize: (kh, kw), channels: input[3], padding: padding, activation: .linear, rng: &rng)
        conv.algorithm = algorithm
        let bias = seededTensor([7], seed: 22)
        try conv.setParameters([conv.kernel, bias])
        let x = seededTensor(input, seed: 23)
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
        // A second backward after one forward (attribution does this) gives the same gradients.
        let again = conv.backward(dz, needInputGradient: true, skipActivation: false)
        #expect(again == dx)
    }

    /// Where the column matrix is the input (cao's second layer, 1×1 kernels), the layer skips im2col and
    /// col2im; forward, dW and dx are the same bits as through an explicit column matrix.
    @Test(arguments: [([5, 3, 3, 8], 3, Padding.valid), ([4, 2, 3, 6], 1, .same), ([3, 2, 4, 5], 1, .valid)])
    func columnsThatAreTheInputGiveTheSameBitsAsIm2col(input: [Int], kernel: Int, padding: Padding) throws {
        let (kh, kw) = padding == .valid && kernel > 1 ? (input[1], input[2]) : (kernel, kernel)
        let g = try #require(ConvolutionGeometry(inputShape: input, kernelHeight: kh, kernelWidth: kw, samePadding: padding == .same))
        #expect(g.columnsAreInput)
        var rng = SeededRandom(seed: 41)
        var conv = Conv2D(name: "c", filters: 7, kernelSize: (kh, kw), channels: input[3], padding: padding, activation: .linear, rng: &rng)
        conv.algorithm = .im2col
        try conv.setParameters([conv.kernel, seededTensor([7], seed: 42)])
        let x = seededTensor(input, seed: 43)
        let y = conv.forward(x, training: false)
        let dz = seededTensor(y.shape, seed: 44)
        let maybeDx = conv.backward(dz, needInputGradient: true, skipActivation: true)
        let dx = try #require(maybeDx)
        // The same products through an explicit column matrix, as the general path computes them.
        let (m, k, f) = (g.rows, g.columns, 7)
        var cols = [Float](repeating: 0, count: m * k), dcols = [Float](repeating: 0, count: m * k)
        var z = [Float](repeating: 0, count: m * f), dW = [Float](repeating: 0, count: k * f)
        var dxReference = [Float](repeating: 0, count: x.count)
        for r in 0..<m { for j in 0..<f { z[r * f + j] = conv.bias[j] } }
        x.scalars.withUnsafeBufferPointer { xp in conv.kernel.scalars.withUnsafeBufferPointer { wp in dz.scalars.withUnsafeBufferPointer { dzp in
            cols.withUnsafeMutableBufferPointer { cp in dcols.withUnsafeMutableBufferPointer { dcp in
                z.withUnsafeMutableBufferPointer { zp in dW.withUnsafeMutableBufferPointer { dwp in dxReference.withUnsafeMutableBufferPointer { dxp in
                    Im2Col.im2col(xp.baseAddress!, g, into: cp.baseAddress!)
                    #expect(Array(cp) == x.scalars)
                    BLAS.sgemm(m: m, n: f, k: k, a: cp.baseAddress!, lda: k, b: wp.baseAddress!, ldb: f, beta: 1, c: zp.baseAddress!, ldc: f)
                    BLAS.sgemm(transposeA: true, m: k, n: f, k: m, a: cp.baseAddress!, lda: k, b: dzp.baseAddress!, ldb: f,
                               c: dwp.baseAddress!, ldc: f)
                    BLAS.sgemm(transposeB: true, m: m, n: k, k: f, a: dzp.baseAddress!, lda: f, b: wp.baseAddress!, ldb: f,
                               c: dcp.baseAddress!, ldc: k)
                    Im2Col.col2im(dcp.baseAddress!, g, into: dxp.baseAddress!)
                }}}
            }}
        }}}
        #expect(y.scalars == z)
        #expect(conv.kernelGradient.scalars == dW)
        #expect(dx.scalars == dxReference)
        #expect(allClose(y.scalars, ConvolutionReference.forward(x, kernel: conv.kernel, bias: conv.bias, padding: padding).scalars,
                         absolute: 1e-5, relative: 1e-5))
    }

    @Test func columnSumsAreThePlainRowOrderSumsAtAnyWorkerCount() {
        let (rows, width) = (1152, 300)  // cao conv1's dz at batch 128: large enough for blocks of columns
        let values = seededTensor([rows * width], seed: 45).scalars
        var plain = [Double](repeating: 0, count: width)
        for r in 0..<rows { for j in 0..<width { plain[j] += Double(values[r * width + j]) } }
        BLASConfiguration.exclusively {
            for workers in [1, 2, 3] {
                Workers.count = workers
                #expect(Conv2D.columnSums(values, width: width) == plain.map { Float($0) }, "workers \(workers)")
            }
        }
    }

    @Test func columnsAreInputOnlyWhereIm2colWouldCopy() throws {
        func geometry(_ shape: [Int], _ kh: Int, _ kw: Int, same: Bool = false) throws -> ConvolutionGeometry {
            try #require(ConvolutionGeometry(inputShape: shape, kernelHeight: kh, kernelWidth: kw, samePadding: same))
        }
        #expect(try geometry([128, 3, 3, 300], 3, 3).columnsAreInput)           // cao conv2
        #expect(try geometry([2, 4, 4, 3], 1, 1, same: true).columnsAreInput)
        #expect(try !geometry([128, 5, 5, 200], 3, 3).columnsAreInput)          // cao conv1
        #expect(try !geometry([1, 3, 3, 2], 3, 3, same: true).columnsAreInput)  // padded
        #expect(try !geometry([1, 3, 4, 2], 3, 3).columnsAreInput)              // 1×2 outputs
    }

    @Test func automaticChoosesWinogradWhereItSavesMultiplications() throws {
        func geometry(_ shape: [Int], _ k: Int) throws -> ConvolutionGeometry {
            try #require(ConvolutionGeometry(inputShape: shape, kernelHeight: k, kernelWidth: k, samePadding: false))
        }
        #expect(ConvolutionAlgorithm.automatic.winogradTiling(for: try geometry([128, 5, 5, 200], 3)) != nil)  // cao conv1
        #expect(ConvolutionAlgorithm.automatic.winogradTiling(for: try geometry([128, 3, 3, 300], 3)) == nil)  // cao conv2: 1×1
        #expect(ConvolutionAlgorithm.automatic.winogradTiling(for: try geometry([1, 9, 9, 4], 5)) == nil)      // not 3×3
        #expect(ConvolutionAlgorithm.automatic.winogradTiling(for: try geometry([1, 5, 5, 200], 3)) == nil)    // one tile per call
        #expect(ConvolutionAlgorithm.automatic.winogradTiling(for: try geometry([16, 5, 5, 200], 3)) == nil)   // 16 tiles
        #expect(ConvolutionAlgorithm.automatic.winogradTiling(for: try geometry([16, 8, 8, 4], 3)) != nil)     // 6×6 outputs: 64 tiles
        #expect(ConvolutionAlgorithm.winograd.winogradTiling(for: try geometry([128, 3, 3, 300], 3)) != nil)
        #expect(ConvolutionAlgorithm.im2col.winogradTiling(for: try geometry([128, 5, 5, 200], 3)) == nil)
    }

    @Test func winogradTransformsTheKernelAgainAfterItChanges() throws {
        // Inference reuses the transformed kernel between calls; a new kernel must not see the old one.
        var rng = SeededRandom(seed: 31)
        var conv = Conv2D(name: "c", filters: 5, kernelSize: (3, 3), channels: 6, padding: .valid, activation: .linear, rng: &rng)
        conv.algorithm = .winograd
        let x = seededTensor([4, 5, 5, 6], seed: 32)
        let before = conv.forward(x, training: false)
        #expect(conv.forward(x, training: false) == before)
        try conv.setParameters([seededTensor(conv.kernel.shape, seed: 33), conv.bias])
        let afterSet = conv.forward(x, training: false)
        #expect(afterSet != before)
        #expect(allClose(afterSet.scalars, ConvolutionReference.forward(x, kernel: conv.kernel, bias: conv.bias, padding: .valid).scalars,
                         absolute: 1e-5, relative: 1e-5))
        conv.updateParameters { j, value, _ in
            if j == 0 { value = Tensor(shape: value.shape, scalars: value.scalars.map { $0 * 0.5 }) }
        }
        let afterUpdate = conv.forward(x, training: false)
        #expect(allClose(afterUpdate.scalars, ConvolutionReference.forward(x, kernel: conv.kernel, bias: conv.bias, padding: .valid).scalars,
                         absolute: 1e-5, relative: 1e-5))
    }

    @Test func caoFirstLayerAgreesAcrossAlgorithms() throws {
        // Full cao conv1 width (200 bands → 300 filters): Winograd and im2col agree to float32 rounding.
        var rng = SeededRandom(seed: 27)
        // Linear, so a ReLU mask flipped by rounding at an output of ±1e-7 cannot move the gradients.
        var fast = Conv2D(name: "conv1", filters: 300, kernelSize: (3, 3), channels: 200, padding: .valid, activation: .linear, rng: &rng)
        var slow = fast
        fast.algorithm = .winograd
        slow.algorithm = .im2col
        let x = seededTensor([16, 5, 5, 200], seed: 28)
        let (a, b) = (fast.forward(x, training: true), slow.forward(x, training: true))
        #expect(maxAbsDifference(a.scalars, b.scalars) < 2e-5 * Double(b.max), "forward")
        let dy = seededTensor(a.shape, seed: 29)
        _ = fast.backward(dy, needInputGradient: false, skipActivation: false)
        _ = slow.backward(dy, needInputGradient: false, skipActivation: false)
        let scale = slow.kernelGradient.scalars.map { abs(Double($0)) }.max() ?? 1
        #expect(maxAbsDifference(fast.kernelGradient.scalars, slow.kernelGradient.scalars) < 2e-5 * scale)
        #expect(maxAbsDifference(fast.biasGradient.scalars, slow.biasGradient.scalars) < 1e-6 * Double(x.count))
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
