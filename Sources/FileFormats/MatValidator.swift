// MatValidator: walks a MATLAB v5 file's element tree in Swift before libmatio sees it.
// libmatio is C and trusts sizes it reads; this pass checks every tag against the bytes
// that exist (inflating compressed variables with a bounded zlib stream), so a truncated,
// corrupt or lying file is refused with a message instead of crashing the process.
import CZlib

/// What the validator learned about one top-level variable.
struct MatVariableSummary: Equatable {
    var name: String
    var classCode: UInt8
    var shape: [Int]
    var isComplex: Bool
    var isLogical: Bool
}

struct MatValidationError: Error { let reason: String }

/// Validates the structure of a MATLAB Level 5 MAT-file held in memory.
struct MatV5Validator {
    // MAT-file data types (MATLAB "MAT-File Format", table 1-1).
    static let miINT8: UInt32 = 1, miUINT8: UInt32 = 2, miINT16: UInt32 = 3, miUINT16: UInt32 = 4
    static let miINT32: UInt32 = 5, miUINT32: UInt32 = 6, miSINGLE: UInt32 = 7, miDOUBLE: UInt32 = 9
    static let miINT64: UInt32 = 12, miUINT64: UInt32 = 13, miMATRIX: UInt32 = 14, miCOMPRESSED: UInt32 = 15
    static let miUTF8: UInt32 = 16, miUTF16: UInt32 = 17, miUTF32: UInt32 = 18

    /// The most elements one array may claim (2³¹: 8 GiB of Float32), far above any hyperspectral scene.
    static let maxElements = 1 << 31
    /// The most bytes a compressed variable may inflate to (the memory budget lowers it further).
    static let maxInflated = 1 << 34
    static let maxDepth = 16

    let bytes: [UInt8]
    /// True when the file was written big-endian ('MI' indicator).
    let bigEndian: Bool

    init(bytes: [UInt8]) throws(MatValidationError) {
        guard bytes.count >= 128 else { throw MatValidationError(reason: "shorter than the 128-byte MAT-file header") }
        let indicator = (bytes[126], bytes[127])
        switch indicator {
        case (UInt8(ascii: "I"), UInt8(ascii: "M")): bigEndian = false
        case (UInt8(ascii: "M"), UInt8(ascii: "I")): bigEndian = true
        default: throw MatValidationError(reason: "no MATLAB v5 endian indicator at bytes 126–127")
        }
        self.bytes = bytes
    }

    /// Every top-level variable, after checking the whole element tree.
    func validate() throws(MatValidationError) -> [MatVariableSummary] {
        var result: [MatVariableSummary] = []
        var offset = 128
        while offset < bytes.count {
            // MATLAB may leave a few zero bytes of padding at the end.
            if bytes.count - offset < 8 {
                guard bytes[offset...].allSatisfy({ $0 == 0 }) else {
                    throw MatValidationError(reason: "truncated element tag at byte \(offset)")
                }
                break
            }
            let tag = try readTag(bytes, at: offset, limit: bytes.count)
            guard !tag.small else { throw MatValidationError(reason: "unexpected small element at top level, byte \(offset)") }
            let end = tag.dataStart + tag.size
            switch tag.type {
            case Self.miCOMPRESSED:
                let inner = try inflate(bytes[tag.dataStart ..< end], at: offset)
                let innerTag = try readTag(inner, at: 0, limit: inner.count)
                guard innerTag.type == Self.miMATRIX else {
                    throw MatValidationError(reason: "compressed element at byte \(offset) does not hold a matrix (type \(innerTag.type))")
                }
                guard let summary = try validateMatrix(inner, start: innerTag.dataStart,
                                                       end: innerTag.dataStart + innerTag.size, depth: 0) else {
                    throw MatValidationError(reason: "empty top-level variable at byte \(offset)")
                }
                result.append(summary)
                offset = end
            case Self.miMATRIX:
                guard let summary = try validateMatrix(bytes, start: tag.dataStart, end: end, depth: 0) else {
                    throw MatValidationError(reason: "empty top-level variable at byte \(offset)")
                }
                result.append(summary)
                offset = end + padding(tag.size)
            default:
                throw MatValidationError(reason: "top-level element at byte \(offset) has type \(tag.type); a MAT-file holds only matrices")
            }
        }
        return result
    }

    // MARK: - Tags

    struct Tag { var type: UInt32; var size: Int; var dataStart: Int; var small: Bool }

    func u32(_ buffer: [UInt8], _ o: Int) -> UInt32 {
        let v = UInt32(buffer[o]) | UInt32(buffer[o + 1]) << 8 | UInt32(buffer[o + 2]) << 16 | UInt32(buffer[o + 3]) << 24
        return bigEndian ? v.byteSwapped : v
    }

    func i32(_ buffer: [UInt8], _ o: Int) -> Int32 { Int32(bitPattern: u32(buffer, o)) }

