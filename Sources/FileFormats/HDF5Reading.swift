// HDF5Reading: what decoding a model file asks of an HDF5 file, answered the same way by libhdf5
// (HDF5File: HSIFlow's own bytes and the isolated child) and by the Swift reader (HDF5Parser: the
// in-process fast path for untrusted files). ModelFile and QuantizedModelFile decode through it,
// so both readers run one decoding and can only differ in how they parse HDF5.
import CHDF5
import Foundation

protocol HDF5Reading {
    associatedtype Object
    /// The file's name in error messages.
    var path: String { get }
    var rootObject: Object { get }
    /// True when `name` (a '/'-separated path below `parent`) names an existing object.
    func exists(_ parent: Object, _ name: String) -> Bool
    func openGroup(_ parent: Object, _ name: String) throws(FileFormatsError) -> Object
    func hasAttribute(_ object: Object, _ name: String) -> Bool
    /// The strings of a string attribute (a scalar gives one; an empty numeric array gives []); nil when absent.
    func strings(_ object: Object, _ name: String) throws(FileFormatsError) -> [String]?
    /// The shape and Float32 values of the floating-point dataset `name` below `parent`.
    func floats(_ parent: Object, _ name: String) throws(FileFormatsError) -> (shape: [Int], values: [Float])
    /// The shape and values of the integer dataset `name` below `parent`, whose elements fit `T`.
    func integers<T: HDF5Integer>(_ parent: Object, _ name: String, as type: T.Type) throws(FileFormatsError) -> ([Int], [T])
}

extension HDF5Reading {
    /// A scalar string attribute, nil when absent.
    func string(_ object: Object, _ name: String) throws(FileFormatsError) -> String? {
        guard let all = try strings(object, name) else { return nil }
        guard all.count == 1 else {
            throw .unexpectedContent(path: path, reason: "attribute '\(name)' should hold one string, it holds \(all.count)")
        }
        return all[0]
    }
}

/// The integer element types model files hold, with their native libhdf5 types.
protocol HDF5Integer: FixedWidthInteger {
    static var hdf5NativeType: hid_t { get }
}

extension Int8: HDF5Integer { static var hdf5NativeType: hid_t { hsf_native_int8() } }
extension UInt8: HDF5Integer { static var hdf5NativeType: hid_t { hsf_native_uint8() } }
extension Int32: HDF5Integer { static var hdf5NativeType: hid_t { hsf_native_int32() } }

extension HDF5File: HDF5Reading {
    var rootObject: HDF5Handle { file }

    func integers<T: HDF5Integer>(_ parent: HDF5Handle, _ name: String, as type: T.Type) throws(FileFormatsError) -> ([Int], [T]) {
        try readIntegers(parent, name, type: T.hdf5NativeType)
    }
}

extension HDF5Parser: HDF5Reading {
    var rootObject: Object { root }

    func exists(_ parent: Object, _ name: String) -> Bool {
        do throws(Refusal) { return try lookup(parent, name) != nil } catch {
            record(error)
            return false
        }
    }

    func openGroup(_ parent: Object, _ name: String) throws(FileFormatsError) -> Object {
        let found = try guarded { () throws(Refusal) in try lookup(parent, name) }
        guard let group = found else { throw .unexpectedContent(path: path, reason: "group '\(name)' is missing") }
        guard group.first(.layout) == nil else { throw .malformed(path: path, reason: "'\(name)' is not a readable group") }
        return group
    }

    func hasAttribute(_ object: Object, _ name: String) -> Bool {
        do throws(Refusal) { return try attributes(of: object).contains { $0.name == name } } catch {
            record(error)
            return false
        }
    }

    func strings(_ object: Object, _ name: String) throws(FileFormatsError) -> [String]? {
        try guarded { () throws(Refusal) -> [String]? in
            guard let attribute = try attributes(of: object).first(where: { $0.name == name }) else { return nil }
            if attribute.space.points == 0 { return [] }
            return try strings(attribute)
        }
    }

    func floats(_ parent: Object, _ name: String) throws(FileFormatsError) -> (shape: [Int], values: [Float]) {
        let (type, shape, raw) = try typedDataset(parent, name, missing: "weight dataset '\(name)' is missing")
        guard type.kind == .float else { throw .unexpectedContent(path: path, reason: "weight dataset '\(name)' is not floating point") }
        let count = raw.count / type.size
        var values = [Float](repeating: 0, count: count)
        raw.withUnsafeBytes { from in
            values.withUnsafeMutableBufferPointer { to in
                for i in 0 ..< count {
                    if type.size == 4 {
                        let bits = from.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                        to[i] = Float(bitPattern: type.bigEndian ? bits.byteSwapped : bits)
                    } else {
                        let bits = from.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                        to[i] = Float(Double(bitPattern: type.bigEndian ? bits.byteSwapped : bits))
                    }
                }
            }
        }
        return (shape, values)
    }

    func integers<T: HDF5Integer>(_ parent: Object, _ name: String, as type: T.Type) throws(FileFormatsError) -> ([Int], [T]) {
        let (stored, shape, raw) = try typedDataset(parent, name, missing: "dataset '\(name)' is missing")
        guard case .integer(let signed) = stored.kind, stored.size <= MemoryLayout<T>.size, signed == T.isSigned else {
            throw .unexpectedContent(path: path, reason: "dataset '\(name)' should hold \(MemoryLayout<T>.size)-byte integers")
        }
        let size = stored.size
        let values = (0 ..< raw.count / size).map { i -> T in
            var bits: UInt64 = 0
            for b in 0 ..< size {
                let byte = UInt64(raw[raw.startIndex + i * size + (stored.bigEndian ? size - 1 - b : b)])
                bits |= byte << UInt64(8 * b)
            }
            if signed, size < 8, bits & (1 << UInt64(8 * size - 1)) != 0 { bits |= ~((1 << UInt64(8 * size)) - 1) }
            return T(truncatingIfNeeded: bits)
        }
        return (shape, values)
    }

    /// A dataset's type, shape (rank ≤ 8, under 2³¹ elements, as HDF5File checks) and raw bytes.
    private func typedDataset(_ parent: Object, _ name: String, missing: String) throws(FileFormatsError) -> (Datatype, [Int], ArraySlice<UInt8>) {
        let found = try guarded { () throws(Refusal) in try lookup(parent, name) }
        guard let object = found else { throw .unexpectedContent(path: path, reason: missing) }
        let (type, shape, raw) = try guarded { () throws(Refusal) in try dataset(object, what: name) }
        guard shape.count <= 8, raw.count / type.size < 1 << 31 else {
            throw .malformed(path: path, reason: "'\(name)' is implausibly large (\(shape))")
        }
        guard MemoryBudget.checkedBytes(shape, elementSize: type.size) == raw.count else {
            throw .malformed(path: path, reason: "the Swift HDF5 reader refuses it: '\(name)' has no data for its shape")
        }
        return (type, shape, raw)
    }
}
