// SaliencySimilarity: how alike two attributions are — Spearman's rank correlation (Pearson on
// average ranks, ties sharing their mean rank, as scipy.stats.spearmanr) and cosine similarity —
// per sample and averaged, e.g. a pruned model's saliency against the unpruned one's.

/// Agreement between a model's attributions and a reference model's, averaged over samples.
public struct SaliencySimilarity: Sendable, Equatable {
    /// Spearman rank correlation per sample (1 for identical maps; otherwise 0 where either map is constant).
    public var spearman: [Double]
    /// Cosine similarity per sample (1 for identical maps; otherwise 0 where either map is all zeros).
    public var cosine: [Double]

    public var meanSpearman: Double { spearman.isEmpty ? 0 : spearman.reduce(0, +) / Double(spearman.count) }
    public var meanCosine: Double { cosine.isEmpty ? 0 : cosine.reduce(0, +) / Double(cosine.count) }

    /// Compares `attributions` with `reference` sample by sample (same shapes).
    public init(_ attributions: Attributions, reference: Attributions) throws(AttributionError) {
        guard attributions.values.shape == reference.values.shape else {
            throw .shapeMismatch("attributions \(attributions.values.shape) and reference \(reference.values.shape) differ")
        }
        let n = attributions.count, size = n == 0 ? 0 : attributions.values.count / n
        var rho: [Double] = [], cos: [Double] = []
        for s in 0..<n {
            let a = Array(attributions.values.scalars[s * size ..< (s + 1) * size])
            let b = Array(reference.values.scalars[s * size ..< (s + 1) * size])
            rho.append(SaliencySimilarity.spearman(a, b))
            cos.append(SaliencySimilarity.cosine(a, b))
        }
        spearman = rho
        cosine = cos
    }

    /// Spearman's ρ of two equally long sequences: Pearson correlation of their average ranks.
    /// Undefined when a sequence is constant: then 1 if the two are identical (a dead map compared with
    /// itself agrees), else 0.
    public static func spearman(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count, a.count > 1 else { return 0 }
        if a == b { return 1 }
        return pearson(ranks(a), ranks(b))
    }

    /// a·b / (‖a‖‖b‖); for an all-zero sequence 1 if the two are identical, else 0.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count else { return 0 }
        if a == b { return 1 }
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return na > 0 && nb > 0 ? dot / (na.squareRoot() * nb.squareRoot()) : 0
    }

    /// 1-based ranks, ties given the mean of the ranks they span.
    static func ranks(_ values: [Float]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let mean = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = mean }
            i = j + 1
        }
        return ranks
    }

    /// Pearson correlation, 0 when either sequence is constant.
    static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) {
            sab += (x - ma) * (y - mb)
            saa += (x - ma) * (x - ma)
            sbb += (y - mb) * (y - mb)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}
