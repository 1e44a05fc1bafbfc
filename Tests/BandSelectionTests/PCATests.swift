// PCATests: PCA against scikit-learn's golden values (variance ratios, sign-fixed components,
// projections, whitening), plus properties that hold for any data: orthonormal components and
// an exact round trip when every component is kept.
import Testing
import PropertyBased
import SpectralData
import Tensors
import TestSupport
@testable import BandSelection

@Suite("PCA")
struct PCATests {
    let x = matrix(Golden.pca.cube)

    @Test("explained variance, ratios and singular values match scikit-learn", arguments: [false, true])
    func varianceMatchesScikitLearn(whiten: Bool) throws {
        let reference = whiten ? Golden.pca.whitened : Golden.pca.plain
        let fitted = try PCA(components: reference.components.count, whiten: whiten).fit(x)
        #expect(maxAbsDifference(fitted.explainedVarianceRatio, reference.explainedVarianceRatio) < 1e-5)
        #expect(allClose(fitted.explainedVariance, reference.explainedVariance, absolute: 1e-6, relative: 1e-6))
        #expect(allClose(fitted.singularValues, reference.singularValues, absolute: 1e-6, relative: 1e-6))
        #expect(allClose([fitted.noiseVariance], [reference.noiseVariance], absolute: 1e-6, relative: 1e-6))
        #expect(maxAbsDifference(fitted.mean, reference.mean) < 1e-9)
    }

    @Test("components and projections match scikit-learn after svd_flip", arguments: [false, true])
    func projectionMatchesScikitLearn(whiten: Bool) throws {
        let reference = whiten ? Golden.pca.whitened : Golden.pca.plain
        let (fitted, projected) = try PCA(components: reference.components.count, whiten: whiten).fitTransform(x)
        #expect(maxAbsDifference(fitted.components.values, matrix(reference.components).values) < 1e-4)
        let expected = matrix(reference.transformed)
        let scale = whiten ? 1.0 : (expected.values.map(abs).max() ?? 1)
        #expect(maxAbsDifference(projected.values, expected.values) / scale < 1e-4)
        // transform() on the same data gives what fitTransform returned.
        #expect(maxAbsDifference(try fitted.transform(x).values, projected.values) / scale < 1e-9)
    }

    @Test("whitened projections have unit variance and no correlation")
    func whitenedOutputIsUnitVariance() throws {
        let projected = try PCA(components: 5, whiten: true).fitTransform(x).projected
        let n = Double(projected.rows)
        let covariance = projected.multiplied(by: projected, transposeSelf: true)   // projections are centred
        for i in 0..<5 {
            for j in 0..<5 {
                #expect(abs(covariance[i, j] / (n - 1) - (i == j ? 1 : 0)) < 1e-8)
            }
        }
    }

    @Test("standardized and whitened, as the original tool ran it, matches scikit-learn")
    func standardizedWhitenedMatchesScikitLearn() throws {
        let reference = Golden.pca.standardizedWhitened
        let z = try FittedNormalization.fit(.standard, to: x).apply(to: x)
        let (fitted, projected) = try PCA(components: 5, whiten: true).fitTransform(z)
        #expect(maxAbsDifference(fitted.explainedVarianceRatio, reference.explainedVarianceRatio) < 1e-5)
        #expect(maxAbsDifference(projected.values, matrix(reference.transformed).values) < 1e-4)
    }

    @Test("the Float32 cube path matches scikit-learn too, plain and standardized", arguments: [false, true])
    func cubePathMatchesScikitLearn(standardize: Bool) throws {
        let shape = Golden.pca.shape
        let cube = try Cube(height: shape[0], width: shape[1], bands: shape[2], values: x.values.map { Float($0) })
        let normalization = try FittedNormalization.fit(standardize ? .standard : .none, cube: cube)
        let (fitted, projected) = try PCA(components: 5, whiten: true).fitTransform(cube: cube, normalization: normalization)
        let expected = standardize ? Golden.pca.standardizedWhitened.transformed : Golden.pca.whitened.transformed
        let ratios = standardize ? Golden.pca.standardizedWhitened.explainedVarianceRatio : Golden.pca.whitened.explainedVarianceRatio
        #expect(maxAbsDifference(fitted.explainedVarianceRatio, ratios) < 1e-5)
        #expect(maxAbsDifference(projected, matrix(expected).values) < 1e-4)
        #expect(try fitted.transform(cube: cube, normalization: normalization) == projected)
    }

    @Test("components are orthonormal and the full round trip is exact, for random data")
    func orthonormalAndInvertible() async {
        await propertyCheck(count: 25, input: Gen.int(in: 2...9), Gen.int(in: 0...1_000_000), Gen.bool) { features, seed, whiten in
            var random = SeededRandom(seed: UInt64(seed))
            let samples = features + 3 + random.index(below: 40)
            // Correlated data: random mixing of independent columns with different scales.
            let mixing = (0..<(features * features)).map { _ in random.normal() }
            let raw = (0..<(samples * features)).map { i in random.normal() * Double(1 + i % features) }
            let x = (try? Matrix(rows: samples, columns: features, values: raw))?
                .multiplied(by: Matrix(uncheckedRows: features, columns: features, values: mixing))
            guard let x, let fitted = try? PCA(components: features, whiten: whiten).fit(x) else {
                Issue.record("PCA failed on a \(samples)×\(features) matrix")
                return
            }
            let gram = fitted.components.multiplied(by: fitted.components, transposeOther: true)
            for i in 0..<features {
                for j in 0..<features { #expect(abs(gram[i, j] - (i == j ? 1 : 0)) < 1e-10) }
            }
            let sorted = zip(fitted.explainedVariance, fitted.explainedVariance.dropFirst()).allSatisfy { $0 >= $1 }
            #expect(sorted)
            let back = try? fitted.inverseTransform(fitted.transform(x))
            let scale = x.values.map(abs).max() ?? 1
            #expect(maxAbsDifference(back?.values ?? [], x.values) / scale < 1e-9)
        }
    }

    @Test("the sign convention makes each component's largest entry positive")
    func signConvention() throws {
        let fitted = try PCA(components: 5).fit(x)
        for i in 0..<5 {
            let row = fitted.components.row(i)
            let largest = row.max(by: { abs($0) < abs($1) }) ?? 0
            #expect(largest > 0)
        }
    }

    @Test("bad settings and bad data are errors that say what to change")
    func rejectsBadInput() throws {
        #expect(throws: BandSelectionError.self) { try PCA(components: 13).fit(x) }
        #expect(throws: BandSelectionError.self) { try PCA(components: 0).fit(x) }
        var bad = x
        bad[3, 4] = .nan
        #expect(throws: BandSelectionError.nonFiniteInput(row: 3, column: 4)) { try PCA(components: 2).fit(bad) }
        let fitted = try PCA(components: 2).fit(x)
        #expect(throws: BandSelectionError.self) { try fitted.transform(Matrix(zerosRows: 4, columns: 11)) }
        #expect(throws: BandSelectionError.self) { try fitted.inverseTransform(Matrix(zerosRows: 4, columns: 3)) }
    }
}
