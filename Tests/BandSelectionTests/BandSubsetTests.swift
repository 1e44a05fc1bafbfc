// BandSubsetTests: uniform and explicit band choices, their column extraction and their errors.
import Testing
@testable import BandSelection

@Suite("Band subsets")
struct BandSubsetTests {
    @Test("uniform keeps every (B/count)-th band when it divides, and spreads evenly otherwise")
    func uniform() throws {
        #expect(try BandSubset.uniform(count: 100, of: 200).indices == Array(stride(from: 0, to: 200, by: 2)))
        #expect(try BandSubset.uniform(count: 3, of: 10).indices == [0, 3, 6])
        #expect(try BandSubset.uniform(count: 10, of: 10).indices == Array(0..<10))
    }

    @Test("apply picks the columns in the given order")
    func apply() throws {
        let x = try Matrix(rows: 2, columns: 4, values: [0, 1, 2, 3, 10, 11, 12, 13])
        let picked = try BandSubset(indices: [3, 0], inputBands: 4).apply(to: x)
        #expect(picked.rows == 2 && picked.columns == 2 && picked.values == [3, 0, 13, 10])
    }

    @Test("out-of-range, repeated or empty indices and wrong band counts are errors")
    func errors() throws {
        #expect(throws: BandSelectionError.self) { try BandSubset(indices: [4], inputBands: 4) }
        #expect(throws: BandSelectionError.self) { try BandSubset(indices: [-1], inputBands: 4) }
        #expect(throws: BandSelectionError.self) { try BandSubset(indices: [1, 1], inputBands: 4) }
        #expect(throws: BandSelectionError.self) { try BandSubset(indices: [], inputBands: 4) }
        #expect(throws: BandSelectionError.self) { try BandSubset.uniform(count: 5, of: 4) }
        let subset = try BandSubset(indices: [0], inputBands: 4)
        #expect(throws: BandSelectionError.self) { try subset.apply(to: Matrix(zerosRows: 1, columns: 3)) }
    }
}
