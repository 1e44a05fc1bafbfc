// ManifestDiff: what changed between two manifests — parameters, metrics (old → new, delta),
// stages added/removed/re-keyed, output artifacts, stages that were not reproduced (same key,
// different outputs), the execution environment, and timings (kept apart: they are noise, not
// results). A value; renderers print it as a table or JSON. Nested metrics are compared leaf by leaf.

/// The differences between an old and a new manifest.
public struct ManifestDiff: Sendable, Hashable, Codable {
    /// Which manifests were compared.
    public struct Side: Sendable, Hashable, Codable {
        public var path: String
        public var runID: String
        public var experiment: String
        public init(path: String, runID: String, experiment: String) {
            self.path = path; self.runID = runID; self.experiment = experiment
        }
    }

    /// A parameter at a dotted path of a stage (or `(experiment)` for seed and vars).
    public struct ParamRow: Sendable, Hashable, Codable {
        public var stage: String
        public var path: String
        public var old: ParamValue?
        public var new: ParamValue?
        public var changed: Bool
    }

    /// A metric leaf of a stage; `delta` is new − old when both are numbers.
    public struct MetricRow: Sendable, Hashable, Codable {
        public var stage: String
        public var metric: String
        public var old: ParamValue?
        public var new: ParamValue?
        public var delta: Double?
        public var changed: Bool
        /// For a leaf inside a list of objects (`levels[3].oa`), that object's own name: its
        /// `level`, `model`, `name` or `id` field, in the new run (else the old); nil otherwise.
        public var item: String? = nil
    }

    /// A stage whose key differs between the runs.
    public struct RekeyedStage: Sendable, Hashable, Codable {
        public var stage: String
        public var oldKey: String
        public var newKey: String
    }

    /// How an output artifact compares.
    public enum OutputChange: String, Sendable, Hashable, Codable {
        case added, removed, changed, unchanged
    }

    /// An output artifact of a stage.
    public struct OutputRow: Sendable, Hashable, Codable {
        public var stage: String
        public var output: String
        public var change: OutputChange
        public var oldSHA256: String?
        public var newSHA256: String?
        public var oldBytes: Int?
        public var newBytes: Int?
    }

    /// A stage with the same key in both runs whose outputs differ: the key did not determine
    /// its bytes. Its output rows are here, not in `outputs`.
    public struct UnreproducedStage: Sendable, Hashable, Codable {
        public var stage: String
        public var key: String
        /// Outputs whose hashes differ (or that only one run has), sorted.
        public var outputs: [String]
        /// Worker threads the stage ran with in each run, when recorded.
        public var oldThreads: Int?
        public var newThreads: Int?
        /// The stage's metric changes (timings aside): consequences of the unreproduced outputs,
        /// so they are kept here rather than among `metrics`.
        public var metrics: [MetricRow] = []
    }

    /// A field of the execution environment (or host) that differs. For list fields such as
    /// the CPU flags, `added` and `removed` hold the difference.
    public struct EnvironmentChange: Sendable, Hashable, Codable {
        public var field: String
        public var old: String?
        public var new: String?
        public var added: [String]
        public var removed: [String]
    }

    public var old: Side
    public var new: Side
    public var stagesAdded: [String]
    public var stagesRemoved: [String]
    public var stagesRekeyed: [RekeyedStage]
    public var params: [ParamRow]
    /// Metric leaves, timings excluded.
    public var metrics: [MetricRow]
    public var outputs: [OutputRow]
    /// Same key, different outputs.
    public var notReproduced: [UnreproducedStage]
    /// Stages that ran (or were reused) in one run and were skipped in the other: not compared.
    public var notRunInOne: [String] = []
    /// Differences in where and how the runs executed; informative, not a difference in results.
    public var environment: [EnvironmentChange]
    /// Timing metrics (`seconds`, `samples_per_second`, `…latency_us`, …) and the stages' and
    /// run's seconds; noise, never a difference in results.
    public var timings: [MetricRow]

    /// True when results differ: stages, keys, parameters, metrics, outputs, or a stage whose
    /// key did not reproduce its outputs. Timings and the environment do not count.
    public var hasDifferences: Bool {
        !stagesAdded.isEmpty || !stagesRemoved.isEmpty || !stagesRekeyed.isEmpty
            || params.contains { $0.changed } || metrics.contains { $0.changed }
            || outputs.contains { $0.change != .unchanged } || !notReproduced.isEmpty
    }

