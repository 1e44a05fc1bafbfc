// HDF5Parser+Data: datatypes, dataspaces, attributes and dataset storage (compact, contiguous,
// chunked through a v1 B-tree with deflate and shuffle) for the Swift HDF5 reader. Data comes
// back as raw bytes in C order and the file's byte order; the typed reads convert them.
import CZlib
import Foundation

extension HDF5Parser {
    /// An element type the reader understands.
    struct Datatype {
        enum Kind: Equatable { case integer(signed: Bool), float, fixedString, variableString }
        let kind: Kind
        /// Bytes per element in the file.
        let size: Int
        let bigEndian: Bool
    }

    /// A dataspace: nil dims for a null space (no elements), [] for a scalar.
    struct Dataspace {
        let dims: [Int]?
        let points: Int
    }

    struct Attribute {
        let name: String
        let type: Datatype
        let space: Dataspace
        let data: Range<Int>
    }

    // MARK: - Datatype and dataspace messages

    func datatype(_ c: inout Cursor) throws(Refusal) -> Datatype {
        let classAndVersion = try c.u8()
        let bits0 = try c.u8()
        try c.skip(2)
        let size = Int(try c.u32())
        let bigEndian = bits0 & 0x01 != 0
        switch classAndVersion & 0x0F {
        case 0: // fixed-point
            let offset = try c.u16(), precision = try c.u16()
            guard [1, 2, 4, 8].contains(size), offset == 0, Int(precision) == 8 * size else {
                throw Refusal(reason: "an integer type with padding bits")
            }
            return Datatype(kind: .integer(signed: bits0 & 0x08 != 0), size: size, bigEndian: bigEndian)
        case 1: // IEEE floating point only
            let offset = try c.u16(), precision = try c.u16()
            let exponentAt = try c.u8(), exponentBits = try c.u8(), mantissaAt = try c.u8(), mantissaBits = try c.u8()
            let bias = try c.u32()
            let ieee: Bool
            switch size {
            case 4: ieee = precision == 32 && exponentAt == 23 && exponentBits == 8 && mantissaBits == 23 && bias == 127
            case 8: ieee = precision == 64 && exponentAt == 52 && exponentBits == 11 && mantissaBits == 52 && bias == 1023
            default: ieee = false
            }
            guard ieee, offset == 0, mantissaAt == 0, bits0 & 0x40 == 0 else { throw Refusal(reason: "a floating-point type that is not IEEE single or double") }
            return Datatype(kind: .float, size: size, bigEndian: bigEndian)
        case 3: // fixed-length string
            guard size > 0 else { throw Refusal(reason: "a string type of size 0") }
            return Datatype(kind: .fixedString, size: size, bigEndian: false)
        case 9: // variable-length: strings only
            guard bits0 & 0x0F == 1, size == 4 + offsetSize + 4 else { throw Refusal(reason: "a variable-length type other than a string") }
            return Datatype(kind: .variableString, size: size, bigEndian: false)
        default:
            throw Refusal(reason: "datatype class \(classAndVersion & 0x0F)")
        }
    }

    func dataspace(_ c: inout Cursor) throws(Refusal) -> Dataspace {
        let version = try c.u8()
        let rank = Int(try c.u8())
        let flags = try c.u8()
        var null = false
        switch version {
        case 1: try c.skip(5)
        case 2: null = try c.u8() == 2
        default: throw Refusal(reason: "dataspace version \(version)")
        }
        guard rank <= Limits.rank else { throw Refusal(reason: "a dataspace of rank \(rank)") }
        var dims: [Int] = []
        for _ in 0 ..< rank {
            guard let d = Int(exactly: try c.uint(lengthSize)) else { throw Refusal(reason: "a dimension beyond 64-bit range") }
            dims.append(d)
        }
        _ = flags // maximum dimensions (flags bit 0) follow; they do not change what is stored
        if null { return Dataspace(dims: nil, points: 0) }
        guard let points = MemoryBudget.checkedBytes(dims) else { throw Refusal(reason: "a dataspace whose size overflows") }
        return Dataspace(dims: dims, points: points)
    }

    // MARK: - Attributes

