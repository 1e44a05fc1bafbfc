// ManifestBuilder and ResultsFolder: turn a run's outcomes into a Manifest, and keep
// results/<name>/manifest.json current while archiving earlier ones under runs/<run-id>/.
public import Foundation
public import PipelineModel

/// Builds manifests from run results.
public enum ManifestBuilder {
    /// The manifest of a run; `environment` is gathered by the caller (the engine knows no BLAS or CPU).
    public static func manifest(spec: ExperimentSpec, result: RunResult, files: [String: FileHash], store: any ArtifactStore,
                                runID: String, startedAt: Date, toolVersion: String,
                                environment: Manifest.Environment? = nil) -> Manifest {
        let entries = result.outcomes.map { o -> Manifest.StageEntry in
            let stage = spec.stage(o.id)
            let outputs = (o.record?.outputs ?? [:]).keys.sorted().compactMap { name -> Manifest.Output? in
                guard let ref = o.record?.outputs[name] else { return nil }
                return Manifest.Output(name: name, path: store.relativePath(of: ref), sha256: ref.sha256, bytes: ref.bytes)
            }
            let stageFiles = (stage?.inputFiles ?? []).map { path in
                Manifest.InputFile(path: path, sha256: files[path]?.sha256 ?? "", bytes: files[path]?.bytes ?? 0)
            }
            return Manifest.StageEntry(
                id: o.id.description, kind: o.kind, version: o.version, key: o.key, status: o.status, reason: o.reason,
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
            experiment: .init(name: spec.name, path: spec.path, sha256: spec.sha256, params: spec.resolvedParams),
            stages: entries,
            summary: .init(ran: result.count(.ran), cached: result.count(.cached), failed: result.count(.failed),
                           skipped: result.count(.skipped), seconds: (result.seconds * 1000).rounded() / 1000),
            environment: environment)
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
        do {
            let data = try manifest.encoded()
            let runDir = directory.appendingPathComponent("runs", isDirectory: true)
                .appendingPathComponent(manifest.runID, isDirectory: true)
            try FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
            try data.write(to: runDir.appendingPathComponent("manifest.json"), options: .atomic)
            try data.write(to: manifestURL, options: .atomic)
        } catch let error as EngineError {
            throw error
        } catch {
            throw .storeFailure(path: directory.path, reason: "cannot write the manifest (\(error.localizedDescription))")
        }
    }
}
