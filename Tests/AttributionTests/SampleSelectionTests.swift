// Per-class seeded sample choice: counts, classes, determinism and errors.
import Testing
import SpectralData
@testable import Attribution

@Suite struct SampleSelectionTests {
    let labels = try! LabelMap(height: 4, width: 5, labels: [
        1, 1, 1, 1, 1,
        2, 2, 0, 0, 3,
        1, 1, 1, 0, 3,
        2, 0, 0, 0, 3,
    ])

    @Test func upToKPixelsOfEveryClassSeeded() throws {
        let chosen = try SampleSelection.perClass(labels, perClass: 2, seed: 4)
        #expect(chosen.count == 6)
        #expect(chosen.map { labels.labels[$0] } == [1, 1, 2, 2, 3, 3])
        #expect(try SampleSelection.perClass(labels, perClass: 2, seed: 4) == chosen)
        let seeds = try (0..<10).map { try SampleSelection.perClass(labels, perClass: 2, seed: UInt64($0)) }
        #expect(Set(seeds).count > 1)
        // A class with fewer pixels than asked gives all of them.
        #expect(try SampleSelection.perClass(labels, perClass: 5, classes: [2], seed: 1) == [5, 6, 15])
    }

    @Test func badRequestsAreErrors() {
        #expect(throws: AttributionError.self) { try SampleSelection.perClass(labels, perClass: 0, seed: 1) }
        #expect(throws: AttributionError.self) { try SampleSelection.perClass(labels, perClass: 1, classes: [4], seed: 1) }
    }
}
