// ArtifactStore: the content-addressed cache the engine reads and writes through — objects
// named by their SHA-256, stage records (key → outputs, metrics) and per-step records of
// iterative stages. `FileStore` is the real one, `MemoryStore` its in-memory twin for tests.
public import Foundation
import Crypto
public import PipelineModel

/// A stored object: its SHA-256 (lower-case hex) and size.
public struct ObjectRef: Sendable, Hashable, Codable {
    public let sha256: String
    public let bytes: Int
    public init(sha256: String, bytes: Int) {
        self.sha256 = sha256
        self.bytes = bytes
    }
}

/// What a stage (or one step of an iterative stage) produced under a key.
public struct StageRecord: Sendable, Hashable, Codable {
    public let key: String
    public let stage: String
    public let kind: String
    public let outputs: [String: ObjectRef]
    public let metrics: [String: ParamValue]
    /// Seconds the work took when it ran.
    public let seconds: Double
    /// Worker threads the work ran with (nil in records written before it was kept).
    public let threads: Int?

    public init(key: String, stage: String, kind: String, outputs: [String: ObjectRef],
                metrics: [String: ParamValue], seconds: Double, threads: Int? = nil) {
        self.key = key
        self.stage = stage
        self.kind = kind
        self.outputs = outputs
        self.metrics = metrics
        self.seconds = seconds
        self.threads = threads
    }
}

/// Which record table a key lives in.
public enum RecordTable: String, Sendable, CaseIterable {
    /// Whole stages, keyed by fingerprint.
    case stages
    /// Steps of iterative stages, keyed by step fingerprint.
    case steps
}

/// A held lock on a store; released by `release()` (and by the kernel if the process dies).
public protocol StoreLock: Sendable {
    func release()
}

/// How a process holds the whole cache.
public enum CacheAccess: String, Sendable {
    /// Runs: many at once, each computing stages under their per-stage locks.
    case shared
    /// Maintenance that removes entries (gc, verify, sweeping temporaries): alone.
    case exclusive
}

/// The content-addressed cache.
public protocol ArtifactStore: Sendable {
    /// A human-readable location (a directory, or "memory").
    var location: String { get }
    /// Stores bytes (atomically) and returns their reference.
    func put(_ data: Data) throws(EngineError) -> ObjectRef
    /// The bytes of an object, checked against its hash; a corrupt object is dropped and
    /// `EngineError.corruptObject` thrown, a missing one gives nil.
    func read(_ ref: ObjectRef) throws(EngineError) -> Data?
    /// Cheap presence check: the object exists with the right size.
    func contains(_ ref: ObjectRef) -> Bool
    /// Full check: the object exists and its bytes hash to its name; a corrupt one is dropped.
    func verify(_ ref: ObjectRef) -> Bool
    /// Where the object lies, relative to the store (for manifests).
    func relativePath(of ref: ObjectRef) -> String
    /// The record under `key`, or nil.
    func record(_ key: String, in table: RecordTable) -> StageRecord?
    /// Stores a record (atomically; objects it names must already be stored).
    func putRecord(_ record: StageRecord, in table: RecordTable) throws(EngineError)
    /// Removes a record (missing is fine).
    func removeRecord(_ key: String, in table: RecordTable)
    /// Every record key in a table.
    func recordKeys(in table: RecordTable) throws(EngineError) -> [String]
    /// Every stored object (hash and size on disk).
    func allObjects() throws(EngineError) -> [ObjectRef]
    /// Deletes an object (missing is fine).
    func removeObject(_ sha256: String)
    /// The cache's directory when it lives on disk (nil in memory): where the engine keeps its
    /// own files next to it (input-file hash memo) and where reports find the objects.
    var directory: URL? { get }
    /// Takes the cache-wide lock: shared by runs, exclusive for maintenance. Without `wait`, a
    /// conflicting holder gives `EngineError.locked`; `onWait` is told who holds it before waiting.
    func lockCache(_ access: CacheAccess, owner: String, wait: Bool,
                   onWait: @Sendable (String) -> Void) throws(EngineError) -> any StoreLock
    /// Takes the exclusive lock of one entry (a stage or step key): the process that computes an
    /// entry holds it, so another that needs the same entry waits and then finds its record.
    /// Take it only while holding the cache lock shared.
    func lockEntry(_ key: String, in table: RecordTable, owner: String, wait: Bool,
                   onWait: @Sendable (String) -> Void) throws(EngineError) -> any StoreLock
    /// Deletes what killed writers left half-written; only while holding the cache lock exclusively.
    func removeStaleTemporaries()
}

/// SHA-256 of bytes as lower-case hex.
public func sha256Hex(_ data: some DataProtocol) -> String {
    hex(SHA256.hash(data: data))
}

/// Lower-case hex of a digest's bytes.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// SHA-256 of a string's UTF-8 bytes as lower-case hex.
public func sha256Hex(_ text: String) -> String { sha256Hex(Data(text.utf8)) }

/// SHA-256 fed in pieces.
struct IncrementalSHA256 {
    private var hasher = SHA256()
    mutating func update(_ data: Data) { hasher.update(data: data) }
    func finalizeHex() -> String { hex(hasher.finalize()) }
}

extension ArtifactStore {
    /// The records under `keys` that exist, looked up on every core at once (a no-op run of
    /// thousands of stages reads thousands of small records; one at a time that was a fifth of it).
    public func records(_ keys: [String], in table: RecordTable) -> [String: StageRecord] {
        let unique = Array(Set(keys))
        guard unique.count > 1 else { return Dictionary(unique.compactMap { k in record(k, in: table).map { (k, $0) } }, uniquingKeysWith: { a, _ in a }) }
        return Dictionary(concurrentMap(unique) { key in record(key, in: table).map { (key, $0) } }.compactMap { $0 },
                          uniquingKeysWith: { a, _ in a })
    }
}

/// `transform` of every element, computed in chunks on every core; results in `items`' order.
func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
    let chunks = min(items.count, max(1, ProcessInfo.processInfo.activeProcessorCount) * 4)
    guard chunks > 1 else { return items.map(transform) }
    let results = ConcurrentSlots<R>(count: items.count)
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let range = (items.count * chunk / chunks)..<(items.count * (chunk + 1) / chunks)
        for i in range { results.set(i, transform(items[i])) }
    }
    return results.values
}

/// Slots written once each from many threads (under a lock), read after they are all written.
private final class ConcurrentSlots<R: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [R?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: R) { lock.lock(); slots[i] = value; lock.unlock() }
    var values: [R] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
}
