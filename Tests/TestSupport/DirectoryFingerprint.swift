// DirectoryFingerprint: one hash over a folder's file list and every file's bytes, so a test can
// show that a command left a folder (a cache) exactly as it found it.
public import Foundation
import PipelineEngine

/// SHA-256 over the sorted relative paths of every file below `root` and their contents;
/// any added, removed, renamed or rewritten file changes it.
public func directoryFingerprint(_ root: URL) throws -> String {
    let base = root.standardizedFileURL.path
    var lines: [String] = []
    guard let walker = FileManager.default.enumerator(atPath: base) else { return sha256Hex("") }
    for case let relative as String in walker {
        let path = base + "/" + relative
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
        lines.append(relative + " " + sha256Hex(try Data(contentsOf: URL(fileURLWithPath: path))))
    }
    return sha256Hex(lines.sorted().joined(separator: "\n"))
}
