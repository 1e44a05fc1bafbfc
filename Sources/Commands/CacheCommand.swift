// CacheCommand: `hsiflow cache verify|gc|du` — check every object against its hash (dropping
// corrupt ones and the records that need them), or recompute cached stages of an experiment
// away from the cache and say whether their key still gives the same bytes (`verify FILE
// --recompute ID…`), collect what no manifest refers to, and report the cache's size. Each
// builds a result value first, then prints it as text or `--json` (Docs/JSONOutput.md).
import ArgumentParser
import Foundation
import PipelineEngine
import PipelineModel
import Tensors

struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Inspect and maintain the cache.",
        subcommands: [CacheVerifyCommand.self, CacheGCCommand.self, CacheDUCommand.self])
}

/// The cache location option shared by the cache subcommands.
struct CacheLocation: ParsableArguments {
    @Option(help: ArgumentHelp("The cache directory (default: $HSIFLOW_CACHE, else .hsiflow/cache).", valueName: "dir"))
    var cache: String?

    func open(readOnly: Bool = false) throws -> FileStore {
        try EngineSupport.mapErrors { () throws(EngineError) in
            try FileStore(root: FileStore.defaultRoot(flag: cache), readOnly: readOnly)
        }
    }

    func lock(_ store: FileStore, _ what: String) throws -> any StoreLock {
        try EngineSupport.mapErrors { () throws(EngineError) in
            try store.lockCache(.exclusive, owner: "hsiflow cache \(what)", wait: true) { holder in
                EngineSupport.printError("waiting for the cache lock held by \(holder)")
            }
        }
    }
}

struct CacheVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Hash every object, dropping corrupt ones and the records that point at them; or, with an experiment and --recompute, rerun cached stages without touching the cache and say whether they reproduce.",
        usage: """
            hsiflow cache verify [--cache <dir>] [--json]
            hsiflow cache verify <file> --recompute <id>... [--set <key=value>...] [--threads <n>] [--cache <dir>] [--json]
            """)

    @OptionGroup var location: CacheLocation

    @Argument(help: "The experiment file whose stages --recompute names.", completion: .file(extensions: ["yaml", "yml"]))
    var file: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value of the experiment by dotted path (with --recompute).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Rerun these cached stages (a name stands for all its matrix instances) in a scratch area and compare their outputs with the cached ones; exit 1 if any differs.", valueName: "id"), completion: StageIDCompletion.selectors)
    var recompute: [String] = []

    @Option(help: "Threads for each rerun (default: the threads the cached outputs were made with, else all cores).")
    var threads: Int?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if file != nil && recompute.isEmpty {
            throw ValidationError("with an experiment file, name the stages to rerun: cache verify \(file ?? "FILE") --recompute ID...")
        }
        if file == nil && !recompute.isEmpty {
            throw ValidationError("--recompute needs the experiment file: cache verify FILE --recompute ID...")
        }
        if file == nil && (!overrides.isEmpty || threads != nil) {
            throw ValidationError("--set and --threads go with an experiment file and --recompute")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        if let file { try recompute(file) } else { try verifyObjects() }
    }

    /// Reruns the named stages through a scratch store and reports, per stage, whether its
    /// outputs came out byte-identical. Reads the cache only, so it takes no lock and writes
    /// nothing there (not even the input-file hash memo).
    private func recompute(_ file: String) throws {
        let root = FileStore.defaultRoot(flag: location.cache)
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("objects").path) else {
            throw UserInputError("there is no cache at \(root.path): run the experiment first, or point --cache (or HSIFLOW_CACHE) at its cache")
        }
        let store = try location.open(readOnly: true)
        let pipeline = Pipeline(registry: EngineSupport.registry, store: store, hasher: InputFileHasher(memoURL: nil))
        let (prepared, targets) = try EngineSupport.mapErrors { () throws(EngineError) in
            let prepared = try pipeline.prepare(path: file, overrides: overrides)
            return (prepared, try pipeline.reproductionTargets(prepared, ids: recompute))
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var results: [Reproduction] = []
        for target in targets {
            let threads = self.threads ?? target.record.threads ?? cores
            Workers.count = threads
            let result = pipeline.reproduce(prepared, target, threads: threads)
            results.append(result)
            if !json { EngineSupport.print(ReproductionRenderer.line(result)) }
        }
        if json {
            EngineSupport.print(try EngineSupport.json(ReproductionReport(stages: results)))
        } else {
            EngineSupport.print(ReproductionRenderer.summary(results))
        }
        if results.contains(where: { $0.verdict != .reproduced }) { throw ExitCode(ExitStatus.workFailed.rawValue) }
    }

    private func verifyObjects() throws {
        let store = try location.open()
        let lock = try location.lock(store, "verify")
        defer { lock.release() }
        // Links and special files inside the cache are removed as links, never followed.
        let removedLinks = store.removeIntruders()
        let objects = try EngineSupport.mapErrors { () throws(EngineError) in try store.allObjects() }
        var corrupt = Set<String>()
        for ref in objects {
            // The size on disk is not trusted: verification recomputes the hash of the bytes.
            let data = FileManager.default.contents(atPath: store.root.appendingPathComponent(store.relativePath(of: ref)).path)
            if let data, sha256Hex(data) == ref.sha256 { continue }
            store.removeObject(ref.sha256)
            corrupt.insert(ref.sha256)
        }
        var droppedRecords = 0
        for table in RecordTable.allCases {
            for key in try EngineSupport.mapErrors({ () throws(EngineError) in try store.recordKeys(in: table) }) {
                guard let record = store.record(key, in: table) else { droppedRecords += 1; continue }
                if record.outputs.values.contains(where: { corrupt.contains($0.sha256) || !store.contains($0) }) {
                    store.removeRecord(key, in: table)
                    droppedRecords += 1
                }
            }
        }
        if json {
            EngineSupport.print(try EngineSupport.json(VerifyReport(cache: store.root.path, objects: objects.count,
                                                                    corrupt: corrupt.count, droppedRecords: droppedRecords,
                                                                    removedLinks: removedLinks)))
            return
        }
        if !removedLinks.isEmpty {
            let shown = removedLinks.prefix(20).map { "  \(ExportPlan.printable($0))" }.joined(separator: "\n")
            EngineSupport.print("removed \(removedLinks.count) symbolic link\(removedLinks.count == 1 ? "" : "s") or special file\(removedLinks.count == 1 ? "" : "s") from the cache (as links; what they pointed at is untouched):\n\(shown)"
                                + (removedLinks.count > 20 ? "\n  … and \(removedLinks.count - 20) more" : ""))
        }
        EngineSupport.print("verified \(objects.count) object\(objects.count == 1 ? "" : "s") in \(store.root.path): \(corrupt.count) corrupt (dropped), \(droppedRecords) record\(droppedRecords == 1 ? "" : "s") dropped")
        if !corrupt.isEmpty {
            EngineSupport.print("the stages that produced them will be recomputed by the next run")
        }
    }
}

