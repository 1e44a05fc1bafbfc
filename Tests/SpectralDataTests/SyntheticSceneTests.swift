import Testing
import TestSupport
@testable import SpectralData

@Suite struct SyntheticSceneTests {
    @Test func sameParametersSameScene() throws {
        let a = try SyntheticScene(seed: 5).generate(), b = try SyntheticScene(seed: 5).generate()
        #expect(a.cube == b.cube && a.groundTruth == b.groundTruth)
        let c = try SyntheticScene(seed: 6).generate()
        #expect(c.cube != a.cube)
    }

    @Test func everyClassIsPresentAndSomePixelsAreUnlabelled() throws {
        let (cube, truth) = try SyntheticScene(height: 48, width: 48, bands: 20, classes: 6).generate()
        #expect(cube.height == 48 && cube.bands == 20)
        let counts = truth.classCounts
        #expect(counts.count == 7)
        #expect(counts.dropFirst().allSatisfy { $0 > 10 })
        #expect(counts[0] > 0)
    }

    @Test func regionsAreSpatiallyCoherent() throws {
        // Most labelled pixels share their label with their right-hand neighbour.
        let (_, truth) = try SyntheticScene(height: 64, width: 64, classes: 5).generate()
        var same = 0, pairs = 0
        for r in 0..<64 { for c in 0..<63 {
            let a = truth[r, c], b = truth[r, c + 1]
            if a > 0 && b > 0 { pairs += 1; if a == b { same += 1 } }
        } }
        #expect(Double(same) / Double(pairs) > 0.9)
    }

    @Test func classSpectraAreSeparable() throws {
        // Class means differ by much more than the within-class noise.
        let (cube, truth) = try SyntheticScene(height: 40, width: 40, bands: 16, classes: 4, noise: 0.02).generate()
        var sums = [[Double]](repeating: [Double](repeating: 0, count: 16), count: 5)
        var counts = [Int](repeating: 0, count: 5)
        for p in 0..<cube.pixelCount where truth.labels[p] > 0 {
            let l = Int(truth.labels[p]); counts[l] += 1
            for b in 0..<16 { sums[l][b] += Double(cube.values[p * 16 + b]) }
        }
        let means = (1...4).map { l in sums[l].map { $0 / Double(counts[l]) } }
        for i in 0..<4 { for j in (i + 1)..<4 {
            let distance = zip(means[i], means[j]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            #expect(distance > 4 * 160, "classes \(i + 1) and \(j + 1) are too close")
        } }
    }

    @Test func invalidParametersAreRefused() {
        #expect(throws: SpectralDataError.self) { try SyntheticScene(height: 1).generate() }
        #expect(throws: SpectralDataError.self) { try SyntheticScene(unlabelledFraction: 1).generate() }
    }
}
