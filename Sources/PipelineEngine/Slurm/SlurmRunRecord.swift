// SlurmRunRecord: what a Slurm run submitted, written to results/<name>/runs/<run-id>/slurm.json
// before the coordinator watches: the experiment as given (path, overrides, cache), and per stage
// the plan's decision and reason, its job id, log and report. Watching, collecting and `hsiflow
// status` (after `--detach`) all work from it, so an attached run and a detached one finish alike.
public import Foundation
import FileSystem
public import PipelineModel

/// A submitted Slurm run.
public struct SlurmRunRecord: Codable, Sendable {
    /// Bumped when the layout changes.
    public var schemaVersion = 1
    public var runID: String
    /// When the run started (seconds since 1970).
    public var startedAt: Double
    /// The experiment file (absolute), its `--set` overrides and its sha256 when submitted.
    public var experiment: String
    public var overrides: [String]
    public var sha256: String
    /// The cache the jobs use (absolute).
    public var cache: String
    /// Whether independent branches keep running after a failure.
    public var keepGoing: Bool
    /// Every stage in dependency order.
    public var stages: [Stage]

    /// One stage of the run.
    public struct Stage: Codable, Sendable {
        public var id: String
        /// The plan's decision: run, reuse or excluded.
        public var action: Plan.Action
        /// The plan's reason, as shown.
        public var reason: String
        /// The key when the plan knew it (reused stages).
        public var key: String?
        /// The job that runs it (nil when nothing was submitted).
        public var job: String?
        /// The job's log and the stage report its `hsiflow stage run --report` writes, relative to
        /// the results folder.
        public var log: String?
        public var report: String?
    }

    /// The run's folder under a results folder.
    public static func directory(in results: ResultsFolder, runID: String) -> URL {
        results.directory.appendingPathComponent("runs", isDirectory: true).appendingPathComponent(runID, isDirectory: true)
    }

    /// Where the record of `runID` lives.
    public static func url(in results: ResultsFolder, runID: String) -> URL {
        directory(in: results, runID: runID).appendingPathComponent("slurm.json")
    }

    /// The submitted job ids.
    public var jobs: [String] { stages.compactMap(\.job) }

    /// Writes the record (atomically).
    public func write(to url: URL) throws(EngineError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try AtomicFile.write(try encoder.encode(self), to: url.path)
        } catch {
            throw .storeFailure(path: url.path, reason: "cannot write the Slurm run record (\(error))")
        }
    }

    /// Reads a record.
    public static func read(_ url: URL) throws(EngineError) -> SlurmRunRecord {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadableFile(path: url.path, reason: FileManager.default.fileExists(atPath: url.path) ? error.localizedDescription : "no such file")
        }
        do { return try JSONDecoder().decode(SlurmRunRecord.self, from: data) } catch {
            throw .unreadableFile(path: url.path, reason: "not a Slurm run record (\(error))")
        }
    }
}
