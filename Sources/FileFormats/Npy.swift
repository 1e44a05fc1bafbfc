// Npy: numpy's .npy format, read and written without numpy. Versions 1.0–3.0, element
// types u1 i1 u2 i2 u4 i4 u8 i8 f4 f8 in either byte order, C or Fortran order.
// Every size in the header is checked against the file before anything is allocated.
import Foundation

/// Reads and writes numpy `.npy` files.
public enum Npy {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] // \x93NUMPY

    /// Layout options for writing (reading accepts all of them).
    public struct WriteOptions: Sendable {
        public var bigEndian: Bool
        public var fortranOrder: Bool
        /// Header version to write (1, 2 or 3); 1 is switched to 2 when the header is too long.
        public var version: UInt8
        public init(bigEndian: Bool = false, fortranOrder: Bool = false, version: UInt8 = 1) {
            self.bigEndian = bigEndian
            self.fortranOrder = fortranOrder
            self.version = version
        }
    }

    // MARK: - Reading

    /// Reads the array in the file at `path`.
    public static func read(path: String) throws(FileFormatsError) -> NumericArray {
        let data = try FileAccess.readAll(path)
        return try decode(data, source: path)
    }

    /// Decodes the bytes of an `.npy` file; `source` names it in errors.
    public static func decode(_ data: [UInt8], source: String) throws(FileFormatsError) -> NumericArray {
        let header = try parseHeader(data, source: source)
        let body = header.dataOffset
        let expected = header.byteCount
        let available = data.count - body
        guard available >= expected else {
            throw .malformed(path: source, reason: "truncated: the header promises \(expected) bytes of data (shape \(header.shapeText), \(header.typeCode)) but the file holds \(available)")
        }
        guard available == expected else {
            throw .malformed(path: source, reason: "\(available - expected) unexpected bytes after the data (shape \(header.shapeText), \(header.typeCode)); the header does not describe this file")
        }
        let size = header.elementType.size
        var bytes = Array(data[body ..< body + expected])
        if header.bigEndian && size > 1 {
            for start in stride(from: 0, to: bytes.count, by: size) {
                bytes[start ..< start + size].reverse()
            }
        }
        if header.fortranOrder && header.shape.count > 1 {
            bytes = Layout.fortranToC(bytes, shape: header.shape, elementSize: size)
        }
        return NumericArray(elementType: header.elementType, shape: header.shape, bytes: bytes)
    }

    /// What an `.npy` header says, checked against the file's length.
    struct Header {
        var elementType: ElementType
        var bigEndian: Bool
        var fortranOrder: Bool
        var shape: [Int]
        var dataOffset: Int
        var version: (UInt8, UInt8)
        var typeCode: String
        var byteCount: Int
        var shapeText: String { shape.isEmpty ? "()" : shape.map(String.init).joined(separator: "×") }
    }

    static func parseHeader(_ data: [UInt8], source: String) throws(FileFormatsError) -> Header {
        guard data.count >= 10, Array(data[0..<6]) == magic else {
            throw .malformed(path: source, reason: "not a .npy file (it does not start with \\x93NUMPY)")
        }
        let major = data[6], minor = data[7]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(data[8]) | Int(data[9]) << 8
            headerStart = 10
        case 2, 3:
            guard data.count >= 12 else { throw .malformed(path: source, reason: "truncated in the header") }
            headerLength = Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
            headerStart = 12
        default:
            throw .malformed(path: source, reason: "unsupported .npy version \(major).\(minor) (HSIFlow reads 1.0 to 3.0)")
        }
        guard headerLength <= data.count - headerStart else {
            throw .malformed(path: source, reason: "truncated: the header claims \(headerLength) bytes but the file ends before")
        }
        let headerBytes = data[headerStart ..< headerStart + headerLength]
        guard let text = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw .malformed(path: source, reason: "the header is not valid text")
        }
        let dict: [String: HeaderValue]
        var parser = HeaderParser(text)
        do throws(HeaderParseError) { dict = try parser.parseDictionary() } catch {
            throw .malformed(path: source, reason: "unreadable header (\(error.reason)): \(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(120))")
        }
        guard case .string(let descr)? = dict["descr"] else {
            throw .malformed(path: source, reason: "the header has no 'descr' string")
        }
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw .malformed(path: source, reason: "the header has no 'fortran_order' True/False")
        }
        guard case .tuple(let shape)? = dict["shape"] else {
            throw .malformed(path: source, reason: "the header has no 'shape' tuple")
        }
        let (type, bigEndian) = try elementType(descr, source: source)
        var count = 1
        for d in shape {
            guard d >= 0 else { throw .malformed(path: source, reason: "negative dimension \(d) in shape") }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= Int(Int32.max) * 8 else {
                throw .malformed(path: source, reason: "absurd shape \(shape): more elements than any file could hold")
            }
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: type.size)
        guard !overflow else { throw .malformed(path: source, reason: "absurd shape \(shape)") }
        return Header(elementType: type, bigEndian: bigEndian, fortranOrder: fortran, shape: shape,
                      dataOffset: headerStart + headerLength, version: (major, minor), typeCode: descr,
                      byteCount: bytes)
    }

    static func elementType(_ descr: String, source: String) throws(FileFormatsError) -> (ElementType, Bool) {
        let chars = Array(descr)
        guard chars.count >= 3 else { throw unsupported(descr, source) }
        let order = chars[0]
        let code = String(chars[1...])
        let type: ElementType
        switch code {
        case "u1": type = .uint8
        case "i1": type = .int8
        case "b1": type = .uint8
        case "u2": type = .uint16
        case "i2": type = .int16
        case "u4": type = .uint32
        case "i4": type = .int32
        case "u8": type = .uint64
        case "i8": type = .int64
        case "f4": type = .float32
        case "f8": type = .float64
        default: throw unsupported(descr, source)
        }
        switch order {
        case "<", "|": return (type, false)
        case ">": return (type, true)
        case "=": return (type, false) // native order; HSIFlow runs on little-endian machines
        default: throw unsupported(descr, source)
        }
    }

    static func unsupported(_ descr: String, _ source: String) -> FileFormatsError {
        .unexpectedContent(path: source, reason: "element type '\(descr)' is not supported; HSIFlow reads u1 i1 u2 i2 u4 i4 u8 i8 f4 f8 (convert with numpy: a.astype('<f4'))")
    }

    // MARK: - Writing

    /// Encodes an array as `.npy` bytes.
    public static func encode(_ array: NumericArray, options: WriteOptions = WriteOptions()) -> [UInt8] {
        let size = array.elementType.size
        let code: String
        switch array.elementType {
        case .uint8: code = "u1"
        case .int8: code = "i1"
        case .uint16: code = "u2"
        case .int16: code = "i2"
        case .uint32: code = "u4"
        case .int32: code = "i4"
        case .uint64: code = "u8"
        case .int64: code = "i8"
        case .float32: code = "f4"
        case .float64: code = "f8"
        }
        let order = size == 1 ? "|" : (options.bigEndian ? ">" : "<")
        let shapeText: String
        switch array.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(array.shape[0]),)"
        default: shapeText = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '\(order)\(code)', 'fortran_order': \(options.fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        var version = max(1, min(3, options.version))
        var prefix = 10
        if version == 1 && dict.utf8.count + 11 > 65535 { version = 2 }
        if version >= 2 { prefix = 12 }
        // Pad with spaces so the data starts on a 64-byte boundary; the header ends in '\n'.
        let unpadded = prefix + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let headerLength = dict.utf8.count
        var out = magic + [version, 0]
        if version == 1 {
            out += [UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)]
        } else {
            out += (0..<4).map { UInt8((headerLength >> (8 * $0)) & 0xFF) }
        }
        out += Array(dict.utf8)
        var body = array.bytes
        if options.fortranOrder && array.shape.count > 1 {
            body = Layout.cToFortran(body, shape: array.shape, elementSize: size)
        }
        if options.bigEndian && size > 1 {
            for start in stride(from: 0, to: body.count, by: size) { body[start ..< start + size].reverse() }
        }
        return out + body
    }

    /// Writes an array to `path` (atomically: a temporary file renamed into place).
    public static func write(_ array: NumericArray, to path: String, options: WriteOptions = WriteOptions()) throws(FileFormatsError) {
        try FileAccess.writeAtomically(encode(array, options: options), to: path)
    }
}

