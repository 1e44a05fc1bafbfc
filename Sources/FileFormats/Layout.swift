// Layout: reordering raw elements between Fortran (column-major) and C (row-major) order.
// MATLAB and Fortran-ordered .npy files store the first axis fastest; HSIFlow keeps C order.
import Foundation

enum Layout {
    /// Column-major bytes of an array with `shape` → row-major bytes.
    static func fortranToC(_ bytes: some ContiguousBytes, shape: [Int], elementSize: Int) -> [UInt8] {
        permute(bytes, shape: shape, elementSize: elementSize, toC: true)
    }

    /// Row-major bytes → column-major bytes.
    static func cToFortran(_ bytes: [UInt8], shape: [Int], elementSize: Int) -> [UInt8] {
        permute(bytes, shape: shape, elementSize: elementSize, toC: false)
    }

    private static func permute(_ bytes: some ContiguousBytes, shape: [Int], elementSize: Int, toC: Bool) -> [UInt8] {
        switch elementSize {
        case 1: return permute(bytes, shape: shape, as: UInt8.self, toC: toC)
        case 2: return permute(bytes, shape: shape, as: UInt16.self, toC: toC)
        case 4: return permute(bytes, shape: shape, as: UInt32.self, toC: toC)
        case 8: return permute(bytes, shape: shape, as: UInt64.self, toC: toC)
        default: preconditionFailure("element size \(elementSize) is not 1, 2, 4 or 8")
        }
    }

    /// Moves whole elements of type `T` (only their bytes matter) between the two orders. The
    /// first axis is contiguous in Fortran order and the last in C order, so for each index of the
    /// axes between them the (first × last) plane is transposed in square tiles that stay in cache
    /// (a strided walk over a 145×145×200 cube missed cache on nearly every element).
    private static func permute<T: FixedWidthInteger>(_ bytes: some ContiguousBytes, shape: [Int], as: T.Type, toC: Bool) -> [UInt8] {
        let rank = shape.count
        let count = shape.reduce(1, *)
        guard rank > 1, count > 1 else { return bytes.withUnsafeBytes { Array($0) } }
        var fStride = [Int](repeating: 1, count: rank)
        for a in 1..<rank { fStride[a] = fStride[a - 1] * shape[a - 1] }
        var cStride = [Int](repeating: 1, count: rank)
        for a in stride(from: rank - 2, through: 0, by: -1) { cStride[a] = cStride[a + 1] * shape[a + 1] }
        let first = shape[0], last = shape[rank - 1]
        let fLast = fStride[rank - 1], cFirst = cStride[0]
        let tile = 32
        var middle = [Int](repeating: 0, count: rank) // indices of axes 1 … rank-2
        // Every element of the output is written below, so it starts uninitialized (no zero-fill pass).
        return [UInt8](unsafeUninitializedCapacity: count * MemoryLayout<T>.size) { outBuffer, initialized in
            bytes.withUnsafeBytes { srcRaw in
                let dstRaw = UnsafeMutableRawBufferPointer(outBuffer)
                let src = srcRaw.bindMemory(to: T.self), dst = dstRaw.bindMemory(to: T.self)
                for _ in 0 ..< count / (first * last) {
                    var fBase = 0, cBase = 0
                    for a in 1 ..< rank - 1 {
                        fBase += middle[a] * fStride[a]
                        cBase += middle[a] * cStride[a]
                    }
                    for i0 in stride(from: 0, to: first, by: tile) {
                        let i1 = min(i0 + tile, first)
                        for k0 in stride(from: 0, to: last, by: tile) {
                            let k1 = min(k0 + tile, last)
                            for i in i0 ..< i1 {
                                let f = fBase + i, c = cBase + i * cFirst
                                if toC {
                                    for k in k0 ..< k1 { dst[c + k] = src[f + k * fLast] }
                                } else {
                                    for k in k0 ..< k1 { dst[f + k * fLast] = src[c + k] }
                                }
                            }
                        }
                    }
                    var a = rank - 2
                    while a >= 1 {
                        middle[a] += 1
                        if middle[a] < shape[a] { break }
                        middle[a] = 0
                        a -= 1
                    }
                }
            }
            initialized = count * MemoryLayout<T>.size
        }
    }
}
