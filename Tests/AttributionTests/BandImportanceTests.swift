// Band importance: |attribution| summed over the patch, averaged per class and overall, by hand.
import Testing
import Tensors
@testable import Attribution

@Suite struct BandImportanceTests {
    @Test func curvesByHand() throws {
        // 3 samples of 1×2 pixels × 2 bands; classes [0, 1, 0].
        let values = Tensor(shape: [3, 1, 2, 2], scalars: [
            1, -2, 3, 4,    // sample 0: band 0 |1|+|3| = 4, band 1 |−2|+|4| = 6
            0, 1, 0, 1,     // sample 1: 0, 2
            -2, 0, 2, 0,    // sample 2: 4, 0
        ])
        let importance = try BandImportance(Attributions(values: values, classes: [0, 1, 0]))
        #expect(importance.perClass[0] == [4, 3])
        #expect(importance.perClass[1] == [0, 2])
        #expect(importance.counts == [0: 2, 1: 1])
        #expect(importance.overall == [8.0 / 3, 8.0 / 3])
        #expect(importance.ranking == [0, 1])
        #expect(throws: AttributionError.self) { try BandImportance(Attributions(values: values, classes: [0])) }
    }
}
