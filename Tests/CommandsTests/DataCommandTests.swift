import FileFormats
import Foundation
import Testing
import TestSupport
@testable import Commands

@Suite struct DataCommandTests {
    @Test func checkRefusesAFolderWithoutTheData() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try DataCommand.Check.parse([dir.path])
        #expect(throws: UserInputError.self) { try command.run() }
    }

    @Test func checkRefusesDataThatIsNotIndianPines() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Npy.write(NumericArray(integers: Array(repeating: 1000, count: 2 * 2 * 3), shape: [2, 2, 3], as: .uint16),
                      to: dir.appendingPathComponent("Indian_pines_corrected.npy").path)
        try Npy.write(NumericArray(integers: [0, 1, 2, 3], shape: [2, 2], as: .uint8),
                      to: dir.appendingPathComponent("Indian_pines_gt.npy").path)
        let problems = try IndianPinesFetcher.verify(cube: dir.appendingPathComponent("Indian_pines_corrected.npy").path,
                                                     labels: dir.appendingPathComponent("Indian_pines_gt.npy").path)
        #expect(problems.count == 2)
        #expect(problems[0].contains("shape 2×2×3"))
    }

    @Test func syntheticWritesACubeAndGroundTruth() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var command = try DataCommand.Synthetic.parse(["--to", dir.path, "--height", "12", "--width", "10", "--bands", "6", "--classes", "3"])
        try command.run()
        let cube = try ArrayFile.loadCube(path: dir.appendingPathComponent("cube.npy").path)
        let gt = try ArrayFile.loadLabelMap(path: dir.appendingPathComponent("gt.npy").path)
        #expect(cube.height == 12 && cube.width == 10 && cube.bands == 6)
        #expect(gt.maxLabel == 3)
    }

    @Test(.enabled(if: realDataDirectory() != nil, "HSIFLOW_DATA not set: real-data check skipped"))
    func realDataPassesTheCheck() throws {
        let dir = try #require(realDataDirectory())
        var command = try DataCommand.Check.parse([dir.path])
        try command.run()
    }
}
