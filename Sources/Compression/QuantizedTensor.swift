// QuantizedTensor: symmetric per-output-channel integer quantization of a weight tensor whose last
// axis is the output channel (Conv2D (KH, KW, C, F), Dense (I, O)), as TFLite's dynamic-range
// scheme: scale_c = max|w_c| / qmax, q = clamp(round(w / scale_c), −qmax, qmax), w ≈ q · scale_c.

/// A weight tensor stored as small signed integers and one Float32 scale per output channel.
public struct QuantizedTensor: Sendable, Equatable {
    /// The float tensor's shape; the last axis is the output channel.
    public let shape: [Int]
    /// 8 or 4.
    public let bits: Int
    /// Quantized values in [−qmax, qmax], row-major like the float tensor (one per Int8 in memory;
    /// 4-bit values are packed two per byte only in a file, see FileFormats' QuantizedModelFile).
    public let values: [Int8]
    /// One scale per output channel.
    public let scales: [Float]

    /// The largest quantized magnitude for `bits`: 2^(bits−1) − 1 (127 or 7).
    public static func maxLevel(bits: Int) -> Int { (1 << (bits - 1)) - 1 }

    /// Supported bit widths.
    public static let supportedBits = [8, 4]

    /// A quantized tensor from stored parts; checks that they fit together.
    public init(shape: [Int], bits: Int, values: [Int8], scales: [Float]) throws(CompressionError) {
        guard Self.supportedBits.contains(bits) else {
            throw .invalidArgument("quantization to \(bits) bits is not supported; use 8 or 4")
        }
        guard let channels = shape.last, shape.allSatisfy({ $0 >= 0 }), values.count == shape.reduce(1, *) else {
            throw .invalidArgument("quantized tensor of shape \(shape) cannot hold \(values.count) values")
        }
        guard scales.count == channels, scales.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw .invalidArgument("quantized tensor of shape \(shape) needs \(channels) finite non-negative scales, got \(scales.count)")
        }
        let q = Int8(Self.maxLevel(bits: bits))
        if let bad = values.first(where: { $0 < -q || $0 > q }) {
            throw .invalidArgument("quantized value \(bad) is outside ±\(q) for \(bits) bits")
        }
        self.shape = shape
        self.bits = bits
        self.values = values
        self.scales = scales
    }

    /// Quantizes `weights` (last axis = output channel) to `bits`.
    public init(quantizing weights: [Float], shape: [Int], bits: Int) throws(CompressionError) {
        guard Self.supportedBits.contains(bits) else {
            throw .invalidArgument("quantization to \(bits) bits is not supported; use 8 or 4")
        }
        guard let f = shape.last, f > 0, weights.count == shape.reduce(1, *) else {
            throw .invalidArgument("cannot quantize \(weights.count) weights as shape \(shape)")
        }
        guard weights.allSatisfy(\.isFinite) else {
            throw .invalidArgument("cannot quantize weights that are not finite (NaN or infinity); the model diverged")
        }
        let qmax = Float(Self.maxLevel(bits: bits))
        var maxAbs = [Float](repeating: 0, count: f)
        for (i, w) in weights.enumerated() { maxAbs[i % f] = max(maxAbs[i % f], abs(w)) }
        // An all-zero channel gets scale 0 and quantizes to zeros.
        let scales = maxAbs.map { $0 / qmax }
        var values = [Int8](repeating: 0, count: weights.count)
        for (i, w) in weights.enumerated() {
            let s = scales[i % f]
            guard s > 0 else { continue }
            values[i] = Int8(min(max((w / s).rounded(), -qmax), qmax))
        }
        self.shape = shape
        self.bits = bits
        self.values = values
        self.scales = scales
    }

    /// Output channels (the last axis).
    public var channels: Int { shape.last ?? 0 }

    /// w ≈ q · scale_c for every element.
    public func dequantized() -> [Float] {
        let f = channels
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { q in
            scales.withUnsafeBufferPointer { s in
                for i in 0..<q.count { out[i] = Float(q[i]) * s[i % f] }
            }
        }
        return out
    }

    /// Bytes needed to store the values (packed to `bits` each) and the Float32 scales.
    public var storageBytes: Int { (values.count * bits + 7) / 8 + scales.count * 4 }
}
