// HDF5ParserTests: the Swift HDF5 reader (the in-process fast path for untrusted HDF5 files) gives
// exactly what libhdf5 gives in the isolated reader, for every layout it answers for; it refuses,
// and the isolated reader answers, for the layouts it leaves to libhdf5; and no damaged file makes
// it trap, loop or allocate past the budget (a seeded mutation campaign run in this process).
// Fixtures: reference/make_hdf5_variants.py (h5py) and the model and .mat fixtures beside them.
import Foundation
import NeuralNet
import Testing
import TestSupport
@testable import FileFormats

@Suite struct HDF5ParserTests {
    func fixture(_ name: String) -> String { fixturesDirectory().appendingPathComponent(name).path }

    static let floatModels = ["hsiflow_small.h5", "keras2_cao.h5", "keras3_cao.h5", "hdf5/hsiflow_small_latest.h5",
                              "hdf5/hsiflow_small_userblock.h5"]
    static let quantizedModels = ["hsiflow_small_int8.h5", "hsiflow_small_int4.h5"]
    static let answeredMats = ["mat_v73_cube.mat", "hdf5/v73_chunked_deflate.mat", "hdf5/v73_shuffle_deflate.mat",
                               "hdf5/v73_chunked_plain.mat", "hdf5/v73_name_order.mat", "hdf5/v73_many_variables.mat",
                               "hdf5/v73_latest.mat"]
    static let refusedMats = ["hdf5/v73_latest_chunked.mat", "hdf5/v73_latest_dense.mat", "hdf5/v73_big_endian.mat",
                              "hdf5/v73_fletcher.mat"]

    @Test("a float model read by the Swift reader equals libhdf5's read in the child", arguments: floatModels)
    func floatModelsAgree(name: String) throws {
        let path = fixture(name)
        guard case .float(let swift) = try #require(SwiftHDF5Path.model(path: path), "the Swift reader refused \(name)"),
              case .float(let child) = try IsolatedReader.isolatedModel(path: path) else {
            Issue.record("\(name) was not read as a float model")
            return
        }
        #expect(swift.model.layers.map(\.spec) == child.model.layers.map(\.spec))
        #expect(swift.model.layers.map(\.parameters) == child.model.layers.map(\.parameters))
        #expect(!swift.model.layers.flatMap(\.parameters).isEmpty)
        #expect(swift.model.inputShape == child.model.inputShape)
        #expect(swift.kerasVersion == child.kerasVersion && swift.backend == child.backend && swift.hsiflowVersion == child.hsiflowVersion)
        #expect(swift.hasOptimizerWeights == child.hasOptimizerWeights)
    }

    @Test("a quantized model read by the Swift reader equals libhdf5's read in the child", arguments: quantizedModels)
    func quantizedModelsAgree(name: String) throws {
        let path = fixture(name)
        guard case .quantized(let swift) = try #require(SwiftHDF5Path.model(path: path), "the Swift reader refused \(name)"),
              case .quantized(let child) = try IsolatedReader.isolatedModel(path: path) else {
            Issue.record("\(name) was not read as a quantized model")
            return
        }
        #expect(swift == child)
    }

    /// A model file whose content is wrong is never answered by the Swift reader: the error comes
    /// from the isolated reader, word for word what it was before the fast path existed.
    @Test(arguments: ["model_bad_layer.h5", "model_bad_shape.h5", "model_missing_weight.h5", "model_no_config.h5"])
    func aWrongModelIsLeftToTheChild(name: String) throws {
        let path = fixture(name)
        #expect(SwiftHDF5Path.model(path: path) == nil)
        var viaDefault: FileFormatsError?
        var viaChild: FileFormatsError?
        do { _ = try SavedModelFile.load(path: path) } catch { viaDefault = error }
        do { _ = try IsolatedReader.isolatedModel(path: path) } catch { viaChild = error }
        #expect(viaDefault != nil && viaDefault == viaChild, "\(String(describing: viaDefault)) vs \(String(describing: viaChild))")
    }

