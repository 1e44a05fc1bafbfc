// MatFile: MATLAB .mat files (v5, compressed or not, and v7.3/HDF5) through libmatio.
// v5 files are validated in Swift first (MatValidator); v7.3 files go through HDF5, whose
// sizes are checked against a limit before any data is read. The variable is found
// automatically (the only numeric variable of the wanted rank) or named by the caller.
import CHDF5
import CMatio
import Foundation
import Tensors

/// Reads numeric arrays out of MATLAB .mat files.
public enum MatFile {
    /// One variable in a .mat file.
    public struct Variable: Sendable, Equatable, Codable {
        public var name: String
        /// MATLAB class: double, single, int8 … uint64, logical, char, cell, struct, ….
        public var className: String
        public var shape: [Int]
        public var isComplex: Bool
        /// The element type HSIFlow reads it as, nil for non-numeric classes.
        public var elementType: ElementType?
    }

    /// What a .mat file holds.
    public struct Contents: Sendable, Equatable, Codable {
        /// "v5", "v5 (compressed)", or "v7.3 (HDF5)".
        public var format: String
        public var variables: [Variable]
    }

    /// The largest array HSIFlow reads from a .mat file (2³¹ elements).
    public static let maxElements = MatV5Validator.maxElements

    /// The variables of the file at `path`, after validating its structure. A v7.3 (HDF5) file is
    /// listed in the isolated reader (a child process).
    public static func contents(path: String) throws(FileFormatsError) -> Contents {
        if try isVersion73(path) {
            if SwiftHDF5Path.enabled, let fast = SwiftHDF5Path.mat(path: path, variable: nil, rank: nil, read: false) { return fast.contents }
            return try IsolatedReader.matContents(path: path)
        }
        return try contentsInProcess(path: path)
    }

    /// `contents` in this process (v5 files, and the isolated reader's own work).
    static func contentsInProcess(path: String) throws(FileFormatsError) -> Contents {
        let format = try validate(path)
        let variables = try withOpenFile(path) { mat throws(FileFormatsError) in
            var found: [Variable] = []
            while let info = Mat_VarReadNextInfo(mat) {
                defer { Mat_VarFree(info) }
                found.append(describe(info.pointee))
            }
            return found
        }
        return Contents(format: format, variables: variables)
    }

    /// Reads one numeric variable: `name`, or else the only real numeric variable of rank `rank`.
    public static func read(path: String, variable name: String? = nil, rank: Int? = nil) throws(FileFormatsError) -> (name: String, array: NumericArray) {
        let result = try readWithFormat(path: path, variable: name, rank: rank)
        return (result.name, result.array)
    }

    /// Like `read`, also returning the file's format; the file is validated and opened once. A v7.3
    /// (HDF5) file is read in the isolated reader (a child process).
    static func readWithFormat(path: String, variable name: String?, rank: Int?) throws(FileFormatsError) -> (name: String, array: NumericArray, format: String) {
        if try isVersion73(path) {
            if SwiftHDF5Path.enabled, let fast = SwiftHDF5Path.mat(path: path, variable: name, rank: rank, read: true),
               let variable = fast.variable, let array = fast.array {
                return (variable.name, array, fast.contents.format)
            }
            return try IsolatedReader.matArray(path: path, variable: name, rank: rank)
        }
        return try readInProcess(path: path, variable: name, rank: rank)
    }

    /// `readWithFormat` in this process (v5 files; benchmarks compare it with the isolated read).
    static func readInProcess(path: String, variable name: String?, rank: Int?) throws(FileFormatsError) -> (name: String, array: NumericArray, format: String) {
        let read = try readFortranOrder(path: path, variable: name, rank: rank)
        // MATLAB stores arrays column-major; HSIFlow keeps C order.
        let size = read.variable.elementType?.size ?? 1
        let cOrder = Layout.fortranToC(read.bytes, shape: read.variable.shape, elementSize: size)
        return (read.variable.name, NumericArray(elementType: read.variable.elementType ?? .uint8, shape: read.variable.shape, bytes: cOrder), read.format)
    }

