// QuantizedTensorTests: quantize → dequantize error is at most half a scale step per weight
// (8 and 4 bits, random tensors of many shapes), scales are per output channel, zero channels,
// 4-bit storage size, and bad input rejected.
import Foundation
import Testing
import TestSupport
import Tensors
@testable import Compression

@Suite struct QuantizedTensorTests {
    @Test(arguments: [8, 4])
    func dequantizationErrorIsAtMostHalfAScalePerWeight(bits: Int) throws {
        for seed in UInt64(0)..<20 {
            var rng = SeededRandom(seed: seed)
            let shape = [1 + rng.index(below: 3), 1 + rng.index(below: 3), 1 + rng.index(below: 5), 1 + rng.index(below: 7)]
            // Channels of very different magnitudes, so one shared scale would not do.
            let f = shape[3]
            let w = seededTensor(shape, seed: seed &+ 100, low: -1, high: 1).scalars.enumerated()
                .map { i, v in v * Float(pow(10.0, Double(i % f) - 3)) }
            let q = try QuantizedTensor(quantizing: w, shape: shape, bits: bits)
            let back = q.dequantized()
            let qmax = Float(QuantizedTensor.maxLevel(bits: bits))
            for i in w.indices {
                let bound: Float = q.scales[i % f] / 2 * (1 + 1e-5)
                let error: Float = abs(w[i] - back[i])
                #expect(error <= bound, "weight \(i) of \(shape), \(bits) bits")
                #expect(abs(Int(q.values[i])) <= Int(qmax))
            }
            // Each channel's largest weight maps to ±qmax exactly: the scale is max|w_c| / qmax.
            for c in 0..<f {
                let m = stride(from: c, to: w.count, by: f).map { abs(w[$0]) }.max() ?? 0
                #expect(q.scales[c] == m / qmax)
            }
        }
    }

    @Test func handComputedInt8Values() throws {
        // Two output channels (last axis): channel 0 max 2.54 → scale 0.02; channel 1 all zero.
        let q = try QuantizedTensor(quantizing: [2.54, 0, -1.27, 0, 0.011, 0], shape: [3, 2], bits: 8)
        #expect(q.scales == [Float(2.54) / 127, 0])
        #expect(q.values == [127, 0, -64, 0, 1, 0])  // −63.5 rounds away from zero; 0.55 → 1
        #expect(q.dequantized()[1] == 0 && q.storageBytes == 6 + 8)
    }

    @Test func fourBitStorageCountsTwoValuesPerByte() throws {
        let w = seededTensor([3, 3, 5], seed: 4).scalars
        let q = try QuantizedTensor(quantizing: w, shape: [3, 3, 5], bits: 4)
        #expect(q.storageBytes == 23 + 5 * 4)  // 45 values of 4 bits rounded up, 5 Float32 scales
        #expect(q.values.allSatisfy { abs(Int($0)) <= 7 })
        #expect(try QuantizedTensor(shape: [3, 3, 5], bits: 4, values: q.values, scales: q.scales) == q)
    }

    @Test func badInputIsRejected() {
        #expect(throws: CompressionError.self) { try QuantizedTensor(quantizing: [1, 2], shape: [2], bits: 3) }
        #expect(throws: CompressionError.self) { try QuantizedTensor(quantizing: [1, 2], shape: [3], bits: 8) }
        #expect(throws: CompressionError.self) { try QuantizedTensor(quantizing: [1, .nan], shape: [2], bits: 8) }
        #expect(throws: CompressionError.self) { try QuantizedTensor(shape: [2], bits: 4, values: [8, 0], scales: [1, 1]) }
        #expect(throws: CompressionError.self) { try QuantizedTensor(shape: [2], bits: 8, values: [1, 0], scales: [1]) }
    }
}
