// DamagedHDF5: copies of a Keras .h5 fixture with one size field of its global heap collection
// rewritten — the damage that made libhdf5 1.10 crash (an object running past its collection) or
// loop for ever (a zero-sized free-space object) before HSIFlow checked the heap itself.
public import Foundation

public enum HeapDamage: String, CaseIterable, Sendable {
    /// The first object's size (8 bytes, little-endian) set far past the collection.
    case objectPastCollection
    /// The first object's size made so large that the walk lands on a zero-sized free-space object.
    case zeroFreeSpace
    /// The collection's own size set past the end of the file.
    case collectionPastEndOfFile
    /// ff ff ff 7f written over two reserved bytes and the low bytes of the collection's size, as
    /// the hostile campaign did (case 06543): libhdf5 skips reserved bytes, then loops on the size.
    case reservedBytesAndSize
}

/// `bytes` (an HDF5 file with 8-byte lengths) with `damage` done to its first global heap collection.
public func damagingGlobalHeap(_ bytes: [UInt8], _ damage: HeapDamage) -> [UInt8]? {
    let prefix: [UInt8] = [0x47, 0x43, 0x4F, 0x4C, 1, 0, 0, 0]  // "GCOL", version 1, reserved
    guard let at = (0...(bytes.count - 16)).first(where: { Array(bytes[$0..<($0 + 8)]) == prefix }) else { return nil }
    func read(_ o: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) } }
    var out = bytes
    func write(_ o: Int, _ v: UInt64) { for i in 0..<8 { out[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) } }
    let size = Int(read(at + 8)), end = at + size
    let first = at + 16
    switch damage {
    case .objectPastCollection:
        write(first + 8, UInt64(size * 4))
    case .collectionPastEndOfFile:
        write(at + 8, UInt64(bytes.count * 2))
    case .reservedBytesAndSize:
        out.replaceSubrange((at + 6)..<(at + 10), with: [0xFF, 0xFF, 0xFF, 0x7F])
    case .zeroFreeSpace:
        // Grow the first object so that it ends on 16 zero bytes inside the collection (an index 0
        // with size 0): libhdf5 then steps over the "free space" by 0 bytes, again and again.
        var p = first + 16
        while p + 16 <= end {
            if out[p..<(p + 16)].allSatisfy({ $0 == 0 }) {
                write(first + 8, UInt64(p - first - 16))
                return out
            }
            p += 8
        }
        return nil
    }
    return out
}
