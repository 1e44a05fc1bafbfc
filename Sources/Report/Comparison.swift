// Comparison: several runs' manifests side by side, as a value — which parameters set each run
// apart, and the headline numbers of every stage instance per run (OA, kappa, AA; per prune level,
// float and quantized; saliency similarity per method and level). When the runs differ only by
// seed it also holds the mean and sample standard deviation across them. Pure: manifests in, numbers out.
import Foundation
public import PipelineModel

/// The headline metrics of N runs, aligned by stage instance and level.
public struct Comparison: Sendable, Codable, Equatable {
    /// One run, as the comparison names it.
    public struct Run: Sendable, Codable, Equatable {
        /// Short name used in tables and legends: A, B, C… (R27, R28… past Z).
        public var label: String
        /// The manifest file it was read from.
        public var path: String
        public var runID: String
        public var startedAt: String
        public var experiment: String
        /// The experiment's top-level `seed`, when it has one.
        public var seed: Int?
        /// What sets it apart from the first run; empty for the first.
        public var differences: [Difference]
    }

    /// One way a run differs from the first, kept as a value (the text is made when shown).
    public struct Difference: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable {
            /// The experiment's name (`old` → `new`).
            case experiment
            /// A parameter at `path`: top-level (`seed`, `vars.data`) or a stage's (`train[bands=pca].epochs`).
            case parameter
            /// Stages only the first run has (`old`: their ids).
            case stagesRemoved
            /// Stages only this run has (`new`: their ids).
            case stagesAdded
        }

        public var kind: Kind
        public var path: String
        public var old: ParamValue?
        public var new: ParamValue?

        /// True for a parameter named `seed` (`seed`, `scene.split.seed`).
        public var isSeed: Bool {
            kind == .parameter && (path == "seed" || path.hasSuffix(".seed"))
        }

