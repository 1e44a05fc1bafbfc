import Testing
import TestSupport
@testable import SpectralData

@Suite struct LabelMapTests {
    @Test func keepingRenumbersInListOrder() throws {
        let map = try LabelMap(height: 2, width: 4, labels: [0, 2, 3, 5, 2, 7, 5, 1])
        let kept = try map.keeping(classes: [5, 2])
        #expect(kept.labels == [0, 2, 0, 1, 2, 0, 1, 0])
        #expect(kept.classCounts == [4, 2, 2])
    }

    @Test func badClassListsAreRefused() throws {
        let map = try LabelMap(height: 1, width: 2, labels: [1, 2])
        #expect(throws: SpectralDataError.self) { try map.keeping(classes: []) }
        #expect(throws: SpectralDataError.self) { try map.keeping(classes: [1, 1]) }
        #expect(throws: SpectralDataError.self) { try map.keeping(classes: [0]) }
    }

    @Test func shapeAndSignAreChecked() {
        #expect(throws: SpectralDataError.self) { try LabelMap(height: 2, width: 2, labels: [1, 2, 3]) }
        #expect(throws: SpectralDataError.self) { try LabelMap(height: 1, width: 2, labels: [1, -1]) }
    }
}
