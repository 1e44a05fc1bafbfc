// HDF5Parser: a bounds-checked HDF5 reader in Swift for the part of the format HSIFlow's inputs
// use — Keras and HSIFlow model files, MATLAB v7.3 cubes. It reads superblocks v0–v3, object
// headers v1 and v2, groups with a symbol table (v1 B-tree and local heap) or compact links,
// compact attributes, fixed- and variable-length strings (global heaps), integer and IEEE float
// data, and contiguous, compact or chunked (v1 B-tree; deflate, shuffle) layouts.
//
// It is the fast path in front of the isolated reader (IsolatedReader): every offset, length and
// count read from the file is checked against the file's bytes before use, every loop over file
// structures is bounded (visited sets, node and message limits), every allocation the file asks
// for is checked against MemoryBudget, and inflation never writes past the chunk's declared size.
// Anything it does not understand or finds inconsistent is a refusal, never a guess: the caller
// then hands the whole file to libhdf5 in a child process, whose answer is authoritative. See
// Docs/Security.md.
import Foundation

/// A parsed HDF5 file held in memory; `path` names it in errors.
final class HDF5Parser {
    let path: String
    let bytes: [UInt8]
    /// Where the superblock was found (addresses in the file are relative to it).
    let base: Int
    let offsetSize: Int
    let lengthSize: Int
    private(set) var root: Object
    /// The first inconsistency met by a query that cannot throw (`exists`, `hasAttribute`); a
    /// caller that used such queries checks it before trusting the answers.
    private(set) var damage: String?
    /// Global heap collections already parsed, by absolute position.
    private var collections: [Int: [Int: Range<Int>]] = [:]

    /// Why the reader stops: the file is damaged or outside the subset (the message says which).
    struct Refusal: Error { let reason: String }

    /// A parsed object header: its messages, in order.
    struct Object {
        let address: Int
        let messages: [Message]

        func first(_ type: MessageType) -> Message? { messages.first { $0.type == type.rawValue } }
        func all(_ type: MessageType) -> [Message] { messages.filter { $0.type == type.rawValue } }
    }

    struct Message {
        let type: Int
        let flags: UInt8
        /// The message's body, as absolute positions in `bytes`.
        let body: Range<Int>
    }

    enum MessageType: Int {
        case nil_ = 0x00, dataspace = 0x01, linkInfo = 0x02, datatype = 0x03, fillValueOld = 0x04, fillValue = 0x05
        case link = 0x06, external = 0x07, layout = 0x08, bogus = 0x09, groupInfo = 0x0A, filterPipeline = 0x0B
        case attribute = 0x0C, comment = 0x0D, modificationTimeOld = 0x0E, sharedTable = 0x0F, continuation = 0x10
        case symbolTable = 0x11, modificationTime = 0x12, btreeK = 0x13, driverInfo = 0x14, attributeInfo = 0x15
        case referenceCount = 0x16
    }

    /// Limits on the work one file can ask for (beyond the memory budget).
    enum Limits {
        static let messagesPerObject = 65_536
        static let blocksPerObject = 4_096
        /// B-tree nodes, entries and symbols one walk may visit (overlapping nodes could otherwise
        /// multiply them without bound).
        static let entriesPerWalk = 1 << 20
        static let treeDepth = 64
        static let rank = 32
    }

    /// The HDF5 signature; a superblock starts with it at byte 0, 512, 1024, 2048, … (after a user block).
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Where the superblock of an HDF5 file's bytes starts, nil when there is no signature.
    static func superblockOffset(_ raw: UnsafeRawBufferPointer) -> Int? {
        var at = 0
        while at + signature.count <= raw.count {
            if raw[at ..< at + signature.count].elementsEqual(signature) { return at }
            at = at == 0 ? 512 : at * 2
        }
        return nil
    }

    // MARK: - Opening

