// FileStore: the cache on disk. Layout under the root: objects/ab/cdef… (raw bytes named by
// SHA-256), records/stages/ab/….json and records/steps/ab/….json, tmp/ (writes in flight),
// lock and lock.info (the cache-wide lock: shared by runs, exclusive for maintenance), and
// locks/<table>-<key> (one per entry being computed, naming its holder). Locks are flock(2), so
// the kernel drops them when a process dies. Every write goes temp file → fsync → rename, so a
// killed process never leaves a half entry under a real name; a record is written only after its objects.
public import Foundation
import Crypto
import FileSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The content-addressed cache in a directory.
public final class FileStore: ArtifactStore, @unchecked Sendable {
    public let root: URL
    private let objectsDir: URL
    private let tmpDir: URL
    private let locksDir: URL

    /// True for a store opened only to read: nothing in the cache is created, rewritten or removed
    /// (a corrupt object or record is reported, not dropped).
    public let readOnly: Bool

    /// Opens (creating if needed) a cache rooted at `root`; with `readOnly`, an existing one only.
    public init(root: URL, readOnly: Bool = false) throws(EngineError) {
        self.root = root
        self.readOnly = readOnly
        objectsDir = root.appendingPathComponent("objects", isDirectory: true)
        tmpDir = root.appendingPathComponent("tmp", isDirectory: true)
        locksDir = root.appendingPathComponent("locks", isDirectory: true)
        if readOnly {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: objectsDir.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw .storeFailure(path: root.path, reason: "there is no cache here (no objects/ folder); check --cache or HSIFLOW_CACHE")
            }
            return
        }
        do {
            for dir in [objectsDir, tmpDir, locksDir] + RecordTable.allCases.map(recordsDir) {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            }
        } catch {
            throw .storeFailure(path: root.path, reason: "cannot create the cache directories (\(error.localizedDescription))")
        }
    }

    /// The cache directory from `--cache`, else `HSIFLOW_CACHE`, else `.hsiflow/cache`.
    public static func defaultRoot(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let flag, !flag.isEmpty { return URL(fileURLWithPath: flag) }
        if let env = environment["HSIFLOW_CACHE"], !env.isEmpty { return URL(fileURLWithPath: env) }
        return URL(fileURLWithPath: ".hsiflow/cache")
    }

    public var location: String { root.path }

    public var directory: URL? { root }

    private func recordsDir(_ table: RecordTable) -> URL {
        root.appendingPathComponent("records", isDirectory: true).appendingPathComponent(table.rawValue, isDirectory: true)
    }

    private func objectURL(_ sha: String) -> URL {
        objectsDir.appendingPathComponent(String(sha.prefix(2)), isDirectory: true).appendingPathComponent(String(sha.dropFirst(2)))
    }

    private func recordURL(_ key: String, _ table: RecordTable) -> URL {
        recordsDir(table).appendingPathComponent(String(key.prefix(2)), isDirectory: true)
            .appendingPathComponent(String(key.dropFirst(2)) + ".json")
    }

    public func relativePath(of ref: ObjectRef) -> String {
        "objects/\(ref.sha256.prefix(2))/\(ref.sha256.dropFirst(2))"
    }

    // MARK: - Objects

    public func put(_ data: Data) throws(EngineError) -> ObjectRef {
        guard !readOnly else { throw .storeFailure(path: root.path, reason: "the cache was opened read-only") }
        let ref = ObjectRef(sha256: sha256Hex(data), bytes: data.count)
        if contains(ref) { return ref }
        try atomicWrite(data, to: objectURL(ref.sha256))
        return ref
    }

    public func read(_ ref: ObjectRef) throws(EngineError) -> Data? {
        let url = objectURL(ref.sha256)
        guard let data = try? Data(contentsOf: url, options: .mappedIfSafe) else { return nil }
        guard data.count == ref.bytes, sha256Hex(data) == ref.sha256 else {
            if !readOnly { removeObject(ref.sha256) }
            throw .corruptObject(sha256: ref.sha256)
        }
        return data
    }

    public func contains(_ ref: ObjectRef) -> Bool {
        var info = stat()
        guard stat(objectURL(ref.sha256).path, &info) == 0 else { return false }
        return Int(info.st_size) == ref.bytes
    }

    public func verify(_ ref: ObjectRef) -> Bool {
        do { return try read(ref) != nil } catch { return false }
    }

    public func allObjects() throws(EngineError) -> [ObjectRef] {
        var out: [ObjectRef] = []
        let fm = FileManager.default
        let shards: [String]
        do { shards = try fm.contentsOfDirectory(atPath: objectsDir.path) } catch {
            throw .storeFailure(path: objectsDir.path, reason: error.localizedDescription)
        }
        for shard in shards.sorted() {
            let dir = objectsDir.appendingPathComponent(shard)
            for name in ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).sorted() {
                var info = stat()
                let size = stat(dir.appendingPathComponent(name).path, &info) == 0 ? Int(info.st_size) : 0
                out.append(ObjectRef(sha256: shard + name, bytes: size))
            }
        }
        return out
    }

    public func removeObject(_ sha256: String) {
        guard !readOnly else { return }
        unlink(objectURL(sha256).path)
    }

    // MARK: - Records

    public func record(_ key: String, in table: RecordTable) -> StageRecord? {
        let url = recordURL(key, table)
        guard let data = try? Data(contentsOf: url) else { return nil }
        guard let record = try? JSONDecoder().decode(StageRecord.self, from: data), record.key == key else {
            // A record that does not decode is corrupt: drop it so the stage is recomputed.
            if !readOnly { unlink(url.path) }
            return nil
        }
        return record
    }

    public func putRecord(_ record: StageRecord, in table: RecordTable) throws(EngineError) {
        guard !readOnly else { throw .storeFailure(path: root.path, reason: "the cache was opened read-only") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(record) } catch {
            throw .storeFailure(path: recordURL(record.key, table).path, reason: "cannot encode the record (\(error))")
        }
        try atomicWrite(data, to: recordURL(record.key, table))
    }

    public func removeRecord(_ key: String, in table: RecordTable) {
        guard !readOnly else { return }
        unlink(recordURL(key, table).path)
    }

    public func recordKeys(in table: RecordTable) throws(EngineError) -> [String] {
        let dir = recordsDir(table)
        let fm = FileManager.default
        let shards: [String]
        do { shards = try fm.contentsOfDirectory(atPath: dir.path) } catch {
            throw .storeFailure(path: dir.path, reason: error.localizedDescription)
        }
        var keys: [String] = []
        for shard in shards.sorted() {
            for name in ((try? fm.contentsOfDirectory(atPath: dir.appendingPathComponent(shard).path)) ?? []).sorted()
            where name.hasSuffix(".json") {
                keys.append(shard + name.dropLast(5))
            }
        }
        return keys
    }

    // MARK: - Writing

    /// Writes `data` over `target` through AtomicFile (temp file in tmp/ → fsync → rename → fsync of the folder).
    private func atomicWrite(_ data: Data, to target: URL) throws(EngineError) {
        do { try AtomicFile.write(data, to: target.path, temporaryDirectory: tmpDir.path) } catch {
            throw .storeFailure(path: target.path, reason: error.reason)
        }
    }

    /// Deletes leftovers of killed writers, and the lock files of entries (no entry lock is held
    /// while the cache lock is held exclusively); call only while holding it so.
    public func removeStaleTemporaries() {
        guard !readOnly else { return }
        for dir in [tmpDir, locksDir] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] {
                unlink(dir.appendingPathComponent(name).path)
            }
        }
    }

    // MARK: - Locks

    public func lockCache(_ access: CacheAccess, owner: String, wait: Bool,
                          onWait: @Sendable (String) -> Void) throws(EngineError) -> any StoreLock {
        try FileLock.acquire(path: root.appendingPathComponent("lock").path,
                             infoPath: root.appendingPathComponent("lock.info").path,
                             exclusive: access == .exclusive, owner: owner, wait: wait, onWait: onWait)
    }

    public func lockEntry(_ key: String, in table: RecordTable, owner: String, wait: Bool,
                          onWait: @Sendable (String) -> Void) throws(EngineError) -> any StoreLock {
        guard !readOnly else { throw .storeFailure(path: root.path, reason: "the cache was opened read-only") }
        guard !key.isEmpty, key.allSatisfy({ $0.isHexDigit }) else {
            throw .storeFailure(path: locksDir.path, reason: "'\(key)' is not a key")
        }
        if mkdir(locksDir.path, 0o755) != 0 && errno != EEXIST {
            throw .storeFailure(path: locksDir.path, reason: String(cString: strerror(errno)))
        }
        return try FileLock.acquire(path: locksDir.appendingPathComponent("\(table.rawValue)-\(key)").path, infoPath: nil,
                                    exclusive: true, owner: owner, wait: wait, onWait: onWait)
    }
}