    /// Whether a metric path names a timing: its last name (list indices aside) is `seconds`,
    /// ends in `_seconds`, is `samples_per_second`, or ends in `latency_us` / `latency_batch1_us`
    /// (`models[0].latency_us`, `levels[3].latency_batch1_us`, `float_latency_us`).
    public static func isTiming(_ path: String) -> Bool {
        var name = Substring(path.split(separator: ".").last ?? "")
        while name.hasSuffix("]"), let open = name.lastIndex(of: "[") { name = name[..<open] }
        return name == "seconds" || name.hasSuffix("_seconds") || name == "samples_per_second"
            || name.hasSuffix("latency_us") || name.hasSuffix("latency_batch1_us")
    }

    /// Whether a metric path records how the cache was used rather than a result: prune's
    /// `steps_computed` and `steps_reused` differ between a cold and a warm cache for the same bytes.
    public static func isCacheBookkeeping(_ path: String) -> Bool {
        let name = path.split(separator: ".").last ?? ""
        return name == "steps_computed" || name == "steps_reused"
    }

    /// Compares `old` to `new`; unchanged rows are kept only when `includeUnchanged`.
    public init(old: Manifest, oldPath: String, new: Manifest, newPath: String, includeUnchanged: Bool = false) {
        self.old = Side(path: oldPath, runID: old.runID, experiment: old.experiment.name)
        self.new = Side(path: newPath, runID: new.runID, experiment: new.experiment.name)
        let oldIDs = old.stages.map(\.id), newIDs = new.stages.map(\.id)
        let oldSet = Set(oldIDs), newSet = Set(newIDs)
        stagesAdded = newIDs.filter { !oldSet.contains($0) }
        stagesRemoved = oldIDs.filter { !newSet.contains($0) }
        // Shared stages in the new manifest's order.
        let shared = newIDs.filter { oldSet.contains($0) }
        var rekeyed: [RekeyedStage] = []
        var params: [ParamRow] = []
        var metrics: [MetricRow] = []
        var outputs: [OutputRow] = []
        var unreproduced: [UnreproducedStage] = []
        var timings: [MetricRow] = []

        // Experiment-level parameters (seed, vars, matrix).
        params += ManifestDiff.rows(stage: "(experiment)", old: old.experiment.params, new: new.experiment.params,
                                    includeUnchanged: includeUnchanged)
        var notRun: [String] = []
        for id in shared {
            guard let a = old.stage(id), let b = new.stage(id) else { continue }
            // A stage skipped in either run (--only, or after a failure upstream) has nothing to
            // compare: listed once, not as removed metrics and outputs.
            if a.status == .skipped || b.status == .skipped {
                if a.status != b.status { notRun.append(id) }
                continue
            }
            if a.key != b.key, !a.key.isEmpty, !b.key.isEmpty {
                rekeyed.append(RekeyedStage(stage: id, oldKey: a.key, newKey: b.key))
            }
            params += ManifestDiff.rows(stage: id, old: .object(a.params), new: .object(b.params),
                                        includeUnchanged: includeUnchanged)
            var stageMetrics: [MetricRow] = []
            for (path, pair) in ManifestDiff.leaves(.object(a.metrics), .object(b.metrics)) {
                guard var row = ManifestDiff.metricRow(stage: id, metric: path, pair.old, pair.new,
                                                       includeUnchanged: includeUnchanged) else { continue }
                row.item = ManifestDiff.itemName(path, b.metrics) ?? ManifestDiff.itemName(path, a.metrics)
                if ManifestDiff.isTiming(path) || ManifestDiff.isCacheBookkeeping(path) {
                    timings.append(row)
                } else {
                    stageMetrics.append(row)
                }
            }
            if let row = ManifestDiff.metricRow(stage: id, metric: "(seconds)", .double(a.seconds), .double(b.seconds),
                                                includeUnchanged: includeUnchanged) {
                timings.append(row)
            }
            let oldOutputs = Dictionary(a.outputs.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
            let newOutputs = Dictionary(b.outputs.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
            if var finding = ManifestDiff.unreproduced(a, b) {
                finding.metrics = stageMetrics.filter(\.changed)
                unreproduced.append(finding)
                continue
            }
            metrics += stageMetrics
            for name in Set(oldOutputs.keys).union(newOutputs.keys).sorted() {
                let x = oldOutputs[name], y = newOutputs[name]
                let change: OutputChange = x == nil ? .added : y == nil ? .removed
                    : x?.sha256 == y?.sha256 ? .unchanged : .changed
                guard change != .unchanged || includeUnchanged else { continue }
                outputs.append(OutputRow(stage: id, output: name, change: change, oldSHA256: x?.sha256,
                                         newSHA256: y?.sha256, oldBytes: x?.bytes, newBytes: y?.bytes))
            }
        }
        if let row = ManifestDiff.metricRow(stage: "(run)", metric: "seconds", .double(old.summary.seconds),
                                            .double(new.summary.seconds), includeUnchanged: includeUnchanged) {
            timings.append(row)
        }
        self.stagesRekeyed = rekeyed
        self.params = params
        self.metrics = metrics
        self.outputs = outputs
        self.notReproduced = unreproduced
        self.notRunInOne = notRun
        self.environment = ManifestDiff.environmentChanges(old, new)
        self.timings = timings
    }

    /// A metric row, or nil when it is unchanged and unchanged rows are not wanted.
    private static func metricRow(stage: String, metric: String, _ old: ParamValue?, _ new: ParamValue?,
                                  includeUnchanged: Bool) -> MetricRow? {
        let changed = !ParamValue.equivalent(old, new)
        guard changed || includeUnchanged else { return nil }
        var delta: Double?
        if let x = old?.number, let y = new?.number { delta = y - x }
        return MetricRow(stage: stage, metric: metric, old: old, new: new, delta: delta, changed: changed)
    }

    /// The name of the object a path `list[i].field…` points into (`levels[3].oa` → the `level`
    /// of `levels[3]`): its `level`, `model`, `name` or `id` field; nil for any other path.
    static func itemName(_ path: String, _ metrics: [String: ParamValue]) -> String? {
        guard let open = path.firstIndex(of: "["), let close = path[open...].firstIndex(of: "]"),
              path[path.index(after: close)...].hasPrefix("."),
              let index = Int(path[path.index(after: open)..<close]),
              case .list(let items)? = metrics[String(path[..<open])], items.indices.contains(index),
              case .object(let fields) = items[index] else { return nil }
        return ["level", "model", "name", "id"].lazy.compactMap { fields[$0]?.displayText }.first
    }

    /// The finding for a stage that has the same non-empty key in both runs, produced outputs in
    /// both, and whose outputs differ; nil otherwise.
    private static func unreproduced(_ a: Manifest.StageEntry, _ b: Manifest.StageEntry) -> UnreproducedStage? {
        guard !a.key.isEmpty, a.key == b.key, !a.outputs.isEmpty, !b.outputs.isEmpty else { return nil }
        let x = Dictionary(a.outputs.map { ($0.name, $0.sha256) }, uniquingKeysWith: { p, _ in p })
        let y = Dictionary(b.outputs.map { ($0.name, $0.sha256) }, uniquingKeysWith: { p, _ in p })
        let differing = Set(x.keys).union(y.keys).filter { x[$0] != y[$0] }.sorted()
        guard !differing.isEmpty else { return nil }
        return UnreproducedStage(stage: b.id, key: b.key, outputs: differing, oldThreads: a.threads, newThreads: b.threads)
    }

    /// Host and environment fields that differ, in a fixed order. A manifest written before the
    /// environment was recorded gives one `environment` row, not a row per field.
    static func environmentChanges(_ old: Manifest, _ new: Manifest) -> [EnvironmentChange] {
        var changes: [EnvironmentChange] = []
        func scalar(_ field: String, _ x: String?, _ y: String?) {
            if x != y { changes.append(EnvironmentChange(field: field, old: x, new: y, added: [], removed: [])) }
        }
        scalar("host", old.host.name, new.host.name)
        scalar("os", old.host.os, new.host.os)
        scalar("cores", String(old.host.cores), String(new.host.cores))
        switch (old.environment, new.environment) {
        case (nil, nil):
            break
        case (nil, _?), (_?, nil):
            scalar("environment", old.environment == nil ? "not recorded" : "recorded",
                   new.environment == nil ? "not recorded" : "recorded")
        case (let x?, let y?):
            scalar("hsiflow", x.hsiflowVersion, y.hsiflowVersion)
            scalar("source commit", x.source?.commit, y.source?.commit)
            scalar("source dirty", x.source.map { String($0.dirty) }, y.source.map { String($0.dirty) })
            scalar("cpu", x.cpu.model, y.cpu.model)
            if x.cpu.flags != y.cpu.flags {
                let a = Set(x.cpu.flags), b = Set(y.cpu.flags)
                changes.append(EnvironmentChange(field: "cpu flags", old: x.cpu.flags.joined(separator: " "),
                                                 new: y.cpu.flags.joined(separator: " "),
                                                 added: b.subtracting(a).sorted(), removed: a.subtracting(b).sorted()))
            }
            scalar("blas", x.blas.name, y.blas.name)
            scalar("blas config", x.blas.config, y.blas.config)
            scalar("blas core", x.blas.core, y.blas.core)
            scalar("OPENBLAS_CORETYPE", x.blas.coreType, y.blas.coreType)
            scalar("threads", String(x.threads), String(y.threads))
            scalar("jobs", String(x.jobs), String(y.jobs))
        }
        return changes
    }

    private static func rows(stage: String, old: ParamValue, new: ParamValue, includeUnchanged: Bool) -> [ParamRow] {
        ManifestDiff.leaves(old, new).compactMap { path, pair in
            let changed = !ParamValue.equivalent(pair.old, pair.new)
            guard changed || includeUnchanged else { return nil }
            return ParamRow(stage: stage, path: path, old: pair.old, new: pair.new, changed: changed)
        }
    }

    /// A list with more numbers than this is one leaf, summarised (`3000×3000 values, digest …`),
    /// so `diff` and the report stay linear in the manifest's size and readable.
    public static let largeValueLeaves = 10_000

    /// Leaves of two values side by side, by dotted path (objects) and `[i]` (lists of numbers,
    /// lists or objects — `levels[3].oa`), sorted.
    static func leaves(_ a: ParamValue?, _ b: ParamValue?) -> [(String, (old: ParamValue?, new: ParamValue?))] {
        var out: [String: (old: ParamValue?, new: ParamValue?)] = [:]
        var order: [String] = []
        func put(_ path: String, _ v: ParamValue?, old: Bool) {
            if out[path] == nil { out[path] = (nil, nil); order.append(path) }
            if old { out[path]?.old = v } else { out[path]?.new = v }
        }
        func walk(_ v: ParamValue, _ path: String, old: Bool) {
            if path.isEmpty, case .object(let fields) = v, fields.isEmpty { return }   // no leaves at all
            switch v {
            case .object(let fields) where !fields.isEmpty:
                for (k, sub) in fields { walk(sub, path.isEmpty ? k : "\(path).\(k)", old: old) }
            case .list where v.leafCount(upTo: largeValueLeaves) > largeValueLeaves:
                // A 3000×3000 matrix is compared whole, by digest, not as nine million rows.
                put(path, .string("\(v.sizeSummary), digest \(v.digest) (more than \(largeValueLeaves) values: compared whole, not value by value)"), old: old)
            case .list(let items) where !items.isEmpty
                && items.allSatisfy({ $0.number != nil || $0.list != nil || $0.object != nil }):
                for (i, sub) in items.enumerated() { walk(sub, "\(path)[\(i)]", old: old) }
            default:
                put(path, v, old: old)
            }
        }
        if let a { walk(a, "", old: true) }
        if let b { walk(b, "", old: false) }
        // Sort keys are parsed once per path, not once per comparison.
        return order.map { (sortKey($0), $0) }.sorted { keyOrder($0.0, $1.0) }.compactMap { p in out[p.1].map { (p.1, $0) } }
    }

    /// Orders paths alphabetically but list indices numerically (`acc[2]` before `acc[10]`).
    private static func keyOrder(_ ka: [KeyPart], _ kb: [KeyPart]) -> Bool {
        for (x, y) in zip(ka, kb) where x != y {
            switch (x, y) {
            case (.number(let i), .number(let j)): return i < j
            case (.text(let s), .text(let t)): return s < t
            case (.number, .text): return true
            case (.text, .number): return false
            }
        }
        return ka.count < kb.count
    }

    private enum KeyPart: Equatable { case text(String), number(Int) }

    private static func sortKey(_ path: String) -> [KeyPart] {
        var parts: [KeyPart] = []
        var current = ""
        var inIndex = false
        for ch in path {
            if ch == "[" { parts.append(.text(current)); current = ""; inIndex = true }
            else if ch == "]", inIndex { parts.append(.number(Int(current) ?? 0)); current = ""; inIndex = false }
            else { current.append(ch) }
        }
        if !current.isEmpty { parts.append(.text(current)) }
        return parts
    }
}
