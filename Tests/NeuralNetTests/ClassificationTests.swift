// classify(cube:model:): checked against a plain loop — each pixel's patch cut by hand and run
// through the model alone — and the class map it builds.
import NeuralNet
import SpectralData
import Tensors
import Testing
import TestSupport

@Suite struct ClassificationTests {
    /// A 7×6 scene with 3 bands and distinct values everywhere.
    func scene() throws -> Cube {
        try Cube(height: 7, width: 6, bands: 3, values: seededTensor([7, 6, 3], seed: 11).scalars)
    }

    /// A small network for 3×3 patches: one 3×3 convolution, then softmax over `classes`.
    func small(classes: Int) -> ModelSpec {
        ModelSpec(name: "small", layers: [.conv2D(filters: 4, kernel: [3, 3], activation: .relu), .flatten(),
                                          .dense(units: classes, activation: .softmax)])
    }

    /// The plain-loop reference: pixel by pixel, the P×P patch copied with zeros beyond the border,
    /// one forward pass per pixel, the largest output (the first on ties).
    func reference(_ cube: Cube, _ model: Sequential, pixels: [Int]) -> (probabilities: [[Float]], classes: [Int]) {
        var model = model
        let p = model.inputShape[0], half = p / 2, b = cube.bands
        var probabilities: [[Float]] = [], classes: [Int] = []
        for pixel in pixels {
            var patch = [Float](repeating: 0, count: p * p * b)
            let row = pixel / cube.width, column = pixel % cube.width
            for dr in 0..<p {
                for dc in 0..<p {
                    let r = row - half + dr, c = column - half + dc
                    guard r >= 0, r < cube.height, c >= 0, c < cube.width else { continue }
                    for k in 0..<b { patch[(dr * p + dc) * b + k] = cube.values[(r * cube.width + c) * b + k] }
                }
            }
            let out = model.forward(Tensor(shape: [1, p, p, b], scalars: patch), training: false).scalars
            var best = 0
            for j in 1..<out.count where out[j] > out[best] { best = j }
            probabilities.append(out)
            classes.append(best)
        }
        return (probabilities, classes)
    }

    @Test(arguments: [1, 5, 512])
    func everyPixelMatchesThePlainLoopReference(batchSize: Int) throws {
        let cube = try scene()
        let model = try ModelSpec.cao(classes: 4).build(inputShape: [5, 5, 3], seed: 3)
        let result = try classify(cube: cube, model: model, batchSize: batchSize)
        let expected = reference(cube, model, pixels: Array(0..<cube.pixelCount))
        #expect(result.pixels == Array(0..<cube.pixelCount))
        #expect(result.probabilities.shape == [cube.pixelCount, 4])
        #expect(allClose(result.probabilities.scalars, expected.probabilities.flatMap { $0 }, absolute: 1e-6, relative: 1e-5))
        #expect(result.classes == expected.classes)
        #expect(result.classMap == expected.classes.map { Int32($0 + 1) })
    }

    @Test func chosenPixelsKeepTheirOrderAndTheRestOfTheMapIsZero() throws {
        let cube = try scene()
        let model = try small(classes: 3).build(inputShape: [3, 3, 3], seed: 9)
        let pixels = [41, 0, 17, 6]
        let result = try classify(cube: cube, model: model, pixels: pixels, batchSize: 3)
        let expected = reference(cube, model, pixels: pixels)
        #expect(result.classes == expected.classes)
        var map = [Int32](repeating: 0, count: cube.pixelCount)
        for (p, c) in zip(pixels, expected.classes) { map[p] = Int32(c + 1) }
        #expect(result.classMap == map)
        #expect(try result.labelMap.labels == map)
    }

    @Test func refusesModelsAndPixelsThatDoNotFitTheScene() throws {
        let cube = try scene()
        let wrongBands = try small(classes: 3).build(inputShape: [3, 3, 4], seed: 1)
        #expect(throws: NeuralNetError.self) { try classify(cube: cube, model: wrongBands) }
        let evenPatch = try ModelSpec(name: "flat", layers: [.flatten(), .dense(units: 2, activation: .softmax)])
            .build(inputShape: [2, 2, 3], seed: 1)
        #expect(throws: NeuralNetError.self) { try classify(cube: cube, model: evenPatch) }
        let model = try small(classes: 3).build(inputShape: [3, 3, 3], seed: 1)
        #expect(throws: NeuralNetError.self) { try classify(cube: cube, model: model, pixels: [42]) }
        #expect(throws: NeuralNetError.self) { try classify(cube: cube, model: model, batchSize: 0) }
    }
}
