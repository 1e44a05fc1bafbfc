// FlatBufferBuilder: a small FlatBuffers writer — scalars, strings, vectors and tables with their
// vtables, every value aligned to its size — and FlatBufferReader, the few reads the tests and
// `inspect` need. Built back to front as FlatBuffers are: children before parents, so every
// reference points forward. No vtable sharing (files are a little larger, never different in meaning).
//
// Layout (front to back, as read): [root uoffset][file id] … [vtable][table: soffset to vtable, fields] …
// A reference field holds (target − field position); a table's first word holds (table − vtable).
import Foundation

/// A position in a finished buffer, counted from its end (FlatBuffers' back-to-front offsets).
public struct FlatBufferOffset: Sendable, Hashable {
    public let fromEnd: UInt32
}

/// Writes one FlatBuffer. Values are prepended; `finished` returns the bytes front to back.
public struct FlatBufferBuilder {
    /// The bytes written so far, last byte of the buffer first (so prepending is appending).
    private var reversed: [UInt8] = []
    /// The largest alignment any value needed; the finished size is a multiple of it.
    private var minAlignment = 1
    /// The open table: its start (size when it began) and (field id, offset of its value).
    private var table: (start: Int, fields: [(id: Int, at: Int)])?

    public init() {}

    /// Bytes written so far.
    public var size: Int { reversed.count }

    // MARK: - Alignment and raw values

    /// Pads so that after `additional` more bytes the next value of `alignment` bytes is aligned.
    public mutating func prepare(alignment: Int, additional: Int) {
        minAlignment = max(minAlignment, alignment)
        let padding = (alignment - (reversed.count + additional) % alignment) % alignment
        reversed.append(contentsOf: repeatElement(0, count: padding))
    }

