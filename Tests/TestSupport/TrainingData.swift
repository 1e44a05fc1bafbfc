// Helpers that turn a scene into network inputs for tests: per-band standardization (a test-only
// stand-in until BandSelection's normalization is on main) and patches with zero-based labels.
public import Tensors
public import SpectralData

/// Each band shifted to mean 0 and scaled to standard deviation 1 over all pixels (population std).
public func standardizedPerBand(_ cube: Cube) -> Cube {
    let b = cube.bands, n = cube.pixelCount
    var mean = [Double](repeating: 0, count: b), sq = [Double](repeating: 0, count: b)
    for p in 0..<n { for k in 0..<b { let v = Double(cube.values[p * b + k]); mean[k] += v; sq[k] += v * v } }
    for k in 0..<b { mean[k] /= Double(n); sq[k] = (sq[k] / Double(n) - mean[k] * mean[k]).squareRoot() }
    var out = cube.values
    for p in 0..<n { for k in 0..<b {
        let s = sq[k] > 0 ? sq[k] : 1
        out[p * b + k] = Float((Double(out[p * b + k]) - mean[k]) / s)
    }}
    do { return try cube.replacingBands(b, values: out) } catch { fatalError("same shape cannot fail: \(error)") }
}

/// Patches around every labelled pixel of `labels` (row-major order) and their classes as 0-based indices.
public func labelledPatches(_ cube: Cube, _ labels: LabelMap, patch: Int) throws -> (inputs: Tensor, classes: [Int], pixels: [Int]) {
    let pixels = labels.labelledPixels
    let x = try PatchExtractor(size: patch).extract(from: cube, pixels: pixels)
    return (x, pixels.map { Int(labels.labels[$0]) - 1 }, pixels)
}
