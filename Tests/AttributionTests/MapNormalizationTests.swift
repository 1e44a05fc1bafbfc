// Per-map robust normalization: numpy's percentiles, tiny raw-band maps spanning [0, 1] (not
// black), clipping of outliers, constant maps flat, and the rendered heatmap's size.
import Testing
import TestSupport
@testable import Attribution

@Suite struct MapNormalizationTests {
    @Test func percentilesMatchNumpy() throws {
        let golden = try Golden.load()
        let sorted = golden.percentile_values.sorted()
        for (q, expected) in golden.percentiles {
            let value = MapNormalization.percentile(sorted, Double(q)!)
            #expect(abs(Double(value) - expected) <= 1e-9 + 1e-5 * abs(expected), "q = \(q)")
        }
    }

    @Test func tinyMapsSpanTheWholeRange() throws {
        // Gradients on raw bands can be ~1e-7; normalized per map they still run from 0 to 1.
        let values: [Float] = (0..<25).map { Float($0) * 1e-8 }
        let normalized = MapNormalization.minMax.normalized(values)
        #expect(normalized.first == 0 && normalized.last == 1)
        #expect(Set(normalized).count == 25)
        let image = try Heatmap.render(values, width: 5, height: 5, colormap: .gray, normalization: .minMax, scale: 1)
        #expect(image[0, 0] == RGB.black && image[4, 4] == RGB.white)
    }

    @Test func outliersAreClippedByTheRobustRange() throws {
        var values = [Float](repeating: 0, count: 200)
        for i in 0..<200 { values[i] = Float(i) }
        values[199] = 1e6
        let robust = try MapNormalization(lowerPercentile: 1, upperPercentile: 99).normalized(values)
        #expect(robust[199] == 1 && robust[0] == 0)
        // With plain min-max the outlier would squash everything else below 0.0002.
        #expect(robust[100] > 0.45 && robust[100] < 0.55)
        #expect(MapNormalization.minMax.normalized(values)[100] < 0.001)
    }

    @Test func constantAndNonFiniteMapsAreFlat() {
        #expect(MapNormalization.robust.normalized([3, 3, 3]) == [0, 0, 0])
        #expect(MapNormalization.robust.normalized([.nan, .infinity]) == [0, 0])
        #expect(MapNormalization.minMax.normalized([.nan, 1, 2]) == [0, 0, 1])
    }

    @Test func heatmapIsUpscaledByNearestNeighbour() throws {
        let image = try Heatmap.render((0..<25).map(Float.init), width: 5, height: 5, colormap: .jet, scale: 16)
        #expect(image.width == 80 && image.height == 80)
        for y in 0..<80 { for x in 0..<80 { #expect(image[x, y] == image[x / 16 * 16, y / 16 * 16]) } }
        #expect(image[0, 0] != image[79, 79])
    }

    @Test func badArgumentsAreErrors() {
        #expect(throws: AttributionError.self) { try MapNormalization(lowerPercentile: 50, upperPercentile: 50) }
        #expect(throws: AttributionError.self) { try MapNormalization(lowerPercentile: -1, upperPercentile: 50) }
        #expect(throws: AttributionError.self) { try Heatmap.render([1, 2], width: 5, height: 5, colormap: .gray) }
        #expect(throws: AttributionError.self) { try Heatmap.render([1], width: 1, height: 1, colormap: .gray, scale: 0) }
    }
}
