// NMF+InitializationTests: NNDSVD and NNDSVDa starts against scikit-learn's (whose randomized SVD
// is exact on this small matrix), the exact SVD behind them, and the seeded random start.
import Testing
import Tensors
import TestSupport
@testable import BandSelection

@Suite("NMF initialization")
struct NMFInitializationTests {
    let x = matrix(Golden.nmf.cube)
    let k = Golden.nmf.components

    @Test("NNDSVD and NNDSVDa starts match scikit-learn's", arguments: [NMF.Initialization.nndsvd, .nndsvda])
    func nndsvdMatchesScikitLearn(initialization: NMF.Initialization) throws {
        let reference = initialization == .nndsvd ? Golden.nmf.nndsvd : Golden.nmf.nndsvda
        let (w, h) = try NMF(components: k, initialization: initialization).initialFactors(x)
        let (w0, h0) = (matrix(reference.W0), matrix(reference.H0))
        #expect(maxAbsDifference(w.values, w0.values) / (w0.values.max() ?? 1) < 1e-6)
        #expect(maxAbsDifference(h.values, h0.values) / (h0.values.max() ?? 1) < 1e-6)
    }

    @Test("the singular triplets reconstruct the matrix, from either Gram side")
    func singularTriplets() throws {
        for data in [x, x.transposed] {
            let full = min(data.rows, data.columns)
            let (u, s, v) = try NMF(components: full).leadingSingularTriplets(data, count: full)
            var scaled = u
            for i in 0..<u.rows { for j in 0..<full { scaled[i, j] *= s[j] } }
            let back = scaled.multiplied(by: v)
            #expect(maxAbsDifference(back.values, data.values) / (data.values.max() ?? 1) < 1e-9)
            #expect(zip(s, s.dropFirst()).allSatisfy { $0 >= $1 })
        }
    }

    @Test("the random start is seeded, non-negative and scaled by √(mean/k)")
    func randomStart() throws {
        let settings = NMF(components: k, initialization: .random, seed: 9)
        let (w1, h1) = try settings.initialFactors(x)
        let (w2, _) = try settings.initialFactors(x)
        #expect(w1 == w2)
        #expect(w1.values.allSatisfy { $0 >= 0 } && h1.values.allSatisfy { $0 >= 0 })
        let mean = x.values.reduce(0, +) / Double(x.values.count)
        let average = w1.values.reduce(0, +) / Double(w1.values.count)
        // E|N(0,1)| = √(2/π)
        #expect(abs(average / ((mean / Double(k)).squareRoot() * (2 / Double.pi).squareRoot()) - 1) < 0.1)
        let other = try NMF(components: k, initialization: .random, seed: 10).initialFactors(x).w
        #expect(other != w1)
    }

    @Test("NNDSVDar fills the zeros of NNDSVD with small positive values")
    func nndsvdarFillsZeros() throws {
        let plain = try NMF(components: k, initialization: .nndsvd).initialFactors(x)
        let filled = try NMF(components: k, initialization: .nndsvdar, seed: 3).initialFactors(x)
        let mean = x.values.reduce(0, +) / Double(x.values.count)
        for i in plain.w.values.indices {
            if plain.w.values[i] == 0 { #expect(filled.w.values[i] > 0 && filled.w.values[i] < mean) }
            else { #expect(filled.w.values[i] == plain.w.values[i]) }
        }
    }
}
