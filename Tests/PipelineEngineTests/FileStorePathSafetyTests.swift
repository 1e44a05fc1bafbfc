// FileStorePathSafetyTests: the cache never follows a link out of its folder. Each test plants a
// symbolic link (or a folder, or a FIFO) where the cache keeps a folder or an entry, points it at
// a sentinel folder outside the cache, exercises the store, and checks that the sentinel is
// byte-for-byte what it was — and that the link is gone or refused.
import FileSystem
import Foundation
import PipelineEngine
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite struct FileStorePathSafetyTests {
    /// A cache and, beside it, a sentinel folder holding files named as cache entries would be.
    private func setUp(_ name: String) throws -> (store: FileStore, dir: URL, sentinel: URL) {
        let dir = try makeTemporaryDirectory(name)
        let sentinel = dir.appendingPathComponent("sentinel", isDirectory: true)
        try FileManager.default.createDirectory(at: sentinel, withIntermediateDirectories: true)
        // 62-hex names, as objects are named inside a shard, and a record-like name.
        try Data("precious".utf8).write(to: sentinel.appendingPathComponent(String(repeating: "c", count: 62)))
        try Data("also precious".utf8).write(to: sentinel.appendingPathComponent(String(repeating: "d", count: 62) + ".json"))
        return (try FileStore(root: dir.appendingPathComponent("cache")), dir, sentinel)
    }

    private func link(_ path: URL, to target: URL) throws {
        try? FileManager.default.removeItem(at: path)
        try FileManager.default.createSymbolicLink(atPath: path.path, withDestinationPath: target.path)
    }

    @Test func aLinkedObjectShardIsNeitherListedNorDeletedThrough() throws {
        let (store, dir, sentinel) = try setUp("hsiflow-shard-link")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try directoryFingerprint(sentinel)
        try link(store.root.appendingPathComponent("objects/cc"), to: sentinel)
        let planted = "cc" + String(repeating: "c", count: 62)

        #expect(try store.allObjects().map(\.sha256).contains(planted) == false)
        store.removeObject(planted)                        // what `cache gc` does with an unreferenced object
        #expect(!store.contains(ObjectRef(sha256: planted, bytes: 8)))
        #expect(try directoryFingerprint(sentinel) == before)

        #expect(store.removeIntruders() == ["objects/cc"])
        #expect(ContainedPath.kind(store.root.appendingPathComponent("objects/cc").path) == .missing)
        #expect(try directoryFingerprint(sentinel) == before)
    }

    @Test func aLinkedRecordShardIsNeitherListedNorDeletedThrough() throws {
        let (store, dir, sentinel) = try setUp("hsiflow-record-link")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try directoryFingerprint(sentinel)
        try link(store.root.appendingPathComponent("records/stages/dd"), to: sentinel)
        let key = "dd" + String(repeating: "d", count: 62)
        #expect(try store.recordKeys(in: .stages).isEmpty)
        #expect(store.record(key, in: .stages) == nil)
        store.removeRecord(key, in: .stages)
        // Writing a record there replaces the link with a real folder; the sentinel is untouched.
        try store.putRecord(StageRecord(key: key, stage: "s", kind: "k", outputs: [:], metrics: [:], seconds: 0), in: .stages)
        #expect(ContainedPath.kind(store.root.appendingPathComponent("records/stages/dd").path) == .directory)
        #expect(store.record(key, in: .stages)?.stage == "s")
        #expect(try directoryFingerprint(sentinel) == before)
    }

    @Test func aLinkedTmpFolderIsRemovedAsALinkNotEmptied() throws {
        let (store, dir, sentinel) = try setUp("hsiflow-tmp-link")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try directoryFingerprint(sentinel)
        try link(store.root.appendingPathComponent("tmp"), to: sentinel)
        store.removeStaleTemporaries()                     // what a run does first, under the exclusive lock
        #expect(ContainedPath.kind(store.root.appendingPathComponent("tmp").path) == .directory)
        #expect(try directoryFingerprint(sentinel) == before)
        // Reopening a cache whose tmp/ is a link replaces the link too, and says so.
        try link(store.root.appendingPathComponent("tmp"), to: sentinel)
        let reopened = try FileStore(root: store.root)
        #expect(reopened.removedIntruders == ["tmp"])
        _ = try reopened.put(Data("new object".utf8))
        #expect(try directoryFingerprint(sentinel) == before)
    }

    @Test func aLinkAtALockFileIsNotWrittenThrough() throws {
        let (store, dir, sentinel) = try setUp("hsiflow-lock-link")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try directoryFingerprint(sentinel)
        let key = String(repeating: "e", count: 64)
        let target = sentinel.appendingPathComponent(String(repeating: "c", count: 62))
        try link(store.root.appendingPathComponent("locks/stages-\(key)"), to: target)
        try link(store.root.appendingPathComponent("lock.info"), to: target)
        let entry = try store.lockEntry(key, in: .stages, owner: "test", wait: false) { _ in }
        entry.release()
        let cache = try store.lockCache(.shared, owner: "test", wait: false) { _ in }
        cache.release()
        #expect(try directoryFingerprint(sentinel) == before)
    }

    @Test func anObjectOfTheRightSizeButWrongBytesIsRewrittenByPut() throws {
        let (store, dir, _) = try setUp("hsiflow-same-size")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = Data("the true bytes".utf8)
        let ref = try store.put(data)
        let path = store.root.appendingPathComponent(store.relativePath(of: ref))
        try Data(repeating: 0x41, count: data.count).write(to: path)
        #expect(store.contains(ref))                       // the size alone says present…
        _ = try store.put(data)                            // …but a rerun that has the bytes rewrites it
        #expect(try Data(contentsOf: path) == data)
        #expect(try store.read(ref) == data)
    }

    @Test func aRecordReplacedByAFolderIsRemovedAndCanBeWrittenAgain() throws {
        let (store, dir, _) = try setUp("hsiflow-record-folder")
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = String(repeating: "ab", count: 32)
        let record = StageRecord(key: key, stage: "s", kind: "k", outputs: [:], metrics: ["m": 1], seconds: 1)
        try store.putRecord(record, in: .stages)
        let file = store.root.appendingPathComponent("records/stages/ab/\(key.dropFirst(2)).json")
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createDirectory(at: file.appendingPathComponent("inner"), withIntermediateDirectories: true)
        #expect(store.record(key, in: .stages) == nil)
        #expect(ContainedPath.kind(file.path) == .missing)
        try store.putRecord(record, in: .stages)
        #expect(store.record(key, in: .stages)?.metrics["m"] == 1)
    }

    @Test func aFIFOInsideTheCacheIsSkippedAndRemovedNotRead() throws {
        let (store, dir, sentinel) = try setUp("hsiflow-cache-fifo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let shard = store.root.appendingPathComponent("objects/ff")
        try FileManager.default.createDirectory(at: shard, withIntermediateDirectories: true)
        let fifo = shard.appendingPathComponent(String(repeating: "f", count: 62))
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let sha = String(repeating: "f", count: 64)
        #expect(try store.allObjects().isEmpty)
        #expect(!store.contains(ObjectRef(sha256: sha, bytes: 0)))
        #expect(throws: EngineError.self) { try store.read(ObjectRef(sha256: sha, bytes: 0)) }
        #expect(ContainedPath.kind(fifo.path) == .missing)  // read dropped it as corrupt, without opening it
        #expect(mkfifo(fifo.path, 0o644) == 0)
        try link(store.root.appendingPathComponent("objects/ee"), to: sentinel)
        #expect(store.removeIntruders() == ["objects/ee", "objects/ff/\(String(repeating: "f", count: 62))"])
    }

    @Test func namesThatAreNotHashesNeverBecomePaths() throws {
        let (store, dir, _) = try setUp("hsiflow-hostile-names")
        defer { try? FileManager.default.removeItem(at: dir) }
        let hostile = "/../../../../pwn"
        #expect(!store.contains(ObjectRef(sha256: hostile, bytes: 0)))
        #expect(throws: EngineError.self) { try store.read(ObjectRef(sha256: hostile, bytes: 0)) }
        store.removeObject("../../" + String(repeating: "a", count: 58))
        #expect(store.record("../../etc/passwd", in: .stages) == nil)
        #expect(throws: EngineError.self) {
            try store.putRecord(StageRecord(key: "../x", stage: "s", kind: "k", outputs: [:], metrics: [:], seconds: 0), in: .stages)
        }
    }
}
