// RGBImage: an 8-bit RGB pixel buffer (row-major, 3 bytes a pixel) that the renderers draw into;
// writing it as a PNG is FileFormats' job. Also nearest-neighbour upscaling and blitting.

/// One 8-bit RGB colour.
public struct RGB: Sendable, Equatable, Hashable {
    public var r: UInt8, g: UInt8, b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public static let black = RGB(0, 0, 0)
    public static let white = RGB(255, 255, 255)
}

/// A row-major 8-bit RGB image.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// R, G, B bytes of every pixel, row by row: `pixels.count == width * height * 3`.
    public private(set) var pixels: [UInt8]

    /// A `width × height` image filled with `background`.
    public init(width: Int, height: Int, background: RGB = .black) {
        self.width = max(0, width)
        self.height = max(0, height)
        var p = [UInt8](repeating: 0, count: self.width * self.height * 3)
        if background != .black {
            for i in 0..<(self.width * self.height) {
                p[3 * i] = background.r
                p[3 * i + 1] = background.g
                p[3 * i + 2] = background.b
            }
        }
        pixels = p
    }

    /// The colour at column `x`, row `y`; writes outside the image are ignored, reads outside it are a
    /// programming error (as for an array index).
    public subscript(x: Int, y: Int) -> RGB {
        get {
            let i = 3 * (y * width + x)
            return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            guard x >= 0, x < width, y >= 0, y < height else { return }
            let i = 3 * (y * width + x)
            pixels[i] = newValue.r
            pixels[i + 1] = newValue.g
            pixels[i + 2] = newValue.b
        }
    }

    /// Fills the rectangle at (x, y) of size w×h (clipped to the image).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, with color: RGB) {
        for yy in max(0, y) ..< min(height, y + h) {
            for xx in max(0, x) ..< min(width, x + w) { self[xx, yy] = color }
        }
    }

    /// Copies `image` with its top-left corner at (x, y), clipped to this image.
    public mutating func draw(_ image: RGBImage, x: Int, y: Int) {
        for yy in 0..<image.height { for xx in 0..<image.width { self[x + xx, y + yy] = image[xx, yy] } }
    }

    /// The image enlarged `factor` times by nearest neighbour (each pixel becomes a factor×factor block).
    public func upscaled(by factor: Int) -> RGBImage {
        let f = max(1, factor)
        var out = RGBImage(width: width * f, height: height * f)
        for y in 0..<out.height { for x in 0..<out.width { out[x, y] = self[x / f, y / f] } }
        return out
    }
}