/// What `cache verify --recompute --json` prints.
struct ReproductionReport: Encodable {
    var schemaVersion = 1
    let stages: [Reproduction]
}

/// What plain `cache verify --json` prints.
struct VerifyReport: Encodable {
    var schemaVersion = 1
    let cache: String
    let objects: Int
    let corrupt: Int
    let droppedRecords: Int
    /// Links, special files and misplaced folders removed from the cache (paths relative to it).
    let removedLinks: [String]
}

struct CacheGCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete stage records no manifest under the results folder refers to, and objects no record refers to.")

    @OptionGroup var location: CacheLocation

    @Option(help: ArgumentHelp("Results folder whose manifests (current and runs/) are kept.", valueName: "dir"))
    var results: String = "results"

    @Option(help: ArgumentHelp("Keep only the newest N archived runs per experiment (default: all); current manifests are always kept.", valueName: "n"))
    var keepRuns: Int?

    @Flag(help: "Show what would be deleted without deleting.")
    var dryRun = false

    @Flag(help: "Print what was (or would be) removed as JSON.")
    var json = false

    func validate() throws {
        if let keepRuns, keepRuns < 0 { throw ValidationError("--keep-runs must be ≥ 0") }
    }

    /// Manifest files that keep their records alive: every current manifest, and the newest
    /// `keepRuns` archived runs of each experiment (run ids sort by time).
    func rootManifests() -> [String] {
        var current: [String] = []
        var archived: [String: [String]] = [:]
        guard let walker = FileManager.default.enumerator(atPath: results) else { return [] }
        for case let path as String in walker where path.hasSuffix("manifest.json") {
            let parts = path.split(separator: "/").map(String.init)
            if parts.count >= 4, parts[parts.count - 3] == "runs" {
                archived[parts.dropLast(3).joined(separator: "/"), default: []].append(path)
            } else {
                current.append(path)
            }
        }
        var roots = current
        for (_, runs) in archived {
            let sorted = runs.sorted()
            roots += keepRuns.map { Array(sorted.suffix($0)) } ?? sorted
        }
        return roots.sorted().map { URL(fileURLWithPath: results).appendingPathComponent($0).path }
    }

    func run() throws {
        let store = try location.open()
        let lock = try location.lock(store, "gc")
        defer { lock.release() }
        var keep = Set<String>()
        var manifests = 0
        for file in rootManifests() {
            guard let data = FileManager.default.contents(atPath: file),
                  let manifest = try? ManifestFile.decode(data, source: file) else { continue }
            manifests += 1
            for s in manifest.stages where !s.key.isEmpty { keep.insert(s.key) }
        }
        var liveObjects = Set<String>()
        var removedRecords = 0
        for table in RecordTable.allCases {
            for key in try EngineSupport.mapErrors({ () throws(EngineError) in try store.recordKeys(in: table) }) {
                guard let record = store.record(key, in: table) else { continue }
                // Step records of iterative stages are kept: extending a sweep reuses them.
                if table == .steps || keep.contains(key) {
                    liveObjects.formUnion(record.outputs.values.map(\.sha256))
                } else {
                    if !dryRun { store.removeRecord(key, in: table) }
                    removedRecords += 1
                }
            }
        }
        var removedObjects = 0
        var freed = 0
        for ref in try EngineSupport.mapErrors({ () throws(EngineError) in try store.allObjects() }) where !liveObjects.contains(ref.sha256) {
            if !dryRun { store.removeObject(ref.sha256) }
            removedObjects += 1
            freed += ref.bytes
        }
        if !dryRun { store.removeStaleTemporaries() }
        if json {
            EngineSupport.print(try EngineSupport.json(CollectionReport(
                cache: store.root.path, results: results, dryRun: dryRun, manifests: manifests,
                removedRecords: removedRecords, removedObjects: removedObjects, freedBytes: freed)))
            return
        }
        EngineSupport.print("\(dryRun ? "would remove" : "removed") \(removedRecords) record\(removedRecords == 1 ? "" : "s") and \(removedObjects) object\(removedObjects == 1 ? "" : "s") (\(ByteCount.text(freed))); kept what \(manifests) manifest\(manifests == 1 ? "" : "s") under \(results)/ refer to")
    }
}

