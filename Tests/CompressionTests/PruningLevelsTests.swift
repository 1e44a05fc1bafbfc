// PruningLevelsTests: {from, to, step} and list forms, validation, and both JSON shapes.
import Foundation
import Testing
@testable import Compression

@Suite struct PruningLevelsTests {
    @Test func rangeIncludesBothEnds() throws {
        #expect(try PruningLevels.range(from: 0, to: 80, step: 5).values() == stride(from: 0.0, through: 80, by: 5).map { $0 })
        #expect(try PruningLevels.range(from: 0, to: 0.3, step: 0.1).values() == [0, 0.1, 0.2, 0.3])
        #expect(try PruningLevels.range(from: 10, to: 12, step: 5).values() == [10])
    }

    @Test func invalidLevelsAreErrors() {
        #expect(throws: CompressionError.self) { try PruningLevels.list([10, 5]).values() }
        #expect(throws: CompressionError.self) { try PruningLevels.list([10, 10]).values() }
        #expect(throws: CompressionError.self) { try PruningLevels.list([]).values() }
        #expect(throws: CompressionError.self) { try PruningLevels.list([101]).values() }
        #expect(throws: CompressionError.self) { try PruningLevels.range(from: 0, to: 50, step: 0).values() }
        #expect(throws: CompressionError.self) { try PruningLevels.range(from: 50, to: 0, step: 5).values() }
    }

    @Test func decodesAListOrARange() throws {
        let d = JSONDecoder()
        #expect(try d.decode(PruningLevels.self, from: Data("[0, 40, 70]".utf8)) == .list([0, 40, 70]))
        #expect(try d.decode(PruningLevels.self, from: Data(#"{"from": 0, "to": 85, "step": 5}"#.utf8)) == .range(from: 0, to: 85, step: 5))
        let range = PruningLevels.range(from: 5, to: 10, step: 5)
        #expect(try d.decode(PruningLevels.self, from: JSONEncoder().encode(range)) == range)
    }
}