// MARK: - Header dictionary

/// A value in an .npy header dictionary.
enum HeaderValue: Equatable {
    case string(String)
    case bool(Bool)
    case tuple([Int])
}

struct HeaderParseError: Error { let reason: String }

/// Parses the Python literal of an .npy header: `{'key': value, ...}` with string, bool and int-tuple values.
struct HeaderParser {
    private let chars: [Character]
    private var i = 0

    init(_ text: String) { chars = Array(text) }

    mutating func parseDictionary() throws(HeaderParseError) -> [String: HeaderValue] {
        skipSpace()
        try expect("{")
        var result = [String: HeaderValue]()
        while true {
            skipSpace()
            if peek() == "}" { i += 1; break }
            let key = try parseString()
            skipSpace()
            try expect(":")
            skipSpace()
            result[key] = try parseValue()
            skipSpace()
            if peek() == "," { i += 1; continue }
            skipSpace()
            try expect("}")
            break
        }
        skipSpace()
        guard i == chars.count else { throw HeaderParseError(reason: "text after the dictionary") }
        return result
    }

    private mutating func parseValue() throws(HeaderParseError) -> HeaderValue {
        switch peek() {
        case "'", "\"": return .string(try parseString())
        case "(": return .tuple(try parseTuple())
        case "T": try expectWord("True"); return .bool(true)
        case "F": try expectWord("False"); return .bool(false)
        default: throw HeaderParseError(reason: "unexpected value at offset \(i)")
        }
    }