    /// Parses the superblock and the root group's object header of `bytes`.
    init(bytes: [UInt8], path: String) throws(FileFormatsError) {
        self.path = path
        self.bytes = bytes
        do throws(Refusal) {
            guard let at = bytes.withUnsafeBytes(Self.superblockOffset) else { throw Refusal(reason: "no HDF5 signature") }
            base = at
            var c = Cursor(bytes, at + 8, bytes.count)
            let version = try c.u8()
            let rootAddress: UInt64, endOfFile: UInt64
            switch version {
            case 0, 1:
                try c.skip(4) // free-space, root symbol table entry and shared header versions, reserved
                offsetSize = Int(try c.u8())
                lengthSize = Int(try c.u8())
                try Self.checkSizes(offsetSize, lengthSize)
                try c.skip(1 + 2 + 2 + 4) // reserved, group leaf and internal node K, consistency flags
                if version == 1 { try c.skip(4) } // indexed storage K, reserved
                try c.skip(2 * offsetSize) // base and free-space addresses
                endOfFile = try c.uint(offsetSize)
                try c.skip(offsetSize + lengthSize) // driver information address; root entry: link name offset
                rootAddress = try c.uint(offsetSize)
            case 2, 3:
                offsetSize = Int(try c.u8())
                lengthSize = Int(try c.u8())
                try Self.checkSizes(offsetSize, lengthSize)
                try c.skip(1 + 2 * offsetSize) // flags; base and superblock extension addresses
                endOfFile = try c.uint(offsetSize)
                rootAddress = try c.uint(offsetSize)
            default:
                throw Refusal(reason: "superblock version \(version)")
            }
            // libhdf5 refuses a file shorter than the end of file its superblock records (truncated);
            // that address counts from the start of the file, user block included.
            guard endOfFile <= UInt64(bytes.count) else {
                throw Refusal(reason: "it is truncated (\(bytes.count) bytes, the superblock records \(endOfFile))")
            }
            root = Object(address: 0, messages: [])
            root = try object(at: rootAddress)
        } catch {
            throw .malformed(path: path, reason: "the Swift HDF5 reader refuses it: \(error.reason)")
        }
    }

    private static func checkSizes(_ offsets: Int, _ lengths: Int) throws(Refusal) {
        guard [2, 4, 8].contains(offsets), [2, 4, 8].contains(lengths) else {
            throw Refusal(reason: "sizes of offsets \(offsets) and lengths \(lengths)")
        }
    }

    /// Runs `body`, turning a refusal into a FileFormatsError naming the file.
    func guarded<T>(_ body: () throws(Refusal) -> T) throws(FileFormatsError) -> T {
        do throws(Refusal) { return try body() } catch {
            throw .malformed(path: path, reason: "the Swift HDF5 reader refuses it: \(error.reason)")
        }
    }

    // MARK: - Addresses

    var undefined: UInt64 { offsetSize == 8 ? .max : (1 << UInt64(offsetSize * 8)) - 1 }

    /// The absolute position of file address `address`, checked to leave `length` bytes.
    func span(_ address: UInt64, _ length: UInt64, _ what: String) throws(Refusal) -> Range<Int> {
        let room = UInt64(bytes.count - base)
        guard address != undefined, address <= room, length <= room - address else {
            throw Refusal(reason: "\(what) at address \(address) (\(length) bytes) lies outside the file's \(bytes.count) bytes")
        }
        let start = base + Int(address)
        return start ..< start + Int(length)
    }

    /// A cursor over the bytes at `address` (`length` bytes), after checking `signature` there.
    func cursor(_ address: UInt64, _ length: UInt64, signature: String? = nil, _ what: String) throws(Refusal) -> Cursor {
        let range = try span(address, length, what)
        var c = Cursor(bytes, range.lowerBound, range.upperBound)
        if let signature {
            let found = try c.take(4)
            guard found.elementsEqual(signature.utf8) else { throw Refusal(reason: "\(what) at address \(address) lacks its \(signature) signature") }
        }
        return c
    }

    /// A cursor from `address` to the end of the file.
    func cursor(from address: UInt64, signature: String? = nil, _ what: String) throws(Refusal) -> Cursor {
        guard address != undefined, address <= UInt64(bytes.count - base) else {
            throw Refusal(reason: "\(what) at address \(address) lies outside the file")
        }
        return try cursor(address, UInt64(bytes.count - base) - address, signature: signature, what)
    }

    // MARK: - Object headers

