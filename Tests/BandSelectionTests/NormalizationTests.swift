// NormalizationTests: standard and minmax statistics against scikit-learn's scalers, constant
// bands, the inverse, and band-count checks.
import Testing
import TestSupport
@testable import BandSelection

@Suite("Normalization")
struct NormalizationTests {
    let x = matrix(Golden.pca.cube)

    @Test("standard statistics match StandardScaler, and the result has zero mean and unit variance")
    func standardMatchesScikitLearn() throws {
        let fitted = try FittedNormalization.fit(.standard, to: x)
        #expect(allClose(fitted.offsets, Golden.pca.standard.mean, absolute: 1e-9, relative: 1e-12))
        #expect(allClose(fitted.scales, Golden.pca.standard.scale, absolute: 1e-9, relative: 1e-10))
        let z = try fitted.apply(to: x)
        for c in 0..<z.columns {
            let column = (0..<z.rows).map { z[$0, c] }
            let mean = column.reduce(0, +) / Double(z.rows)
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(z.rows)
            #expect(abs(mean) < 1e-12 && abs(variance - 1) < 1e-12)
        }
    }

    @Test("minmax statistics match MinMaxScaler and map every band onto [0, 1]")
    func minmaxMatchesScikitLearn() throws {
        let fitted = try FittedNormalization.fit(.minmax, to: x)
        #expect(fitted.offsets == Golden.pca.minmax.min)
        #expect(allClose(fitted.scales, Golden.pca.minmax.range, absolute: 1e-9, relative: 1e-12))
        let y = try fitted.apply(to: x)
        #expect(y.values.min() == 0 && abs((y.values.max() ?? 0) - 1) < 1e-12)
    }

    @Test("apply then invert gives the data back, for every method", arguments: NormalizationMethod.allCases)
    func roundTrip(method: NormalizationMethod) throws {
        let fitted = try FittedNormalization.fit(method, to: x)
        let back = try fitted.invert(fitted.apply(to: x))
        #expect(maxAbsDifference(back.values, x.values) < 1e-9)
        if method == .none { #expect(try fitted.apply(to: x) == x) }
    }

    @Test("a constant band keeps scale 1 instead of dividing by zero")
    func constantBand() throws {
        let m = try Matrix(rows: 3, columns: 2, values: [5, 1, 5, 2, 5, 4])
        for method in [NormalizationMethod.standard, .minmax] {
            let fitted = try FittedNormalization.fit(method, to: m)
            #expect(fitted.scales[0] == 1)
            let y = try fitted.apply(to: m)
            #expect(y.values.allSatisfy { $0.isFinite })
            #expect(y[0, 0] == 0 && y[2, 0] == 0)
        }
    }

    @Test("data with another band count is refused")
    func bandMismatch() throws {
        let fitted = try FittedNormalization.fit(.standard, to: x)
        #expect(throws: BandSelectionError.self) { try fitted.apply(to: Matrix(zerosRows: 2, columns: 5)) }
        #expect(throws: BandSelectionError.self) { try FittedNormalization(method: .standard, offsets: [0], scales: [0]) }
    }
}
