// Classification: a model applied to a scene — the centred patch of every requested pixel through
// the network in batches — giving per-pixel classes, probabilities and a class map. The one place
// HSIFlow classifies a cube (`hsiflow predict`, the train stage's class map, the visualize stage's).
// x: cube (H, W, B) -> patches (N, P, P, B) -> probabilities (N, K); P and B are the model's input.
// It lives here, the lowest module that knows both a cube (SpectralData) and a model.
public import SpectralData
public import Tensors

/// The classes a model gives the pixels of a scene.
public struct SceneClassification: Sendable {
    public let height: Int
    public let width: Int
    /// The classified pixels (flat row-major indices), in the order they were asked for.
    public let pixels: [Int]
    /// The model's outputs, [pixels.count, K], row i for `pixels[i]`.
    public let probabilities: Tensor
    /// The 0-based class of `pixels[i]` (the largest output; the first on ties).
    public let classes: [Int]

    /// A row-major H×W map: classified pixels get their class + 1 (labels 1…K), the others 0.
    public var classMap: [Int32] {
        var map = [Int32](repeating: 0, count: height * width)
        for (p, c) in zip(pixels, classes) { map[p] = Int32(c + 1) }
        return map
    }

    /// `classMap` as a label map.
    public var labelMap: LabelMap {
        get throws(NeuralNetError) {
            do { return try LabelMap(height: height, width: width, labels: classMap) } catch {
                throw .invalidArgument(error.description)
            }
        }
    }
}

/// Classifies `pixels` of `cube` (every pixel when nil) with `model`, `batchSize` patches per
/// forward pass. Patches are the model's input size, cut with `padding` beyond the border; the
/// model must take P×P×B inputs (P odd, B the cube's bands). Outputs depend only on the model,
/// the cube, the pixels and the batch size, never on threads.
public func classify(cube: Cube, model: some InferenceModel, pixels: [Int]? = nil, padding: PatchPadding = .zero,
                     batchSize: Int = 512) throws(NeuralNetError) -> SceneClassification {
    let input = model.inputShape
    guard input.count == 3, input[0] == input[1], input[0] % 2 == 1 else {
        throw .invalidArgument("model \(model.name) takes inputs of shape \(input); classifying a scene needs square patches P×P×bands with P odd")
    }
    guard input[2] == cube.bands else {
        throw .invalidArgument("the cube has \(cube.bands) bands, model \(model.name) takes \(input[2])")
    }
    let pixels = pixels ?? Array(0..<cube.pixelCount)
    if let bad = pixels.first(where: { $0 < 0 || $0 >= cube.pixelCount }) {
        throw .invalidArgument("pixel \(bad) is outside the \(cube.height)×\(cube.width) scene")
    }
    var model = model
    let probabilities: Tensor
    do {
        let extractor = try PatchExtractor(size: input[0], padding: padding)
        probabilities = try model.predict(count: pixels.count, batchSize: batchSize) { range in
            try extractor.extract(from: cube, pixels: Array(pixels[range]))
        }
    } catch let error as NeuralNetError {
        throw error
    } catch let error as SpectralDataError {
        throw .invalidArgument(error.description)
    } catch {
        throw .invalidArgument("classifying the scene failed: \(error)")
    }
    return SceneClassification(height: cube.height, width: cube.width, pixels: pixels,
                               probabilities: probabilities, classes: probabilities.argmaxRows())
}
