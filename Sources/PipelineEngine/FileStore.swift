// FileStore: the cache on disk. Layout under the root: objects/ab/cdef… (raw bytes named by
// SHA-256), records/stages/ab/….json and records/steps/ab/….json, tmp/ (writes in flight),
// lock and lock.info (the cache-wide lock: shared by runs, exclusive for maintenance), and
// locks/<table>-<key> (one per entry being computed, naming its holder). Locks are flock(2), so
// the kernel drops them when a process dies. Every write goes temp file → fsync → rename, so a
// killed process never leaves a half entry under a real name; a record is written only after its objects.
// Nothing here follows a link: the folders below the root are checked with lstat (ContainedPath),
// a link or special file where a cache folder or entry belongs is removed as a link, and every
// path deleted or written is a 64-hex name inside the root with real folders all the way down.
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
    /// The root, objects and record-table folders as paths, worked out once: a no-op run of
    /// thousands of stages builds a path per record and object, and `URL` appending and `.path`
    /// were a sixth of it.
    private let rootPath: String
    private let objectsPath: String
    private let recordsPaths: [RecordTable: String]

    /// Links or special files found where the cache's own folders belong when it was opened, and
    /// removed as links (relative paths); `cache verify` reports them.
    public private(set) var removedIntruders: [String] = []

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
        rootPath = root.path
        objectsPath = objectsDir.path
        let records = root.appendingPathComponent("records", isDirectory: true)
        recordsPaths = Dictionary(uniqueKeysWithValues: RecordTable.allCases.map {
            ($0, records.appendingPathComponent($0.rawValue, isDirectory: true).path)
        })
        if readOnly {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: objectsDir.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw .storeFailure(path: root.path, reason: "there is no cache here (no objects/ folder); check --cache or HSIFLOW_CACHE")
            }
            return
        }
        let folders = [["objects"], ["tmp"], ["locks"], ["records"]] + RecordTable.allCases.map { ["records", $0.rawValue] }
        for folder in folders {
            let path = ([root.path] + folder).joined(separator: "/")
            if ![.missing, .directory].contains(ContainedPath.kind(path)) { removedIntruders.append(folder.joined(separator: "/")) }
            do { try ContainedPath.prepareFolder(folder, under: root.path, intruder: .replace) } catch {
                throw .storeFailure(path: error.path, reason: "cannot create the cache directories (\(error.reason))")
            }
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

    /// True for a 64-hex SHA-256 or key: the only names the cache builds paths from.
    static func isHexName(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// objects/<2 hex>/<62 hex>, from a hex name.
    private func objectPath(_ sha: String) -> String {
        objectsPath + "/" + sha.prefix(2) + "/" + sha.dropFirst(2)
    }

    private func objectURL(_ sha: String) -> URL { URL(fileURLWithPath: objectPath(sha), isDirectory: false) }

    /// records/<table>/<2 hex>/<62 hex>.json, from a hex key.
    private func recordPath(_ key: String, _ table: RecordTable) -> String {
        (recordsPaths[table] ?? recordsDir(table).path) + "/" + key.prefix(2) + "/" + key.dropFirst(2) + ".json"
    }

    private func recordURL(_ key: String, _ table: RecordTable) -> URL { URL(fileURLWithPath: recordPath(key, table), isDirectory: false) }

    /// The bytes of a regular file: small ones read whole, large ones mapped when safe.
    private static func contents(_ path: String, bytes: Int) -> Data? {
        bytes < 1 << 20 ? FileManager.default.contents(atPath: path)
            : try? Data(contentsOf: URL(fileURLWithPath: path, isDirectory: false), options: .mappedIfSafe)
    }

    public func relativePath(of ref: ObjectRef) -> String {
        "objects/\(ref.sha256.prefix(2))/\(ref.sha256.dropFirst(2))"
    }

    // MARK: - Objects

    public func put(_ data: Data) throws(EngineError) -> ObjectRef {
        guard !readOnly else { throw .storeFailure(path: root.path, reason: "the cache was opened read-only") }
        let ref = ObjectRef(sha256: sha256Hex(data), bytes: data.count)
        // An object of the right size is kept only if its bytes hash right: a same-size corrupt
        // file must not survive a rerun that has the true bytes at hand.
        if contains(ref), let existing = try? Data(contentsOf: objectURL(ref.sha256), options: .mappedIfSafe),
           sha256Hex(existing) == ref.sha256 {
            return ref
        }
        try prepareFolder(["objects", String(ref.sha256.prefix(2))])
        try atomicWrite(data, to: objectURL(ref.sha256))
        return ref
    }

    public func read(_ ref: ObjectRef) throws(EngineError) -> Data? {
        guard Self.isHexName(ref.sha256) else { throw .corruptObject(sha256: ref.sha256) }
        let path = objectPath(ref.sha256)
        switch ContainedPath.kind(path) {
        case .missing: return nil
        case .regular: break
        default:
            // A link or special file where an object belongs is never read through.
            if !readOnly { removeObject(ref.sha256) }
            throw .corruptObject(sha256: ref.sha256)
        }
        guard ContainedPath.isContained(path, in: rootPath), let data = Self.contents(path, bytes: ref.bytes) else { return nil }
        guard data.count == ref.bytes, sha256Hex(data) == ref.sha256 else {
            if !readOnly { removeObject(ref.sha256) }
            throw .corruptObject(sha256: ref.sha256)
        }
        return data
    }

    public func contains(_ ref: ObjectRef) -> Bool {
        guard Self.isHexName(ref.sha256) else { return false }
        let path = objectPath(ref.sha256)
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, ContainedPath.isContained(path, in: rootPath) else { return false }
        return Int(info.st_size) == ref.bytes
    }

    public func verify(_ ref: ObjectRef) -> Bool {
        do { return try read(ref) != nil } catch { return false }
    }

    public func allObjects() throws(EngineError) -> [ObjectRef] {
        // Only real shard folders are listed and only regular files with hex names are objects;
        // anything else is left to `removeIntruders` (a link is never listed through).
        var out: [ObjectRef] = []
        guard ContainedPath.kind(objectsDir.path) == .directory else {
            throw .storeFailure(path: objectsDir.path, reason: "it is \(ContainedPath.describe(objectsDir.path)), not a folder")
        }
        for shard in ContainedPath.entries(of: objectsDir.path).sorted() {
            let dir = objectsDir.appendingPathComponent(shard)
            for name in ContainedPath.entries(of: dir.path).sorted() where Self.isHexName(shard + name) {
                var info = stat()
                guard lstat(dir.appendingPathComponent(name).path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
                out.append(ObjectRef(sha256: shard + name, bytes: Int(info.st_size)))
            }
        }
        return out
    }

    public func removeObject(_ sha256: String) {
        guard !readOnly, Self.isHexName(sha256) else { return }
        ContainedPath.remove(objectURL(sha256).path, inside: root.path)
    }

    // MARK: - Records

    public func record(_ key: String, in table: RecordTable) -> StageRecord? {
        guard Self.isHexName(key) else { return nil }
        let path = recordPath(key, table)
        switch ContainedPath.kind(path) {
        case .missing: return nil
        case .regular: break
        default:
            // A folder, link or FIFO where a record belongs: removed (as a link, never followed),
            // so the stage is recomputed instead of every run failing on it.
            if !readOnly { ContainedPath.remove(path, inside: rootPath) }
            return nil
        }
        guard ContainedPath.isContained(path, in: rootPath), let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let record = try? JSONDecoder().decode(StageRecord.self, from: data), record.key == key else {
            // A record that does not decode is corrupt: drop it so the stage is recomputed.
            if !readOnly { ContainedPath.remove(path, inside: rootPath) }
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
        guard Self.isHexName(record.key) else {
            throw .storeFailure(path: recordsDir(table).path, reason: "'\(record.key)' is not a key")
        }
        let url = recordURL(record.key, table)
        try prepareFolder(["records", table.rawValue, String(record.key.prefix(2))])
        if ContainedPath.kind(url.path) == .directory { ContainedPath.remove(url.path, inside: root.path) }
        try atomicWrite(data, to: url)
    }

    public func removeRecord(_ key: String, in table: RecordTable) {
        guard !readOnly, Self.isHexName(key) else { return }
        ContainedPath.remove(recordURL(key, table).path, inside: root.path)
    }

    public func recordKeys(in table: RecordTable) throws(EngineError) -> [String] {
        let dir = recordsDir(table)
        guard ContainedPath.kind(dir.path) == .directory else {
            throw .storeFailure(path: dir.path, reason: "it is \(ContainedPath.describe(dir.path)), not a folder")
        }
        var keys: [String] = []
        for shard in ContainedPath.entries(of: dir.path).sorted() {
            for name in ContainedPath.entries(of: dir.appendingPathComponent(shard).path).sorted()
            where name.hasSuffix(".json") && Self.isHexName(shard + name.dropLast(5)) {
                keys.append(shard + name.dropLast(5))
            }
        }
        return keys
    }

    // MARK: - Writing

    /// Makes `components` under the root a chain of real folders, removing a link in the way as a link.
    private func prepareFolder(_ components: [String]) throws(EngineError) {
        do { try ContainedPath.prepareFolder(components, under: root.path, intruder: .replace) } catch {
            throw .storeFailure(path: error.path, reason: error.reason)
        }
    }

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
        for folder in ["tmp", "locks"] {
            // A link planted at tmp/ is removed as a link; the folder it pointed at is not emptied.
            guard let dir = try? ContainedPath.prepareFolder([folder], under: root.path, intruder: .replace) else { continue }
            for name in ContainedPath.entries(of: dir) {
                ContainedPath.remove(dir + "/" + name, inside: root.path)
            }
        }
    }

    /// Removes, as links (never followed), every symbolic link, special file or misplaced folder
    /// inside the cache's objects/ and records/ (the entries `allObjects`/`recordKeys` skip), and
    /// returns their paths relative to the root, with `removedIntruders` first. Call only while
    /// holding the cache lock exclusively.
    public func removeIntruders() -> [String] {
        guard !readOnly else { return [] }
        var removed = removedIntruders
        func sweep(_ relative: String, shardsHold isEntry: (String, String) -> Bool) {
            let dir = root.path + "/" + relative
            for shard in ContainedPath.entries(of: dir).sorted() {
                let shardPath = dir + "/" + shard
                guard ContainedPath.kind(shardPath) == .directory else {
                    if ContainedPath.remove(shardPath, inside: root.path) { removed.append(relative + "/" + shard) }
                    continue
                }
                for name in ContainedPath.entries(of: shardPath).sorted() {
                    let path = shardPath + "/" + name
                    let kind = ContainedPath.kind(path)
                    // Records that are folders are left to `record`, which drops them as corrupt.
                    if kind == .regular || (kind == .directory && relative.hasPrefix("records/") && isEntry(shard, name)) { continue }
                    if ContainedPath.remove(path, inside: root.path) { removed.append("\(relative)/\(shard)/\(name)") }
                }
            }
        }
        sweep("objects") { _, _ in false }
        for table in RecordTable.allCases {
            sweep("records/\(table.rawValue)") { shard, name in name.hasSuffix(".json") && Self.isHexName(shard + name.dropLast(5)) }
        }
        for folder in ["tmp", "locks"] {
            let dir = root.path + "/" + folder
            for name in ContainedPath.entries(of: dir).sorted() where ![.regular, .directory].contains(ContainedPath.kind(dir + "/" + name)) {
                if ContainedPath.remove(dir + "/" + name, inside: root.path) { removed.append("\(folder)/\(name)") }
            }
        }
        for name in ["lock", "lock.info"] where ![.missing, .regular].contains(ContainedPath.kind(root.path + "/" + name)) {
            if ContainedPath.remove(root.path + "/" + name, inside: root.path) { removed.append(name) }
        }
        return removed
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
        try prepareFolder(["locks"])
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
        // O_NOFOLLOW: a link planted at a lock file is removed as a link, never opened (and
        // written into) through.
        var fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ELOOP, unlink(path) == 0 {
            fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw .storeFailure(path: path, reason: String(cString: strerror(errno))) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .storeFailure(path: path, reason: "it is not a regular file; remove it (hsiflow cache verify does)")
        }
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
            // Renamed into place, so a link planted at the info file is replaced, never written through.
            try? AtomicFile.write(Data(info.utf8), to: infoPath)
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