    /// The object header at file address `address`, its continuation blocks followed.
    func object(at address: UInt64) throws(Refusal) -> Object {
        var c = try cursor(from: address, "object header")
        var blocks: [(Range<Int>, Bool)] = [] // (messages, version 2)
        let version2: Bool
        var creationOrder = false
        if c.peekSignature("OHDR") {
            try c.skip(4)
            guard try c.u8() == 2 else { throw Refusal(reason: "object header version at \(address)") }
            version2 = true
            let flags = try c.u8()
            creationOrder = flags & 0x04 != 0
            if flags & 0x20 != 0 { try c.skip(16) }
            if flags & 0x10 != 0 { try c.skip(4) }
            let size = try c.uint(1 << Int(flags & 0x03))
            blocks.append((c.at ..< (try c.checked(size, "object header chunk")), true))
        } else {
            guard try c.u8() == 1 else { throw Refusal(reason: "object header at \(address) has an unknown version") }
            version2 = false
            try c.skip(1 + 2 + 4) // reserved, message count, reference count
            let size = try c.u32()
            try c.skip(4) // alignment to 8 bytes
            blocks.append((c.at ..< (try c.checked(UInt64(size), "object header")), false))
        }
        var messages: [Message] = []
        var seenBlocks: Set<Int> = []
        var index = 0
        while index < blocks.count {
            let (range, v2) = blocks[index]
            index += 1
            guard seenBlocks.insert(range.lowerBound).inserted, blocks.count <= Limits.blocksPerObject else {
                throw Refusal(reason: "object header at \(address) has looping or too many continuation blocks")
            }
            var m = Cursor(bytes, range.lowerBound, range.upperBound)
            let headerSize = v2 ? (creationOrder ? 6 : 4) : 8
            while m.remaining >= headerSize {
                let type: Int, size: Int, flags: UInt8
                if v2 {
                    type = Int(try m.u8())
                    size = Int(try m.u16())
                    flags = try m.u8()
                    if creationOrder { try m.skip(2) }
                } else {
                    type = Int(try m.u16())
                    size = Int(try m.u16())
                    flags = try m.u8()
                    try m.skip(3)
                }
                guard size <= m.remaining else { throw Refusal(reason: "a message of object header \(address) runs past its block") }
                let body = m.at ..< m.at + size
                try m.skip(size)
                guard messages.count < Limits.messagesPerObject else { throw Refusal(reason: "object header \(address) has too many messages") }
                if type == MessageType.continuation.rawValue {
                    var b = Cursor(bytes, body.lowerBound, body.upperBound)
                    let at = try b.uint(offsetSize)
                    let length = try b.uint(lengthSize)
                    if version2 {
                        guard length >= 8 else { throw Refusal(reason: "a continuation block of object header \(address) is too short") }
                        var block = try cursor(at, length, signature: "OCHK", "continuation block")
                        let start = block.at
                        try block.skip(Int(length) - 8)
                        blocks.append((start ..< block.at, true))
                    } else {
                        blocks.append((try span(at, length, "continuation block"), false))
                    }
                    continue
                }
                if type == MessageType.external.rawValue || type == MessageType.sharedTable.rawValue {
                    throw Refusal(reason: "object header \(address) uses external storage or shared messages")
                }
                messages.append(Message(type: type, flags: flags, body: body))
            }
        }
        return Object(address: Int(clamping: address), messages: messages)
    }

    // MARK: - Groups

    /// The hard links of a group: name and object header address.
    func links(of group: Object) throws(Refusal) -> [(name: String, address: UInt64)] {
        if let table = group.first(.symbolTable) {
            var c = Cursor(bytes, table.body.lowerBound, table.body.upperBound)
            let tree = try c.uint(offsetSize)
            let heap = try c.uint(offsetSize)
            let names = try localHeap(heap)
            var found: [(String, UInt64)] = []
            var walk = TreeWalk()
            try walkGroupTree(tree, depth: 0, names: names, into: &found, walk: &walk)
            return found
        }
        if let info = group.first(.linkInfo) {
            var c = Cursor(bytes, info.body.lowerBound, info.body.upperBound)
            try c.skip(1)
            let flags = try c.u8()
            if flags & 1 != 0 { try c.skip(8) }
            guard try c.uint(offsetSize) == undefined else { throw Refusal(reason: "group \(group.address) keeps its links in dense storage") }
        }
        var found: [(String, UInt64)] = []
        for message in group.all(.link) {
            var c = Cursor(bytes, message.body.lowerBound, message.body.upperBound)
            guard try c.u8() == 1 else { throw Refusal(reason: "link message version") }
            let flags = try c.u8()
            var kind: UInt8 = 0
            if flags & 0x08 != 0 { kind = try c.u8() }
            if flags & 0x04 != 0 { try c.skip(8) }
            if flags & 0x10 != 0 { try c.skip(1) }
            let length = try c.uint(1 << Int(flags & 0x03))
            guard length <= UInt64(c.remaining) else { throw Refusal(reason: "a link name runs past its message") }
            let name = String(decoding: try c.take(Int(length)), as: UTF8.self)
            guard kind == 0 else { continue } // soft and external links are not followed
            found.append((name, try c.uint(offsetSize)))
        }
        return found
    }