    /// The attributes stored in `object`'s header (dense attribute storage is refused).
    func attributes(of object: Object) throws(Refusal) -> [Attribute] {
        if let info = object.first(.attributeInfo) {
            var c = Cursor(bytes, info.body.lowerBound, info.body.upperBound)
            try c.skip(1)
            let flags = try c.u8()
            if flags & 0x01 != 0 { try c.skip(2) }
            guard try c.uint(offsetSize) == undefined else { throw Refusal(reason: "object \(object.address) keeps attributes in dense storage") }
        }
        var found: [Attribute] = []
        for message in object.all(.attribute) {
            guard message.flags & 0x02 == 0 else { throw Refusal(reason: "a shared attribute") }
            var c = Cursor(bytes, message.body.lowerBound, message.body.upperBound)
            let version = try c.u8()
            let flags = try c.u8()
            let nameSize = Int(try c.u16()), typeSize = Int(try c.u16()), spaceSize = Int(try c.u16())
            guard version == 1 || flags & 0x03 == 0 else { throw Refusal(reason: "an attribute with a shared type or space") }
            if version == 3 { try c.skip(1) } // name character set
            guard (1...3).contains(version) else { throw Refusal(reason: "attribute message version \(version)") }
            let pad = { (n: Int) in version == 1 ? (n + 7) & ~7 : n }
            let nameBytes = try c.take(pad(nameSize))
            let name = String(decoding: nameBytes.prefix(nameSize).prefix { $0 != 0 }, as: UTF8.self)
            var t = Cursor(bytes, c.at, c.at + typeSize)
            try c.skip(pad(typeSize))
            let type = try datatype(&t)
            var s = Cursor(bytes, c.at, c.at + spaceSize)
            try c.skip(pad(spaceSize))
            let space = try dataspace(&s)
            guard let size = MemoryBudget.checkedBytes([space.points], elementSize: type.size), size <= c.remaining else {
                throw Refusal(reason: "attribute '\(name)' holds more data than its message")
            }
            found.append(Attribute(name: name, type: type, space: space, data: c.at ..< c.at + size))
        }
        return found
    }

    /// The strings of a string attribute's data (fixed-length: cut at the first NUL, as libhdf5's
    /// readers here do; variable-length: read from the global heap).
    func strings(_ attribute: Attribute) throws(Refusal) -> [String] {
        var out: [String] = []
        out.reserveCapacity(attribute.space.points)
        // Variable-length strings may point at one heap object many times; a genuine file never
        // holds more text than its own size.
        var budget = bytes.count
        var c = Cursor(bytes, attribute.data.lowerBound, attribute.data.upperBound)
        for _ in 0 ..< attribute.space.points {
            switch attribute.type.kind {
            case .fixedString:
                let chunk = try c.take(attribute.type.size)
                out.append(String(decoding: chunk.prefix { $0 != 0 }, as: UTF8.self))
            case .variableString:
                let length = Int(try c.u32())
                let collection = try c.uint(offsetSize)
                let index = Int(try c.u32())
                if length == 0 && (collection == 0 || collection == undefined) { out.append(""); continue }
                let object = try globalHeapObject(collection, index: index)
                guard length <= object.count else { throw Refusal(reason: "a string longer than its global heap object") }
                budget -= length
                guard budget >= 0 else { throw Refusal(reason: "attribute '\(attribute.name)' holds more text than the file") }
                out.append(String(decoding: bytes[object.lowerBound ..< object.lowerBound + length].prefix { $0 != 0 }, as: UTF8.self))
            default:
                throw Refusal(reason: "attribute '\(attribute.name)' is not text")
            }
        }
        return out
    }

    // MARK: - Datasets

    /// Where a dataset's bytes are.
    enum Storage {
        case compact(Range<Int>)
        case contiguous(address: UInt64, size: UInt64)
        case chunked(tree: UInt64, chunk: [Int])
    }

    /// What a dataset holds and where, checked as far as it can be without reading the data.
    struct DatasetDescription {
        let type: Datatype
        let dims: [Int]
        let points: Int
        /// Bytes of the whole array.
        let total: Int
        let filters: [Filter]
        let storage: Storage
    }

