// ContainedPath: folders below a root are made or refused without following links, a folder is
// removed with its links unlinked (never entered), and containment fails for `..` and for any
// path that passes through a link.
import FileSystem
import Foundation
import Testing
import TestSupport

@Suite struct ContainedPathTests {
    @Test func aLinkInTheWayIsRefusedOrReplacedButNeverWrittenThrough() throws {
        let dir = try makeTemporaryDirectory("hsiflow-contained")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("root").path
        let outside = dir.appendingPathComponent("outside").path
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/a", withDestinationPath: outside)

        #expect(throws: AtomicWriteError.self) { try ContainedPath.prepareFolder(["a", "b"], under: root, intruder: .refuse) }
        do {
            try ContainedPath.prepareFolder(["a", "b"], under: root, intruder: .refuse)
        } catch {
            #expect(error.isUnsafePath && error.reason.contains("symbolic link to \(outside)"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(!ContainedPath.isContained(root + "/a/x", in: root))
        #expect(!ContainedPath.isContained(root + "/../x", in: root))

        let made = try ContainedPath.prepareFolder(["a", "b"], under: root, intruder: .replace)
        #expect(made == root + "/a/b")
        #expect(ContainedPath.kind(root + "/a") == .directory)
        #expect(ContainedPath.isContained(root + "/a/b/x", in: root))
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    @Test func removingAFolderUnlinksTheLinksInsideWithoutEnteringThem() throws {
        let dir = try makeTemporaryDirectory("hsiflow-contained-remove")
        defer { try? FileManager.default.removeItem(at: dir) }
        let outside = dir.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: outside.appendingPathComponent("file"))
        let doomed = dir.appendingPathComponent("doomed/inner")
        try FileManager.default.createDirectory(at: doomed, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: doomed.appendingPathComponent("link").path, withDestinationPath: outside.path)
        try Data("x".utf8).write(to: doomed.appendingPathComponent("plain"))

        #expect(ContainedPath.remove(dir.appendingPathComponent("doomed").path, inside: dir.path))
        #expect(ContainedPath.kind(dir.appendingPathComponent("doomed").path) == .missing)
        #expect(FileManager.default.contents(atPath: outside.appendingPathComponent("file").path) == Data("keep".utf8))
        #expect(ContainedPath.entries(of: dir.path).sorted() == ["outside"])
    }
}
