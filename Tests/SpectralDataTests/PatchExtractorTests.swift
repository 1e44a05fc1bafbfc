import Testing
import Tensors
import TestSupport
@testable import SpectralData

@Suite struct PatchExtractorTests {
    /// Plain-loop reference: the value a patch cell should hold, by definition.
    func reference(_ cube: Cube, row: Int, column: Int, size: Int, padding: PatchPadding) -> [Float] {
        let half = size / 2
        var out: [Float] = []
        for dr in -half...half {
            for dc in -half...half {
                var r = row + dr, c = column + dc
                let inside = r >= 0 && r < cube.height && c >= 0 && c < cube.width
                if !inside && padding == .zero {
                    out += [Float](repeating: 0, count: cube.bands)
                    continue
                }
                if r < 0 { r = -r }
                if r >= cube.height { r = 2 * (cube.height - 1) - r }
                if c < 0 { c = -c }
                if c >= cube.width { c = 2 * (cube.width - 1) - c }
                for b in 0..<cube.bands { out.append(cube.value(row: r, column: c, band: b)) }
            }
        }
        return out
    }

    @Test(arguments: [PatchPadding.zero, .reflect], [1, 3, 5, 7])
    func cornersEdgesAndCentreMatchThePlainLoop(padding: PatchPadding, size: Int) throws {
        let (cube, _) = tinyScene(height: 9, width: 8, bands: 3)
        let extractor = try PatchExtractor(size: size, padding: padding)
        let pixels = [(0, 0), (0, 7), (8, 0), (8, 7), (0, 3), (4, 0), (4, 4), (8, 5), (1, 1)]
        let patches = try extractor.extract(from: cube, pixels: pixels.map { $0.0 * cube.width + $0.1 })
        #expect(patches.shape == [pixels.count, size, size, 3])
        let per = size * size * 3
        for (n, (r, c)) in pixels.enumerated() {
            let got = Array(patches.scalars[n * per ..< (n + 1) * per])
            #expect(got == reference(cube, row: r, column: c, size: size, padding: padding), "pixel (\(r), \(c))")
        }
    }

    @Test func evenOrZeroSizesAreRefused() {
        #expect(throws: SpectralDataError.self) { try PatchExtractor(size: 4) }
        #expect(throws: SpectralDataError.self) { try PatchExtractor(size: 0) }
    }

    @Test func pixelOutsideTheSceneIsRefused() throws {
        let (cube, _) = tinyScene(height: 4, width: 4, bands: 2)
        #expect(throws: SpectralDataError.self) { try PatchExtractor(size: 3).extract(from: cube, pixels: [16]) }
    }
}
