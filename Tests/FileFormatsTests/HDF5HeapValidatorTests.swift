import Foundation
import Testing
import TestSupport
@testable import FileFormats

/// The global-heap check that runs before libhdf5 reads a file (see HDF5HeapValidator.swift).
@Suite struct HDF5HeapValidatorTests {
    @Test(arguments: ["keras3_cao.h5", "keras2_cao.h5"])
    func kerasFilesPass(name: String) throws {
        try HDF5HeapValidator.check(path: Golden.path(name))
    }

    @Test func filesHSIFlowWritesPass() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let loaded = try ModelFile.load(path: Golden.path("keras3_cao.h5"))
        let path = dir.appendingPathComponent("m.h5").path
        try ModelFile.save(loaded.model, to: path)
        try HDF5HeapValidator.check(path: path)
        _ = try ModelFile.load(path: path)
    }

    @Test(arguments: HeapDamage.allCases)
    func aDamagedHeapIsRefusedBeforeLibhdf5ReadsIt(damage: HeapDamage) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let damaged = try #require(damagingGlobalHeap(Golden.bytes("keras3_cao.h5"), damage))
        let path = dir.appendingPathComponent("damaged.h5").path
        FileManager.default.createFile(atPath: path, contents: Data(damaged))
        #expect(throws: FileFormatsError.self) { try HDF5HeapValidator.check(path: path) }
        do {
            _ = try ModelFile.load(path: path)
            Issue.record("a model with a damaged global heap loaded")
        } catch {
            #expect(error.description.contains("global heap collection at byte"), "\(error.description)")
            #expect(error.description.contains(path))
        }
    }

    @Test func aChanceGCOLInsideDataIsNotACollection() {
        // "GCOL" followed by anything but version 1 is not taken for a heap (the three reserved
        // bytes after the version are not looked at: libhdf5 does not look at them either).
        let bytes: [UInt8] = Array("GCOL".utf8) + [2, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 16)
        bytes.withUnsafeBytes { raw in #expect(HDF5HeapValidator.nextCollection(raw, from: 0) == nil) }
    }
}
