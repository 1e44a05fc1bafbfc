// TFLiteConverterTests: the graphs HSIFlow writes for cao and layer-list models, float and
// dynamic-range int8, read back from the file bytes (operators, shapes, per-channel scales), and
// the clear refusals (4-bit models).
import Compression
import NeuralNet
import Testing
import Tensors
@testable import TFLite

@Suite struct TFLiteConverterTests {
    static func cao(bands: Int = 12, classes: Int = 5) throws -> Sequential {
        try ModelSpec.cao(classes: classes).build(inputShape: [5, 5, bands], seed: 3)
    }

    @Test func caoBecomesConvConvReshapeThreeFullyConnectedAndSoftmax() throws {
        let model = try Self.cao()
        let summary = try TFLiteGraph.summary(of: try TFLiteConverter.fileBytes(for: model), source: "cao")
        #expect(summary.version == 3)
        #expect(summary.operators == ["conv2D", "conv2D", "reshape", "fullyConnected", "fullyConnected", "fullyConnected", "softmax"])
        #expect(summary.inputShapes == [[1, 5, 5, 12]])
        #expect(summary.outputShapes == [[1, 5]])
        #expect(summary.int8Tensors.isEmpty)
    }

    @Test func int8ModelsStoreWeightsPerOutputChannelAlongTheFirstAxis() throws {
        let model = try Self.cao()
        let quantized = try QuantizedModel(quantizing: model, bits: 8)
        let graph = try TFLiteConverter.graph(for: quantized)
        let summary = try TFLiteGraph.summary(of: graph.serialized(), source: "cao-int8")
        let weighted = model.layers.filter { $0 is Conv2D || $0 is Dense }
        #expect(summary.int8Tensors.map(\.name) == weighted.map { "\($0.name)/kernel" })
        #expect(summary.int8Tensors.map(\.scales) == weighted.map { $0.parameters[0].shape.last ?? 0 })
        #expect(summary.int8Tensors.allSatisfy { $0.dimension == 0 })
        // The first filter's values are the quantized kernel transposed (KH, KW, C, F) → (F, KH, KW, C).
        let conv = try #require(model.layers.first as? Conv2D)
        let q = quantized.layers[0].kernel
        let tensor = try #require(graph.tensors.first { $0.name == "\(conv.name)/kernel" })
        let stored = graph.buffers[tensor.buffer].map { Int8(bitPattern: $0) }
        let (kh, kw, c, f) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        for (o, y, x, i) in [(0, 0, 0, 0), (f - 1, 2, 1, c - 1), (7, 1, 2, 3)] {
            #expect(stored[((o * kh + y) * kw + x) * c + i] == q.values[((y * kw + x) * c + i) * f + o])
        }
        #expect(tensor.quantization?.scales == q.scales)
    }

    @Test func layerListsWithPoolingStandaloneActivationsAndDropoutConvert() throws {
        let spec = ModelSpec(name: "small", layers: [
            .conv2D(filters: 6, kernel: [3, 3], padding: .same, activation: .linear, name: "c1"),
            .activation(.relu, name: "r1"),
            .maxPool2D(pool: [2, 2], strides: [2, 2], name: "p1"),
            .flatten(name: "f"),
            .dropout(rate: 0.5, name: "d"),
            .dense(units: 3, activation: .linear, name: "out"),
            .activation(.softmax, name: "sm"),
        ])
        let model = try spec.build(inputShape: [6, 6, 4], seed: 1)
        let summary = try TFLiteGraph.summary(of: try TFLiteConverter.fileBytes(for: model), source: "small")
        #expect(summary.operators == ["conv2D", "relu", "maxPool2D", "reshape", "fullyConnected", "softmax"])
        #expect(summary.outputShapes == [[1, 3]])
    }

    @Test func fourBitModelsAreRefusedWithWhatToDo() throws {
        let quantized = try QuantizedModel(quantizing: try Self.cao(), bits: 4)
        do {
            _ = try TFLiteConverter.fileBytes(for: quantized)
            Issue.record("a 4-bit model was exported")
        } catch {
            #expect(error.description.contains("4 bits") && error.description.contains("bits: 8"), "\(error)")
        }
    }

    @Test func bytesThatAreNotTFLiteAreReportedByName() {
        #expect(throws: TFLiteError.self) { try TFLiteGraph.summary(of: Array("not a model at all".utf8), source: "x.tflite") }
    }
}