/// A flock(2) on a lock file, exclusive or shared. The kernel drops it when the process dies, so a
/// killed run never leaves a stale lock. Who holds it is written to `infoPath`, or into the lock
/// file itself when there is none, for the waiting side to name.
final class FileLock: StoreLock, @unchecked Sendable {
    private let fd: Int32
    private let released = NSLock()
    private var isReleased = false

    private init(fd: Int32) {
        self.fd = fd
    }

    static func acquire(path: String, infoPath: String?, exclusive: Bool, owner: String, wait: Bool,
                        onWait: @Sendable (String) -> Void) throws(EngineError) -> FileLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .storeFailure(path: path, reason: String(cString: strerror(errno))) }
        let operation = exclusive ? LOCK_EX : LOCK_SH
        if flock(fd, operation | LOCK_NB) != 0 {
            let holder = ((try? String(contentsOfFile: infoPath ?? path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { $0.isEmpty ? nil : $0 } ?? "another hsiflow process"
            guard wait else {
                close(fd)
                throw .locked(path: path, holder: holder)
            }
            onWait(holder)
            while flock(fd, operation) != 0 {
                if errno != EINTR {
                    let reason = String(cString: strerror(errno))
                    close(fd)
                    throw .storeFailure(path: path, reason: reason)
                }
            }
        }
        let info = "\(processName) (\(owner)), since \(utcTimestamp())\n"
        if let infoPath {
            try? info.write(toFile: infoPath, atomically: true, encoding: .utf8)
        } else {
            let bytes = Array(info.utf8)
            if ftruncate(fd, 0) == 0 { _ = pwrite(fd, bytes, bytes.count, 0) }
        }
        return FileLock(fd: fd)
    }

    func release() {
        released.lock()
        defer { released.unlock() }
        guard !isReleased else { return }
        isReleased = true
        flock(fd, LOCK_UN)
        close(fd)
    }

    deinit { release() }
}

/// "pid N on HOST": who holds a lock, as waiters are told.
private let processName = "pid \(getpid()) on \(currentHostName())"

/// The current UTC time as ISO 8601 (e.g. 2026-11-30T20:15:04Z), without a formatter object
/// (a lock is taken per computed stage; this keeps it cheap).
private func utcTimestamp() -> String {
    var now = time(nil)
    var parts = tm()
    gmtime_r(&now, &parts)
    var buffer = [CChar](repeating: 0, count: 32)
    let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
    return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The machine's host name from gethostname(2) (no DNS lookup).
public func currentHostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown-host" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
