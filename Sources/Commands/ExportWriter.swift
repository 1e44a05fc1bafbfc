// ExportWriter: the IO half of `hsiflow export` — writes an ExportPlan's files into the export
// folder, each cache object re-read and hash-checked, each file through temp → fsync → rename,
// refusing any path that would leave the folder or pass through a symbolic link.
import FileFormats
import Foundation
import PipelineEngine

/// Writes an ExportPlan's files, atomically, never outside the export folder.
enum ExportWriter {
    static func write(_ plan: ExportPlan, into directory: URL, store: FileStore) throws -> ExportCommand.Summary {
        // The folder the user named may itself be a link; the folders made below it may not.
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw UserInputError("cannot create \(directory.path): \(error.localizedDescription); choose another --to")
        }
        let root = directory.standardizedFileURL.resolvingSymlinksInPath()
        // Every name checked and every stage folder made (or refused) before any file is written.
        for file in plan.files {
            guard file.components.count == 2,
                  file.components.allSatisfy({ !$0.isEmpty && !$0.contains("/") && $0 != "." && $0 != ".." }) else {
                throw WorkFailedError("refusing to write \(file.relativePath): not a plain name under \(root.path)")
            }
        }
        for folder in Set(plan.files.map { $0.components[0] }).sorted() {
            try makeDirectory(root.appendingPathComponent(folder, isDirectory: true))
        }
        var lines: [ExportCommand.Summary.Line] = []
        for file in plan.files {
            let target = root.appendingPathComponent(file.components[0], isDirectory: true).appendingPathComponent(file.components[1])
            guard target.standardizedFileURL.path.hasPrefix(root.path + "/") else {
                throw WorkFailedError("refusing to write \(target.path): outside \(root.path)")
            }
            let data: Data
            switch file.content {
            case .text(let text):
                data = Data(text.utf8)
            case .data(let bytes):
                data = bytes
            case .object(let ref):
                do {
                    guard let bytes = try store.read(ref) else {
                        throw UserInputError("\(file.relativePath): cache object \(ref.sha256) vanished while exporting; run the export again")
                    }
                    data = bytes
                } catch let error as EngineError {
                    throw UserInputError("\(file.relativePath): \(error.description); rerun the experiment to recompute it, then export again")
                }
            }
            do { try FileAccess.writeAtomically(data, to: target.path) } catch {
                throw WorkFailedError(error.description)
            }
            lines.append(.init(path: file.relativePath, bytes: data.count))
        }
        return .init(directory: root.path, files: lines, bytes: lines.reduce(0) { $0 + $1.bytes })
    }

    /// Creates `url` if needed; refuses a symbolic link there (it could point outside the export).
    private static func makeDirectory(_ url: URL) throws {
        var info = stat()
        if lstat(url.path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw UserInputError("\(url.path) exists and is not a folder (symbolic links are refused); choose another --to")
            }
            return
        }
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw UserInputError("cannot create \(url.path): \(error.localizedDescription)")
        }
    }
}
