// Snapshot files: golden text beside the test that checks it (Snapshots/<name>.txt next to the
// test file). Set RECORD_SNAPSHOTS=1 to (re)write them instead of comparing.
public import Foundation

/// Compares `actual` with the golden file `name` in the Snapshots folder beside `file`;
/// returns nil when equal (or when recording), else a message with both texts.
public func snapshotMismatch(_ actual: String, named name: String, file: String = #filePath) -> String? {
    let url = URL(fileURLWithPath: file).deletingLastPathComponent()
        .appendingPathComponent("Snapshots", isDirectory: true).appendingPathComponent(name)
    let text = actual.hasSuffix("\n") ? actual : actual + "\n"
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"].map({ !$0.isEmpty && $0 != "0" }) ?? false {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        do { try text.write(to: url, atomically: true, encoding: .utf8) } catch { return "cannot record \(url.path): \(error)" }
        return nil
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        return "no snapshot \(url.path); run the tests with RECORD_SNAPSHOTS=1 to record it. Actual:\n\(text)"
    }
    return expected == text ? nil : "snapshot \(name) differs.\n--- expected\n\(expected)--- actual\n\(text)"
}
