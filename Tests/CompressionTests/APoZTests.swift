// APoZTests: zero fractions on hand-made activations, and APoZ of a model whose channels are
// built to be always off, always on, or on exactly where the input is positive.
import Testing
import TestSupport
import Tensors
import NeuralNet
@testable import Compression

@Suite struct APoZTests {
    @Test func zeroFractionsOfHandMadeActivations() {
        // 2 samples × 2×2 positions × 3 channels = 8 values per channel.
        // channel 0: zero everywhere; channel 1: zero at 2 of 8; channel 2: never zero.
        var a = Tensor(shape: [2, 2, 2, 3])
        for s in 0..<2 { for y in 0..<2 { for x in 0..<2 {
            a[s, y, x, 0] = 0
            a[s, y, x, 1] = (s == 1 && x == 0) ? 0 : 0.5
            a[s, y, x, 2] = Float(1 + s + y + x)
        }}}
        #expect(APoZ.zeroFractions(a) == [1, 0.25, 0])
    }

    @Test func averagesOverSamplesAndPositionsAcrossBatches() throws {
        // One 1×1 conv over 1 channel: out_c = ReLU(w_c·x + b_c).
        // c0: w=0, b=−1 → always 0; c1: w=0, b=1 → never 0; c2: w=1, b=0 → 0 exactly where x ≤ 0.
        var model = try ModelSpec(name: "m", layers: [
            .conv2D(filters: 3, kernel: [1, 1], activation: .relu, name: "conv"),
            .flatten(), .dense(units: 2, activation: .softmax),
        ]).build(inputShape: [3, 3, 1], seed: 1)
        try editing(&model, "conv") { p in
            p[0] = Tensor(shape: [1, 1, 1, 3], scalars: [0, 0, 1])
            p[1] = Tensor(shape: [3], scalars: [-1, 1, 0])
        }
        let x = seededTensor([10, 3, 3, 1], seed: 9)
        let negatives = x.scalars.filter { $0 <= 0 }.count
        // Batch size 3 does not divide 10: the last partial batch must count too.
        let scores = try APoZ.scores(of: model, inputs: x, batchSize: 3)
        #expect(scores.count == 1 && scores[0].layerName == "conv" && scores[0].layerIndex == 0)
        #expect(scores[0].values[0] == 1)
        #expect(scores[0].values[1] == 0)
        #expect(abs(scores[0].values[2] - Double(negatives) / 90) < 1e-12)
    }

    @Test func readsAStandAloneReLUAndRejectsLinearConvs() throws {
        let withReLU = try ModelSpec(name: "m", layers: [
            .conv2D(filters: 2, kernel: [3, 3], name: "conv"), .activation(.relu, name: "relu"),
            .flatten(), .dense(units: 2, activation: .softmax),
        ]).build(inputShape: [4, 4, 2], seed: 2)
        let x = seededTensor([6, 4, 4, 2], seed: 1)
        var copy = withReLU
        let relu = copy.activations(x)[1]
        #expect(try APoZ.scores(of: withReLU, inputs: x)[0].values == APoZ.zeroFractions(relu))
        let linear = try ModelSpec(name: "m", layers: [
            .conv2D(filters: 2, kernel: [3, 3], name: "conv"), .flatten(), .dense(units: 2, activation: .softmax),
        ]).build(inputShape: [4, 4, 2], seed: 2)
        #expect(throws: CompressionError.self) { try APoZ.scores(of: linear, inputs: x) }
        #expect(throws: CompressionError.self) { try APoZ.scores(of: withReLU, inputs: seededTensor([2, 5, 5, 2], seed: 1)) }
    }
}