    func readTag(_ buffer: [UInt8], at o: Int, limit: Int) throws(MatValidationError) -> Tag {
        guard o + 8 <= limit else { throw MatValidationError(reason: "truncated element tag at byte \(o)") }
        let first = u32(buffer, o)
        if first >> 16 != 0 {
            // Small data element: type and size packed into 4 bytes, up to 4 data bytes follow.
            let size = Int(first >> 16)
            guard size <= 4 else { throw MatValidationError(reason: "small element at byte \(o) claims \(size) bytes (at most 4)") }
            return Tag(type: first & 0xFFFF, size: size, dataStart: o + 4, small: true)
        }
        let size = Int(u32(buffer, o + 4))
        guard size <= limit - (o + 8) else {
            throw MatValidationError(reason: "element at byte \(o) claims \(size) bytes but only \(limit - o - 8) remain (truncated or corrupt)")
        }
        return Tag(type: first, size: size, dataStart: o + 8, small: false)
    }

    func padding(_ size: Int) -> Int { (8 - size % 8) % 8 }

    /// Offset of the element after `tag` within a matrix (sub-elements are 8-byte aligned).
    func next(after tag: Tag) -> Int {
        tag.small ? tag.dataStart + 4 : tag.dataStart + tag.size + padding(tag.size)
    }

    static func elementSize(_ type: UInt32) -> Int? {
        switch type {
        case miINT8, miUINT8, miUTF8: return 1
        case miINT16, miUINT16, miUTF16: return 2
        case miINT32, miUINT32, miSINGLE, miUTF32: return 4
        case miDOUBLE, miINT64, miUINT64: return 8
        default: return nil
        }
    }

    // MARK: - Matrices

    /// Checks one miMATRIX body in `buffer[start..<end]`; nil for an empty (size 0) matrix.
    func validateMatrix(_ buffer: [UInt8], start: Int, end: Int, depth: Int) throws(MatValidationError) -> MatVariableSummary? {
        guard depth <= Self.maxDepth else { throw MatValidationError(reason: "cells or structs nested deeper than \(Self.maxDepth)") }
        if start == end { return nil }
        // Array flags.
        let flagsTag = try readTag(buffer, at: start, limit: end)
        guard flagsTag.type == Self.miUINT32, flagsTag.size == 8, !flagsTag.small else {
            throw MatValidationError(reason: "matrix at byte \(start) has no array-flags element")
        }
        let flags = u32(buffer, flagsTag.dataStart)
        let classCode = UInt8(flags & 0xFF)
        let isComplex = flags & 0x0800 != 0, isLogical = flags & 0x0200 != 0
        // Dimensions.
        var o = next(after: flagsTag)
        let dimsTag = try readTag(buffer, at: o, limit: end)
        guard dimsTag.type == Self.miINT32, dimsTag.size % 4 == 0, dimsTag.size >= 8 else {
            throw MatValidationError(reason: "matrix at byte \(start) has no valid dimensions element")
        }
        var shape: [Int] = []
        var count = 1
        for k in 0..<(dimsTag.size / 4) {
            let d = Int(i32(buffer, dimsTag.dataStart + 4 * k))
            guard d >= 0 else { throw MatValidationError(reason: "negative dimension \(d)") }
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p <= Self.maxElements else {
                throw MatValidationError(reason: "absurd dimensions (more than \(Self.maxElements) elements)")
            }
            count = p
            shape.append(d)
        }
        // Name.
        o = next(after: dimsTag)
        let nameTag = try readTag(buffer, at: o, limit: end)
        guard nameTag.type == Self.miINT8 || nameTag.type == Self.miUINT8 else {
            throw MatValidationError(reason: "matrix at byte \(start) has no name element")
        }
        let nameBytes = buffer[nameTag.dataStart ..< nameTag.dataStart + nameTag.size]
        let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
        o = next(after: nameTag)

        switch classCode {
        case 6...15: // numeric classes
            o = try checkNumericPart(buffer, at: o, end: end, count: count, what: "real part of '\(name)'")
            if isComplex {
                o = try checkNumericPart(buffer, at: o, end: end, count: count, what: "imaginary part of '\(name)'")
            }
        case 4: // char
            let tag = try readTag(buffer, at: o, limit: end)
            o = next(after: tag)
        case 5: // sparse: ir, jc, pr (and pi)
            for _ in 0..<(isComplex ? 4 : 3) {
                let tag = try readTag(buffer, at: o, limit: end)
                o = next(after: tag)
            }
        case 1: // cell: one matrix per element
            for _ in 0..<count {
                o = try checkChildMatrix(buffer, at: o, end: end, depth: depth)
            }
        case 2, 3: // struct, object
            if classCode == 3 {
                let classNameTag = try readTag(buffer, at: o, limit: end)
                o = next(after: classNameTag)
            }
            let lengthTag = try readTag(buffer, at: o, limit: end)
            guard lengthTag.size == 4 else { throw MatValidationError(reason: "struct '\(name)' has a bad field-name length") }
            let fieldLength = Int(i32(buffer, lengthTag.dataStart))
            o = next(after: lengthTag)
            let namesTag = try readTag(buffer, at: o, limit: end)
            guard fieldLength > 0, namesTag.size % fieldLength == 0 else {
                throw MatValidationError(reason: "struct '\(name)' has inconsistent field names")
            }
            o = next(after: namesTag)
            let fields = namesTag.size / fieldLength
            let (children, overflow) = count.multipliedReportingOverflow(by: fields)
            guard !overflow, children <= (end - o) / 8 + 1 else {
                throw MatValidationError(reason: "struct '\(name)' claims more fields than the file holds")
            }
            for _ in 0..<children { o = try checkChildMatrix(buffer, at: o, end: end, depth: depth) }
        default:
            // Function handles and opaque objects: bounds were checked by the tag; contents are skipped.
            o = end
        }
        guard o <= end + 7 else { throw MatValidationError(reason: "variable '\(name)' overruns its element") }
        return MatVariableSummary(name: name, classCode: classCode, shape: shape, isComplex: isComplex, isLogical: isLogical)
    }

