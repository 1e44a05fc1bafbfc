// FileStoreTests: the on-disk cache — sharded objects, hash-checked reads that drop corrupt
// or truncated entries, corrupt records dropped, temp leftovers swept, and the flock-based lock
// that names its holder.
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

@Suite struct FileStoreTests {
    private func makeStore() throws -> (FileStore, URL) {
        let dir = try makeTemporaryDirectory()
        return (try FileStore(root: dir.appendingPathComponent("cache")), dir)
    }

    @Test func objectsAreShardedByHashAndReadBack() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ref = try store.put(Data("hello".utf8))
        #expect(ref.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(store.relativePath(of: ref) == "objects/2c/f24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(FileManager.default.fileExists(atPath: store.root.appendingPathComponent(store.relativePath(of: ref)).path))
        #expect(try store.read(ref) == Data("hello".utf8))
        #expect(try store.allObjects() == [ref])
    }

    @Test func aFlippedByteOnDiskIsDetectedAndTheObjectDropped() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ref = try store.put(Data(repeating: 7, count: 1000))
        let path = store.root.appendingPathComponent(store.relativePath(of: ref)).path
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[500] ^= 0x80
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(store.contains(ref))  // same size: only the hash can tell
        #expect(throws: EngineError.corruptObject(sha256: ref.sha256)) { try store.read(ref) }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try store.read(ref) == nil)
    }

    @Test func aTruncatedObjectIsNotPresent() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ref = try store.put(Data(repeating: 1, count: 100))
        let path = store.root.appendingPathComponent(store.relativePath(of: ref)).path
        try Data(repeating: 1, count: 40).write(to: URL(fileURLWithPath: path))
        #expect(!store.contains(ref))
        #expect(!store.verify(ref))
    }

    @Test func aCorruptRecordIsDroppedAndReadsAsAbsent() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = String(repeating: "ab", count: 32)
        try store.putRecord(StageRecord(key: key, stage: "s", kind: "k", outputs: [:], metrics: ["m": 1], seconds: 1), in: .stages)
        #expect(store.record(key, in: .stages)?.metrics["m"] == 1)
        #expect(try store.recordKeys(in: .stages) == [key])
        let file = store.root.appendingPathComponent("records/stages/ab/\(key.dropFirst(2)).json")
        try Data("{\"key\": \"trunc".utf8).write(to: file)
        #expect(store.record(key, in: .stages) == nil)
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }

    @Test func staleTemporariesAreSwept() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmp = store.root.appendingPathComponent("tmp/12345-dead")
        try Data("half".utf8).write(to: tmp)
        store.removeStaleTemporaries()
        #expect(!FileManager.default.fileExists(atPath: tmp.path))
    }

    @Test func theLockNamesItsHolderAndIsFreeAfterRelease() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let held = try store.lock(owner: "hsiflow run first.yaml", wait: false) { _ in }
        do {
            _ = try store.lock(owner: "second", wait: false) { _ in }
            Issue.record("a second lock was granted while the first was held")
        } catch {
            guard case .locked(_, let holder) = error else { Issue.record("unexpected \(error)"); return }
            #expect(holder.contains("pid \(ProcessInfo.processInfo.processIdentifier)"))
            #expect(holder.contains("hsiflow run first.yaml"))
            #expect(error.description.contains("a killed run releases the lock by itself"))
        }
        held.release()
        let again = try store.lock(owner: "third", wait: false) { _ in }
        again.release()
    }

    @Test func theCacheLocationFollowsFlagThenEnvironmentThenDefault() {
        #expect(FileStore.defaultRoot(flag: "/x", environment: ["HSIFLOW_CACHE": "/y"]).path == "/x")
        #expect(FileStore.defaultRoot(flag: nil, environment: ["HSIFLOW_CACHE": "/y"]).path == "/y")
        #expect(FileStore.defaultRoot(flag: nil, environment: [:]).path.hasSuffix(".hsiflow/cache"))
    }
}
