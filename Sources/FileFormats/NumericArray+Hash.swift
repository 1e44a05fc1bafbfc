// NumericArray+Hash: SHA-256 of an array's little-endian C-order bytes — the identity
// of "the decoded array", independent of the file format, compression or memory order.
import Crypto

extension NumericArray {
    /// Lower-case hex SHA-256 of the element bytes (little-endian, C order).
    public var sha256: String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The same values stored as `type`, or nil if any value is not exactly representable there.
    public func converted(to type: ElementType) -> NumericArray? {
        if type == elementType { return self }
        let values = doubles()
        switch type {
        case .float32:
            let floats = values.map { Float($0) }
            guard zip(floats, values).allSatisfy({ Double($0) == $1 }) else { return nil }
            return NumericArray(float32: floats, shape: shape)
        case .float64:
            return NumericArray(elementType: .float64, shape: shape,
                                bytes: values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } })
        default:
            let (lo, hi) = type.integerRange
            guard values.allSatisfy({ $0.rounded() == $0 && $0 >= lo && $0 <= hi }) else { return nil }
            return NumericArray(integers: values.map { Int($0) }, shape: shape, as: type)
        }
    }
}

extension ElementType {
    /// The smallest and largest value of an integer type (as Double; 64-bit ends are approximate).
    var integerRange: (Double, Double) {
        switch self {
        case .uint8: return (0, 255)
        case .int8: return (-128, 127)
        case .uint16: return (0, 65535)
        case .int16: return (-32768, 32767)
        case .uint32: return (0, 4_294_967_295)
        case .int32: return (-2_147_483_648, 2_147_483_647)
        case .uint64: return (0, 18_446_744_073_709_551_615)
        case .int64: return (-9_223_372_036_854_775_808, 9_223_372_036_854_775_807)
        case .float32, .float64: return (-.infinity, .infinity)
        }
    }
}