    /// True when the file's 128-byte header says v7.3 (HDF5); anything else is left to `validate`.
    static func isVersion73(_ path: String) throws(FileFormatsError) -> Bool {
        let header = try FileAccess.readPrefix(path, count: 128)
        guard header.count == 128 else { return false }
        let version = UInt16(header[124]) | UInt16(header[125]) << 8
        return version == 0x0200 || version.byteSwapped == 0x0200
    }

    /// One variable's description and its bytes in the file's (column-major) order, in this process.
    /// With `rankFromListing` and no `name`, the rank is `inspectionRank` of the file's variables;
    /// the listing is returned too (`inspect` lists and reads with one validation and one open).
    static func readFortranOrder(path: String, variable name: String?, rank: Int?, rankFromListing: Bool = false) throws(FileFormatsError)
        -> (variable: Variable, bytes: [UInt8], format: String, listing: [Variable]) {
        let format = try validate(path)
        let (chosen, bytes, listing) = try withOpenFile(path) { mat throws(FileFormatsError) -> (Variable, [UInt8], [Variable]) in
            var variables: [Variable] = []
            while let info = Mat_VarReadNextInfo(mat) {
                variables.append(describe(info.pointee))
                Mat_VarFree(info)
            }
            let rank = rankFromListing && name == nil ? inspectionRank(variables) : rank
            let chosen = try choose(variables, name: name, rank: rank, path: path)
            guard let type = chosen.elementType, !chosen.isComplex else {
                throw .unexpectedContent(path: path, reason: "variable '\(chosen.name)' is \(chosen.isComplex ? "complex" : chosen.className), not a real numeric array")
            }
            guard let count = Tensor.checkedCount(of: chosen.shape) else {
                throw .malformed(path: path, reason: "variable '\(chosen.name)' has an impossible shape \(chosen.shape)")
            }
            guard count <= maxElements else {
                throw .unexpectedContent(path: path, reason: "variable '\(chosen.name)' has \(count) elements, more than HSIFlow reads (\(maxElements))")
            }
            try MemoryBudget.check(MemoryBudget.checkedBytes(chosen.shape, elementSize: type.size), "variable '\(chosen.name)' (\(chosen.shape))", path: path)
            guard let variable = Mat_VarRead(mat, chosen.name) else {
                throw .malformed(path: path, reason: "libmatio could not read variable '\(chosen.name)'\(MatioLog.lastMessageSuffix())")
            }
            defer { Mat_VarFree(variable) }
            let v = variable.pointee
            let shape = (0..<Int(v.rank)).map { Int(exactly: v.dims[$0]) ?? -1 }
            guard shape == chosen.shape, let data = v.data, Int(v.data_size) == type.size,
                  v.nbytes == count * type.size else {
                throw .malformed(path: path, reason: "variable '\(chosen.name)' changed between listing and reading, or its data is missing")
            }
            return (chosen, [UInt8](UnsafeRawBufferPointer(start: data, count: count * type.size)), variables)
        }
        return (chosen, bytes, format, listing)
    }

    /// The rank `inspect` reads when no variable is named: 3 if the file holds several real numeric
    /// variables and one of them is 3-D, 2 if several and none is, otherwise any (nil).
    static func inspectionRank(_ variables: [Variable]) -> Int? {
        let numeric = variables.filter { $0.elementType != nil && !$0.isComplex }
        guard numeric.count > 1 else { return nil }
        return numeric.contains { $0.shape.count == 3 } ? 3 : 2
    }

    /// The file's variables and one of them (`name`, or else chosen by `inspectionRank`), after one
    /// validation; a v7.3 (HDF5) file is listed and read by one isolated reader (one child process).
    public static func inspect(path: String, variable name: String?) throws(FileFormatsError)
        -> (contents: Contents, name: String, array: NumericArray, format: String) {
        if try isVersion73(path) {
            if SwiftHDF5Path.enabled, let fast = SwiftHDF5Path.mat(path: path, variable: name, rank: nil, read: true, rankFromListing: true),
               let variable = fast.variable, let array = fast.array {
                return (fast.contents, variable.name, array, fast.contents.format)
            }
            return try IsolatedReader.matInspection(path: path, variable: name)
        }
        let read = try readFortranOrder(path: path, variable: name, rank: nil, rankFromListing: true)
        let size = read.variable.elementType?.size ?? 1
        let cOrder = Layout.fortranToC(read.bytes, shape: read.variable.shape, elementSize: size)
        let array = NumericArray(elementType: read.variable.elementType ?? .uint8, shape: read.variable.shape, bytes: cOrder)
        return (Contents(format: read.format, variables: read.listing), read.variable.name, array, read.format)
    }

