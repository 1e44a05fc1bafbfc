// BandReducerTests: the stage-facing API on a synthetic cube — every method fits, reduces to the
// right number of bands, re-applies to a cube, reports its metrics, and refuses what it must.
import Testing
import SpectralData
import TestSupport
@testable import BandSelection

@Suite("Band reducer")
struct BandReducerTests {
    let cube = tinyScene(height: 12, width: 10, bands: 16).cube

    @Test("PCA with standard normalization: reduced cube, metrics, and transform(cube:) agree")
    func pca() throws {
        let reducer = BandReducer(method: .pca(PCA(components: 4, whiten: true)), normalization: .standard)
        let (transform, reduced) = try reducer.fitTransform(cube: cube)
        #expect(reduced.height == 12 && reduced.width == 10 && reduced.bands == 4)
        #expect(transform.inputBands == 16 && transform.outputBands == 4)
        let again = try transform.transform(cube: cube)
        #expect(maxAbsDifference(again.values, reduced.values) < 1e-5)
        let ratio = try #require(transform.metrics["explainedVarianceRatio"])
        #expect(ratio > 0 && ratio <= 1 + 1e-12)
    }

    @Test("all PCA components with normalization invert back to the cube")
    func pcaInverse() throws {
        let reducer = BandReducer(method: .pca(PCA(components: 16)), normalization: .minmax)
        let (transform, reduced) = try reducer.fitTransform(cube: cube)
        let back = try transform.inverseTransform(Matrix(pixelsOf: reduced))
        let scale = Double(cube.range.max)
        #expect(maxAbsDifference(back.values, cube.values) / scale < 1e-5)
    }

    @Test("NMF on raw data: W is the reduced cube, metrics carry the error and iterations")
    func nmf() throws {
        let reducer = BandReducer(method: .nmf(NMF(components: 3, maxIterations: 50)))
        let (transform, reduced) = try reducer.fitTransform(cube: cube)
        #expect(reduced.bands == 3 && reduced.values.allSatisfy { $0 >= 0 })
        let metrics = transform.metrics
        let relative = try #require(metrics["relativeReconstructionError"])
        #expect(relative > 0 && relative < 0.2)
        #expect((metrics["iterations"] ?? 0) >= 1)
        // Re-applying solves for W again with H fixed: the reconstruction is as good as the fit's.
        let again = try transform.transform(cube: cube)
        let back = try transform.inverseTransform(Matrix(pixelsOf: again))
        let x = Matrix(pixelsOf: cube)
        var squared = 0.0
        for i in x.values.indices { squared += (x.values[i] - back.values[i]) * (x.values[i] - back.values[i]) }
        #expect(squared.squareRoot() / x.squaredNorm.squareRoot() <= relative * 1.05)
    }

    @Test("NMF refuses standard normalization and negative data, with the advice to use minmax")
    func nmfRefusesNegativeData() throws {
        let reducer = BandReducer(method: .nmf(NMF(components: 3)), normalization: .standard)
        do {
            _ = try reducer.fitTransform(cube: cube)
            Issue.record("NMF after standard normalization should be refused")
        } catch {
            #expect(error.description.contains("normalize: minmax"))
        }
        var negative = cube
        negative.values[7] = -1
        #expect(throws: BandSelectionError.self) { try BandReducer(method: .nmf(NMF(components: 3))).fit(cube: negative) }
        #expect(try BandReducer(method: .nmf(NMF(components: 3, maxIterations: 5)), normalization: .minmax)
            .fit(cube: negative).outputBands == 3)
    }

    @Test("uniform and explicit selections keep real bands")
    func subsets() throws {
        let (uniform, reduced) = try BandReducer(method: .uniform(count: 4)).fitTransform(cube: cube)
        #expect(uniform.outputBands == 4)
        #expect(reduced.value(row: 3, column: 2, band: 1) == cube.value(row: 3, column: 2, band: 4))
        let (_, picked) = try BandReducer(method: .explicit([15, 0])).fitTransform(cube: cube)
        #expect(picked.value(row: 1, column: 1, band: 0) == cube.value(row: 1, column: 1, band: 15))
        #expect(throws: BandSelectionError.self) { try BandReducer(method: .explicit([16])).fit(cube: cube) }
        #expect(throws: BandSelectionError.self) { try uniform.inverseTransform(Matrix(pixelsOf: reduced)) }
    }

    @Test("none keeps every band and only normalizes")
    func identity() throws {
        let (transform, reduced) = try BandReducer(method: .none, normalization: .standard).fitTransform(cube: cube)
        #expect(transform.outputBands == 16 && reduced.bands == 16)
        let column = (0..<cube.pixelCount).map { Double(reduced.values[$0 * 16 + 5]) }
        #expect(abs(column.reduce(0, +) / Double(column.count)) < 1e-5)
    }

    @Test("a cube with another band count is refused")
    func bandMismatch() throws {
        let transform = try BandReducer(method: .pca(PCA(components: 2))).fit(cube: cube)
        let other = tinyScene(height: 4, width: 4, bands: 8).cube
        #expect(throws: BandSelectionError.self) { try transform.transform(cube: other) }
    }
}
