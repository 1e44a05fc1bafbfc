// Tensor+Reduction: sums, means and extremes over all elements or over the rows of a
// tensor seen as a matrix [rows, last axis]; row-wise argmax for class predictions.
// Accumulations run in Double so long sums do not drift.

extension Tensor {
    /// Sum of all elements.
    public var sum: Float {
        var s: Double = 0
        for v in scalars { s += Double(v) }
        return Float(s)
    }

    /// Mean of all elements (0 for an empty tensor).
    public var mean: Float { count == 0 ? 0 : Float(Double(sum) / Double(count)) }

    /// Largest element (−∞ for an empty tensor).
    public var max: Float { scalars.max() ?? -.infinity }

    /// Smallest element (+∞ for an empty tensor).
    public var min: Float { scalars.min() ?? .infinity }

    /// Column sums of the tensor seen as [rows, last]: result has shape [last].
    /// This is the bias gradient of a layer whose output gradient is `self`.
    public func sumOverRows() -> Tensor {
        let width = shape.last ?? 1
        var acc = [Double](repeating: 0, count: width)
        scalars.withUnsafeBufferPointer { a in
            var base = 0
            while base < a.count {
                for j in 0..<width { acc[j] += Double(a[base + j]) }
                base += width
            }
        }
        return Tensor(shape: [width], scalars: acc.map { Float($0) })
    }

    /// Index of the largest element in each row of the tensor seen as [rows, last] (first wins ties).
    public func argmaxRows() -> [Int] {
        let width = shape.last ?? 1
        guard width > 0 else { return [] }
        let rows = count / width
        var out = [Int](repeating: 0, count: rows)
        scalars.withUnsafeBufferPointer { a in
            for r in 0..<rows {
                var best = 0
                var bestValue = a[r * width]
                for j in 1..<width where a[r * width + j] > bestValue {
                    best = j
                    bestValue = a[r * width + j]
                }
                out[r] = best
            }
        }
        return out
    }

    /// Sum of squares of all elements (squared L2 norm).
    public var squaredNorm: Float {
        var s: Double = 0
        for v in scalars { s += Double(v) * Double(v) }
        return Float(s)
    }
}