    /// The description of dataset `object` (`what` names it in refusals): its type must be numeric,
    /// its layout and filters ones this reader decodes.
    func describeDataset(_ object: Object, what: String) throws(Refusal) -> DatasetDescription {
        guard let typeMessage = object.first(.datatype), let spaceMessage = object.first(.dataspace),
              let layoutMessage = object.first(.layout) else { throw Refusal(reason: "'\(what)' is not a dataset") }
        guard typeMessage.flags & 0x02 == 0, spaceMessage.flags & 0x02 == 0 else { throw Refusal(reason: "'\(what)' has a shared type or space") }
        var t = Cursor(bytes, typeMessage.body.lowerBound, typeMessage.body.upperBound)
        let type = try datatype(&t)
        guard type.kind != .variableString, type.kind != .fixedString else { throw Refusal(reason: "'\(what)' holds text") }
        var s = Cursor(bytes, spaceMessage.body.lowerBound, spaceMessage.body.upperBound)
        let space = try dataspace(&s)
        let dims = space.dims ?? []
        guard let total = MemoryBudget.checkedBytes([space.points], elementSize: type.size) else { throw Refusal(reason: "'\(what)' is too large") }
        guard total <= MemoryBudget.bytes else { throw Refusal(reason: "'\(what)' needs more than the memory budget") }
        let filters = try filterPipeline(object)
        var l = Cursor(bytes, layoutMessage.body.lowerBound, layoutMessage.body.upperBound)
        let version = try l.u8()
        guard version == 3 || version == 4 else { throw Refusal(reason: "'\(what)' has data layout version \(version)") }
        let layoutClass = try l.u8()
        let storage: Storage
        switch layoutClass {
        case 0:
            let size = Int(try l.u16())
            guard size == total, filters.isEmpty else { throw Refusal(reason: "'\(what)': compact data of the wrong size") }
            let end = try l.checked(UInt64(size), "compact data")
            storage = .compact(l.at ..< end)
        case 1:
            let address = try l.uint(offsetSize)
            let size = try l.uint(lengthSize)
            guard filters.isEmpty else { throw Refusal(reason: "'\(what)': filters on contiguous data") }
            guard total == 0 || size >= UInt64(total) else { throw Refusal(reason: "'\(what)': its storage is smaller than its data") }
            storage = .contiguous(address: address, size: size)
        case 2 where version == 3:
            let dimensionality = Int(try l.u8())
            let tree = try l.uint(offsetSize)
            guard dimensionality == dims.count + 1 else { throw Refusal(reason: "'\(what)': chunk rank does not match its dataspace") }
            var chunk: [Int] = []
            for _ in 0 ..< dimensionality { chunk.append(Int(try l.u32())) }
            guard chunk.last == type.size, chunk.dropLast().allSatisfy({ $0 > 0 }) else { throw Refusal(reason: "'\(what)': bad chunk dimensions") }
            storage = .chunked(tree: tree, chunk: Array(chunk.dropLast()))
        default:
            throw Refusal(reason: "'\(what)' uses storage layout \(layoutClass) of version \(version)")
        }
        return DatasetDescription(type: type, dims: dims, points: space.points, total: total, filters: filters, storage: storage)
    }

    /// A dataset's type, dims and raw bytes (C order, the file's byte order); contiguous and
    /// compact data are a slice of the file's bytes, not a copy.
    func dataset(_ object: Object, what: String) throws(Refusal) -> (type: Datatype, dims: [Int], bytes: ArraySlice<UInt8>) {
        let d = try describeDataset(object, what: what)
        switch d.storage {
        case .compact(let range):
            return (d.type, d.dims, bytes[range])
        case .contiguous(let address, _):
            if d.total == 0 { return (d.type, d.dims, []) }
            return (d.type, d.dims, bytes[try span(address, UInt64(d.total), "the data of '\(what)'")])
        case .chunked(let tree, let chunk):
            let data = try chunked(tree: tree, dims: d.dims, chunk: chunk, elementSize: d.type.size,
                                   total: d.total, filters: d.filters, what: what)
            return (d.type, d.dims, data[...])
        }
    }

    enum Filter: Equatable { case deflate, shuffle }

