// BandSubset: band selection proper — keep real bands (an explicit list, or evenly spaced
// ones) so that measured bands can be compared with projected components.

/// A list of kept band indices, in output order.
public struct BandSubset: Sendable, Equatable, Codable {
    /// Indices into the input bands, each in 0..<inputBands, no repeats.
    public let indices: [Int]
    /// Number of bands of the data the subset applies to.
    public let inputBands: Int

    /// Keeps exactly `indices` (0-based), in the given order.
    public init(indices: [Int], inputBands: Int) throws(BandSelectionError) {
        guard !indices.isEmpty else { throw .invalidParameter("a band subset needs at least one band index") }
        if let bad = indices.first(where: { $0 < 0 || $0 >= inputBands }) {
            throw .invalidParameter("band index \(bad) is outside 0…\(inputBands - 1) (the data has \(inputBands) bands; indices are 0-based)")
        }
        guard Set(indices).count == indices.count else {
            throw .invalidParameter("band indices must not repeat, got \(indices)")
        }
        self.indices = indices
        self.inputBands = inputBands
    }

    /// `count` bands spread evenly: band ⌊i·B/count⌋ for i in 0..<count (every (B/count)-th band when it divides).
    public static func uniform(count: Int, of inputBands: Int) throws(BandSelectionError) -> BandSubset {
        guard count >= 1, count <= inputBands else {
            throw .invalidParameter("uniform band selection keeps 1…\(inputBands) bands, asked for \(count)")
        }
        return try BandSubset(indices: (0..<count).map { $0 * inputBands / count }, inputBands: inputBands)
    }

    /// The kept columns of `x` (rows are pixels).
    public func apply(to x: Matrix) throws(BandSelectionError) -> Matrix {
        guard x.columns == inputBands else {
            throw .shapeMismatch("the band subset was chosen from \(inputBands) bands, the data has \(x.columns)")
        }
        var out = [Double](repeating: 0, count: x.rows * indices.count)
        for r in 0..<x.rows {
            for (j, band) in indices.enumerated() { out[r * indices.count + j] = x.values[r * x.columns + band] }
        }
        return Matrix(uncheckedRows: x.rows, columns: indices.count, values: out)
    }
}
