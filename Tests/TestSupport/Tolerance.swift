// Tolerance checks and small fixtures shared by every test target.
public import Foundation
public import Tensors
public import SpectralData

/// Largest absolute difference between two equally long sequences (∞ if lengths differ).
public func maxAbsDifference<A: Collection, B: Collection>(_ a: A, _ b: B) -> Double
where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
    guard a.count == b.count else { return .infinity }
    var worst = 0.0
    for (x, y) in zip(a, b) { worst = max(worst, abs(Double(x) - Double(y))) }
    return worst
}

/// True when every pair agrees within `absolute + relative · |expected|`.
public func allClose<A: Collection, B: Collection>(_ actual: A, _ expected: B,
                                                   absolute: Double = 1e-6, relative: Double = 1e-5) -> Bool
where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
    guard actual.count == expected.count else { return false }
    for (x, y) in zip(actual, expected) {
        let (dx, dy) = (Double(x), Double(y))
        if !(abs(dx - dy) <= absolute + relative * abs(dy)) { return false }
    }
    return true
}

/// A small deterministic scene for tests (32×32 pixels, 16 bands, 4 classes unless told).
public func tinyScene(height: Int = 32, width: Int = 32, bands: Int = 16, classes: Int = 4,
                      seed: UInt64 = 7) -> (cube: Cube, groundTruth: LabelMap) {
    let scene = SyntheticScene(height: height, width: width, bands: bands, classes: classes,
                               regionsPerClass: 2, seed: seed)
    do { return try scene.generate() } catch { fatalError("tiny scene parameters are valid: \(error)") }
}

/// The directory of test fixtures shipped beside a test file.
public func fixturesDirectory(file: String = #filePath) -> URL {
    URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("Fixtures")
}

/// A fresh empty directory under the system temp folder, removed by the caller or the OS.
public func makeTemporaryDirectory(_ prefix: String = "hsiflow-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The real-data folder from `HSIFLOW_DATA` (it holds `indian_pines/`), or nil when unset or absent.
public func realDataDirectory() -> URL? {
    guard let path = ProcessInfo.processInfo.environment["HSIFLOW_DATA"], !path.isEmpty else { return nil }
    let url = URL(fileURLWithPath: path).appendingPathComponent("indian_pines")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}
