// RunPointer: the short record a no-op run leaves under results/<name>/runs/<run-id>/manifest.json.
// A run whose manifest would equal the current one but for its run id, start time and wall time
// (every stage cached with the same entry: same key, outputs, metrics, seconds, reason) writes
// only its identity and summary plus the path and SHA-256 of the full manifest it reused (the
// archived record of the run that wrote the current manifest), and leaves results/<name>/manifest.json
// alone. `ManifestFile.load` reads either form: a pointer comes back as the full manifest with the
// pointer's run id, start time and summary, i.e. the manifest the run would have written.
public import Foundation
import FileSystem
public import PipelineModel

/// A no-op run's record: who it was, and which unchanged full manifest it stands for.
public struct RunPointer: Sendable, Hashable, Codable {
    /// The value of `record` that marks a pointer (a full manifest has no `record` key).
    public static let marker = "no-op run"

    public var schemaVersion: Int
    public var record: String
    public var runID: String
    public var startedAt: String
    public var summary: Manifest.Summary
    public var manifest: Target

    /// The full manifest a pointer stands for.
    public struct Target: Sendable, Hashable, Codable {
        /// Its run id.
        public var runID: String
        /// Relative to the pointer's folder (`../<run-id>/manifest.json`).
        public var path: String
        /// SHA-256 of its bytes, checked when read.
        public var sha256: String
        public var bytes: Int
    }

    /// Pretty JSON with sorted keys, ending with a newline (a few hundred bytes).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Whether `run` is a no-op over `previous` (as read back from its file): equal but for its
    /// run id, start time and wall time. Parameters written in the experiment can differ in form
    /// only after a round trip through JSON (2.0 reads back as 2), so a stage's are taken as equal
    /// when its key is (the key hashes them), and the experiment's are compared as JSON.
    public static func isNoOp(_ run: Manifest, over previous: Manifest) -> Bool {
        guard run.summary.ran == 0, run.summary.failed == 0, run.summary.skipped == 0, run.summary.carried == nil,
              previous.summary.carried == nil, run.runID != previous.runID,
              run.stages.count == previous.stages.count, run.tool == previous.tool, run.host == previous.host,
              run.environment == previous.environment, run.summary.cached == previous.summary.cached else { return false }
        var experiment = run.experiment
        experiment.params = previous.experiment.params
        guard experiment == previous.experiment, sameJSON(run.experiment.params, previous.experiment.params) else { return false }
        for (entry, before) in zip(run.stages, previous.stages) {
            guard entry.id == before.id, !entry.key.isEmpty, entry.key == before.key else { return false }
            var same = entry
            same.params = before.params
            guard same == before else { return false }
        }
        return true
    }

    private static func sameJSON<T: Encodable>(_ a: T, _ b: T) -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let x = try? encoder.encode(a), let y = try? encoder.encode(b) else { return false }
        return x == y
    }
}

/// Reads manifests that may be run pointers.
public enum ManifestFile {
    /// The manifest in `path`: a full manifest as it is, a run pointer resolved against its folder
    /// (the target's bytes checked against the recorded SHA-256) with the pointer's identity.
    public static func load(_ path: String) throws(PipelineModelError) -> Manifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableManifest(path: path, reason: "cannot read the file")
        }
        return try decode(data, source: path)
    }

    /// `data` (read from `source`) as a manifest; see `load`.
    public static func decode(_ data: Data, source: String) throws(PipelineModelError) -> Manifest {
        guard let pointer = pointer(in: data) else { return try Manifest.decode(data, source: source) }
        let folder = URL(fileURLWithPath: source).deletingLastPathComponent()
        let targetPath = folder.appendingPathComponent(pointer.manifest.path).standardizedFileURL.path
        guard let target = FileManager.default.contents(atPath: targetPath) else {
            throw .unreadableManifest(path: source, reason: "it is the record of a no-op run that reused run \(pointer.manifest.runID)'s manifest, and \(targetPath) cannot be read")
        }
        guard sha256Hex(target) == pointer.manifest.sha256 else {
            throw .unreadableManifest(path: source, reason: "it is the record of a no-op run that reused run \(pointer.manifest.runID)'s manifest, and \(targetPath) has changed since (its SHA-256 differs)")
        }
        var manifest = try Manifest.decode(target, source: targetPath)
        manifest.runID = pointer.runID
        manifest.startedAt = pointer.startedAt
        manifest.summary = pointer.summary
        return manifest
    }

    /// The run pointer in `data`, or nil when it is not one (a full manifest, or not JSON).
    public static func pointer(in data: Data) -> RunPointer? {
        // A pointer is small; a full manifest is not worth trying to decode as one.
        guard data.count < 64 * 1024, let pointer = try? JSONDecoder().decode(RunPointer.self, from: data),
              pointer.record == RunPointer.marker else { return nil }
        return pointer
    }
}

extension ResultsFolder {
    /// The archived record of run `runID` (runs/<run-id>/manifest.json).
    public func recordURL(runID: String) -> URL {
        directory.appendingPathComponent("runs", isDirectory: true).appendingPathComponent(runID, isDirectory: true)
            .appendingPathComponent("manifest.json")
    }

    /// Records a no-op run `record` as a pointer to the full record of `previous` (the current
    /// manifest's run), leaving the current manifest as it is. Returns false, writing nothing,
    /// when `record` is not a no-op over `previous` or that run's full record is missing or not
    /// a full manifest: then the caller writes in full.
    public func writePointer(record: Manifest, previous: Manifest?) throws(EngineError) -> Bool {
        guard let previous, RunPointer.isNoOp(record, over: previous) else { return false }
        let targetURL = recordURL(runID: previous.runID)
        guard let target = FileManager.default.contents(atPath: targetURL.path), ManifestFile.pointer(in: target) == nil
        else { return false }
        let pointer = RunPointer(
            schemaVersion: Manifest.currentSchemaVersion, record: RunPointer.marker, runID: record.runID,
            startedAt: record.startedAt, summary: record.summary,
            manifest: .init(runID: previous.runID, path: "../\(previous.runID)/manifest.json",
                            sha256: sha256Hex(target), bytes: target.count))
        let root = directory.deletingLastPathComponent().path
        do {
            let runDir = try ContainedPath.prepareFolder([directory.lastPathComponent, "runs", record.runID], under: root, intruder: .refuse)
            try AtomicFile.write(try pointer.encoded(), to: runDir + "/manifest.json")
        } catch let error as AtomicWriteError where error.isUnsafePath {
            throw .unsafePath(path: error.path, reason: error.reason)
        } catch let error as EngineError {
            throw error
        } catch {
            throw .storeFailure(path: directory.path, reason: "cannot write the run record (\(error.localizedDescription))")
        }
        return true
    }
}
