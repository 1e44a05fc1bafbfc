// MemoryStore: the in-memory twin of FileStore — same contract (hash-checked reads, records,
// a shared/exclusive cache lock and per-entry locks), no disk — so engine tests run without
// files and can corrupt objects at will.
public import Foundation

/// A content-addressed cache held in memory.
public final class MemoryStore: ArtifactStore, @unchecked Sendable {
    private let mutex = NSLock()
    private var objects: [String: Data] = [:]
    private var records: [RecordTable: [String: StageRecord]] = [:]
    private let lockCondition = NSCondition()
    /// Holders of the cache lock: one exclusive, or any number shared.
    private var exclusiveHolder: String?
    private var sharedHolders: [Int: String] = [:]
    private var entryHolders: [String: String] = [:]
    private var nextLockID = 0

    public init() {}

    public var location: String { "memory" }

    public func put(_ data: Data) throws(EngineError) -> ObjectRef {
        let ref = ObjectRef(sha256: sha256Hex(data), bytes: data.count)
        mutex.withLock { if objects[ref.sha256] == nil { objects[ref.sha256] = data } }
        return ref
    }

    public func read(_ ref: ObjectRef) throws(EngineError) -> Data? {
        guard let data = mutex.withLock({ objects[ref.sha256] }) else { return nil }
        guard data.count == ref.bytes, sha256Hex(data) == ref.sha256 else {
            removeObject(ref.sha256)
            throw .corruptObject(sha256: ref.sha256)
        }
        return data
    }

    public func contains(_ ref: ObjectRef) -> Bool {
        mutex.withLock { objects[ref.sha256]?.count == ref.bytes }
    }

    public func verify(_ ref: ObjectRef) -> Bool {
        do { return try read(ref) != nil } catch { return false }
    }

    public func relativePath(of ref: ObjectRef) -> String { "objects/\(ref.sha256.prefix(2))/\(ref.sha256.dropFirst(2))" }

    public func record(_ key: String, in table: RecordTable) -> StageRecord? {
        mutex.withLock { records[table]?[key] }
    }

    public func putRecord(_ record: StageRecord, in table: RecordTable) throws(EngineError) {
        mutex.withLock { records[table, default: [:]][record.key] = record }
    }

    public func removeRecord(_ key: String, in table: RecordTable) {
        _ = mutex.withLock { records[table]?.removeValue(forKey: key) }
    }

    public func recordKeys(in table: RecordTable) throws(EngineError) -> [String] {
        mutex.withLock { (records[table] ?? [:]).keys.sorted() }
    }

    public func allObjects() throws(EngineError) -> [ObjectRef] {
        mutex.withLock { objects.map { ObjectRef(sha256: $0.key, bytes: $0.value.count) }.sorted { $0.sha256 < $1.sha256 } }
    }

    public func removeObject(_ sha256: String) {
        _ = mutex.withLock { objects.removeValue(forKey: sha256) }
    }

    /// Test hook: replaces an object's bytes without changing its name (simulates disk corruption).
    public func corrupt(_ sha256: String, _ transform: (inout Data) -> Void) {
        mutex.withLock {
            guard var data = objects[sha256] else { return }
            transform(&data)
            objects[sha256] = data
        }
    }

    public var directory: URL? { nil }

    /// Nothing is written in steps here, so nothing is ever left half-written.
    public func removeStaleTemporaries() {}

    public func lockCache(_ access: CacheAccess, owner: String, wait: Bool,
                          onWait: @Sendable (String) -> Void) throws(EngineError) -> any StoreLock {
        lockCondition.lock()
        defer { lockCondition.unlock() }
        func conflict() -> String? {
            if let holder = exclusiveHolder { return holder }
            return access == .exclusive ? sharedHolders.sorted { $0.key < $1.key }.first?.value : nil
        }
        if let holder = conflict() {
            guard wait else { throw .locked(path: location, holder: holder) }
            onWait(holder)
            while conflict() != nil { lockCondition.wait() }
        }
        nextLockID += 1
        let id = nextLockID
        switch access {
        case .exclusive: exclusiveHolder = owner
        case .shared: sharedHolders[id] = owner
        }
        return MemoryLock { [self] in
            lockCondition.lock()
            switch access {
            case .exclusive: exclusiveHolder = nil
            case .shared: sharedHolders[id] = nil
            }
            lockCondition.broadcast()
            lockCondition.unlock()
        }
    }

    public func lockEntry(_ key: String, in table: RecordTable, owner: String, wait: Bool,
                          onWait: @Sendable (String) -> Void) throws(EngineError) -> any StoreLock {
        let name = "\(table.rawValue)/\(key)"
        lockCondition.lock()
        defer { lockCondition.unlock() }
        if let holder = entryHolders[name] {
            guard wait else { throw .locked(path: "\(location) \(name)", holder: holder) }
            onWait(holder)
            while entryHolders[name] != nil { lockCondition.wait() }
        }
        entryHolders[name] = owner
        return MemoryLock { [self] in
            lockCondition.lock()
            entryHolders[name] = nil
            lockCondition.broadcast()
            lockCondition.unlock()
        }
    }
}

/// A lock of a MemoryStore; releasing it twice is harmless.
private final class MemoryLock: StoreLock, @unchecked Sendable {
    private let unlock: @Sendable () -> Void
    private let mutex = NSLock()
    private var released = false
    init(unlock: @escaping @Sendable () -> Void) { self.unlock = unlock }
    func release() {
        let first = mutex.withLock { () -> Bool in
            defer { released = true }
            return !released
        }
        if first { unlock() }
    }
}
