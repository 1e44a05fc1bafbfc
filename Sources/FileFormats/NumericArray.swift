// NumericArray: an n-dimensional array exactly as a file stored it — element type kept,
// bytes normalised to little-endian C order — so hashes of "the decoded array" are
// well defined, and conversion to Float32 cubes and Int32 label maps happens in one place.
import Foundation
public import SpectralData

/// Element types HSIFlow reads and writes (numpy's u1 i1 u2 i2 u4 i4 u8 i8 f4 f8).
public enum ElementType: String, Sendable, CaseIterable, Codable {
    case uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .uint8, .int8: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        }
    }

    public var isInteger: Bool { self != .float32 && self != .float64 }
}

/// An array with its element type, shape (outermost first) and little-endian C-order bytes.
public struct NumericArray: Sendable, Equatable {
    public let elementType: ElementType
    public let shape: [Int]
    /// Little-endian bytes in C (row-major) order; `bytes.count == shape.product * elementType.size`.
    public let bytes: [UInt8]

    public init(elementType: ElementType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.reduce(1, *) * elementType.size == bytes.count, "byte count does not match shape")
        self.elementType = elementType
        self.shape = shape
        self.bytes = bytes
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// An array of Float32 values.
    public init(float32 values: [Float], shape: [Int]) {
        var bytes = [UInt8](repeating: 0, count: values.count * 4)
        bytes.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        self.init(elementType: .float32, shape: shape, bytes: bytes)
    }

    /// An array of integers stored as `type` (values must fit; they are truncated otherwise).
    public init(integers values: [Int], shape: [Int], as type: ElementType) {
        precondition(type.isInteger, "init(integers:) needs an integer element type")
        var out = [UInt8](repeating: 0, count: values.count * type.size)
        out.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                let o = i * type.size
                switch type.size {
                case 1: raw.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: o, as: UInt8.self)
                case 2: raw.storeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian, toByteOffset: o, as: UInt16.self)
                case 4: raw.storeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian, toByteOffset: o, as: UInt32.self)
                default: raw.storeBytes(of: UInt64(truncatingIfNeeded: v).littleEndian, toByteOffset: o, as: UInt64.self)
                }
            }
        }
        self.init(elementType: type, shape: shape, bytes: out)
    }

    /// Every element converted to Double, in C order.
    public func doubles() -> [Double] {
        var out = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let n = count
            switch elementType {
            case .uint8: for i in 0..<n { out[i] = Double(raw.load(fromByteOffset: i, as: UInt8.self)) }
            case .int8: for i in 0..<n { out[i] = Double(raw.load(fromByteOffset: i, as: Int8.self)) }
            case .uint16: for i in 0..<n { out[i] = Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case .int16: for i in 0..<n { out[i] = Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
            case .uint32: for i in 0..<n { out[i] = Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .int32: for i in 0..<n { out[i] = Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
            case .uint64: for i in 0..<n { out[i] = Double(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
            case .int64: for i in 0..<n { out[i] = Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
            case .float32: for i in 0..<n { out[i] = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))) }
            case .float64: for i in 0..<n { out[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
            }
        }
        return out
    }

    /// Every element converted to Float32, in C order.
    public func floats() -> [Float] {
        if elementType == .float32 {
            var out = [Float](repeating: 0, count: count)
            bytes.withUnsafeBytes { raw in
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            }
            return out
        }
        return doubles().map { Float($0) }
    }

    /// Smallest and largest element (nil for an empty array). NaNs are skipped.
    public var range: (min: Double, max: Double)? {
        var lo = Double.infinity, hi = -Double.infinity
        for v in doubles() where !v.isNaN { lo = min(lo, v); hi = max(hi, v) }
        return lo <= hi ? (lo, hi) : nil
    }

    /// The array as a cube; it must have rank 3 (H×W×B).
    public func cube(source: String) throws(FileFormatsError) -> Cube {
        guard shape.count == 3 else {
            throw .unexpectedContent(path: source, reason: "expected a 3-D cube (height×width×bands), found a \(shape.count)-D array of shape \(shapeText)")
        }
        do {
            return try Cube(height: shape[0], width: shape[1], bands: shape[2], values: floats())
        } catch {
            throw .unexpectedContent(path: source, reason: error.description)
        }
    }

    /// The array as a label map; it must have rank 2 and hold non-negative whole numbers.
    public func labelMap(source: String) throws(FileFormatsError) -> LabelMap {
        guard shape.count == 2 else {
            throw .unexpectedContent(path: source, reason: "expected a 2-D label map (height×width), found a \(shape.count)-D array of shape \(shapeText)")
        }
        var labels = [Int32]()
        labels.reserveCapacity(count)
        for v in doubles() {
            guard v >= 0, v <= Double(Int32.max), v.rounded() == v else {
                throw .unexpectedContent(path: source, reason: "a label map holds whole numbers ≥ 0 (0 = unlabelled), found \(v)")
            }
            labels.append(Int32(v))
        }
        do {
            return try LabelMap(height: shape[0], width: shape[1], labels: labels)
        } catch {
            throw .unexpectedContent(path: source, reason: error.description)
        }
    }

    /// Shape written as `145×145×200`.
    public var shapeText: String { shape.map(String.init).joined(separator: "×") }
}
