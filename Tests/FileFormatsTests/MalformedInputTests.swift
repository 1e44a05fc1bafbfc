// Every kind of bad file gets a FileFormatsError naming the file — never a crash, a hang
// or a huge allocation — including random corruptions of valid fixtures.
import Foundation
import PropertyBased
import Testing
import TestSupport
@testable import FileFormats

@Suite struct MalformedInputTests {
    let scratch: URL

    init() throws { scratch = try makeTemporaryDirectory("hsiflow-malformed") }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = scratch.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    func npyHeader(_ dict: String, version: UInt8 = 1) -> [UInt8] {
        var text = dict
        let prefix = version == 1 ? 10 : 12
        text += String(repeating: " ", count: (64 - (prefix + text.utf8.count + 1) % 64) % 64) + "\n"
        let n = text.utf8.count
        let length: [UInt8] = version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0]
        return Npy.magic + [version, 0] + length + Array(text.utf8)
    }

    func expectMalformed(_ path: String, containing fragment: String, rank: Int? = nil) {
        do {
            _ = try ArrayFile.read(path: path, rank: rank)
            Issue.record("\(path) was accepted")
        } catch {
            #expect(error.description.contains(path), "the message names the file: \(error)")
            #expect(error.description.contains(fragment), "\(error) should mention '\(fragment)'")
        }
    }

    @Test func missingFile() {
        expectMalformed(scratch.appendingPathComponent("absent.npy").path, containing: "no such file")
        expectMalformed(scratch.appendingPathComponent("absent.mat").path, containing: "no such file")
    }

    @Test func directoryInsteadOfFile() throws {
        let dir = scratch.appendingPathComponent("folder.npy")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        expectMalformed(dir.path, containing: "directory")
    }

    @Test func unknownExtension() throws {
        expectMalformed(try write([1, 2, 3], "cube.tif"), containing: "unknown file type")
    }

    @Test func npyWrongMagic() throws {
        expectMalformed(try write(Array("PK\u{3}\u{4} not numpy".utf8), "zip.npy"), containing: "\\x93NUMPY")
        expectMalformed(try write([], "empty.npy"), containing: "\\x93NUMPY")
    }

    @Test func npyTruncatedData() throws {
        let bytes = npyHeader("{'descr': '<u2', 'fortran_order': False, 'shape': (10, 10), }") + [UInt8](repeating: 1, count: 150)
        expectMalformed(try write(bytes, "short.npy"), containing: "truncated")
    }

    @Test func npyTrailingBytes() throws {
        let bytes = npyHeader("{'descr': '<u1', 'fortran_order': False, 'shape': (2, 2), }") + [UInt8](repeating: 1, count: 9)
        expectMalformed(try write(bytes, "long.npy"), containing: "unexpected bytes")
    }

    @Test func npyHeaderLongerThanFile() throws {
        let bytes = Npy.magic + [1, 0, 0xFF, 0x7F] + Array("{'descr'".utf8)
        expectMalformed(try write(bytes, "header.npy"), containing: "truncated")
    }

    @Test func npyAbsurdShapeDoesNotAllocate() throws {
        let bytes = npyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100000), }")
        expectMalformed(try write(bytes, "huge.npy"), containing: "absurd shape")
        let overflow = npyHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, 2), }")
        expectMalformed(try write(overflow, "overflow.npy"), containing: "absurd shape")
    }

    @Test func npyNegativeDimension() throws {
        let bytes = npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }")
        expectMalformed(try write(bytes, "negative.npy"), containing: "negative dimension")
    }

    @Test func npyUnsupportedTypes() throws {
        for descr in ["<c16", "|O", "<U10", "<f2", "xyz"] {
            let bytes = npyHeader("{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }") + [UInt8](repeating: 0, count: 16)
            expectMalformed(try write(bytes, "type.npy"), containing: "not supported")
        }
    }

    @Test func npyGarbledHeader() throws {
        for dict in ["{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }",
                     "{'descr': '<f4', 'shape': (1,), }",
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (1,}",
                     "not a dict at all"] {
            let bytes = npyHeader(dict) + [0, 0, 0, 0]
            expectMalformed(try write(bytes, "garbled.npy"), containing: "header")
        }
        let badVersion = Npy.magic + [9, 0, 0, 0]
        expectMalformed(try write(badVersion, "version.npy"), containing: "unsupported .npy version")
    }

    @Test func twoDimensionalArrayWhereACubeIsExpected() throws {
        let path = Golden.path("npy_v1.npy")
        do {
            _ = try ArrayFile.loadCube(path: path)
            Issue.record("a 2-D array was accepted as a cube")
        } catch {
            #expect(error.description.contains("expected a 3-D cube"))
            #expect(error.description.contains("3×5"))
        }
        #expect(throws: FileFormatsError.self) { try ArrayFile.loadLabelMap(path: Golden.path("npy_f4_c_le.npy")) }
    }

    @Test func fractionalOrNegativeLabelsAreRefused() throws {
        let negative = NumericArray(integers: [0, 1, -2, 3], shape: [2, 2], as: .int16)
        let path = scratch.appendingPathComponent("labels.npy").path
        try Npy.write(negative, to: path)
        #expect(throws: FileFormatsError.self) { try ArrayFile.loadLabelMap(path: path) }
        try Npy.write(NumericArray(float32: [0, 1.5, 2, 3], shape: [2, 2]), to: path)
        #expect(throws: FileFormatsError.self) { try ArrayFile.loadLabelMap(path: path) }
    }

    @Test func matNotAMatFile() throws {
        expectMalformed(try write([UInt8](repeating: 0x41, count: 300), "text.mat"), containing: "not a MATLAB")
        expectMalformed(try write([1, 2, 3], "tiny.mat"), containing: "128-byte")
    }

    @Test func matTruncatedEverywhere() throws {
        for name in ["mat_v5_cube.mat", "mat_v5_cube_compressed.mat", "mat_v5_mixed.mat", "mat_v73_cube.mat"] {
            let bytes = Golden.bytes(name)
            for cut in [129, 140, bytes.count / 3, bytes.count / 2, bytes.count - 9, bytes.count - 1] where cut < bytes.count {
                let path = try write(Array(bytes[0..<cut]), "cut-\(cut)-\(name)")
                #expect(throws: FileFormatsError.self, "\(name) cut at \(cut)") { try ArrayFile.read(path: path, rank: 3) }
            }
        }
    }

    @Test func matLyingDimensions() throws {
        // Uncompressed v5: the dims element of the first variable starts at byte 128+8+16; make it claim more.
        var bytes = Golden.bytes("mat_v5_cube.mat")
        let dimsData = 128 + 8 + 16 + 8
        bytes[dimsData] = 0xFF // first dimension 4 → 255
        expectMalformed(try write(bytes, "lying.mat"), containing: "dimensions need", rank: 3)
        bytes[dimsData + 3] = 0x7F // absurd
        expectMalformed(try write(bytes, "absurd.mat"), containing: "absurd dimensions", rank: 3)
    }

    // MARK: - Random corruption

    static let corruptible = ["npy_u2_c_le.npy", "npy_f8_f_be.npy", "npy_v3.npy", "mat_v5_cube.mat",
                              "mat_v5_cube_compressed.mat", "mat_v5_mixed.mat", "mat_v73_cube.mat"]

    @Test(arguments: corruptible)
    func randomCorruptionsNeverCrash(_ name: String) async throws {
        let original = Golden.bytes(name)
        let ext = (name as NSString).pathExtension
        let dir = scratch
        let count = original.count
        await propertyCheck(count: 60, input: Gen.int(in: 0...(count - 1)), Gen.int(in: 0...255), Gen.int(in: 0...3)) { position, value, mode in
            var bytes = original
            switch mode {
            case 0: bytes[position] = UInt8(value)                       // overwrite one byte
            case 1: bytes[position] ^= UInt8(1 << (value % 8))          // flip one bit
            case 2: bytes = Array(bytes[0..<position])                  // truncate
            default:                                                    // overwrite a run of 8 bytes
                for k in position..<min(count, position + 8) { bytes[k] = UInt8((value + k) & 0xFF) }
            }
            let path = dir.appendingPathComponent("fuzz-\(position)-\(value)-\(mode).\(ext)").path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                let loaded = try ArrayFile.read(path: path)
                // A corruption in the data region may still decode; the shape must then be sane.
                #expect(loaded.array.count == loaded.array.shape.reduce(1, *))
            } catch let error as FileFormatsError {
                #expect(error.description.contains(path))
            } catch {
                Issue.record("unexpected error type: \(error)")
            }
        }
    }
}
