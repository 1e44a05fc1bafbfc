// BandTransformRecordTests: a fitted transform splits into record + components and rebuilds to
// the same value — in memory, through JSON, and through FileFormats' folder on disk — and a
// record that does not fit its components is refused.
import Foundation
import Testing
import FileFormats
import SpectralData
import TestSupport
@testable import BandSelection

@Suite("Band transform record")
struct BandTransformRecordTests {
    let cube = tinyScene(height: 10, width: 10, bands: 12).cube

    func fittedTransforms() throws -> [FittedBandTransform] {
        try [
            BandReducer(method: .pca(PCA(components: 5, whiten: true)), normalization: .standard).fit(cube: cube),
            BandReducer(method: .nmf(NMF(components: 3, maxIterations: 20)), normalization: .minmax).fit(cube: cube),
            BandReducer(method: .uniform(count: 4)).fit(cube: cube),
            BandReducer(method: .none).fit(cube: cube),
        ]
    }

    @Test("record + components rebuild the same transform, also through JSON")
    func roundTripInMemory() throws {
        for transform in try fittedTransforms() {
            let rebuilt = try FittedBandTransform(record: transform.record, components: transform.componentsMatrix)
            #expect(rebuilt == transform)
            let json = try JSONEncoder().encode(transform.record)
            let decoded = try JSONDecoder().decode(BandTransformRecord.self, from: json)
            #expect(try FittedBandTransform(record: decoded, components: transform.componentsMatrix) == transform)
        }
    }

    @Test("saved with FileFormats (.npy components + JSON) and reloaded, it reduces a cube identically")
    func roundTripOnDisk() throws {
        let folder = try makeTemporaryDirectory("band-transform")
        defer { try? FileManager.default.removeItem(at: folder) }
        for transform in try fittedTransforms() {
            let components = transform.componentsMatrix.map {
                FittedTransformFile.Components(rows: $0.rows, columns: $0.columns, values: $0.values)
            }
            try FittedTransformFile.save(record: transform.record, components: components, to: folder.path)
            let (record, loaded) = try FittedTransformFile.load(BandTransformRecord.self, from: folder.path)
            let matrix = try loaded.map { try Matrix(rows: $0.rows, columns: $0.columns, values: $0.values) }
            let reloaded = try FittedBandTransform(record: record, components: matrix)
            #expect(reloaded == transform)
            #expect(try reloaded.transform(cube: cube) == transform.transform(cube: cube))
        }
    }

    @Test("records that contradict their components are refused")
    func malformed() throws {
        let pca = try BandReducer(method: .pca(PCA(components: 5))).fit(cube: cube)
        #expect(throws: BandSelectionError.self) { try FittedBandTransform(record: pca.record, components: nil) }
        #expect(throws: BandSelectionError.self) {
            try FittedBandTransform(record: pca.record, components: Matrix(zerosRows: 5, columns: 11))
        }
        var future = pca.record
        future.schemaVersion = 99
        #expect(throws: BandSelectionError.self) { try FittedBandTransform(record: future, components: pca.componentsMatrix) }
        var wrongBands = pca.record
        wrongBands.inputBands = 13
        #expect(throws: BandSelectionError.self) { try FittedBandTransform(record: wrongBands, components: pca.componentsMatrix) }
        let nmf = try BandReducer(method: .nmf(NMF(components: 3, maxIterations: 5))).fit(cube: cube)
        var negative = try #require(nmf.componentsMatrix)
        negative[0, 0] = -1
        #expect(throws: BandSelectionError.self) { try FittedBandTransform(record: nmf.record, components: negative) }
    }
}
