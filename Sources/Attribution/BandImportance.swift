// BandImportance: how much each band matters to a model — every sample's |attribution| summed over
// the patch's pixels per band, then averaged over the samples of each class (and over all samples).
// attributions [N, P, P, B] -> curves [B].

/// Per-band importance curves.
public struct BandImportance: Sendable, Equatable {
    /// The mean over all samples, per band.
    public var overall: [Float]
    /// For every class that has samples (0-based class → curve), the mean over its samples.
    public var perClass: [Int: [Float]]
    /// Samples per class.
    public var counts: [Int: Int]

    /// The curves of `attributions`, grouped by the class each sample was explained for.
    public init(_ attributions: Attributions) throws(AttributionError) {
        let shape = attributions.values.shape
        guard shape.count == 4 else { throw .shapeMismatch("attributions must be [N, P, P, B], got \(shape)") }
        let (n, pixels, b) = (shape[0], shape[1] * shape[2], shape[3])
        guard attributions.classes.count == n else {
            throw .shapeMismatch("\(n) samples but \(attributions.classes.count) classes")
        }
        var sums: [Int: [Double]] = [:], counts: [Int: Int] = [:]
        var total = [Double](repeating: 0, count: b)
        attributions.values.scalars.withUnsafeBufferPointer { v in
            for s in 0..<n {
                var curve = [Double](repeating: 0, count: b)
                for p in 0..<pixels {
                    let base = (s * pixels + p) * b
                    for k in 0..<b { curve[k] += Double(abs(v[base + k])) }
                }
                let c = attributions.classes[s]
                sums[c, default: [Double](repeating: 0, count: b)] = zip(sums[c] ?? [Double](repeating: 0, count: b), curve).map(+)
                counts[c, default: 0] += 1
                for k in 0..<b { total[k] += curve[k] }
            }
        }
        overall = total.map { Float($0 / Double(max(n, 1))) }
        perClass = sums.reduce(into: [:]) { out, entry in
            let count = Double(counts[entry.key] ?? 1)
            out[entry.key] = entry.value.map { Float($0 / count) }
        }
        self.counts = counts
    }

    /// Bands ordered from most to least important overall (ties by band index).
    public var ranking: [Int] {
        overall.indices.sorted { overall[$0] != overall[$1] ? overall[$0] > overall[$1] : $0 < $1 }
    }
}
