// ManifestBuilder and ResultsFolder: turn a run's outcomes into a Manifest, and keep
// results/<name>/manifest.json current while archiving each run's own record under runs/<run-id>/.
// A partial run (`--only`) keeps the stages it left alone in the current manifest, carried over
// from the previous one while their keys still apply; its record says only what it did.
public import Foundation
import FileSystem
public import PipelineModel

/// Builds manifests from run results.
public enum ManifestBuilder {
    /// The manifest of a run; `environment` is gathered by the caller (the engine knows no BLAS or CPU).
    public static func manifest(spec: ExperimentSpec, result: RunResult, files: [String: FileHash], store: any ArtifactStore,
                                runID: String, startedAt: Date, toolVersion: String,
                                environment: Manifest.Environment? = nil) -> Manifest {
        // One lookup table, not a linear `spec.stage(_:)` per outcome (quadratic at 10,000 stages).
        let specs = Dictionary(spec.stages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let entries = result.outcomes.map { o -> Manifest.StageEntry in
            let stage = specs[o.id]
            let outputs = (o.record?.outputs ?? [:]).keys.sorted().compactMap { name -> Manifest.Output? in
                guard let ref = o.record?.outputs[name] else { return nil }
                return Manifest.Output(name: name, path: store.relativePath(of: ref), sha256: ref.sha256, bytes: ref.bytes)
            }
            let stageFiles = (stage?.inputFiles ?? []).map { path in
                Manifest.InputFile(path: path, resolved: path.hasPrefix("/") ? nil : spec.resolvedPath(path),
                                   sha256: files[path]?.sha256 ?? "", bytes: files[path]?.bytes ?? 0)
            }
            return Manifest.StageEntry(
                id: o.id.description, kind: o.kind, version: o.version, key: o.key, status: o.status, reason: o.reason.description,
                params: stage?.params ?? [:], needs: (stage?.needs ?? []).map(\.description),
                inputs: o.inputs.map { Manifest.Input(stage: $0.stage.description, key: $0.key) },
                files: stageFiles, outputs: outputs, metrics: o.record?.metrics ?? [:],
                seconds: o.status == .ran || o.status == .failed ? o.seconds : (o.record?.seconds ?? 0),
                threads: o.threads, error: o.error)
        }
        return Manifest(
            runID: runID, startedAt: iso8601(startedAt),
            tool: .init(name: "hsiflow", version: toolVersion),
            host: .init(name: currentHostName(), os: ProcessInfo.processInfo.operatingSystemVersionString,
                        cores: ProcessInfo.processInfo.activeProcessorCount),
            experiment: .init(name: spec.name, path: spec.path, directory: spec.directory, sha256: spec.sha256,
                              params: spec.resolvedParams),
            stages: entries,
            summary: .init(ran: result.count(.ran), cached: result.count(.cached), failed: result.count(.failed),
                           skipped: result.count(.skipped), seconds: (result.seconds * 1000).rounded() / 1000),
            environment: environment)
    }

    /// The current manifest after a run: the run's record `run`, with each stage the run did not
    /// select (excluded by `--only`) replaced by its entry in `previous`, marked `carriedFrom`,
    /// when that entry has results and its key equals the key the stage has now. That key is
    /// recomputed, in dependency order, from the stage's parameters, files and the outputs its
    /// needs have in the current manifest; a stage whose needs have no outputs is not carried.
    public static func current(run: Manifest, previous: Manifest?, spec: ExperimentSpec, plan: Plan,
                               result: RunResult, files: [String: FileHash]) -> Manifest {
        guard let previous, previous.experiment.name == run.experiment.name else { return run }
        let old = Dictionary(previous.stages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let excluded = Set(plan.steps.filter { $0.action == .excluded }.map(\.id.description))
        // Output name → sha256 of every stage with results in the current manifest, filled in order.
        var outputs: [String: [String: String]] = [:]
        var entries: [Manifest.StageEntry] = []
        var carried = 0
        for (outcome, entry) in zip(result.outcomes, run.stages) {
            let id = entry.id
            if !excluded.contains(id) {
                if let record = outcome.record, entry.status == .ran || entry.status == .cached {
                    outputs[id] = record.outputs.mapValues(\.sha256)
                }
                entries.append(entry)
                continue
            }
            guard let before = old[id], before.status == .ran || before.status == .cached, !before.key.isEmpty,
                  let stage = spec.stage(outcome.id) else { entries.append(entry); continue }
            let needs = stage.inputStages.map(\.description)
            guard needs.allSatisfy({ outputs[$0] != nil }) else { entries.append(entry); continue }
            let inputs = Dictionary(needs.compactMap { need in outputs[need].map { (need, $0) } },
                                    uniquingKeysWith: { a, _ in a })
            let key = Fingerprint(stage: stage, version: outcome.version, seed: spec.seed, files: files, inputs: inputs).key
            guard key == before.key else { entries.append(entry); continue }
            var kept = before
            kept.carriedFrom = before.carriedFrom ?? previous.runID
            outputs[id] = Dictionary(before.outputs.map { ($0.name, $0.sha256) }, uniquingKeysWith: { a, _ in a })
            entries.append(kept)
            carried += 1
        }
        var current = run
        current.stages = entries
        if carried > 0 {
            current.summary.skipped -= carried
            current.summary.carried = carried
        }
        return current
    }

    /// A run id: UTC time plus the process id, sortable.
    public static func runID(at date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "\(f.string(from: date))-\(ProcessInfo.processInfo.processIdentifier)"
    }

    static func iso8601(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}

/// The results folder of one experiment: `<results>/<name>/manifest.json` and `runs/<run-id>/`.
public struct ResultsFolder: Sendable {
    public let directory: URL

    public init(resultsRoot: URL, experiment: String) {
        directory = resultsRoot.appendingPathComponent(experiment, isDirectory: true)
    }

    public var manifestURL: URL { directory.appendingPathComponent("manifest.json") }

    /// The current manifest, or nil when there is none (or it cannot be read: then the plan
    /// simply has no previous run to compare with).
    public func currentManifest() -> Manifest? {
        guard let data = try? Data(contentsOf: manifestURL) else { return nil }
        return try? Manifest.decode(data, source: manifestURL.path)
    }

    /// Writes `manifest` as the current one (atomically) and a copy under runs/<run-id>/.
    public func write(_ manifest: Manifest) throws(EngineError) {
        try write(record: manifest, current: manifest)
    }

    /// Writes a run's own `record` under runs/<run-id>/ and `current` (the record with carried-over
    /// entries, see `ManifestBuilder.current`) as results/<name>/manifest.json, both atomically.
    public func write(record: Manifest, current: Manifest) throws(EngineError) {
        // results/<name>/runs/<run-id>/ must be real folders: a link planted there is refused,
        // never written through (the results root itself may be a link the user made).
        let root = directory.deletingLastPathComponent().path
        do {
            let runDir = try ContainedPath.prepareFolder([directory.lastPathComponent, "runs", record.runID], under: root, intruder: .refuse)
            let recordBytes = try record.encoded()
            try AtomicFile.write(recordBytes, to: runDir + "/manifest.json")
            // Most runs carry nothing over: then the current manifest is the record, encoded once.
            try AtomicFile.write(current == record ? recordBytes : try current.encoded(), to: manifestURL.path)
        } catch let error as AtomicWriteError where error.isUnsafePath {
            throw .unsafePath(path: error.path, reason: error.reason)
        } catch let error as EngineError {
            throw error
        } catch {
            throw .storeFailure(path: directory.path, reason: "cannot write the manifest (\(error.localizedDescription))")
        }
    }
}