    /// The data segment of the local heap at `address` (group link names).
    private func localHeap(_ address: UInt64) throws(Refusal) -> Range<Int> {
        var c = try cursor(from: address, signature: "HEAP", "local heap")
        guard try c.u8() == 0 else { throw Refusal(reason: "local heap version") }
        try c.skip(3)
        let size = try c.uint(lengthSize)
        try c.skip(lengthSize)
        let data = try c.uint(offsetSize)
        return try span(data, size, "local heap data")
    }

    /// A v1 B-tree walk's bookkeeping: the nodes seen and the nodes, entries and symbols visited.
    struct TreeWalk {
        var visits = 0
        var seen: Set<UInt64> = []
    }

    /// The v1 B-tree node of `type` (0 group, 1 chunk) at `address`: its level, its number of
    /// entries and a cursor at its first key, counted against `walk`'s limits.
    func treeNode(_ address: UInt64, type: UInt8, depth: Int, walk: inout TreeWalk) throws(Refusal) -> (level: UInt8, entries: Int, cursor: Cursor) {
        let what = type == 0 ? "group" : "chunk"
        walk.visits += 1
        guard depth < Limits.treeDepth, walk.visits < Limits.entriesPerWalk, walk.seen.insert(address).inserted else {
            throw Refusal(reason: "a \(what) B-tree loops, is too deep or too large")
        }
        var c = try cursor(from: address, signature: "TREE", "\(what) B-tree node")
        guard try c.u8() == type else { throw Refusal(reason: "a \(what) B-tree node of the wrong type") }
        let level = try c.u8()
        let entries = Int(try c.u16())
        walk.visits += entries
        guard walk.visits < Limits.entriesPerWalk else { throw Refusal(reason: "a \(what) B-tree is too large") }
        try c.skip(2 * offsetSize) // left and right siblings
        return (level, entries, c)
    }

    private func walkGroupTree(_ address: UInt64, depth: Int, names: Range<Int>, into found: inout [(String, UInt64)],
                               walk: inout TreeWalk) throws(Refusal) {
        var (level, entries, c) = try treeNode(address, type: 0, depth: depth, walk: &walk)
        for _ in 0 ..< entries {
            try c.skip(lengthSize)
            let child = try c.uint(offsetSize)
            if level > 0 {
                try walkGroupTree(child, depth: depth + 1, names: names, into: &found, walk: &walk)
            } else {
                guard walk.seen.insert(child).inserted else { throw Refusal(reason: "a group B-tree names a symbol node twice") }
                var s = try cursor(from: child, signature: "SNOD", "symbol table node")
                guard try s.u8() == 1 else { throw Refusal(reason: "symbol table node version") }
                try s.skip(1)
                let symbols = Int(try s.u16())
                walk.visits += symbols
                guard walk.visits < Limits.entriesPerWalk else { throw Refusal(reason: "a group holds too many links") }
                for _ in 0 ..< symbols {
                    let nameOffset = try s.uint(lengthSize)
                    let objectAddress = try s.uint(offsetSize)
                    try s.skip(8 + 16) // cache type, reserved, scratch pad
                    found.append((try heapString(names, at: nameOffset), objectAddress))
                }
            }
        }
    }

    /// The NUL-terminated string at `offset` of a local heap's data segment.
    private func heapString(_ data: Range<Int>, at offset: UInt64) throws(Refusal) -> String {
        guard offset < UInt64(data.count) else { throw Refusal(reason: "a link name lies outside its local heap") }
        let start = data.lowerBound + Int(offset)
        guard let end = bytes[start ..< data.upperBound].firstIndex(of: 0) else {
            throw Refusal(reason: "a link name is not terminated inside its local heap")
        }
        return String(decoding: bytes[start ..< end], as: UTF8.self)
    }

