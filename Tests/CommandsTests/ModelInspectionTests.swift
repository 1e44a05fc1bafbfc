import Foundation
import Testing
import TestSupport
import NeuralNet
import FileFormats
@testable import Commands

@Suite struct ModelInspectionTests {
    func kerasFixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FileFormatsTests/Fixtures/\(name)").path
    }

    @Test func describesAKerasModelLayerByLayer() throws {
        let report = try ModelInspection.inspect(path: kerasFixture("keras3_cao.h5"))
        #expect(report.layers.map(\.name) == ["conv1", "conv2", "flatten", "dense1", "dense2", "predictions"])
        #expect(report.layers.map(\.outputShape) == [[3, 3, 30], [1, 1, 20], [20], [200], [100], [9]])
        #expect(report.layers.map(\.parameters) == [3 * 3 * 8 * 30 + 30, 3 * 3 * 30 * 20 + 20, 0, 20 * 200 + 200, 200 * 100 + 100, 100 * 9 + 9])
        #expect(report.parameters == report.layers.reduce(0) { $0 + $1.parameters })
        #expect(report.kerasVersion?.hasPrefix("3.") == true)
        let text = report.renderedText()
        #expect(text.contains("Keras 3") && text.contains("predictions") && text.contains("softmax"))
        let decoded = try JSONDecoder().decode(ModelInspection.self, from: Data(try report.renderedJSON().utf8))
        #expect(decoded == report)
    }

    @Test func describesAnHSIFlowModelAndRoutesH5FilesThroughInspect() throws {
        let model = try ModelSpec.cao(classes: 4).build(inputShape: [5, 5, 6], seed: 1)
        let path = try makeTemporaryDirectory("hsiflow-inspect").appendingPathComponent("cao.h5").path
        try ModelFile.save(model, to: path)
        let report = try ModelInspection.inspect(path: path)
        #expect(report.hsiflowVersion == ModelFile.hsiflowVersion)
        #expect(report.parameters == model.parameterCount)
        #expect(report.forwardFLOPsPerSample == model.forwardFLOPsPerSample)
        var command = try InspectCommand.parse([path, "--json"])
        try command.run()
    }

    @Test func aDamagedModelIsAUserError() {
        #expect(throws: UserInputError.self) { try ModelInspection.inspect(path: kerasFixture("model_missing_weight.h5")) }
    }
}
