// HDF5HeapValidator: a structural check, in Swift, of every global heap collection in an HDF5 file,
// before libhdf5 reads anything from it. libhdf5 1.10 trusts the sizes in a collection: a damaged
// collection or object size makes it read past the collection (a segmentation fault) or loop for
// ever while reading a variable-length string (Keras keeps `model_config`, `layer_names` and
// `weight_names` there). Both were found by corrupting the size fields of a Keras fixture.
//
// Layout (HDF5 file format specification, "Global Heap Collection"), L = the superblock's
// "size of lengths":
//   "GCOL", version 1, 3 reserved zero bytes, collection size (L bytes, counted from "GCOL"),
//   then objects: index (2), reference count (2), reserved (4), size (L), data padded to 8 bytes.
//   Index 0 is the free space, whose size counts its own header and is not padded: libhdf5 steps
//   over it by that size, so a zero there is an endless loop. A tail too short for an object
//   header is free space too. The walk below follows libhdf5's own (H5HG__cache_heap_deserialize).
// Collections are found by their 5-byte prefix "GCOL" 01, which a chance run of data matches with
// a probability of 2⁻⁴⁰ per position. The three reserved bytes after the version are not part of
// the match: libhdf5 skips them unread, so a collection whose reserved bytes were changed is still
// one it reads (a file with them set to ff ff and a damaged size kept libhdf5 looping until the
// isolated reader's wall limit).
import Foundation

enum HDF5HeapValidator {
    /// Throws `.malformed` naming the first damaged global heap collection in the file at `path`.
    /// Files without an HDF5 superblock are left to libhdf5, which refuses them itself.
    static func check(path: String) throws(FileFormatsError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        try check(data, path: path)
    }

    /// The same check on bytes already in memory (a .mat v7.3 file read whole).
    static func check<Bytes: ContiguousBytes>(_ bytes: Bytes, path: String) throws(FileFormatsError) {
        var failure: FileFormatsError?
        bytes.withUnsafeBytes { raw in
            do throws(FileFormatsError) { try check(raw, path: path) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The same check on a file already in memory.
    static func check(_ raw: UnsafeRawBufferPointer, path: String) throws(FileFormatsError) {
        guard let sizeOfLengths = sizeOfLengths(raw) else { return }
        var start = 0
        while let at = nextCollection(raw, from: start) {
            if let problem = problem(inCollectionAt: at, raw, sizeOfLengths: sizeOfLengths) {
                throw .malformed(path: path, reason: "its global heap collection at byte \(at) is damaged (\(problem)); libhdf5 cannot read it safely")
            }
            start = at + 8
        }
    }

    /// The superblock's "size of lengths" (2, 4 or 8), looking for the signature at 0, 512, 1024, …
    static func sizeOfLengths(_ raw: UnsafeRawBufferPointer) -> Int? {
        guard let base = HDF5Parser.superblockOffset(raw), base + 16 <= raw.count else { return nil }
        let version = raw[base + 8]
        let size = Int(raw[version <= 1 ? base + 14 : base + 10])
        return [2, 4, 8].contains(size) ? size : nil
    }

    /// The offset of the next collection prefix at or after `from`.
    static func nextCollection(_ raw: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = raw.baseAddress, raw.count >= 8 else { return nil }
        var i = from
        while i + 8 <= raw.count {
            guard let hit = memchr(base + i, Int32(UInt8(ascii: "G")), raw.count - 8 - i + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if raw[at + 1] == UInt8(ascii: "C"), raw[at + 2] == UInt8(ascii: "O"), raw[at + 3] == UInt8(ascii: "L"),
               raw[at + 4] == 1 {
                return at
            }
            i = at + 1
        }
        return nil
    }

    /// What is wrong with the collection at `at`, or nil when its sizes are consistent.
    static func problem(inCollectionAt at: Int, _ raw: UnsafeRawBufferPointer, sizeOfLengths l: Int) -> String? {
        func length(_ offset: Int) -> UInt64 {
            (0..<l).reduce(UInt64(0)) { $0 | UInt64(raw[offset + $1]) << (8 * UInt64($1)) }
        }
        let headerSize = 8 + l, objectHeaderSize = 8 + l
        guard at + headerSize <= raw.count else { return "its header runs past the end of the file" }
        let size = length(at + 8)
        guard size >= UInt64(headerSize) else { return "collection size \(size) is smaller than its own header" }
        guard size <= UInt64(raw.count - at) else {
            return "collection size \(size) runs past the end of the file (\(raw.count - at) bytes left)"
        }
        let end = at + Int(size)
        var p = at + headerSize
        while p + objectHeaderSize <= end {
            let index = Int(raw[p]) | Int(raw[p + 1]) << 8
            let objectSize = length(p + 8)
            if index == 0 {
                guard objectSize >= UInt64(objectHeaderSize), objectSize <= UInt64(end - p) else {
                    return "the free-space object at byte \(p) claims \(objectSize) bytes, not between its header's \(objectHeaderSize) and the \(end - p) left"
                }
                p += Int(objectSize)
                continue
            }
            guard objectSize <= UInt64(end - p - objectHeaderSize) else {
                return "object \(index) at byte \(p) claims \(objectSize) bytes, more than the \(end - p - objectHeaderSize) left in the collection"
            }
            let padded = (Int(objectSize) + 7) / 8 * 8
            guard p + objectHeaderSize + padded <= end else {
                return "object \(index) at byte \(p), padded to \(padded) bytes, runs past the collection"
            }
            p += objectHeaderSize + padded
        }
        return nil
    }
}
