// AtomicFile: a write replaces the whole file or nothing, creates missing folders, leaves no
// temporary file behind (on success or failure), and reports failures with the path.
import FileSystem
import Foundation
import Testing
import TestSupport

@Suite struct AtomicFileTests {
    @Test func writesTheBytesAndReplacesAnOldFileWhole() throws {
        let dir = try makeTemporaryDirectory("hsiflow-atomic")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("nested/deeper/file.bin").path
        try AtomicFile.write(Data([1, 2, 3]), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([1, 2, 3]))
        try AtomicFile.write([UInt8](repeating: 7, count: 100_000), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data(repeating: 7, count: 100_000))
        try AtomicFile.write(Data(), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data())
        // Only the file itself remains: no temporaries beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("nested/deeper").path) == ["file.bin"])
    }

    @Test func aGivenTemporaryFolderHoldsNothingAfterwards() throws {
        let dir = try makeTemporaryDirectory("hsiflow-atomic")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmp = dir.appendingPathComponent("tmp", isDirectory: true)
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("objects/ab/cdef").path
        try AtomicFile.write(Data("hello".utf8), to: path, temporaryDirectory: tmp.path)
        #expect(FileManager.default.contents(atPath: path) == Data("hello".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
    }

    @Test func copiesAFile() throws {
        let dir = try makeTemporaryDirectory("hsiflow-atomic")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("a").path, target = dir.appendingPathComponent("b/c").path
        try AtomicFile.write(Data([9, 8, 7]), to: source)
        try AtomicFile.copy(from: source, to: target)
        #expect(FileManager.default.contents(atPath: target) == Data([9, 8, 7]))
        #expect(throws: AtomicWriteError.self) { try AtomicFile.copy(from: dir.appendingPathComponent("missing").path, to: target) }
    }

    @Test func aFailedWriteKeepsTheOldFileAndNamesThePath() throws {
        let dir = try makeTemporaryDirectory("hsiflow-atomic")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The target is a non-empty folder: rename(2) cannot replace it.
        let target = dir.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: target.appendingPathComponent("inside"), withIntermediateDirectories: true)
        let error = #expect(throws: AtomicWriteError.self) { try AtomicFile.write(Data([1]), to: target.path) }
        #expect(error?.path == target.path)
        #expect(error?.description.hasPrefix("cannot write \(target.path): ") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["taken"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path) == ["inside"])
        // A missing temporary folder is reported, not crashed on.
        #expect(throws: AtomicWriteError.self) {
            try AtomicFile.write(Data([1]), to: dir.appendingPathComponent("x").path, temporaryDirectory: dir.appendingPathComponent("nope").path)
        }
    }
}
