// Int8KernelsTests: every int8 kernel path (AVX-512 VNNI, AVX2, plain C; each forced in turn)
// against the plain-loop reference on random shapes including odd sizes — int32 sums exactly, the
// float epilogue bit for bit — plus the activation quantization against Swift transcriptions of
// TFLite's asymmetric and symmetric schemes, and u8 im2col against direct indexing.
import CInt8
import Testing
import TestSupport
import Tensors
@testable import Compression

@Suite struct Int8KernelsTests {
    @Test(.enabled(if: Int8KernelPath.avx512VNNI.isSupported, "this CPU has no AVX-512 VNNI: the VNNI path is not tested here"))
    func vnniPathMatchesTheReference() { checkAgainstReference(.avx512VNNI) }

    @Test(.enabled(if: Int8KernelPath.avx2.isSupported, "this CPU has no AVX2: the AVX2 path is not tested here"))
    func avx2PathMatchesTheReference() { checkAgainstReference(.avx2) }

    @Test func plainCPathMatchesTheReference() { checkAgainstReference(.plainC) }

    /// 120 random shapes: M 1…13 (odd row tails), K 1…75 (K not a multiple of 4), N 1…70 (partial
    /// panels), row strides with slack, extreme u8 and s8 values mixed in.
    func checkAgainstReference(_ path: Int8KernelPath) {
        var rng = SeededRandom(seed: 7)
        func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
        for trial in 0..<120 {
            let (m, k, n) = (int(1...13), int(1...75), int(1...70))
            let kp = Int(hsi_i8_padded_k(Int32(k)))
            let lda = kp + 4 * int(0...2)
            let a = (0..<(m * lda)).map { _ in UInt8(truncatingIfNeeded: trial % 3 == 0 ? [0, 255][int(0...1)] : int(0...255)) }
            let b = (0..<(k * n)).map { _ in Int8(trial % 5 == 0 ? [-127, 127][int(0...1)] : int(-127...127)) }
            let zp = (0..<m).map { _ in Int32(int(0...255)) }
            let rowScale = (0..<m).map { _ in Float(int(1...1000)) / 997 }
            let colScale = (0..<n).map { _ in Float(int(1...1000)) / 1009 }
            let bias = (0..<n).map { _ in Float(int(-500...500)) / 101 }
            let relu = trial % 2 == 1
            let w = Int8Matrix(values: b, k: k, n: n, scales: colScale)
            // int32 sums
            var expected32 = [Int32](repeating: 0, count: m * n), got32 = [Int32](repeating: -1, count: m * n)
            hsi_i8_gemm_s32_reference(Int32(m), Int32(n), Int32(k), a, Int32(lda), b, &expected32, Int32(n))
            w.packed.withUnsafeBufferPointer { p in
                hsi_i8_gemm_s32(path.code, Int32(m), Int32(n), Int32(k), a, Int32(lda), p.baseAddress, &got32, Int32(n))
            }
            #expect(got32 == expected32, "\(path) int32 sums, M \(m) K \(k) N \(n)")
            // the fused epilogue
            var expected = [Float](repeating: 0, count: m * n), got = [Float](repeating: .nan, count: m * n)
            hsi_i8_hybrid_gemm_reference(Int32(m), Int32(n), Int32(k), a, Int32(lda), b, zp, rowScale, colScale, bias,
                                         relu ? 1 : 0, &expected, Int32(n))
            w.packed.withUnsafeBufferPointer { p in
                w.columnSums.withUnsafeBufferPointer { cs in
                    hsi_i8_hybrid_gemm(path.code, Int32(m), Int32(n), Int32(k), a, Int32(lda), p.baseAddress, zp, rowScale,
                                       cs.baseAddress, colScale, bias, relu ? 1 : 0, &got, Int32(n))
                }
            }
            #expect(got == expected, "\(path) hybrid product, M \(m) K \(k) N \(n) relu \(relu)")
        }
    }

    @Test func automaticResolvesToASupportedPath() {
        let best = Int8KernelPath.automatic.resolved
        #expect(best != .automatic && best.isSupported)
        #expect(Int8KernelPath.plainC.isSupported)
    }

    /// TFLite's AsymmetricQuantizeFloats written out in Swift (Double range, nudged zero point).
    static func tfliteAsymmetric(_ x: [Float]) -> (q: [Int32], scale: Float, zeroPoint: Int32) {
        let lo = min(0, x.min() ?? 0), hi = max(0, x.max() ?? 0)
        if lo == hi { return ([Int32](repeating: 0, count: x.count), 1, 0) }
        let (qmin, qmax) = (-128.0, 127.0)
        let s = (Double(hi) - Double(lo)) / (qmax - qmin)
        let fromMin = qmin - Double(lo) / s, fromMax = qmax - Double(hi) / s
        let errMin = qmin + abs(Double(lo) / s), errMax = qmax + abs(Double(hi) / s)
        let zp = Int32((min(max(errMin < errMax ? fromMin : fromMax, qmin), qmax)).rounded(.toNearestOrAwayFromZero))
        let inverse = Float(1 / s)
        let q = x.map { v in min(max(Int32((v * inverse).rounded(.toNearestOrAwayFromZero)) + zp, -128), 127) }
        return (q, Float(s), zp)
    }

