// ScratchStore: a store that reads through to a real cache but writes nowhere near it. New
// objects and records go to an in-memory scratch store; stage records and objects are read
// from the scratch first, then the cache. Step records of iterative stages are read from the
// scratch only, so a stage rerun here recomputes every step. Recomputing a stage to check that
// its key still gives the same bytes (`Pipeline.reproduce`) runs against one of these.
public import Foundation

/// Writes to memory, reads through to `base`, and never writes, removes or locks in `base`.
public final class ScratchStore: ArtifactStore, @unchecked Sendable {
    /// The real cache, only read.
    public let base: any ArtifactStore
    /// Where everything written lands.
    public let scratch = MemoryStore()

    public init(base: any ArtifactStore) {
        self.base = base
    }

    public var location: String { "scratch over \(base.location)" }

    public func put(_ data: Data) throws(EngineError) -> ObjectRef {
        try scratch.put(data)
    }

    public func read(_ ref: ObjectRef) throws(EngineError) -> Data? {
        if let data = try scratch.read(ref) { return data }
        return try base.read(ref)
    }

    public func contains(_ ref: ObjectRef) -> Bool {
        scratch.contains(ref) || base.contains(ref)
    }

    public func verify(_ ref: ObjectRef) -> Bool {
        scratch.contains(ref) ? scratch.verify(ref) : base.verify(ref)
    }

    public func relativePath(of ref: ObjectRef) -> String { base.relativePath(of: ref) }

    public func record(_ key: String, in table: RecordTable) -> StageRecord? {
        if let record = scratch.record(key, in: table) { return record }
        return table == .stages ? base.record(key, in: table) : nil
    }

    public func putRecord(_ record: StageRecord, in table: RecordTable) throws(EngineError) {
        try scratch.putRecord(record, in: table)
    }

    /// Removes the scratch copy only; the cache keeps its record.
    public func removeRecord(_ key: String, in table: RecordTable) {
        scratch.removeRecord(key, in: table)
    }

    public func recordKeys(in table: RecordTable) throws(EngineError) -> [String] {
        let own = try scratch.recordKeys(in: table)
        guard table == .stages else { return own }
        return Array(Set(own).union(try base.recordKeys(in: table))).sorted()
    }

    public func allObjects() throws(EngineError) -> [ObjectRef] {
        let own = try scratch.allObjects()
        let names = Set(own.map(\.sha256))
        return (own + (try base.allObjects()).filter { !names.contains($0.sha256) }).sorted { $0.sha256 < $1.sha256 }
    }

    /// Removes the scratch copy only; the cache keeps its object.
    public func removeObject(_ sha256: String) {
        scratch.removeObject(sha256)
    }

    /// Reports find objects in the real cache.
    public var directory: URL? { base.directory }

    /// Nothing is written to the cache, so nothing of it is swept here.
    public func removeStaleTemporaries() {}

    /// Locks the scratch store: nothing is written to the cache, so its lock is not needed.
    public func lockCache(_ access: CacheAccess, owner: String, wait: Bool,
                          onWait: @Sendable (String) -> Void) throws(EngineError) -> any StoreLock {
        try scratch.lockCache(access, owner: owner, wait: wait, onWait: onWait)
    }

    public func lockEntry(_ key: String, in table: RecordTable, owner: String, wait: Bool,
                          onWait: @Sendable (String) -> Void) throws(EngineError) -> any StoreLock {
        try scratch.lockEntry(key, in: table, owner: owner, wait: wait, onWait: onWait)
    }
}