    /// Reads one variable in this process, handing the file to libmatio and libhdf5 whatever its
    /// version: only for files HSIFlow wrote itself and for the benchmark that compares this with
    /// the isolated read (bench-readers). Untrusted files go through `read`.
    public static func readInThisProcess(path: String, variable name: String? = nil, rank: Int? = nil) throws(FileFormatsError) -> (name: String, array: NumericArray) {
        let result = try readInProcess(path: path, variable: name, rank: rank)
        return (result.name, result.array)
    }

    /// Picks the variable to read and explains the choice when it is ambiguous.
    static func choose(_ variables: [Variable], name: String?, rank: Int?, path: String) throws(FileFormatsError) -> Variable {
        let listing = variables.map { "\($0.name) (\($0.className) \($0.shape.map(String.init).joined(separator: "×")))" }
            .joined(separator: ", ")
        if let name {
            guard let v = variables.first(where: { $0.name == name }) else {
                throw .unexpectedContent(path: path, reason: "no variable '\(name)'; the file holds: \(listing.isEmpty ? "nothing" : listing)")
            }
            return v
        }
        let numeric = variables.filter { $0.elementType != nil && !$0.isComplex }
        let candidates = rank.map { r in numeric.filter { $0.shape.count == r } } ?? numeric
        if candidates.count == 1 { return candidates[0] }
        let wanted = rank.map { "\($0)-D " } ?? ""
        if candidates.isEmpty {
            throw .unexpectedContent(path: path, reason: "no real numeric \(wanted)variable; the file holds: \(listing.isEmpty ? "nothing" : listing)")
        }
        throw .unexpectedContent(path: path, reason: "several \(wanted)numeric variables (\(candidates.map(\.name).joined(separator: ", "))); name the one to use")
    }

    // MARK: - Validation and libmatio

    /// Checks the file before libmatio opens it; returns its format name.
    static func validate(_ path: String) throws(FileFormatsError) -> String {
        let bytes = try FileAccess.readAll(path)
        guard bytes.count >= 128 else {
            throw .malformed(path: path, reason: "only \(bytes.count) bytes; a MAT-file starts with a 128-byte header")
        }
        let version = UInt16(bytes[124]) | UInt16(bytes[125]) << 8
        let headerText = String(decoding: bytes[0..<116].prefix { $0 != 0 }, as: UTF8.self)
        guard headerText.hasPrefix("MATLAB") else {
            throw .malformed(path: path, reason: "not a MATLAB v5 or v7.3 MAT-file (no 'MATLAB' header text); v4 files are not supported")
        }
        let bigEndianVersion = version.byteSwapped
        if version == 0x0200 || bigEndianVersion == 0x0200 {
            if let problem = v73HeaderProblem(bytes) { throw .malformed(path: path, reason: problem) }
            try HDF5HeapValidator.check(bytes, path: path)
            return "v7.3 (HDF5)"
        }
        guard version == 0x0100 || bigEndianVersion == 0x0100 else {
            throw .malformed(path: path, reason: "unknown MAT-file version 0x\(String(version, radix: 16))")
        }
        do {
            let validator = try MatV5Validator(bytes: bytes)
            let summaries = try validator.validate()
            let compressed = hasCompressedElement(bytes, bigEndian: validator.bigEndian)
            _ = summaries
            return compressed ? "v5 (compressed)" : "v5"
        } catch {
            throw .malformed(path: path, reason: error.reason)
        }
    }