    private mutating func parseString() throws(HeaderParseError) -> String {
        guard let quote = peek(), quote == "'" || quote == "\"" else {
            throw HeaderParseError(reason: "expected a quoted string at offset \(i)")
        }
        i += 1
        var s = ""
        while let c = peek(), c != quote { s.append(c); i += 1 }
        guard peek() == quote else { throw HeaderParseError(reason: "unterminated string") }
        i += 1
        return s
    }

    private mutating func parseTuple() throws(HeaderParseError) -> [Int] {
        try expect("(")
        var values = [Int]()
        while true {
            skipSpace()
            if peek() == ")" { i += 1; return values }
            var digits = ""
            if peek() == "-" { digits.append("-"); i += 1 }
            while let c = peek(), c.isASCII, c.isNumber { digits.append(c); i += 1 }
            // Python 2 era files may write longs as 145L.
            if peek() == "L" { i += 1 }
            guard digits.count <= 19, let v = Int(digits) else { throw HeaderParseError(reason: "bad number in shape") }
            values.append(v)
            skipSpace()
            if peek() == "," { i += 1; continue }
            skipSpace()
            try expect(")")
            return values
        }
    }

    private func peek() -> Character? { i < chars.count ? chars[i] : nil }
    private mutating func skipSpace() { while let c = peek(), c.isWhitespace { i += 1 } }
    private mutating func expect(_ c: Character) throws(HeaderParseError) {
        guard peek() == c else { throw HeaderParseError(reason: "expected '\(c)' at offset \(i)") }
        i += 1
    }
    private mutating func expectWord(_ w: String) throws(HeaderParseError) {
        for c in w { try expect(c) }
    }
}
