// FuzzRegressions: the inputs on which a libFuzzer target in Fuzz/ once crashed, ran out of memory or
// hung (Fuzz/Regressions/<target>/, committed), so that the normal suite replays them through the
// same parser without the sanitizer build.
public import Foundation

public enum FuzzRegressions {
    /// The repository's Fuzz/Regressions folder, found from this source file's path.
    public static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Regressions")

    /// The regression inputs of `target` (e.g. "fuzz-npy"), sorted by name (README files left out).
    public static func inputs(_ target: String) -> [URL] {
        let dir = folder.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map { dir.appendingPathComponent($0) }
    }
}