    /// The dataset's filters in the order they were applied on writing.
    private func filterPipeline(_ object: Object) throws(Refusal) -> [Filter] {
        guard let message = object.first(.filterPipeline) else { return [] }
        var c = Cursor(bytes, message.body.lowerBound, message.body.upperBound)
        let version = try c.u8()
        let count = Int(try c.u8())
        guard version == 1 || version == 2 else { throw Refusal(reason: "filter pipeline version \(version)") }
        if version == 1 { try c.skip(6) }
        var filters: [Filter] = []
        for _ in 0 ..< count {
            let id = try c.u16()
            var nameLength = 0
            if version == 1 || id >= 256 { nameLength = Int(try c.u16()) }
            try c.skip(2) // flags
            let values = Int(try c.u16())
            try c.skip(version == 1 ? (nameLength + 7) & ~7 : nameLength)
            try c.skip(4 * values)
            if version == 1 && values % 2 == 1 { try c.skip(4) }
            switch id {
            case 1: filters.append(.deflate)
            case 2: filters.append(.shuffle)
            default: throw Refusal(reason: "filter \(id) (only deflate and shuffle are read here)")
            }
        }
        return filters
    }

    /// The bytes of a chunked dataset: every chunk from the v1 B-tree at `tree`, decoded and placed.
    private func chunked(tree: UInt64, dims: [Int], chunk: [Int], elementSize: Int, total: Int,
                         filters: [Filter], what: String) throws(Refusal) -> [UInt8] {
        guard let chunkBytes = MemoryBudget.checkedBytes(chunk, elementSize: elementSize), chunkBytes <= MemoryBudget.bytes,
              chunkBytes < 1 << 32 else { throw Refusal(reason: "'\(what)': chunks larger than the budget") }
        var expected = 1
        for (d, c) in zip(dims, chunk) {
            let (product, overflow) = expected.multipliedReportingOverflow(by: d / c + (d % c == 0 ? 0 : 1))
            guard !overflow else { throw Refusal(reason: "'\(what)': too many chunks") }
            expected = product
        }
        // First the chunk list (bounded by the tree walk), checked complete and without repeats;
        // only then the output, so a damaged size never allocates before the structure holds.
        var chunks: [(offsets: [Int], mask: UInt32, stored: Range<Int>)] = []
        var placed: Set<[Int]> = []
        var walk = TreeWalk()
        try walkChunkTree(tree, depth: 0, rank: dims.count, walk: &walk) { (offsets, mask, stored) throws(Refusal) in
            for (i, (o, d)) in zip(offsets, zip(dims, chunk)).enumerated() where o % d.1 != 0 || o >= d.0 {
                throw Refusal(reason: "'\(what)': chunk offset \(offsets) does not fit dimension \(i)")
            }
            guard placed.insert(offsets).inserted else { throw Refusal(reason: "'\(what)': chunk \(offsets) appears twice") }
            guard filters.isEmpty ? stored.count == chunkBytes : stored.count > 0 else {
                throw Refusal(reason: "'\(what)': a chunk of the wrong size")
            }
            chunks.append((offsets, mask, stored))
        }
        guard chunks.count == expected else {
            throw Refusal(reason: "'\(what)': \(expected - chunks.count) of its \(expected) chunks are not stored (fill values are not read here)")
        }
        // The output and at most two chunk buffers (each filter reads one and writes the other)
        // live at once; nothing is allocated per chunk.
        let buffers = min(filters.count, 2)
        guard let peak = MemoryBudget.checkedBytes([chunkBytes], elementSize: buffers).map({ $0 + total }), peak <= MemoryBudget.bytes else {
            throw Refusal(reason: "'\(what)' and its chunk buffers need more than the memory budget")
        }
        var output = [UInt8](repeating: 0, count: total)
        var buffer = [[UInt8]](repeating: [UInt8](repeating: 0, count: chunkBytes), count: buffers)
        for (offsets, mask, stored) in chunks {
            var input = bytes[stored]
            var target = 0
            for (i, filter) in filters.enumerated().reversed() where i >= 32 || mask & (1 << UInt32(i)) == 0 {
                switch filter {
                case .deflate: try inflate(input, into: &buffer[target], what: what)
                case .shuffle: try unshuffle(input, into: &buffer[target], elementSize: elementSize, what: what)
                }
                input = buffer[target][...]
                target = buffers - 1 - target
            }
            guard input.count == chunkBytes else { throw Refusal(reason: "'\(what)': a chunk of the wrong size") }
            place(input, offsets: offsets, chunk: chunk, dims: dims, elementSize: elementSize, into: &output)
        }
        return output
    }

