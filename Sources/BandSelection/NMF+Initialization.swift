// NMF+Initialization: the starting W and H. NNDSVD (Boutsidis & Gallopoulos, 2008) takes the
// leading singular triplets of X — here exact, from the eigen-decomposition of the smaller Gram
// matrix, where scikit-learn uses a randomized SVD — and keeps the dominant non-negative part
// of each; the `a`/`ar` variants fill its zeros; `random` draws scaled |N(0, 1)| values.
import Tensors

extension NMF {
    /// W (n × k) and H (k × m) to start the iteration from.
    func initialFactors(_ x: Matrix) throws(BandSelectionError) -> (w: Matrix, h: Matrix) {
        let (n, m, k) = (x.rows, x.columns, components)
        let mean = x.values.reduce(0, +) / Double(max(1, x.values.count))
        var random = SeededRandom(seed: seed)

        if initialization == .random {
            let scale = (mean / Double(k)).squareRoot()
            var h = Matrix(zerosRows: k, columns: m), w = Matrix(zerosRows: n, columns: k)
            for i in h.values.indices { h.values[i] = abs(scale * random.normal()) }
            for i in w.values.indices { w.values[i] = abs(scale * random.normal()) }
            return (w, h)
        }

        let (u, s, v) = try leadingSingularTriplets(x, count: k)   // u: (n, k) columns, s: (k), v: (k, m) rows
        var w = Matrix(zerosRows: n, columns: k), h = Matrix(zerosRows: k, columns: m)
        for j in 0..<k {
            let x = (0..<n).map { u[$0, j] }
            let y = Array(v.row(j))
            let (left, right, sigma): ([Double], [Double], Double)
            if j == 0 {
                // The leading pair can be taken non-negative as a whole (Perron–Frobenius).
                (left, right, sigma) = (x.map(abs), y.map(abs), 1)
            } else {
                let (xp, yp) = (x.map { max($0, 0) }, y.map { max($0, 0) })
                let (xn, yn) = (x.map { max(-$0, 0) }, y.map { max(-$0, 0) })
                let (xpNorm, ypNorm, xnNorm, ynNorm) = (norm(xp), norm(yp), norm(xn), norm(yn))
                let (positive, negative) = (xpNorm * ypNorm, xnNorm * ynNorm)
                if positive > negative {
                    (left, right, sigma) = (xp.map { $0 / xpNorm }, yp.map { $0 / ypNorm }, positive)
                } else if negative > 0 {
                    (left, right, sigma) = (xn.map { $0 / xnNorm }, yn.map { $0 / ynNorm }, negative)
                } else {
                    (left, right, sigma) = (xn, yn, 0)   // a null direction: the component starts at zero
                }
            }
            let lambda = (s[j] * sigma).squareRoot()
            for i in 0..<n { w[i, j] = lambda * left[i] }
            for c in 0..<m { h[j, c] = lambda * right[c] }
        }
        let cutoff = 1e-6
        for i in w.values.indices where w.values[i] < cutoff { w.values[i] = 0 }
        for i in h.values.indices where h.values[i] < cutoff { h.values[i] = 0 }

        switch initialization {
        case .nndsvd, .random:
            break
        case .nndsvda:
            for i in w.values.indices where w.values[i] == 0 { w.values[i] = mean }
            for i in h.values.indices where h.values[i] == 0 { h.values[i] = mean }
        case .nndsvdar:
            for i in w.values.indices where w.values[i] == 0 { w.values[i] = abs(mean * random.normal() / 100) }
            for i in h.values.indices where h.values[i] == 0 { h.values[i] = abs(mean * random.normal() / 100) }
        }
        return (w, h)
    }

    /// The `count` largest singular values of x with their left (columns of u) and right (rows of v)
    /// vectors, from the eigenvectors of the smaller of xᵀx and xxᵀ.
    func leadingSingularTriplets(_ x: Matrix, count k: Int) throws(BandSelectionError) -> (u: Matrix, s: [Double], v: Matrix) {
        let (n, m) = (x.rows, x.columns)
        let byFeatures = n >= m
        let gram = byFeatures ? x.gram() : x.multiplied(by: x, transposeOther: true)   // (m, m) or (n, n)
        let size = gram.rows
        guard let eigen = BLAS.symmetricEigen(gram.values, n: size) else {
            throw .numericalFailure("LAPACK dsyevd did not converge on the \(size)×\(size) Gram matrix of the NMF input")
        }
        var s = [Double](repeating: 0, count: k)
        var basis = Matrix(zerosRows: k, columns: size)            // leading eigenvectors as rows
        for j in 0..<k {
            let source = size - 1 - j
            s[j] = max(eigen.values[source], 0).squareRoot()
            for c in 0..<size { basis[j, c] = eigen.vectors[source * size + c] }
        }
        // The other side: x·v / σ (or xᵀ·u / σ); a zero σ leaves a zero vector.
        var other = byFeatures ? x.multiplied(by: basis, transposeOther: true)      // (n, k)
                               : basis.multiplied(by: x)                            // (k, m)
        for j in 0..<k {
            let inverse = s[j] > 0 ? 1 / s[j] : 0
            if byFeatures { for i in 0..<n { other[i, j] *= inverse } }
            else { for c in 0..<m { other[j, c] *= inverse } }
        }
        return byFeatures ? (other, s, basis) : (basis.transposed, s, other)
    }
}

private func norm(_ v: [Double]) -> Double {
    var s = 0.0
    for x in v { s += x * x }
    return s.squareRoot()
}
