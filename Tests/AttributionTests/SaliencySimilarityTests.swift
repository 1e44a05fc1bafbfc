// Spearman and cosine: hand-computed values, scipy's spearmanr (ties) from the golden file, and
// the per-sample averages.
import Testing
import Tensors
import TestSupport
@testable import Attribution

@Suite struct SaliencySimilarityTests {
    @Test func handComputedValues() {
        #expect(SaliencySimilarity.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1)
        #expect(SaliencySimilarity.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
        // Ranks [1, 2, 3] and [1, 3, 2]: ρ = 1 − 6·Σd²/(n(n²−1)) = 1 − 6·2/24 = 0.5.
        #expect(abs(SaliencySimilarity.spearman([1, 2, 3], [5, 9, 7]) - 0.5) < 1e-12)
        #expect(SaliencySimilarity.ranks([3, 1, 3, 2]) == [3.5, 1, 3.5, 2])
        #expect(abs(SaliencySimilarity.cosine([1, 0], [1, 1]) - 0.5.squareRoot()) < 1e-12)
        #expect(SaliencySimilarity.cosine([0, 0], [1, 1]) == 0)
        #expect(SaliencySimilarity.spearman([2, 2, 2], [1, 2, 3]) == 0)
        // Identical maps agree, even when constant (a dead map against itself).
        #expect(SaliencySimilarity.spearman([0, 0, 0], [0, 0, 0]) == 1 && SaliencySimilarity.cosine([0, 0], [0, 0]) == 1)
    }

    @Test func matchesScipy() throws {
        for pair in try Golden.load().similarity {
            let a = pair.a.map(Float.init), b = pair.b.map(Float.init)
            #expect(abs(SaliencySimilarity.spearman(a, b) - pair.spearman) < 1e-9)
            #expect(abs(SaliencySimilarity.cosine(a, b) - pair.cosine) < 1e-6)
        }
    }

    @Test func averagesOverSamples() throws {
        let a = Attributions(values: Tensor(shape: [2, 1, 1, 3], scalars: [1, 2, 3, 1, 2, 3]), classes: [0, 0])
        let b = Attributions(values: Tensor(shape: [2, 1, 1, 3], scalars: [2, 4, 6, 3, 2, 1]), classes: [0, 0])
        let similarity = try SaliencySimilarity(a, reference: b)
        #expect(similarity.spearman == [1, -1] && similarity.meanSpearman == 0)
        #expect(abs(similarity.cosine[0] - 1) < 1e-12 && abs(similarity.cosine[1] - 10.0 / 14) < 1e-12)
        #expect(throws: AttributionError.self) {
            try SaliencySimilarity(a, reference: Attributions(values: Tensor(shape: [1, 1, 1, 3]), classes: [0]))
        }
    }
}
