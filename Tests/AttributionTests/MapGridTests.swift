// Grid composition: geometry, each tile normalized on its own and placed in its cell, single-channel
// maps repeated across band columns, labels inked, and shape errors.
import Foundation
import Testing
import Tensors
@testable import Attribution

@Suite struct MapGridTests {
    /// Two methods × three bands over one 5×5 sample: method r at band b is the ramp scaled by 10^(r+b).
    func rows() -> [(label: String, maps: Attributions)] {
        func maps(_ r: Int) -> Attributions {
            var t = Tensor(shape: [1, 5, 5, 3])
            for p in 0..<25 { for b in 0..<3 { t[0, p / 5, p % 5, b] = Float(p) * pow(10, Float(r + b)) } }
            return Attributions(values: t, classes: [0])
        }
        return [("GRADIENT", maps(0)), ("IG", maps(1))]
    }

    @Test func geometryAndPerTileNormalization() throws {
        let grid = try MapGrid.bands(rows(), sample: 0, bands: [0, 2])
        #expect(grid.columnLabels == ["B0", "B2"] && grid.rowLabels == ["GRADIENT", "IG"])
        let font = BitmapFont(scale: 1)
        let image = try grid.render(colormap: .gray, normalization: .minMax, scale: 4, gap: 2, font: font)
        let labelWidth = font.width(of: "GRADIENT") + 4, top = font.height + 4, cell = 20
        #expect(image.width == labelWidth + 2 * (cell + 2) + 2)
        #expect(image.height == top + 2 * (cell + 2) + 2)
        // Every tile, whatever its magnitude (1 … 1000), runs from black at its top-left to white at its bottom-right.
        for r in 0..<2 { for c in 0..<2 {
            let x = labelWidth + c * (cell + 2), y = top + r * (cell + 2)
            #expect(image[x, y] == .black)
            #expect(image[x + cell - 1, y + cell - 1] == .white)
            #expect(image[x + 3, y] == image[x, y]) // one map pixel is 4×4 screen pixels
        }}
        // Labels are inked in the margins (black on white).
        let margin = (0..<top).flatMap { y in (0..<image.width).map { image[$0, y] } }
        #expect(margin.contains(.black))
    }

    @Test func singleChannelMapsRepeatAcrossBands() throws {
        var t = Tensor(shape: [2, 5, 5, 1])
        for i in 0..<50 { t.scalars[i] = Float(i % 7) }
        let grid = try MapGrid.bands([("VBP", Attributions(values: t, classes: [0, 0]))], sample: 1, bands: [0, 10, 20])
        #expect(grid.tiles[0][0] == grid.tiles[0][2])
        #expect(grid.tiles[0][0].values == (25..<50).map { Float($0 % 7) })
        let maps = Attributions(values: t, classes: [0, 0])
        #expect(try maps.map(sample: 0, band: 99) == (0..<25).map { Float($0 % 7) })
        #expect(throws: AttributionError.self) { try maps.map(sample: 2, band: 0) }
        let banded = Attributions(values: Tensor(shape: [1, 5, 5, 3]), classes: [0])
        #expect(throws: AttributionError.self) { try banded.map(sample: 0, band: 3) }
    }

    @Test func activationGridHasARowPerSpatialLayer() throws {
        let explainer = try Explainer(model: try caoLike(bands: 3, classes: 2, seed: 1))
        let maps = try explainer.activationMaps(standardInputs(1, bands: 3, seed: 2))
        let grid = try MapGrid.activations(maps, channels: 5)
        #expect(grid.rowLabels == ["CONV1", "CONV2"])
        #expect(grid.columnLabels == ["MEAN", "C0", "C1", "C2", "C3", "C4"])
        #expect(grid.tiles[0][0].values == maps[0].mean.scalars && grid.tiles[0][3].values == maps[0].channel(2))
        #expect(grid.tiles[1][5].values == [0]) // conv2 has 4 channels: C4 is a flat filler
        let image = try grid.render(colormap: .viridis)
        #expect(image.width > 6 * 48 && image.height > 2 * 48)
    }

    @Test func badGridsAreErrors() throws {
        #expect(throws: AttributionError.self) { try MapGrid.bands(rows(), sample: 1, bands: [0]) }
        #expect(throws: AttributionError.self) { try MapGrid.bands(rows(), sample: 0, bands: [3]) }
        let tile = try MapTile(width: 1, height: 1, values: [0])
        #expect(throws: AttributionError.self) { try MapGrid(rowLabels: ["A"], columnLabels: ["X", "Y"], tiles: [[tile]]) }
        #expect(throws: AttributionError.self) { try MapTile(width: 2, height: 2, values: [1]) }
    }
}
