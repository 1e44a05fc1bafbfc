// The isolated reader: HDF5 files read in a child hsiflow give exactly what the in-process
// reader gives; a crash, a special file or a garbled reply becomes a FileFormatsError naming the file.
import Foundation
import NeuralNet
import Testing
import TestSupport
@testable import FileFormats

@Suite struct IsolatedReaderTests {
    func fixture(_ name: String) -> String { fixturesDirectory().appendingPathComponent(name).path }
    static let hostile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CommandsTests/Fixtures/hostile")

    @Test(arguments: ["hsiflow_small.h5", "keras2_cao.h5", "keras3_cao.h5"])
    func aFloatModelReadInTheChildEqualsTheInProcessRead(name: String) throws {
        guard case .float(let isolated) = try IsolatedReader.isolatedModel(path: fixture(name)) else {
            Issue.record("\(name) was not read as a float model")
            return
        }
        let local = try ModelFile.decode(FileAccess.readAll(fixture(name)), source: fixture(name))
        #expect(isolated.model.layers.map(\.parameters) == local.model.layers.map(\.parameters))
        #expect(isolated.model.layers.map(\.spec) == local.model.layers.map(\.spec))
        #expect(isolated.model.inputShape == local.model.inputShape)
        #expect(isolated.kerasVersion == local.kerasVersion && isolated.backend == local.backend)
        #expect(isolated.hasOptimizerWeights == local.hasOptimizerWeights)
    }

    @Test(arguments: ["hsiflow_small_int8.h5", "hsiflow_small_int4.h5"])
    func aQuantizedModelReadInTheChildEqualsTheInProcessRead(name: String) throws {
        let local = try QuantizedModelFile.decode(FileAccess.readAll(fixture(name)), source: fixture(name))
        guard case .quantized(let isolated) = try IsolatedReader.isolatedModel(path: fixture(name)) else {
            Issue.record("\(name) was not read as a quantized model")
            return
        }
        #expect(isolated == local)
    }

    @Test func aV73ArrayReadInTheChildEqualsTheInProcessRead() throws {
        let path = fixture("mat_v73_cube.mat")
        let isolated = try IsolatedReader.matArray(path: path, variable: "cube", rank: nil)
        let local = try MatFile.readInProcess(path: path, variable: "cube", rank: nil)
        #expect(isolated.array == local.array && isolated.name == local.name && isolated.format == local.format)
        #expect(try IsolatedReader.matContents(path: path) == MatFile.contentsInProcess(path: path))
    }

    @Test(arguments: ["h5_btree_child_ff.h5", "h5_gheap_index_past_end.h5"])
    func aFileThatCrashesLibHDF5IsAnErrorNamingIt(name: String) {
        let path = Self.hostile.appendingPathComponent(name).path
        do {
            _ = try ModelFile.load(path: path)
            Issue.record("\(name) loaded")
        } catch {
            #expect(error.description.contains(path), "\(error.description)")
        }
    }

    @Test func aDeviceOrFolderIsRefusedBeforeAnyChildStarts() {
        #expect(throws: FileFormatsError.unreadable(path: "/dev/zero", reason: "it is not a regular file (a FIFO, socket or device); HSIFlow reads regular files only")) {
            try ModelFile.load(path: "/dev/zero")
        }
        #expect(throws: FileFormatsError.self) { try MatFile.contents(path: "/dev/null") }
    }

    @Test func repliesAreDecodedWithBoundsChecks() throws {
        let header = try JSONEncoder().encode(IsolatedReader.Reply(blobs: [3, 2]))
        func reply(_ header: Data, length: UInt64? = nil, tail: [UInt8]) -> [UInt8] {
            let n = length ?? UInt64(header.count)
            let total = UInt64(tail.count)
            return IsolatedReader.magic + (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) }
                + (0..<8).map { UInt8(truncatingIfNeeded: total >> (8 * UInt64($0))) } + [UInt8](header) + tail
        }
        let good = try #require(IsolatedReader.decode(reply(header, tail: [1, 2, 3, 4, 5])))
        #expect(good.1.map { Array($0) } == [[1, 2, 3], [4, 5]])
        #expect(IsolatedReader.decode([]) == nil)
        #expect(IsolatedReader.decode(Array("not a reply at all, just text".utf8)) == nil)
        #expect(IsolatedReader.decode(reply(header, tail: [1, 2, 3, 4])) == nil, "a blob cut short")
        #expect(IsolatedReader.decode(reply(header, tail: [1, 2, 3, 4, 5, 6])) == nil, "bytes after the last blob")
        #expect(IsolatedReader.decode(reply(header, length: UInt64.max, tail: [1, 2, 3, 4, 5])) == nil, "a header length past the end")
        let negative = try JSONEncoder().encode(IsolatedReader.Reply(blobs: [-1, 6]))
        #expect(IsolatedReader.decode(reply(negative, tail: [1, 2, 3, 4, 5])) == nil, "a negative blob size")
        #expect(IsolatedReader.decode(reply(Data("{".utf8), tail: [])) == nil, "a header that is not JSON")
        // The announced size lets the parent read the reply into one buffer; it is a hint only.
        let framed = reply(header, tail: [1, 2, 3, 4, 5])
        #expect(IsolatedReader.announcedSize(framed[...]) == framed.count)
        #expect(IsolatedReader.announcedSize(framed[0..<20]) == nil, "a prefix not yet complete")
        #expect(IsolatedReader.announcedSize(Array(repeating: 0xff, count: 40)[...]) == nil, "not a reply")
        #expect(IsolatedReader.announcedSize(reply(header, length: UInt64.max, tail: [])[...]) == nil, "an impossible size")
    }
}
