// Rendered maps through FileFormats' PNG writer: the files decode back (libpng) to exactly the
// pixels drawn, and the same maps always give the same bytes.
import Foundation
import Testing
import Tensors
import TestSupport
import FileFormats
@testable import Attribution

/// An RGB buffer as FileFormats' 8-bit image.
func pixelImage(_ image: RGBImage) -> PixelImage {
    PixelImage(width: image.width, height: image.height, channels: 3, pixels: image.pixels)
}

@Suite struct PngOutputTests {
    func renderedGrid(_ colormap: Colormap) throws -> RGBImage {
        let explainer = try Explainer(model: try caoLike(bands: 6, classes: 3, seed: 2))
        let x = standardInputs(2, bands: 6, seed: 5)
        let rows: [(label: String, maps: Attributions)] = [
            ("GRADIENT", try explainer.gradient(x)),
            ("IG", try explainer.integratedGradients(x, steps: 20).attributions),
            ("GUIDED", try explainer.guidedBackprop(x)),
            ("VISUAL", try explainer.visualBackprop(x)),
        ]
        return try MapGrid.bands(rows, sample: 1, bands: [0, 2, 5]).render(colormap: colormap)
    }

    @Test(arguments: Colormap.allCases)
    func gridPngDecodesToTheSamePixelsAndIsDeterministic(colormap: Colormap) throws {
        let image = try renderedGrid(colormap)
        let directory = try makeTemporaryDirectory("attribution-png")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("grid-\(colormap.rawValue).png").path
        try Png.write(pixelImage(image), to: path)
        let decoded = try Png.read(path: path)
        #expect(decoded.width == image.width && decoded.height == image.height && decoded.channels == 3)
        #expect(decoded.pixels == image.pixels)
        let again = try Png.encode(pixelImage(try renderedGrid(colormap)))
        #expect(again == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test func classMapPngRoundTrips() throws {
        let (_, truth) = tinyScene(height: 16, width: 20, bands: 4, classes: 4, seed: 3)
        let image = try ClassMapImage.render(truth, scale: 3)
        let bytes = try Png.encode(pixelImage(image))
        let decoded = try Png.decode(bytes, source: "class map")
        #expect(decoded.pixels == image.pixels && decoded.width == 60 && decoded.height == 48)
    }
}
