// Tensor+Shape: axis permutation (general transpose), the 2-D transpose, and
// gathering rows along the first axis (mini-batches). Reshape lives in Tensor.swift.

extension Tensor {
    /// The tensor with its axes reordered: axis i of the result is axis `permutation[i]` of self.
    public func permuted(_ permutation: [Int]) -> Tensor {
        precondition(permutation.sorted() == Array(0..<rank), "\(permutation) is not a permutation of \(rank) axes")
        let newShape = permutation.map { shape[$0] }
        // Strides of the source, read in the order of the result's axes.
        var sourceStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { sourceStrides[axis] = sourceStrides[axis + 1] * shape[axis + 1] }
        let strides = permutation.map { sourceStrides[$0] }
        var out = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        scalars.withUnsafeBufferPointer { src in
            for flat in 0..<count {
                var offset = 0
                for a in 0..<rank { offset += index[a] * strides[a] }
                out[flat] = src[offset]
                // Advance the multi-index of the result (row-major).
                var a = rank - 1
                while a >= 0 {
                    index[a] += 1
                    if index[a] < newShape[a] { break }
                    index[a] = 0
                    a -= 1
                }
            }
        }
        return Tensor(shape: newShape, scalars: out)
    }

    /// The transpose of a rank-2 tensor.
    public var transposed: Tensor {
        precondition(rank == 2, "transposed needs a rank-2 tensor, got \(shape)")
        let (r, c) = (shape[0], shape[1])
        var out = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { src in
            for i in 0..<r { for j in 0..<c { out[j * r + i] = src[i * c + j] } }
        }
        return Tensor(shape: [c, r], scalars: out)
    }

    /// Elements [i] of the first axis for each i in `indices`, stacked in that order.
    public func gathering(rows indices: some Collection<Int>) -> Tensor {
        let rowSize = shape.isEmpty ? 1 : count / Swift.max(shape[0], 1)
        var out = [Float](repeating: 0, count: indices.count * rowSize)
        scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (n, i) in indices.enumerated() {
                    precondition(i >= 0 && i < shape[0], "row \(i) outside 0..<\(shape[0])")
                    guard let d = dst.baseAddress, let s = src.baseAddress else { return }
                    (d + n * rowSize).update(from: s + i * rowSize, count: rowSize)
                }
            }
        }
        return Tensor(shape: [indices.count] + shape.dropFirst(), scalars: out)
    }

    /// Rows `range` of the first axis.
    public func slicing(rows range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= (shape.first ?? 0), "rows \(range) outside \(shape)")
        let rowSize = count / Swift.max(shape[0], 1)
        return Tensor(shape: [range.count] + shape.dropFirst(),
                      scalars: Array(scalars[range.lowerBound * rowSize ..< range.upperBound * rowSize]))
    }
}