    /// The object `name` (a path of links, '/'-separated) below `parent`; nil when a link is missing.
    func lookup(_ parent: Object, _ name: String) throws(Refusal) -> Object? {
        var current = parent
        var any = false
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            any = true
            guard let link = try links(of: current).first(where: { $0.name == part }) else { return nil }
            current = try object(at: link.address)
        }
        return any ? current : nil
    }

    // MARK: - Global heaps

    /// The bytes of object `index` of the global heap collection at `address`.
    func globalHeapObject(_ address: UInt64, index: Int) throws(Refusal) -> Range<Int> {
        let start = try span(address, 0, "global heap collection").lowerBound
        if collections[start] == nil {
            var c = try cursor(from: address, signature: "GCOL", "global heap collection")
            guard try c.u8() == 1 else { throw Refusal(reason: "global heap collection version") }
            try c.skip(3)
            let size = try c.uint(lengthSize)
            let end = try cursor(from: address, "global heap collection").checked(size, "global heap collection")
            var objects: [Int: Range<Int>] = [:]
            var o = Cursor(bytes, c.at, end)
            while o.remaining >= 8 + lengthSize {
                let id = Int(try o.u16())
                try o.skip(6) // reference count, reserved
                let length = try o.uint(lengthSize)
                if id == 0 { break } // free space: the end of the collection's objects
                guard length <= UInt64(o.remaining) else { throw Refusal(reason: "a global heap object runs past its collection") }
                let data = o.at ..< o.at + Int(length)
                guard objects.updateValue(data, forKey: id) == nil else { throw Refusal(reason: "a global heap collection repeats object \(id)") }
                try o.skip(min(o.remaining, (Int(length) + 7) & ~7))
            }
            collections[start] = objects
        }
        guard let data = collections[start]?[index] else { throw Refusal(reason: "global heap object \(index) does not exist") }
        return data
    }

    // MARK: - Queries that record damage instead of throwing

    func record(_ refusal: Refusal) {
        if damage == nil { damage = refusal.reason }
    }
}

/// Reads little-endian fields from a range of bytes, every read checked against the range.
struct Cursor {
    let bytes: [UInt8]
    var at: Int
    let end: Int

    init(_ bytes: [UInt8], _ at: Int, _ end: Int) {
        self.bytes = bytes
        self.at = at
        self.end = min(end, bytes.count)
    }

    var remaining: Int { max(0, end - at) }

    mutating func skip(_ count: Int) throws(HDF5Parser.Refusal) {
        guard count >= 0, count <= remaining else { throw HDF5Parser.Refusal(reason: "a structure runs past its bounds") }
        at += count
    }

    mutating func take(_ count: Int) throws(HDF5Parser.Refusal) -> ArraySlice<UInt8> {
        let start = at
        try skip(count)
        return bytes[start ..< at]
    }

    mutating func u8() throws(HDF5Parser.Refusal) -> UInt8 { UInt8(try uint(1)) }
    mutating func u16() throws(HDF5Parser.Refusal) -> UInt16 { UInt16(try uint(2)) }
    mutating func u32() throws(HDF5Parser.Refusal) -> UInt32 { UInt32(try uint(4)) }

    /// An unsigned little-endian integer of `size` bytes (1…8).
    mutating func uint(_ size: Int) throws(HDF5Parser.Refusal) -> UInt64 {
        guard size >= 1, size <= 8 else { throw HDF5Parser.Refusal(reason: "a field of \(size) bytes") }
        let start = at
        try skip(size)
        var value: UInt64 = 0
        for i in 0 ..< size { value |= UInt64(bytes[start + i]) << UInt64(8 * i) }
        return value
    }

    func peekSignature(_ text: String) -> Bool {
        remaining >= 4 && bytes[at ..< at + 4].elementsEqual(text.utf8)
    }

    /// The position `length` bytes on from here, checked to lie inside the range.
    func checked(_ length: UInt64, _ what: String) throws(HDF5Parser.Refusal) -> Int {
        guard length <= UInt64(remaining) else { throw HDF5Parser.Refusal(reason: "\(what) runs past the end of the file") }
        return at + Int(length)
    }
}