/// What `cache gc --json` prints.
struct CollectionReport: Encodable {
    var schemaVersion = 1
    let cache: String
    let results: String
    let dryRun: Bool
    let manifests: Int
    let removedRecords: Int
    let removedObjects: Int
    let freedBytes: Int
}

struct CacheDUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "du", abstract: "Show how much the cache holds, by stage kind.")

    @OptionGroup var location: CacheLocation

    @Flag(help: "Print the usage as JSON.")
    var json = false

    func run() throws {
        let usage = try CacheUsage(try location.open())
        if json {
            EngineSupport.print(try EngineSupport.json(usage))
            return
        }
        var lines = ["\(usage.cache): \(usage.objects) object\(usage.objects == 1 ? "" : "s"), \(ByteCount.text(usage.bytes))"]
        for e in usage.kinds {
            lines.append("  \(e.kind.padding(toLength: 24, withPad: " ", startingAt: 0)) \(String(e.records).leftPadded(6)) records  \(ByteCount.text(e.bytes).leftPadded(10))")
        }
        EngineSupport.print(lines.joined(separator: "\n"))
    }
}

/// What the cache holds, by stage kind (the largest first); `cache du --json` prints it.
struct CacheUsage: Encodable {
    /// Records of one kind (iterative stages' steps apart, as "kind (steps)") and the bytes
    /// of the objects they were first to refer to.
    struct Kind: Encodable {
        let kind: String
        let records: Int
        let bytes: Int
    }

    var schemaVersion = 1
    let cache: String
    let objects: Int
    let bytes: Int
    let kinds: [Kind]

    init(_ store: FileStore) throws {
        let objects = try EngineSupport.mapErrors { () throws(EngineError) in try store.allObjects() }
        var byKind: [String: (records: Int, bytes: Int)] = [:]
        var counted = Set<String>()
        for table in RecordTable.allCases {
            for key in try EngineSupport.mapErrors({ () throws(EngineError) in try store.recordKeys(in: table) }) {
                guard let record = store.record(key, in: table) else { continue }
                let label = table == .steps ? "\(record.kind) (steps)" : record.kind
                var entry = byKind[label] ?? (0, 0)
                entry.records += 1
                for ref in record.outputs.values where counted.insert(ref.sha256).inserted { entry.bytes += ref.bytes }
                byKind[label] = entry
            }
        }
        cache = store.root.path
        self.objects = objects.count
        bytes = objects.reduce(0) { $0 + $1.bytes }
        kinds = byKind.sorted { $0.value.bytes > $1.value.bytes || ($0.value.bytes == $1.value.bytes && $0.key < $1.key) }
            .map { Kind(kind: $0.key, records: $0.value.records, bytes: $0.value.bytes) }
    }
}
