// ManifestDiff: what changed between two manifests — parameters, metrics (old → new, delta),
// stages added/removed/re-keyed, and output artifacts. A value; renderers print it as a table
// or JSON. Nested metrics (per-class lists, objects) are compared leaf by leaf.

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

    public var old: Side
    public var new: Side
    public var stagesAdded: [String]
    public var stagesRemoved: [String]
    public var stagesRekeyed: [RekeyedStage]
    public var params: [ParamRow]
    public var metrics: [MetricRow]
    public var outputs: [OutputRow]

    /// True when anything but run ids and times differs.
    public var hasDifferences: Bool {
        !stagesAdded.isEmpty || !stagesRemoved.isEmpty || !stagesRekeyed.isEmpty
            || params.contains { $0.changed } || metrics.contains { $0.changed }
            || outputs.contains { $0.change != .unchanged }
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

        // Experiment-level parameters (seed, vars, matrix).
        params += ManifestDiff.rows(stage: "(experiment)", old: old.experiment.params, new: new.experiment.params,
                                    includeUnchanged: includeUnchanged)
        for id in shared {
            guard let a = old.stage(id), let b = new.stage(id) else { continue }
            if a.key != b.key, !a.key.isEmpty, !b.key.isEmpty {
                rekeyed.append(RekeyedStage(stage: id, oldKey: a.key, newKey: b.key))
            }
            params += ManifestDiff.rows(stage: id, old: .object(a.params), new: .object(b.params),
                                        includeUnchanged: includeUnchanged)
            for (path, pair) in ManifestDiff.leaves(.object(a.metrics), .object(b.metrics)) {
                let changed = !ParamValue.equivalent(pair.old, pair.new)
                guard changed || includeUnchanged else { continue }
                var delta: Double?
                if let x = pair.old?.number, let y = pair.new?.number { delta = y - x }
                metrics.append(MetricRow(stage: id, metric: path, old: pair.old, new: pair.new, delta: delta, changed: changed))
            }
            let oldOutputs = Dictionary(a.outputs.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
            let newOutputs = Dictionary(b.outputs.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
            for name in Set(oldOutputs.keys).union(newOutputs.keys).sorted() {
                let x = oldOutputs[name], y = newOutputs[name]
                let change: OutputChange = x == nil ? .added : y == nil ? .removed
                    : x?.sha256 == y?.sha256 ? .unchanged : .changed
                guard change != .unchanged || includeUnchanged else { continue }
                outputs.append(OutputRow(stage: id, output: name, change: change, oldSHA256: x?.sha256,
                                         newSHA256: y?.sha256, oldBytes: x?.bytes, newBytes: y?.bytes))
            }
        }
        self.stagesRekeyed = rekeyed
        self.params = params
        self.metrics = metrics
        self.outputs = outputs
    }

    private static func rows(stage: String, old: ParamValue, new: ParamValue, includeUnchanged: Bool) -> [ParamRow] {
        ManifestDiff.leaves(old, new).compactMap { path, pair in
            let changed = !ParamValue.equivalent(pair.old, pair.new)
            guard changed || includeUnchanged else { return nil }
            return ParamRow(stage: stage, path: path, old: pair.old, new: pair.new, changed: changed)
        }
    }

    /// Leaves of two values side by side, by dotted path (objects) and `[i]` (lists of numbers), sorted.
    static func leaves(_ a: ParamValue?, _ b: ParamValue?) -> [(String, (old: ParamValue?, new: ParamValue?))] {
        var out: [String: (old: ParamValue?, new: ParamValue?)] = [:]
        var order: [String] = []
        func put(_ path: String, _ v: ParamValue?, old: Bool) {
            if out[path] == nil { out[path] = (nil, nil); order.append(path) }
            if old { out[path]?.old = v } else { out[path]?.new = v }
        }
        func walk(_ v: ParamValue, _ path: String, old: Bool) {
            switch v {
            case .object(let fields) where !fields.isEmpty:
                for (k, sub) in fields { walk(sub, path.isEmpty ? k : "\(path).\(k)", old: old) }
            case .list(let items) where !items.isEmpty && items.allSatisfy({ $0.number != nil || $0.list != nil }):
                for (i, sub) in items.enumerated() { walk(sub, "\(path)[\(i)]", old: old) }
            default:
                put(path, v, old: old)
            }
        }
        if let a { walk(a, "", old: true) }
        if let b { walk(b, "", old: false) }
        return order.sorted(by: pathOrder).compactMap { p in out[p].map { (p, $0) } }
    }

    /// Orders paths alphabetically but list indices numerically (`acc[2]` before `acc[10]`).
    private static func pathOrder(_ a: String, _ b: String) -> Bool {
        let ka = sortKey(a), kb = sortKey(b)
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