    /// Prepends `value` little-endian (its most significant byte first into `reversed`).
    private mutating func putRaw<T: FixedWidthInteger>(_ value: T) {
        let width = MemoryLayout<T>.size
        let bits = UInt64(truncatingIfNeeded: value)
        for i in stride(from: width - 1, through: 0, by: -1) { reversed.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
    }

    /// Prepends an aligned integer; returns its offset.
    @discardableResult
    public mutating func add<T: FixedWidthInteger>(_ value: T) -> FlatBufferOffset {
        prepare(alignment: MemoryLayout<T>.size, additional: 0)
        putRaw(value)
        return FlatBufferOffset(fromEnd: UInt32(reversed.count))
    }

    /// Prepends an aligned Float32.
    @discardableResult
    public mutating func add(_ value: Float) -> FlatBufferOffset { add(value.bitPattern) }

    /// Prepends a reference to `target` (uoffset: target − this field's position).
    @discardableResult
    public mutating func addReference(to target: FlatBufferOffset) -> FlatBufferOffset {
        prepare(alignment: 4, additional: 0)
        precondition(Int(target.fromEnd) <= reversed.count, "a reference must point at something already written")
        putRaw(UInt32(reversed.count + 4) - target.fromEnd)
        return FlatBufferOffset(fromEnd: UInt32(reversed.count))
    }

    // MARK: - Strings and vectors

    /// A UTF-8 string: length, bytes, a terminating NUL.
    public mutating func createString(_ text: String) -> FlatBufferOffset {
        let bytes = Array(text.utf8)
        prepare(alignment: 4, additional: bytes.count + 1)
        reversed.append(0)
        reversed.append(contentsOf: bytes.reversed())
        putRaw(UInt32(bytes.count))
        return FlatBufferOffset(fromEnd: UInt32(reversed.count))
    }

    /// A vector of integers; `alignment` may ask for more than the element size (TFLite buffers: 16).
    public mutating func createVector<T: FixedWidthInteger>(_ values: [T], alignment: Int? = nil) -> FlatBufferOffset {
        let width = MemoryLayout<T>.size
        prepare(alignment: 4, additional: values.count * width)
        prepare(alignment: max(alignment ?? width, width), additional: values.count * width)
        for v in values.reversed() { putRaw(v) }
        putRaw(UInt32(values.count))
        return FlatBufferOffset(fromEnd: UInt32(reversed.count))
    }

    /// A vector of Float32.
    public mutating func createVector(_ values: [Float]) -> FlatBufferOffset {
        createVector(values.map(\.bitPattern))
    }

    /// A vector of raw bytes, aligned to `alignment`.
    public mutating func createBytes(_ bytes: [UInt8], alignment: Int = 1) -> FlatBufferOffset {
        createVector(bytes, alignment: alignment)
    }

    /// A vector of references (tables or strings), in order.
    public mutating func createVector(of references: [FlatBufferOffset]) -> FlatBufferOffset {
        prepare(alignment: 4, additional: references.count * 4)
        for r in references.reversed() { addReference(to: r) }
        putRaw(UInt32(references.count))
        return FlatBufferOffset(fromEnd: UInt32(reversed.count))
    }

    // MARK: - Tables

    /// Opens a table; add its fields, then `endTable`. Children must be written before.
    public mutating func startTable() {
        precondition(table == nil, "tables cannot nest while being built: write the child first")
        table = (reversed.count, [])
    }

    /// Adds an integer field (omitted when it equals the schema default, as FlatBuffers does).
    public mutating func addField<T: FixedWidthInteger>(_ id: Int, _ value: T, default defaultValue: T = 0) {
        guard value != defaultValue else { return }
        let at = add(value)
        table?.fields.append((id, Int(at.fromEnd)))
    }

    /// Adds a Float32 field.
    public mutating func addField(_ id: Int, _ value: Float, default defaultValue: Float = 0) {
        guard value != defaultValue else { return }
        let at = add(value)
        table?.fields.append((id, Int(at.fromEnd)))
    }

    /// Adds a boolean field (one byte).
    public mutating func addField(_ id: Int, _ value: Bool) {
        addField(id, UInt8(value ? 1 : 0))
    }

    /// Adds a reference field (a string, vector or table written before).
    public mutating func addField(_ id: Int, reference: FlatBufferOffset) {
        let at = addReference(to: reference)
        table?.fields.append((id, Int(at.fromEnd)))
    }

    /// Closes the table: writes its soffset and its vtable, and returns the table's offset.
    public mutating func endTable() -> FlatBufferOffset {
        guard let open = table else { preconditionFailure("endTable without startTable") }
        table = nil
        // The table starts with an soffset to its vtable, patched below.
        let object = add(Int32(0))
        let objectEnd = Int(object.fromEnd)
        let slots = (open.fields.map(\.id).max() ?? -1) + 1
        var entries = [UInt16](repeating: 0, count: slots)
        for f in open.fields { entries[f.id] = UInt16(objectEnd - f.at) }
        // vtable: [its size][the table's inline size][field offsets…], u16 each.
        let vtable = [UInt16(4 + 2 * slots), UInt16(objectEnd - open.start)] + entries
        for e in vtable.reversed() { putRaw(e) }
        let vtableEnd = reversed.count
        // soffset = table position − vtable position = vtableEnd − objectEnd (vtable lies before the table).
        let value = UInt32(bitPattern: Int32(vtableEnd - objectEnd))
        for i in 0..<4 { reversed[objectEnd - 1 - i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
        return object
    }

    // MARK: - Finish

    /// The finished buffer: a reference to `root` and the 4-character file identifier in front.
    public mutating func finished(root: FlatBufferOffset, fileIdentifier: String) -> [UInt8] {
        let id = Array(fileIdentifier.utf8)
        precondition(id.count == 4, "a file identifier has 4 characters")
        prepare(alignment: max(minAlignment, 4), additional: 8)
        reversed.append(contentsOf: id.reversed())
        addReference(to: root)
        return reversed.reversed()
    }
}

// MARK: - Reading

/// Reads tables, vectors and strings of a finished FlatBuffer (bounds-checked; nil when out of range).
public struct FlatBufferReader: Sendable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The 4-character file identifier.
    public var fileIdentifier: String? {
        bytes.count >= 8 ? String(decoding: bytes[4..<8], as: UTF8.self) : nil
    }

    /// The root table's position.
    public var root: Int? { uoffsetTarget(at: 0) }

    public func integer<T: FixedWidthInteger>(_ type: T.Type, at position: Int) -> T? {
        let width = MemoryLayout<T>.size
        guard position >= 0, position + width <= bytes.count else { return nil }
        var v: UInt64 = 0
        for i in 0..<width { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        return T(truncatingIfNeeded: v)
    }

    /// The position a uoffset at `position` points to.
    func uoffsetTarget(at position: Int) -> Int? {
        integer(UInt32.self, at: position).map { position + Int($0) }
    }

    /// Where field `id` of the table at `table` lies, nil when absent.
    public func fieldPosition(table: Int, id: Int) -> Int? {
        guard let soffset = integer(Int32.self, at: table) else { return nil }
        let vtable = table - Int(soffset)
        guard let vsize = integer(UInt16.self, at: vtable), 4 + 2 * id < Int(vsize),
              let rel = integer(UInt16.self, at: vtable + 4 + 2 * id), rel != 0 else { return nil }
        return table + Int(rel)
    }

    /// An integer field, `defaultValue` when absent.
    public func field<T: FixedWidthInteger>(_ type: T.Type, table: Int, id: Int, default defaultValue: T = 0) -> T {
        fieldPosition(table: table, id: id).flatMap { integer(T.self, at: $0) } ?? defaultValue
    }

    /// The table, vector or string a reference field points to.
    public func reference(table: Int, id: Int) -> Int? {
        fieldPosition(table: table, id: id).flatMap { uoffsetTarget(at: $0) }
    }

    /// Element count and first element's position of the vector at `position`.
    public func vector(at position: Int) -> (count: Int, start: Int)? {
        integer(UInt32.self, at: position).map { (Int($0), position + 4) }
    }

    /// The integers of a vector field.
    public func integers<T: FixedWidthInteger>(_ type: T.Type, table: Int, id: Int) -> [T]? {
        guard let v = reference(table: table, id: id).flatMap(vector(at:)) else { return nil }
        let width = MemoryLayout<T>.size
        guard v.start + v.count * width <= bytes.count else { return nil }
        return (0..<v.count).compactMap { integer(T.self, at: v.start + $0 * width) }
    }

    /// The positions of the tables of a vector-of-tables field.
    public func tables(table: Int, id: Int) -> [Int]? {
        guard let v = reference(table: table, id: id).flatMap(vector(at:)) else { return nil }
        return (0..<v.count).compactMap { uoffsetTarget(at: v.start + 4 * $0) }
    }

    /// A string field.
    public func string(table: Int, id: Int) -> String? {
        guard let v = reference(table: table, id: id).flatMap(vector(at:)), v.start + v.count <= bytes.count else { return nil }
        return String(decoding: bytes[v.start..<(v.start + v.count)], as: UTF8.self)
    }
}
