// ModelCostTests: parameters and FLOPs counted by hand for a small model, before and after surgery.
import Testing
import TestSupport
import Tensors
import NeuralNet
@testable import Compression

@Suite struct ModelCostTests {
    @Test func countsParametersAndFlopsByHand() throws {
        let model = try tinyConvModel()
        let cost = ModelCost(of: model)
        // conv1 4×4 out, 3·3·3·4 kernel; conv2 2×2 out, 3·3·4·3; dense 12→5; dense 5→2.
        #expect(cost.flops == 2 * 16 * 108 + 2 * 4 * 108 + 2 * 60 + 2 * 10)
        #expect(cost.parameters == (108 + 4) + (108 + 3) + (60 + 5) + (10 + 2))
        #expect(cost.channels == [LayerChannels(layer: "conv1", channels: 4), LayerChannels(layer: "conv2", channels: 3)])
        let pruned = ModelCost(of: try ChannelSurgery.removing(["conv1": [0], "conv2": [0]], from: model))
        // conv1 3·3·3·3, conv2 3·3·3·2, dense 8→5.
        #expect(pruned.flops == 2 * 16 * 81 + 2 * 4 * 54 + 2 * 40 + 2 * 10)
    }
}
