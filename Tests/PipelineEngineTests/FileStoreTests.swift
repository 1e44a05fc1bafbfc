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

    @Test func theExclusiveLockNamesItsHolderAndIsFreeAfterRelease() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let held = try store.lockCache(.exclusive, owner: "hsiflow cache gc", wait: false) { _ in }
        for access in [CacheAccess.exclusive, .shared] {
            do {
                _ = try store.lockCache(access, owner: "second", wait: false) { _ in }
                Issue.record("a \(access) lock was granted while an exclusive one was held")
            } catch {
                guard case .locked(_, let holder) = error else { Issue.record("unexpected \(error)"); return }
                #expect(holder.contains("pid \(ProcessInfo.processInfo.processIdentifier)"))
                #expect(holder.contains("hsiflow cache gc"))
                #expect(error.description.contains("a killed run releases the lock by itself"))
            }
        }
        held.release()
        let again = try store.lockCache(.exclusive, owner: "third", wait: false) { _ in }
        again.release()
    }

    @Test func runsShareTheCacheLockAndMaintenanceWaitsForThem() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try store.lockCache(.shared, owner: "hsiflow run a.yaml", wait: false) { _ in }
        let second = try store.lockCache(.shared, owner: "hsiflow run b.yaml", wait: false) { _ in }
        #expect(throws: EngineError.self) { try store.lockCache(.exclusive, owner: "hsiflow cache gc", wait: false) { _ in } }
        first.release()
        #expect(throws: EngineError.self) { try store.lockCache(.exclusive, owner: "hsiflow cache gc", wait: false) { _ in } }
        second.release()
        let gc = try store.lockCache(.exclusive, owner: "hsiflow cache gc", wait: false) { _ in }
        gc.release()
    }

    @Test func anEntryLockIsHeldByOneHolderAtATimeAndNamesIt() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = sha256Hex("stage")
        let held = try store.lockEntry(key, in: .stages, owner: "hsiflow run a.yaml, stage train", wait: false) { _ in }
        do {
            _ = try store.lockEntry(key, in: .stages, owner: "second", wait: false) { _ in }
            Issue.record("a second holder got the entry lock")
        } catch {
            guard case .locked(_, let holder) = error else { Issue.record("unexpected \(error)"); return }
            #expect(holder.contains("pid \(ProcessInfo.processInfo.processIdentifier)"))
            #expect(holder.contains("stage train"))
        }
        // Other entries, and the same key in the other table, are independent.
        let other = try store.lockEntry(sha256Hex("other"), in: .stages, owner: "third", wait: false) { _ in }
        let step = try store.lockEntry(key, in: .steps, owner: "fourth", wait: false) { _ in }
        other.release()
        step.release()
        held.release()
        let again = try store.lockEntry(key, in: .stages, owner: "fifth", wait: false) { _ in }
        again.release()
        #expect(throws: EngineError.self) { try store.lockEntry("../escape", in: .stages, owner: "x", wait: false) { _ in } }
    }

    @Test func aWaiterGetsTheEntryLockWhenItsHolderReleasesIt() throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = sha256Hex("waited")
        let held = try store.lockEntry(key, in: .stages, owner: "first", wait: false) { _ in }
        let waited = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do {
                let lock = try store.lockEntry(key, in: .stages, owner: "second", wait: true) { holder in
                    waited.add(holder.contains("first") ? [.skipped] : [.failed])
                }
                lock.release()
                waited.add([.ran])
            } catch {
                waited.add([.failed])
            }
            done.signal()
        }
        // The waiter reports that it waits, then blocks until the release.
        var spins = 0
        while waited.values.isEmpty && spins < 500 { Thread.sleep(forTimeInterval: 0.01); spins += 1 }
        #expect(waited.values == [[.skipped]])
        held.release()
        done.wait()
        #expect(waited.values == [[.skipped], [.ran]])
    }

    @Test func theCacheLocationFollowsFlagThenEnvironmentThenDefault() {
        #expect(FileStore.defaultRoot(flag: "/x", environment: ["HSIFLOW_CACHE": "/y"]).path == "/x")
        #expect(FileStore.defaultRoot(flag: nil, environment: ["HSIFLOW_CACHE": "/y"]).path == "/y")
        #expect(FileStore.defaultRoot(flag: nil, environment: [:]).path.hasSuffix(".hsiflow/cache"))
    }
}
