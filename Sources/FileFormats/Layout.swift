// Layout: reordering raw elements between Fortran (column-major) and C (row-major) order.
// MATLAB and Fortran-ordered .npy files store the first axis fastest; HSIFlow keeps C order.

enum Layout {
    /// Column-major bytes of an array with `shape` → row-major bytes.
    static func fortranToC(_ bytes: [UInt8], shape: [Int], elementSize: Int) -> [UInt8] {
        permute(bytes, shape: shape, elementSize: elementSize, toC: true)
    }

    /// Row-major bytes → column-major bytes.
    static func cToFortran(_ bytes: [UInt8], shape: [Int], elementSize: Int) -> [UInt8] {
        permute(bytes, shape: shape, elementSize: elementSize, toC: false)
    }

    private static func permute(_ bytes: [UInt8], shape: [Int], elementSize: Int, toC: Bool) -> [UInt8] {
        switch elementSize {
        case 1: return permute(bytes, shape: shape, as: UInt8.self, toC: toC)
        case 2: return permute(bytes, shape: shape, as: UInt16.self, toC: toC)
        case 4: return permute(bytes, shape: shape, as: UInt32.self, toC: toC)
        case 8: return permute(bytes, shape: shape, as: UInt64.self, toC: toC)
        default: preconditionFailure("element size \(elementSize) is not 1, 2, 4 or 8")
        }
    }

    /// Moves whole elements of type `T` (only their bytes matter) between the two orders.
    private static func permute<T: FixedWidthInteger>(_ bytes: [UInt8], shape: [Int], as: T.Type, toC: Bool) -> [UInt8] {
        let rank = shape.count
        let count = shape.reduce(1, *)
        guard rank > 1, count > 1 else { return bytes }
        // Fortran strides (in elements): axis 0 is contiguous.
        var fStride = [Int](repeating: 1, count: rank)
        for a in 1..<rank { fStride[a] = fStride[a - 1] * shape[a - 1] }
        let last = shape[rank - 1], lastStride = fStride[rank - 1]
        var out = [UInt8](repeating: 0, count: bytes.count)
        var index = [Int](repeating: 0, count: rank)
        bytes.withUnsafeBytes { srcRaw in
            out.withUnsafeMutableBytes { dstRaw in
                let src = srcRaw.bindMemory(to: T.self), dst = dstRaw.bindMemory(to: T.self)
                // Walk C order one innermost row at a time; along it the Fortran offset steps by lastStride.
                var cOffset = 0, fBase = 0
                while cOffset < count {
                    if toC {
                        for k in 0..<last { dst[cOffset + k] = src[fBase + k * lastStride] }
                    } else {
                        for k in 0..<last { dst[fBase + k * lastStride] = src[cOffset + k] }
                    }
                    cOffset += last
                    // Advance the multi-index over the outer axes (rank-2 … 0).
                    var a = rank - 2
                    while a >= 0 {
                        index[a] += 1
                        fBase += fStride[a]
                        if index[a] < shape[a] { break }
                        fBase -= fStride[a] * shape[a]
                        index[a] = 0
                        a -= 1
                    }
                }
            }
        }
        return out
    }
}