        /// `train[bands=pca].epochs 10 → 20`, `experiment study → other`, `without stages a, b`.
        public var text: String {
            let ids = { (v: ParamValue?) in (v?.list ?? []).compactMap(\.string).joined(separator: ", ") }
            switch kind {
            case .experiment, .parameter: return ParamValue.Change(path: path, old: old, new: new).text
            case .stagesRemoved: return "without stages " + ids(old)
            case .stagesAdded: return "with stages " + ids(new)
            }
        }
    }

    /// How the runs relate.
    public enum Mode: String, Sendable, Codable, Equatable {
        /// Same experiment and parameters except `seed` (anywhere): replicates, averaged.
        case seeds
        /// Other parameters differ too: shown side by side, never averaged.
        case settings
    }

    /// One number per run at one place: a stage instance's metric, optionally per level and per series.
    public struct Row: Sendable, Codable, Equatable {
        /// The stage instance (`prune[bands=pca]`).
        public var stage: String
        /// What the numbers describe within the stage: `model` (a stage's own scalars), `float` (prune
        /// levels), `int8`/`int4`/`quantized` (quantize models), or a saliency method (`gradient`).
        public var series: String
        /// `oa`, `kappa`, `aa`, `cosine` or `spearman`.
        public var metric: String
        /// % of channels pruned; nil for a stage's own scalar metric.
        public var level: Double?
        /// One value per run, in run order; nil where a run does not have it.
        public var values: [Double?]
        /// Mean over the runs that have the value (seeds mode only).
        public var mean: Double?
        /// Sample standard deviation (n − 1) over those runs (seeds mode, n ≥ 2 only).
        public var std: Double?
        /// How many runs have the value.
        public var count: Int
    }

    public var schemaVersion = 1
    public var mode: Mode
    public var runs: [Run]
    /// Stage scalars (train's OA, kappa, AA), one row per stage and metric.
    public var stageRows: [Row]
    /// Per-level accuracy: prune levels (`float`) and quantized models, OA and kappa.
    public var levelRows: [Row]
    /// Saliency similarity to the unpruned model per method and level (cosine, Spearman).
    public var similarityRows: [Row]

    /// The scalar metrics tabulated per stage, in table order.
    public static let stageMetrics = ["oa", "kappa", "aa"]
    /// The per-level metrics tabulated, in table order.
    public static let levelMetrics = ["oa", "kappa"]

    /// Compares `manifests` (with the paths they were read from), the first being the baseline of `differences`.
    public init(_ manifests: [(manifest: Manifest, path: String)]) {
        let base = manifests.first?.manifest
        var runs: [Run] = []
        for (i, item) in manifests.enumerated() {
            let m = item.manifest
            runs.append(Run(label: Self.label(i), path: item.path, runID: m.runID, startedAt: m.startedAt,
                            experiment: m.experiment.name, seed: m.experiment.params["seed"]?.int,
                            differences: base.map { Self.differences(from: $0, to: m) } ?? []))
        }
        let onlySeeds = runs.allSatisfy { run in run.differences.allSatisfy(\.isSeed) }
        mode = onlySeeds ? .seeds : .settings
        self.runs = runs
        let all = manifests.map(\.manifest)
        let averaged = mode == .seeds
        stageRows = Self.stageRows(all, averaged: averaged)
        levelRows = Self.levelRows(all, averaged: averaged)
        similarityRows = Self.similarityRows(all, averaged: averaged)
    }

    // MARK: - Differences between runs

    /// `A`…`Z`, then `R27`, `R28`…
    static func label(_ index: Int) -> String {
        index < 26 ? String(UnicodeScalar(UInt8(65 + index))) : "R\(index + 1)"
    }

    /// What differs from `base` to `other`: the experiment's name and parameters, each shared stage's
    /// parameters (paths prefixed by the stage id), and stages only one of them has. Timings never count.
    static func differences(from base: Manifest, to other: Manifest) -> [Difference] {
        var out: [Difference] = []
        if base.experiment.name != other.experiment.name {
            out.append(Difference(kind: .experiment, path: "experiment", old: .string(base.experiment.name), new: .string(other.experiment.name)))
        }
        func parameters(_ changes: [ParamValue.Change]) -> [Difference] {
            changes.map { Difference(kind: .parameter, path: $0.path, old: $0.old, new: $0.new) }
        }
        out += parameters(ParamValue.changes(from: base.experiment.params, to: other.experiment.params))
        for stage in base.stages {
            guard let twin = other.stage(stage.id) else { continue }
            out += parameters(ParamValue.changes(from: .object(stage.params), to: .object(twin.params), path: stage.id))
        }
        let otherIDs = Set(other.stages.map(\.id)), baseIDs = Set(base.stages.map(\.id))
        let removed = base.stages.map(\.id).filter { !otherIDs.contains($0) }
        let added = other.stages.map(\.id).filter { !baseIDs.contains($0) }
        if !removed.isEmpty { out.append(Difference(kind: .stagesRemoved, path: "stages", old: .list(removed.map(ParamValue.string)), new: nil)) }
        if !added.isEmpty { out.append(Difference(kind: .stagesAdded, path: "stages", old: nil, new: .list(added.map(ParamValue.string)))) }
        return out
    }

    // MARK: - Rows

    /// Stage ids in order of first appearance across runs.
    static func stageIDs(_ manifests: [Manifest], kinds: Set<String>? = nil) -> [String] {
        var seen = Set<String>(), ids: [String] = []
        for m in manifests {
            for st in m.stages where (kinds?.contains(st.kind) ?? true) && seen.insert(st.id).inserted { ids.append(st.id) }
        }
        return ids
    }

    static func stageRows(_ manifests: [Manifest], averaged: Bool) -> [Row] {
        var rows: [Row] = []
        for id in stageIDs(manifests) {
            for metric in stageMetrics {
                let values = manifests.map { $0.stage(id)?.metrics[metric]?.number }
                if values.contains(where: { $0 != nil }) {
                    rows.append(row(stage: id, series: "model", metric: metric, level: nil, values: values, averaged: averaged))
                }
            }
        }
        return rows
    }

    static func levelRows(_ manifests: [Manifest], averaged: Bool) -> [Row] {
        var rows: [Row] = []
        for id in stageIDs(manifests, kinds: ["prune", "quantize"]) {
            // Per run: series name → level → record.
            let perRun = manifests.map { m -> [String: [Double: [String: ParamValue]]] in
                guard let st = m.stage(id) else { return [:] }
                let list = st.kind == "prune" ? st.metrics["levels"] : st.metrics["models"]
                var out: [String: [Double: [String: ParamValue]]] = [:]
                for record in (list?.list ?? []).compactMap(\.object) {
                    guard let x = (record["level"] ?? record["percent"])?.number else { continue }
                    let series = st.kind == "prune" ? "float" : record["bits"]?.int.map { "int\($0)" } ?? "quantized"
                    out[series, default: [:]][x] = record
                }
                return out
            }
            let seriesNames = Set(perRun.flatMap(\.keys)).sorted()
            for series in seriesNames {
                let levels = Set(perRun.flatMap { $0[series]?.keys.map { $0 } ?? [] }).sorted()
                for metric in levelMetrics {
                    for level in levels {
                        let values = perRun.map { $0[series]?[level]?[metric]?.number }
                        if values.contains(where: { $0 != nil }) {
                            rows.append(row(stage: id, series: series, metric: metric, level: level, values: values, averaged: averaged))
                        }
                    }
                }
            }
        }
        return rows
    }

    /// From each visualize stage's `similarity_to_L0`: method → `L<level>` → {cosine, spearman}.
    static func similarityRows(_ manifests: [Manifest], averaged: Bool) -> [Row] {
        var rows: [Row] = []
        for id in stageIDs(manifests, kinds: ["visualize"]) {
            let perRun = manifests.map { $0.stage(id)?.metrics["similarity_to_L0"]?.object ?? [:] }
            let methods = Set(perRun.flatMap(\.keys)).sorted()
            for method in methods {
                let levels = Set(perRun.flatMap { ($0[method]?.object ?? [:]).keys.compactMap(levelOfKey) }).sorted()
                for metric in ["cosine", "spearman"] {
                    for level in levels {
                        let key = "L" + ParamValue.format(level)
                        let values = perRun.map { $0[method]?[key]?[metric]?.number }
                        if values.contains(where: { $0 != nil }) {
                            rows.append(row(stage: id, series: method, metric: metric, level: level, values: values, averaged: averaged))
                        }
                    }
                }
            }
        }
        return rows
    }

    /// `L40` → 40.
    static func levelOfKey(_ key: String) -> Double? {
        key.hasPrefix("L") ? Double(key.dropFirst()) : nil
    }

    static func row(stage: String, series: String, metric: String, level: Double?, values: [Double?], averaged: Bool) -> Row {
        let present = values.compactMap { $0 }.filter(\.isFinite)
        var row = Row(stage: stage, series: series, metric: metric, level: level, values: values, mean: nil, std: nil, count: present.count)
        if averaged, !present.isEmpty {
            let (mean, std) = meanAndStd(present)
            row.mean = mean
            row.std = std
        }
        return row
    }

    /// The mean and the sample standard deviation (n − 1 in the denominator; nil for one value).
    static func meanAndStd(_ xs: [Double]) -> (mean: Double, std: Double?) {
        let mean = xs.reduce(0, +) / Double(xs.count)
        guard xs.count > 1 else { return (mean, nil) }
        // s² = Σ (x − x̄)² / (n − 1)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1)
        return (mean, variance.squareRoot())
    }

    // MARK: - Queries

    /// Rows of one stage, series and metric, in level order.
    public func levelCurve(stage: String, series: String, metric: String) -> [Row] {
        (levelRows + similarityRows).filter { $0.stage == stage && $0.series == series && $0.metric == metric }
            .sorted { ($0.level ?? 0) < ($1.level ?? 0) }
    }

    /// The series names a stage has among `rows`, in order of first appearance.
    static func seriesNames(of stage: String, in rows: [Row]) -> [String] {
        var seen = Set<String>()
        return rows.filter { $0.stage == stage }.map(\.series).filter { seen.insert($0).inserted }
    }

    /// Stage ids among `rows`, in order of first appearance.
    static func stages(in rows: [Row]) -> [String] {
        var seen = Set<String>()
        return rows.map(\.stage).filter { seen.insert($0).inserted }
    }
}
