// Int8Kernels: the Swift face of the CInt8 kernels — which path runs (AVX-512 VNNI, AVX2, plain C;
// chosen by CPUID, or forced with HSIFLOW_INT8_KERNEL=vnni|avx2|c), weights packed once per
// layer, run-time activation quantization (asymmetric or symmetric, as TFLite), and the hybrid product
// y = (Σ u·w − zp·Σw) · (s_x · s_w) + b with optional ReLU.
// Letters: M rows, K inner size (padded to K4 = a multiple of 4 in the row stride), N columns.
import CInt8
import Foundation

/// Which int8 kernel runs.
public enum Int8KernelPath: String, Sendable, CaseIterable, Codable {
    /// The best path this CPU supports.
    case automatic = "auto"
    /// Plain C loops (any CPU).
    case plainC = "c"
    /// AVX2: int16-widened vpmaddwd.
    case avx2
    /// AVX-512 VNNI: vpdpbusd.
    case avx512VNNI = "vnni"

    var code: Int32 {
        switch self {
        case .automatic: Int32(HSI_I8_AUTO)
        case .plainC: Int32(HSI_I8_PLAIN_C)
        case .avx2: Int32(HSI_I8_AVX2)
        case .avx512VNNI: Int32(HSI_I8_AVX512_VNNI)
        }
    }

    /// Whether this CPU can run the path.
    public var isSupported: Bool { hsi_i8_path_supported(code) != 0 }

    /// The concrete path `automatic` stands for here (itself for the others).
    public var resolved: Int8KernelPath {
        guard self == .automatic else { return self }
        switch Int(hsi_i8_best_path()) {
        case Int(HSI_I8_AVX512_VNNI): return .avx512VNNI
        case Int(HSI_I8_AVX2): return .avx2
        default: return .plainC
        }
    }

    /// The path to use: HSIFLOW_INT8_KERNEL when it names a path this CPU supports, else the best.
    public static var preferred: Int8KernelPath {
        if let name = ProcessInfo.processInfo.environment["HSIFLOW_INT8_KERNEL"],
           let path = Int8KernelPath(rawValue: name.lowercased()), path.isSupported {
            return path.resolved
        }
        return Int8KernelPath.automatic.resolved
    }
}

/// An int8 weight matrix (K×N, one scale per column) packed for the kernels.
public struct Int8Matrix: Sendable {
    /// Inner size K and columns N.
    public let k: Int, n: Int
    /// K rounded up to a multiple of 4: the row stride of the u8 activations.
    public let paddedK: Int
    let packed: [Int8]
    let columnSums: [Int32]
    let scales: [Float]

    /// Packs `values` (K×N row-major, Keras kernel layout flattened to K = all axes but the last).
    public init(values: [Int8], k: Int, n: Int, scales: [Float]) {
        precondition(values.count == k * n && scales.count == n, "int8 matrix \(k)×\(n) needs \(k * n) values and \(n) scales")
        self.k = k
        self.n = n
        paddedK = Int(hsi_i8_padded_k(Int32(k)))
        var packed = [Int8](repeating: 0, count: hsi_i8_packed_bytes(Int32(k), Int32(n)))
        var sums = [Int32](repeating: 0, count: n)
        values.withUnsafeBufferPointer { b in
            packed.withUnsafeMutableBufferPointer { p in hsi_i8_pack(b.baseAddress, Int32(k), Int32(n), p.baseAddress) }
            sums.withUnsafeMutableBufferPointer { s in hsi_i8_column_sums(b.baseAddress, Int32(k), Int32(n), s.baseAddress) }
        }
        self.packed = packed
        columnSums = sums
        self.scales = scales
    }

    /// y (M×N, row stride N) = (a · W − zp ⊗ Σw) · (rowScale ⊗ scales) + bias, then ReLU when asked.
    /// `a` holds M rows of u8 with row stride `paddedK`.
    func hybridProduct(rows m: Int, a: UnsafePointer<UInt8>, zeroPoints: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                       bias: UnsafePointer<Float>?, relu: Bool, into y: UnsafeMutablePointer<Float>, path: Int8KernelPath) {
        packed.withUnsafeBufferPointer { p in
            columnSums.withUnsafeBufferPointer { cs in
                scales.withUnsafeBufferPointer { s in
                    hsi_i8_hybrid_gemm(path.code, Int32(m), Int32(n), Int32(k), a, Int32(paddedK), p.baseAddress,
                                       zeroPoints, rowScales, cs.baseAddress, s.baseAddress, bias, relu ? 1 : 0,
                                       y, Int32(n))
                }
            }
        }
    }
}

/// Run-time int8 quantization of activations, as TFLite's dynamic-range kernels do it: per sample
/// and asymmetric for convolutions (its per-channel hybrid Conv2D), per row and symmetric for dense
/// layers (its hybrid FullyConnected, as the converter leaves asymmetric_quantize_inputs unset).
public enum ActivationQuantization: String, Sendable, Codable {
    /// Range [min(0, lo), max(0, hi)] onto [−128, 127] with a nudged integer zero point.
    case asymmetric
    /// max|x| onto 127, zero point 0 (128 in the stored u8).
    case symmetric

    /// Quantizes `count` floats to u = q + 128; x ≈ (u − zeroPoint) · scale. Every `path` (AVX-512,
    /// AVX2, plain C) gives the same bits.
    public func quantize(_ x: UnsafePointer<Float>, count: Int, into u: UnsafeMutablePointer<UInt8>,
                         path: Int8KernelPath = .automatic) -> (scale: Float, zeroPoint: Int32) {
        var scale: Float = 0, zp: Int32 = 128
        switch self {
        case .asymmetric: hsi_i8_quantize_row_on(path.code, x, Int32(count), u, &scale, &zp)
        case .symmetric: hsi_i8_quantize_row_symmetric_on(path.code, x, Int32(count), u, &scale)
        }
        return (scale, zp)
    }

    /// `row` replaced by its quantized-then-dequantized values (u − zp) · scale: what the int8
    /// kernels see of a float activation row.
    public func simulate(_ row: [Float]) -> [Float] {
        var u = [UInt8](repeating: 0, count: row.count)
        let (scale, zp) = row.withUnsafeBufferPointer { x in
            u.withUnsafeMutableBufferPointer { up in
                // A zero-length row has nothing to quantize; the pointers may be nil.
                guard let xa = x.baseAddress, let ua = up.baseAddress else { return (Float(1), Int32(128)) }
                return quantize(xa, count: row.count, into: ua)
            }
        }
        return u.map { Float(Int32($0) - zp) * scale }
    }
}

/// u8 im2col (the C kernel), for the int8 convolution.
enum Int8Kernels {
    /// Rows (oy·OW + ox) of `cols` (stride `rowStride`) get the KH×KW×C patch of `x` (H×W×C u8);
    /// taps outside the image get `pad`, the image's zero point.
    static func im2col(_ x: UnsafePointer<UInt8>, height: Int, width: Int, channels: Int, kernelHeight: Int, kernelWidth: Int,
                       top: Int, left: Int, outputHeight: Int, outputWidth: Int, pad: UInt8,
                       into cols: UnsafeMutablePointer<UInt8>, rowStride: Int) {
        hsi_i8_im2col(x, Int32(height), Int32(width), Int32(channels), Int32(kernelHeight), Int32(kernelWidth),
                      Int32(top), Int32(left), Int32(outputHeight), Int32(outputWidth), pad, cols, Int32(rowStride))
    }
}
