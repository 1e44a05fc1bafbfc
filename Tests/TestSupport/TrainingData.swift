// Helpers that turn a scene into network inputs for tests: patches around labelled pixels with
// zero-based class indices, and per-band standardization through BandSelection.
public import Tensors
public import SpectralData
import BandSelection

/// Patches around every labelled pixel of `labels` (row-major order) and their classes as 0-based indices.
public func labelledPatches(_ cube: Cube, _ labels: LabelMap, patch: Int) throws -> (inputs: Tensor, classes: [Int], pixels: [Int]) {
    let pixels = labels.labelledPixels
    let x = try PatchExtractor(size: patch).extract(from: cube, pixels: pixels)
    return (x, pixels.map { Int(labels.labels[$0]) - 1 }, pixels)
}

/// Each band shifted to mean 0 and scaled to standard deviation 1 over all pixels (BandSelection's
/// `standard` normalization, scikit-learn's StandardScaler), no band reduction.
public func standardizedPerBand(_ cube: Cube) throws -> Cube {
    try BandReducer(method: .none, normalization: .standard).fitTransform(cube: cube).reduced
}
