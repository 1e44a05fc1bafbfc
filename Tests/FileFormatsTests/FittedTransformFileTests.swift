// FittedTransformFileTests: a record and a Float64 components matrix survive the folder round
// trip bit for bit; a save without components removes a stale matrix; broken files are errors.
import Foundation
import Testing
import TestSupport
@testable import FileFormats

@Suite struct FittedTransformFileTests {
    struct Record: Codable, Equatable {
        var kind: String
        var scales: [Double]
    }

    @Test func roundTripsRecordAndComponents() throws {
        let folder = try makeTemporaryDirectory("fitted-transform")
        defer { try? FileManager.default.removeItem(at: folder) }
        let record = Record(kind: "pca", scales: [1.5, 0.1, 1e-300, -2])
        let values = (0..<12).map { Double($0) / 7 - 0.3 }
        let components = FittedTransformFile.Components(rows: 3, columns: 4, values: values)
        try FittedTransformFile.save(record: record, components: components, to: folder.path)
        let header = try Npy.read(path: folder.appendingPathComponent(FittedTransformFile.componentsName).path)
        #expect(header.elementType == .float64 && header.shape == [3, 4])
        let (loaded, matrix) = try FittedTransformFile.load(Record.self, from: folder.path)
        #expect(loaded == record)
        #expect(matrix == components)
    }

    @Test func saveWithoutComponentsRemovesAStaleMatrix() throws {
        let folder = try makeTemporaryDirectory("fitted-transform")
        defer { try? FileManager.default.removeItem(at: folder) }
        let components = FittedTransformFile.Components(rows: 1, columns: 2, values: [1, 2])
        try FittedTransformFile.save(record: Record(kind: "nmf", scales: []), components: components, to: folder.path)
        try FittedTransformFile.save(record: Record(kind: "subset", scales: []), components: nil, to: folder.path)
        let (loaded, matrix) = try FittedTransformFile.load(Record.self, from: folder.path)
        #expect(loaded.kind == "subset" && matrix == nil)
    }

    @Test func brokenFilesAreErrorsNamingThePath() throws {
        let folder = try makeTemporaryDirectory("fitted-transform")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: FileFormatsError.self) { try FittedTransformFile.load(Record.self, from: folder.path) }
        let recordPath = folder.appendingPathComponent(FittedTransformFile.recordName).path
        try Data("{\"kind\": 3}".utf8).write(to: URL(fileURLWithPath: recordPath))
        do {
            _ = try FittedTransformFile.load(Record.self, from: folder.path)
            Issue.record("a record of the wrong shape should not load")
        } catch {
            #expect(error.description.contains(recordPath))
        }
        try FittedTransformFile.save(record: Record(kind: "pca", scales: []), components: nil, to: folder.path)
        try Npy.write(NumericArray(float64: [1, 2, 3, 4, 5, 6, 7, 8], shape: [2, 2, 2]),
                      to: folder.appendingPathComponent(FittedTransformFile.componentsName).path)
        #expect(throws: FileFormatsError.self) { try FittedTransformFile.load(Record.self, from: folder.path) }
    }
}
