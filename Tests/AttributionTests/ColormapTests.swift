// Colormaps: endpoints and midpoints of gray and jet by their formulas, viridis against matplotlib.
import Testing
import TestSupport
@testable import Attribution

@Suite struct ColormapTests {
    @Test func grayEndpointsAndMiddle() {
        #expect(Colormap.gray.color(0) == RGB(0, 0, 0))
        #expect(Colormap.gray.color(1) == RGB(255, 255, 255))
        #expect(Colormap.gray.color(0.5) == RGB(128, 128, 128))
    }

    @Test func jetEndpointsAndKnots() {
        #expect(Colormap.jet.color(0) == RGB(0, 0, 128))      // dark blue
        #expect(Colormap.jet.color(0.125) == RGB(0, 0, 255))  // blue
        #expect(Colormap.jet.color(0.375) == RGB(0, 255, 255)) // cyan
        #expect(Colormap.jet.color(0.5) == RGB(128, 255, 128))
        #expect(Colormap.jet.color(0.625) == RGB(255, 255, 0)) // yellow
        #expect(Colormap.jet.color(0.875) == RGB(255, 0, 0))   // red
        #expect(Colormap.jet.color(1) == RGB(128, 0, 0))      // dark red
    }

    @Test func outOfRangeAndNaNAreClamped() {
        for map in Colormap.allCases {
            #expect(map.color(-3) == map.color(0))
            #expect(map.color(7) == map.color(1))
            #expect(map.color(.nan) == map.color(0))
        }
    }

    @Test func viridisMatchesMatplotlib() throws {
        let golden = try Golden.load()
        for (k, anchor) in golden.viridis_anchors.enumerated() {
            let c = Colormap.viridis.components(Float(k) / 16)
            #expect(allClose([c.r, c.g, c.b], anchor, absolute: 1e-6, relative: 0))
        }
        // Between anchors the linear interpolation stays within 1% of matplotlib's 256-entry table.
        for (t, expected) in zip(golden.viridis_probe_t, golden.viridis_probe) {
            let c = Colormap.viridis.components(t)
            #expect(maxAbsDifference([c.r, c.g, c.b], expected) < 0.01, "t = \(t)")
        }
    }

    @Test func imageColoursEveryPixel() {
        let image = Colormap.jet.image([0, 1, 0.375, 0.625], width: 2, height: 2)
        #expect(image.width == 2 && image.height == 2)
        #expect(image[0, 0] == RGB(0, 0, 128) && image[1, 0] == RGB(128, 0, 0))
        #expect(image[0, 1] == RGB(0, 255, 255) && image[1, 1] == RGB(255, 255, 0))
    }
}
