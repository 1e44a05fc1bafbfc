// ModelSpec.checkedSizes: a model description's sizes computed with checked arithmetic, so a
// hostile one is an error from `build`, never an overflow trap or a huge allocation.
import Testing
import Tensors
@testable import NeuralNet

@Suite struct ModelSpecSizeTests {
    @Test func theCaoModelsSizesMatchItsBuiltParameters() throws {
        let spec = ModelSpec.cao(classes: 9)
        let sizes = try spec.checkedSizes(inputShape: [5, 5, 200])
        let built = try spec.build(inputShape: [5, 5, 200], seed: 1)
        #expect(sizes.parameters == built.layers.reduce(0) { $0 + $1.parameterCount })
        #expect(sizes.largestActivation == 5 * 5 * 200) // the input; conv1 gives 3×3×300
    }

    @Test func overflowingSizesAreErrors() {
        let kernel = ModelSpec(name: "k", layers: [.conv2D(filters: 4, kernel: [1 << 31, 1 << 31], padding: .same, activation: .relu, name: "c")])
        #expect(throws: NeuralNetError.self) { try kernel.build(inputShape: [3, 3, 1 << 31], seed: 0) }
        let input = ModelSpec(name: "i", layers: [.flatten(name: "f"), .dense(units: 3, name: "d")])
        #expect(throws: NeuralNetError.self) { try input.build(inputShape: [1_000_000_000, 1_000_000_000, 1_000], seed: 0) }
        let units = ModelSpec(name: "u", layers: [.dense(units: 1 << 40, name: "d"), .dense(units: 1 << 40, name: "e")])
        #expect(throws: NeuralNetError.self) { try units.checkedSizes(inputShape: [1 << 30]) }
    }

    @Test func checkedCountReportsOverflow() {
        #expect(Tensor.checkedCount(of: [2, 3, 4]) == 24)
        #expect(Tensor.checkedCount(of: []) == 1)
        #expect(Tensor.checkedCount(of: [Int.max, 2]) == nil)
        #expect(Tensor.checkedCount(of: [3, -1]) == nil)
    }
}
