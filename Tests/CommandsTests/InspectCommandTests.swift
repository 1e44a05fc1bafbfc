import FileFormats
import Foundation
import Testing
import TestSupport
@testable import Commands

@Suite struct InspectCommandTests {
    @Test func describesALabelMapWithClassCounts() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("gt.npy").path
        try Npy.write(NumericArray(integers: [0, 1, 1, 2, 0, 2, 2, 3], shape: [2, 4], as: .uint8), to: path)
        let report = try ArrayInspection.inspect(path: path, variable: nil)
        #expect(report.shape == [2, 4])
        #expect(report.dtype == "uint8")
        #expect(report.classCounts == [2, 2, 3, 1])
        let text = report.renderedText()
        #expect(text.contains("shape     2×4"))
        #expect(text.contains("classes   3"))
        let json = try report.renderedJSON()
        #expect(json.contains("\"classCounts\""))
    }

    @Test func describesACubeWithItsRange() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("cube.npy").path
        try Npy.write(NumericArray(float32: (0..<24).map { Float($0) - 3.5 }, shape: [2, 3, 4]), to: path)
        let report = try ArrayInspection.inspect(path: path, variable: nil)
        #expect(report.min == -3.5 && report.max == 19.5)
        #expect(report.classCounts == nil)
        #expect(report.renderedText().contains("range     -3.5 .. 19.5"))
    }

    @Test func badFilesBecomeUserInputErrors() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("broken.npy").path
        FileManager.default.createFile(atPath: path, contents: Data("not numpy".utf8))
        #expect(throws: UserInputError.self) { try ArrayInspection.inspect(path: path, variable: nil) }
        #expect(throws: UserInputError.self) { try ArrayInspection.inspect(path: dir.appendingPathComponent("none.mat").path, variable: nil) }
    }

    @Test(.enabled(if: realDataDirectory() != nil, "HSIFLOW_DATA not set: real-data inspection skipped"))
    func realCubeReportsItsPublishedShapeAndRange() throws {
        let path = try #require(realDataDirectory()).appendingPathComponent("Indian_pines_corrected.mat").path
        let report = try ArrayInspection.inspect(path: path, variable: nil)
        #expect(report.shape == [145, 145, 200])
        #expect(report.dtype == "uint16")
        #expect(report.min == 955 && report.max == 9604)
    }
}