    /// Visits the chunks of the v1 B-tree at `address`: their offsets, filter masks and stored bytes.
    private func walkChunkTree(_ address: UInt64, depth: Int, rank: Int, walk: inout TreeWalk,
                               _ visit: ([Int], UInt32, Range<Int>) throws(Refusal) -> Void) throws(Refusal) {
        var (level, entries, c) = try treeNode(address, type: 1, depth: depth, walk: &walk)
        for _ in 0 ..< entries {
            let size = try c.u32()
            let mask = try c.u32()
            var offsets: [Int] = []
            for _ in 0 ..< rank {
                guard let o = Int(exactly: try c.u64()) else { throw Refusal(reason: "a chunk offset beyond 64-bit range") }
                offsets.append(o)
            }
            try c.skip(8) // the element-size dimension's offset
            let child = try c.uint(offsetSize)
            if level > 0 {
                try walkChunkTree(child, depth: depth + 1, rank: rank, walk: &walk, visit)
            } else {
                try visit(offsets, mask, try span(child, UInt64(size), "a chunk"))
            }
        }
    }

    /// Undoes the shuffle filter: byte b of element e was stored at b × n + e.
    private func unshuffle(_ input: ArraySlice<UInt8>, into output: inout [UInt8], elementSize: Int, what: String) throws(Refusal) {
        let n = output.count / elementSize
        guard input.count == output.count, n * elementSize == output.count else {
            throw Refusal(reason: "'\(what)': a shuffled chunk of the wrong size")
        }
        let first = input.startIndex
        output.withUnsafeMutableBufferPointer { out in
            for b in 0 ..< elementSize {
                for e in 0 ..< n { out[e * elementSize + b] = input[first + b * n + e] }
            }
        }
    }

    /// Inflates `input` into `output`, which it must fill exactly; never writes past it.
    private func inflate(_ input: ArraySlice<UInt8>, into output: inout [UInt8], what: String) throws(Refusal) {
        guard input.count < 1 << 32, output.count < 1 << 32 else { throw Refusal(reason: "'\(what)': a chunk too large to inflate") }
        var stream = z_stream()
        guard hsf_inflateInit(&stream) == Z_OK else { throw Refusal(reason: "zlib could not start") }
        defer { inflateEnd(&stream) }
        var status: Int32 = Z_OK
        var left: UInt32 = 0
        input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                status = CZlib.inflate(&stream, Z_FINISH)
                left = stream.avail_out
            }
        }
        guard status == Z_STREAM_END, left == 0 else {
            throw Refusal(reason: "'\(what)': a compressed chunk is corrupt or does not inflate to its chunk's size")
        }
    }

    /// Copies one decoded chunk (C order, `chunk` dims) into its place in `output` (C order,
    /// `dims`), clipping the parts past the dataset's edge.
    private func place(_ source: ArraySlice<UInt8>, offsets: [Int], chunk: [Int], dims: [Int], elementSize: Int,
                       into output: inout [UInt8]) {
        let rank = dims.count
        guard rank > 0 else { return }
        let extent = (0 ..< rank).map { min(chunk[$0], dims[$0] - offsets[$0]) }
        guard extent.allSatisfy({ $0 > 0 }) else { return }
        var chunkStride = [Int](repeating: elementSize, count: rank)
        var outStride = [Int](repeating: elementSize, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) {
            chunkStride[d] = chunkStride[d + 1] * chunk[d + 1]
            outStride[d] = outStride[d + 1] * dims[d + 1]
        }
        let run = extent[rank - 1] * elementSize
        var index = [Int](repeating: 0, count: rank)
        source.withUnsafeBytes { from in
            output.withUnsafeMutableBytes { to in
                while true {
                    var f = 0, t = 0
                    for d in 0 ..< rank {
                        f += index[d] * chunkStride[d]
                        t += (offsets[d] + index[d]) * outStride[d]
                    }
                    memcpy(to.baseAddress! + t, from.baseAddress! + f, run)
                    var d = rank - 2
                    while d >= 0 {
                        index[d] += 1
                        if index[d] < extent[d] { break }
                        index[d] = 0
                        d -= 1
                    }
                    if d < 0 { return }
                }
            }
        }
    }
}

extension Cursor {
    mutating func u64() throws(HDF5Parser.Refusal) -> UInt64 { try uint(8) }
}
