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
        let rank = shape.count
        let count = shape.reduce(1, *)
        guard rank > 1, count > 1 else { return bytes }
        // Strides (in elements) of each axis in C and in Fortran order.
        var cStride = [Int](repeating: 1, count: rank), fStride = [Int](repeating: 1, count: rank)
        for a in stride(from: rank - 2, through: 0, by: -1) { cStride[a] = cStride[a + 1] * shape[a + 1] }
        for a in 1..<rank { fStride[a] = fStride[a - 1] * shape[a - 1] }
        var out = [UInt8](repeating: 0, count: bytes.count)
        var index = [Int](repeating: 0, count: rank)
        bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                // Walk C order; the last axis is contiguous on the C side.
                var fOffset = 0
                for cOffset in 0..<count {
                    let (from, to) = toC ? (fOffset, cOffset) : (cOffset, fOffset)
                    for k in 0..<elementSize { dst[to * elementSize + k] = src[from * elementSize + k] }
                    // Increment the multi-index (last axis fastest), tracking the Fortran offset.
                    var a = rank - 1
                    while a >= 0 {
                        index[a] += 1
                        fOffset += fStride[a]
                        if index[a] < shape[a] { break }
                        fOffset -= fStride[a] * shape[a]
                        index[a] = 0
                        a -= 1
                    }
                }
            }
        }
        return out
    }
}
