// Quantized model files: exact round trips for 8 and 4 bits (4-bit values packed two per byte,
// sign-extended back), a float model file refused with a clear error, damaged contents reported.
import Foundation
import Testing
import TestSupport
import Tensors
import NeuralNet
@testable import FileFormats

@Suite struct QuantizedModelFileTests {
    let spec = ModelSpec(name: "q", layers: [
        .conv2D(filters: 3, kernel: [3, 3], activation: .relu, name: "conv"),
        .flatten(name: "flat"),
        .dense(units: 2, activation: .softmax, name: "out"),
    ])

    /// Contents with seeded values in ±qmax for `bits`.
    func contents(bits: Int) -> QuantizedModelContents {
        let q = (1 << (bits - 1)) - 1
        var rng = SeededRandom(seed: UInt64(bits))
        func values(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8(rng.index(below: 2 * q + 1) - q) } }
        return QuantizedModelContents(spec: spec, inputShape: [4, 4, 2], bits: bits, layers: [
            QuantizedLayerContents(layer: "conv", kernelShape: [3, 3, 2, 3], values: values(54), scales: [0.1, 0.02, 0], bias: [1, -1, 0.5]),
            QuantizedLayerContents(layer: "out", kernelShape: [12, 2], values: values(24), scales: [0.5, 0.25], bias: [0, 2]),
        ])
    }

    @Test(arguments: [("hsiflow_small_int8.h5", 8), ("hsiflow_small_int4.h5", 4)])
    func encodingInMemoryGivesTheBytesFilesHadBefore(name: String, bits: Int) throws {
        // Quantize-stage outputs of a tiny synthetic experiment, written by the temporary-file
        // writer this encoder replaced (commit 8700beb): same contents, same bytes.
        let url = fixturesDirectory().appendingPathComponent(name)
        let before = try Data(contentsOf: url)
        #expect(QuantizedModelFile.isQuantized(before))
        #expect(QuantizedModelFile.isQuantized(path: url.path))
        let contents = try QuantizedModelFile.decode(before, source: name)
        #expect(contents.bits == bits)
        #expect(try QuantizedModelFile.load(path: url.path) == contents)
        #expect(try QuantizedModelFile.encode(contents) == before)
        #expect(!QuantizedModelFile.isQuantized(try Data(contentsOf: fixturesDirectory().appendingPathComponent("hsiflow_small.h5"))))
        #expect(!QuantizedModelFile.isQuantized(Data("plain text".utf8)))
    }

    @Test(arguments: [8, 4])
    func roundTripIsExact(bits: Int) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("q\(bits).h5").path
        let original = contents(bits: bits)
        try QuantizedModelFile.save(original, to: path)
        let loaded = try QuantizedModelFile.load(path: path)
        #expect(loaded == original)
        #expect(original.layers[0].values.contains { $0 < 0 })
    }

    @Test func fourBitValuesPackLowNibbleFirst() {
        #expect(QuantizedModelFile.pack4([1, -1, 7, -7, 3]) == [0xF1, 0x97, 0x03])
        #expect(QuantizedModelFile.unpack4([0xF1, 0x97, 0x03], count: 5) == [1, -1, 7, -7, 3])
    }

    @Test func aFloatModelFileIsNotAQuantizedOne() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("float.h5").path
        try ModelFile.save(try spec.build(inputShape: [4, 4, 2], seed: 1), to: path)
        #expect(throws: FileFormatsError.self) { try QuantizedModelFile.load(path: path) }
        #expect(throws: FileFormatsError.self) { try QuantizedModelFile.load(path: directory.appendingPathComponent("none.h5").path) }
    }

    @Test func inconsistentContentsAreNotWritten() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var bad = contents(bits: 8)
        bad.layers[1].scales = [1]
        #expect(throws: FileFormatsError.self) { try QuantizedModelFile.save(bad, to: directory.appendingPathComponent("bad.h5").path) }
        bad = contents(bits: 8)
        bad.bits = 16
        #expect(throws: FileFormatsError.self) { try QuantizedModelFile.save(bad, to: directory.appendingPathComponent("bad.h5").path) }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("bad.h5").path))
    }
}