    @Test("a v7.3 file the Swift reader answers for: the same listing and arrays as libmatio in the child", arguments: answeredMats)
    func answeredMatsAgree(name: String) throws {
        let path = fixture(name)
        let listing = try #require(SwiftHDF5Path.mat(path: path, variable: nil, rank: nil, read: false), "the Swift reader refused \(name)")
        let child = try IsolatedReader.matContents(path: path)
        #expect(listing.contents == child)
        #expect(try MatFile.contents(path: path) == child)
        for variable in child.variables {
            let swift = try #require(SwiftHDF5Path.mat(path: path, variable: variable.name, rank: nil, read: true))
            #expect(try swift.array == IsolatedReader.matArray(path: path, variable: variable.name, rank: nil).array, "\(name): \(variable.name)")
        }
        // `inspect` without a name chooses the same variable, or fails the same way.
        let inspected = SwiftHDF5Path.mat(path: path, variable: nil, rank: nil, read: true, rankFromListing: true)
        if let childInspection = try? IsolatedReader.matInspection(path: path, variable: nil) {
            #expect(inspected?.variable?.name == childInspection.name && inspected?.array == childInspection.array)
        } else {
            #expect(inspected == nil)
        }
    }

    @Test("a v7.3 layout the Swift reader leaves to libhdf5 is refused, and read in the child", arguments: refusedMats)
    func refusedMatsAreReadInTheChild(name: String) throws {
        let path = fixture(name)
        #expect(SwiftHDF5Path.mat(path: path, variable: nil, rank: nil, read: false) == nil)
        let child = try IsolatedReader.matContents(path: path)
        #expect(try MatFile.contents(path: path) == child)
        for variable in child.variables {
            #expect(try MatFile.read(path: path, variable: variable.name).array
                    == IsolatedReader.matArray(path: path, variable: variable.name, rank: nil).array)
        }
    }

    @Test func theFixturesCoverTheLayoutsTheReaderClaims() throws {
        func parser(_ name: String) throws -> HDF5Parser { try HDF5Parser(bytes: FileAccess.readAll(fixture(name)), path: name) }
        // Superblock v0 with symbol tables, and v3 with object header v2 and compact links.
        #expect(try parser("hsiflow_small.h5").root.first(.symbolTable) != nil)
        let latest = try parser("hdf5/hsiflow_small_latest.h5")
        #expect(latest.root.first(.symbolTable) == nil && !latest.root.all(.link).isEmpty)
        #expect(try parser("hdf5/hsiflow_small_userblock.h5").base == 1024)
        #expect(try parser("mat_v73_cube.mat").base == 512)
        // Several symbol nodes under the root's B-tree, listed in name order.
        let many = try #require(SwiftHDF5Path.mat(path: fixture("hdf5/v73_many_variables.mat"), variable: nil, rank: nil, read: false))
        #expect(many.contents.variables.map(\.name) == (0 ..< 40).map { String(format: "v%02d", $0) })
    }

    // MARK: Damaged files

    /// The root group's B-tree node of hsiflow_small.h5 (superblock v0, base 0), patched by `edit`
    /// (the node's position and the file's bytes), then its links listed.
    private func rootLinksAfterPatching(_ edit: (Int, inout [UInt8]) -> Void) throws -> Result<Int, HDF5Parser.Refusal> {
        var bytes = try FileAccess.readAll(fixture("hsiflow_small.h5"))
        let parser = try HDF5Parser(bytes: bytes, path: "hsiflow_small.h5")
        let table = try #require(parser.root.first(.symbolTable))
        let tree = Int(bytes[table.body.lowerBound ..< table.body.lowerBound + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect(bytes[tree ..< tree + 4].elementsEqual("TREE".utf8))
        edit(tree, &bytes)
        let patched = try HDF5Parser(bytes: bytes, path: "patched.h5")
        do throws(HDF5Parser.Refusal) { return .success(try patched.links(of: patched.root).count) } catch { return .failure(error) }
    }

    /// Writes `value` as 8 little-endian bytes at `at`.
    private static func put(_ value: Int, at: Int, in bytes: inout [UInt8]) {
        for i in 0 ..< 8 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    @Test func loopingAndRepeatingBTreesAreRefusedAtOnce() throws {
        // Unpatched: the root's links are listed.
        guard case .success(let count) = try rootLinksAfterPatching({ _, _ in }) else { Issue.record("the fixture was refused"); return }
        #expect(count >= 1)
        // A node one level up whose first child is itself: a loop, refused, not walked for ever.
        guard case .failure(let loop) = try rootLinksAfterPatching({ tree, bytes in
            bytes[tree + 5] = 1
            Self.put(tree, at: tree + 8 + 16 + 8, in: &bytes)
        }) else { Issue.record("a looping B-tree was listed"); return }
        #expect(loop.reason.contains("loops"), "\(loop.reason)")
        // A full leaf (2K = 32 entries, the room libhdf5 allocates) whose entries all name the
        // first symbol node: refused, not listed 32 times over.
        guard case .failure(let repeated) = try rootLinksAfterPatching({ tree, bytes in
            let first = Array(bytes[tree + 32 ..< tree + 40])
            bytes[tree + 6] = 32
            bytes[tree + 7] = 0
            for entry in 1 ..< 32 { bytes.replaceSubrange(tree + 32 + 16 * entry ..< tree + 40 + 16 * entry, with: first) }
        }) else { Issue.record("a repeating B-tree was listed"); return }
        #expect(repeated.reason.contains("twice"), "\(repeated.reason)")
    }

    /// Seeded byte mutations of every HDF5 fixture, parsed and decoded in this process: each ends
    /// in an answer or a refusal — a trap would end the test process.
    @Test("mutated HDF5 files never trap the Swift reader (2,000 seeded mutations per fixture)")
    func mutatedFilesAreAnsweredOrRefused() throws {
        let names = Self.floatModels + Self.quantizedModels + Self.answeredMats + Self.refusedMats
        var random = SplitMix(seed: 0x5eed)
        var answered = 0, refused = 0
        for name in names {
            let original = try FileAccess.readAll(fixture(name))
            for trial in 0 ..< 2_000 {
                var bytes = original
                let edits = 1 + Int(random.next() % 4)
                for _ in 0 ..< edits {
                    // Mostly in the metadata near the start and end of the file, sometimes anywhere.
                    let span = trial % 3 == 0 ? bytes.count : min(bytes.count, 4096)
                    var at = Int(random.next() % UInt64(span))
                    if trial % 3 == 1 { at = bytes.count - 1 - at }
                    switch random.next() % 4 {
                    case 0: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                    case 1: bytes[at] = 0xFF
                    case 2: bytes[at] ^= 1 << UInt8(random.next() % 8)
                    default: bytes[at] = 0
                    }
                }
                if parse(bytes, name: name) { answered += 1 } else { refused += 1 }
            }
        }
        #expect(answered + refused == names.count * 2_000)
        #expect(refused > 0 && answered > 0, "answered \(answered), refused \(refused)")
    }

    /// Parses and decodes `bytes` as a model and as a v7.3 file; true when any decoding answered.
    private func parse(_ bytes: [UInt8], name: String) -> Bool {
        guard let h5 = try? HDF5Parser(bytes: bytes, path: name) else { return false }
        var answered = false
        if (try? ModelFile.decode(from: h5)) != nil { answered = true }
        if (try? QuantizedModelFile.decode(from: h5)) != nil { answered = true }
        if let root = try? h5.links(of: h5.root) {
            for link in root.prefix(50) {
                guard let object = try? h5.object(at: link.address) else { continue }
                _ = try? h5.attributes(of: object).map { try? h5.strings($0) }
                if (try? h5.dataset(object, what: link.name)) != nil { answered = true }
            }
        }
        return answered
    }
}

/// A small seeded generator (SplitMix64) for the mutation campaign.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