    private func checkNumericPart(_ buffer: [UInt8], at o: Int, end: Int, count: Int, what: String) throws(MatValidationError) -> Int {
        let tag = try readTag(buffer, at: o, limit: end)
        guard let size = Self.elementSize(tag.type), tag.type != Self.miUTF8, tag.type != Self.miUTF16, tag.type != Self.miUTF32 else {
            throw MatValidationError(reason: "\(what) has non-numeric type \(tag.type)")
        }
        guard tag.size == count * size else {
            throw MatValidationError(reason: "\(what) holds \(tag.size) bytes but its dimensions need \(count * size)")
        }
        return next(after: tag)
    }

    private func checkChildMatrix(_ buffer: [UInt8], at o: Int, end: Int, depth: Int) throws(MatValidationError) -> Int {
        let tag = try readTag(buffer, at: o, limit: end)
        guard tag.type == Self.miMATRIX, !tag.small else {
            throw MatValidationError(reason: "expected a matrix element inside a cell or struct at byte \(o)")
        }
        _ = try validateMatrix(buffer, start: tag.dataStart, end: tag.dataStart + tag.size, depth: depth + 1)
        return next(after: tag)
    }

    // MARK: - Compression

    /// Inflates one miCOMPRESSED payload, refusing output beyond what its inner tag declares.
    func inflate(_ compressed: ArraySlice<UInt8>, at offset: Int) throws(MatValidationError) -> [UInt8] {
        var stream = z_stream()
        guard hsf_inflateInit(&stream) == Z_OK else { throw MatValidationError(reason: "zlib could not start") }
        defer { inflateEnd(&stream) }
        var input = Array(compressed)
        var header = [UInt8](repeating: 0, count: 8)
        var status: Int32 = Z_OK
        let failure: MatValidationError? = input.withUnsafeMutableBufferPointer { inBuf -> MatValidationError? in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            header.withUnsafeMutableBufferPointer { h in
                stream.next_out = h.baseAddress
                stream.avail_out = 8
                while stream.avail_out > 0 {
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    if status != Z_OK { break }
                }
            }
            if stream.avail_out > 0 {
                return MatValidationError(reason: "compressed variable at byte \(offset) is corrupt or truncated (zlib status \(status))")
            }
            return nil
        }
        if let failure { throw failure }
        // Total inflated size from the inner tag.
        let first = u32(header, 0)
        let declared = first >> 16 != 0 ? 8 : 8 + Int(u32(header, 4))
        guard declared <= Self.maxInflated, declared <= MemoryBudget.bytes else {
            throw MatValidationError(reason: "compressed variable at byte \(offset) claims \(declared) bytes uncompressed, over the budget; \(MemoryBudget.raiseHint)")
        }
        // Inflate in 1 MiB steps, so memory follows what the stream really holds (a header that
        // claims 4 GiB over a few bytes of data costs nothing), never past the declared size.
        var output = header
        output.reserveCapacity(min(declared, 1 << 24))
        let consumed = input.count - Int(stream.avail_in)
        var rest = Array(input[consumed...])
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var longer = false
        rest.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            while status == Z_OK {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard output.count + produced <= declared else { longer = true; return }
                output.append(contentsOf: chunk[0..<produced])
                if produced == 0 && status == Z_OK { status = Z_BUF_ERROR } // no progress: truncated
            }
        }
        guard !longer else {
            throw MatValidationError(reason: "compressed variable at byte \(offset) inflates to more than the \(declared) bytes it declares")
        }
        guard status == Z_STREAM_END, output.count == declared else {
            throw MatValidationError(reason: "compressed variable at byte \(offset) is corrupt, truncated or longer than declared (zlib status \(status))")
        }
        return output
    }
}
