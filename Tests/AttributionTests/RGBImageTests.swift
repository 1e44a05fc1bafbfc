// RGB pixel buffers: layout, clipped writes, fills, blits and nearest-neighbour upscaling.
import Testing
@testable import Attribution

@Suite struct RGBImageTests {
    @Test func layoutIsRowMajorRGB() {
        var image = RGBImage(width: 3, height: 2, background: RGB(1, 2, 3))
        #expect(image.pixels.count == 18 && Array(image.pixels.prefix(3)) == [1, 2, 3])
        image[2, 1] = RGB(9, 8, 7)
        #expect(Array(image.pixels[15..<18]) == [9, 8, 7])
        image[3, 0] = .white // outside: ignored
        image[-1, 0] = .white
        #expect(image.pixels.filter { $0 == 255 }.isEmpty)
    }

    @Test func fillDrawAndUpscale() {
        var image = RGBImage(width: 4, height: 4)
        image.fill(x: 2, y: 2, width: 5, height: 5, with: .white)
        #expect(image[1, 1] == .black && image[2, 2] == .white && image[3, 3] == .white)
        var small = RGBImage(width: 2, height: 1)
        small[1, 0] = RGB(10, 20, 30)
        let big = small.upscaled(by: 3)
        #expect(big.width == 6 && big.height == 3)
        #expect(big[2, 2] == .black && big[3, 0] == RGB(10, 20, 30) && big[5, 2] == RGB(10, 20, 30))
        var canvas = RGBImage(width: 5, height: 5, background: .white)
        canvas.draw(big, x: 3, y: 3) // clipped at the border
        #expect(canvas[3, 3] == .black && canvas[4, 4] == .black && canvas[2, 2] == .white)
    }
}