    @Test func activationQuantizationIsTFLitesAsymmetricScheme() {
        let rows: [[Float]] = [
            seededTensor([37], seed: 1).scalars,                        // signed
            seededTensor([64], seed: 2, low: 0, high: 6).scalars,       // after a ReLU: zero point at the bottom
            seededTensor([9], seed: 3, low: -4, high: -1).scalars,      // all negative: range widened to 0
            [Float](repeating: 0, count: 5),                            // all zero
            [3.5],
        ]
        for row in rows {
            var u = [UInt8](repeating: 0, count: row.count)
            let (scale, zp) = row.withUnsafeBufferPointer { x in
                u.withUnsafeMutableBufferPointer { ActivationQuantization.asymmetric.quantize(x.baseAddress!, count: row.count, into: $0.baseAddress!) }
            }
            let expected = Self.tfliteAsymmetric(row)
            #expect(u.map { Int32($0) - 128 } == expected.q)
            #expect(zp - 128 == expected.zeroPoint && scale == expected.scale)
            // Zero is represented exactly, and every value within half a step.
            for (x, v) in zip(row, u) where scale > 0 {
                #expect(abs(Float(Int32(v) - zp) * scale - x) <= scale * 0.5 + 1e-6)
            }
        }
    }

    @Test func symmetricQuantizationIsTFLitesSymmetricScheme() {
        for row in [seededTensor([41], seed: 4).scalars, seededTensor([16], seed: 5, low: 0, high: 3).scalars,
                    [Float](repeating: 0, count: 3), [-2.5]] {
            var u = [UInt8](repeating: 0, count: row.count)
            let (scale, zp) = row.withUnsafeBufferPointer { x in
                u.withUnsafeMutableBufferPointer { ActivationQuantization.symmetric.quantize(x.baseAddress!, count: row.count, into: $0.baseAddress!) }
            }
            let range = row.map { abs($0) }.max() ?? 0
            let expected = row.map { range == 0 ? Int32(0) : min(max(Int32(($0 * (127 / range)).rounded(.toNearestOrAwayFromZero)), -127), 127) }
            #expect(u.map { Int32($0) - 128 } == expected && zp == 128)
            #expect(scale == (range == 0 ? 1 : range / 127))
        }
    }

    /// The vector quantizers (AVX-512 on the VNNI path, AVX2) give the plain C loop's bits: lengths
    /// 1…300 (vector tails), values on exact half steps (round half away from zero), all zeros.
    @Test(.enabled(if: Int8KernelPath.avx512VNNI.isSupported, "this CPU has no AVX-512 VNNI: its quantizer is not tested here"))
    func avx512QuantizationGivesThePlainLoopsBits() { checkQuantization(.avx512VNNI) }

    @Test(.enabled(if: Int8KernelPath.avx2.isSupported, "this CPU has no AVX2: its quantizer is not tested here"))
    func avx2QuantizationGivesThePlainLoopsBits() { checkQuantization(.avx2) }

    func checkQuantization(_ path: Int8KernelPath) {
        var rng = SeededRandom(seed: 11)
        for trial in 0..<400 {
            let count = 1 + Int(rng.next() % 300)
            let spread = Float(trial % 7 + 1)
            var row = (0..<count).map { _ in rng.uniform(-0.4, 0.6) * spread }
            if trial % 3 == 0 {  // multiples of half a step: ties for both schemes' rounding
                row = row.enumerated().map { i, v in i % 2 == 0 ? Float(Int(v * 254)) / 254 : v }
            }
            if trial == 5 { row = [Float](repeating: 0, count: count) }
            for scheme in [ActivationQuantization.asymmetric, .symmetric] {
                var fast = [UInt8](repeating: 0, count: count), plain = [UInt8](repeating: 1, count: count)
                let (a, b) = row.withUnsafeBufferPointer { x in
                    (fast.withUnsafeMutableBufferPointer { scheme.quantize(x.baseAddress!, count: count, into: $0.baseAddress!, path: path) },
                     plain.withUnsafeMutableBufferPointer { scheme.quantize(x.baseAddress!, count: count, into: $0.baseAddress!, path: .plainC) })
                }
                #expect(fast == plain && a == b, "\(scheme) on \(path), \(count) values, trial \(trial)")
            }
        }
    }

    @Test func im2colTakesPatchesAndPadsWithTheZeroPoint() {
        let (h, w, c, kh, kw) = (4, 5, 3, 3, 2)
        let x = (0..<(h * w * c)).map { UInt8($0 % 251) }
        let (top, left, oh, ow) = (1, 0, 4, 4)  // "same" rows, "valid" columns
        let stride = kh * kw * c + 2
        var cols = [UInt8](repeating: 7, count: oh * ow * stride)
        x.withUnsafeBufferPointer { xp in
            cols.withUnsafeMutableBufferPointer { cp in
                Int8Kernels.im2col(xp.baseAddress!, height: h, width: w, channels: c, kernelHeight: kh, kernelWidth: kw,
                                   top: top, left: left, outputHeight: oh, outputWidth: ow, pad: 99, into: cp.baseAddress!, rowStride: stride)
            }
        }
        for oy in 0..<oh { for ox in 0..<ow { for ky in 0..<kh { for kx in 0..<kw { for ch in 0..<c {
            let (iy, ix) = (oy + ky - top, ox + kx - left)
            let inside = iy >= 0 && iy < h && ix >= 0 && ix < w
            #expect(cols[(oy * ow + ox) * stride + (ky * kw + kx) * c + ch] == (inside ? x[(iy * w + ix) * c + ch] : 99))
        }}}}}
    }
}