    /// What is wrong with the start of a v7.3 file (its 128-byte header and the HDF5 data at byte
    /// 512), nil when nothing is; the Swift reader's fast path and `validate` share this check.
    static func v73HeaderProblem(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 128 else { return "only \(bytes.count) bytes; a MAT-file starts with a 128-byte header" }
        guard String(decoding: bytes[0..<116].prefix { $0 != 0 }, as: UTF8.self).hasPrefix("MATLAB") else {
            return "not a MATLAB v5 or v7.3 MAT-file (no 'MATLAB' header text); v4 files are not supported"
        }
        guard bytes.count > 520, bytes[512..<520].elementsEqual(HDF5Parser.signature) else {
            return "a v7.3 header but no HDF5 data at byte 512 (truncated or not a v7.3 file)"
        }
        return nil
    }

    private static func hasCompressedElement(_ bytes: [UInt8], bigEndian: Bool) -> Bool {
        guard bytes.count >= 136 else { return false }
        var t = UInt32(bytes[128]) | UInt32(bytes[129]) << 8 | UInt32(bytes[130]) << 16 | UInt32(bytes[131]) << 24
        if bigEndian { t = t.byteSwapped }
        return t == MatV5Validator.miCOMPRESSED
    }

    /// Opens the file read-only with libmatio for the duration of `body`.
    static func withOpenFile<T>(_ path: String, _ body: (OpaquePointer) throws(FileFormatsError) -> T) throws(FileFormatsError) -> T {
        try NativeLibraries.serialized { () throws(FileFormatsError) -> T in
            MatioLog.install()
            hsf_silence_errors()
            guard let mat = Mat_Open(path, Int32(MAT_ACC_RDONLY.rawValue)) else {
                hsf_close_all_open_objects()
                throw .malformed(path: path, reason: "libmatio could not open it\(MatioLog.lastMessageSuffix())")
            }
            do throws(FileFormatsError) {
                let result = try body(mat)
                Mat_Close(mat)
                return result
            } catch {
                Mat_Close(mat)
                hsf_close_all_open_objects()
                throw error
            }
        }
    }

    static func describe(_ v: matvar_t) -> Variable {
        let name = v.name.map { String(cString: $0) } ?? ""
        let shape = v.dims == nil ? [] : (0..<Int(v.rank)).map { Int(exactly: v.dims[$0]) ?? -1 }
        let (className, type) = classInfo(v.class_type, logical: v.isLogical != 0)
        return Variable(name: name, className: className, shape: shape, isComplex: v.isComplex != 0, elementType: type)
    }

    static func classInfo(_ c: matio_classes, logical: Bool) -> (String, ElementType?) {
        switch c {
        case MAT_C_DOUBLE: return ("double", .float64)
        case MAT_C_SINGLE: return ("single", .float32)
        case MAT_C_INT8: return ("int8", .int8)
        case MAT_C_UINT8: return (logical ? "logical" : "uint8", .uint8)
        case MAT_C_INT16: return ("int16", .int16)
        case MAT_C_UINT16: return ("uint16", .uint16)
        case MAT_C_INT32: return ("int32", .int32)
        case MAT_C_UINT32: return ("uint32", .uint32)
        case MAT_C_INT64: return ("int64", .int64)
        case MAT_C_UINT64: return ("uint64", .uint64)
        case MAT_C_CHAR: return ("char", nil)
        case MAT_C_CELL: return ("cell", nil)
        case MAT_C_STRUCT: return ("struct", nil)
        case MAT_C_SPARSE: return ("sparse", nil)
        case MAT_C_OBJECT: return ("object", nil)
        case MAT_C_FUNCTION: return ("function", nil)
        default: return ("other", nil)
        }
    }
}

/// Routes libmatio's log lines into memory (instead of stderr) so errors can quote them.
enum MatioLog {
    nonisolated(unsafe) private static var last: String?
    private static let lock = NSLock()
    private static let installOnce: Void = {
        hsf_silence_errors() // HDF5 (used by libmatio for v7.3) prints error stacks otherwise
        Mat_LogInitFunc("hsiflow") { _, message in
            guard let message else { return }
            MatioLog.lock.lock()
            MatioLog.last = String(cString: message)
            MatioLog.lock.unlock()
        }
    }()

    static func install() { _ = installOnce }

    /// ": <libmatio's last message>" or "".
    static func lastMessageSuffix() -> String {
        lock.lock()
        defer { last = nil; lock.unlock() }
        return last.map { ": \($0)" } ?? ""
    }
}
