// Png: 8-bit gray, RGB and RGBA PNG files through libpng's simplified API, which reports
// errors by return value (no longjmp across Swift frames). Written atomically; read back
// for tests and for `inspect`. Output is deterministic: same pixels, same bytes.
import CPNG
import Foundation

/// An 8-bit image in row-major order, `channels` bytes per pixel (1 gray, 3 RGB, 4 RGBA).
public struct PixelImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "an image needs positive width and height")
        precondition([1, 3, 4].contains(channels), "channels must be 1, 3 or 4")
        precondition(pixels.count == width * height * channels, "pixel count does not match the size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A blank image filled with one colour (`fill.count == channels`).
    public init(width: Int, height: Int, fill: [UInt8]) {
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * fill.count)
        for _ in 0..<(width * height) { pixels += fill }
        self.init(width: width, height: height, channels: fill.count, pixels: pixels)
    }
}

/// Reads and writes PNG files.
public enum Png {
    private static func format(channels: Int) -> UInt32 {
        switch channels {
        case 1: return hsf_png_format_gray()
        case 3: return hsf_png_format_rgb()
        default: return hsf_png_format_rgba()
        }
    }

    /// The PNG encoding of an image.
    public static func encode(_ image: PixelImage) throws(FileFormatsError) -> [UInt8] {
        var control = png_image()
        control.version = hsf_png_image_version()
        control.width = UInt32(image.width)
        control.height = UInt32(image.height)
        control.format = format(channels: image.channels)
        let stride = Int32(image.width * image.channels)
        var size: png_alloc_size_t = 0
        // First call sizes the buffer, second fills it.
        let sized = image.pixels.withUnsafeBytes { raw in
            png_image_write_to_memory(&control, nil, &size, 0, raw.baseAddress, stride, nil)
        }
        guard sized != 0, size > 0 else { throw .unwritable(path: "<png>", reason: message(control)) }
        var out = [UInt8](repeating: 0, count: Int(size))
        let written = out.withUnsafeMutableBytes { dst in
            image.pixels.withUnsafeBytes { raw in
                png_image_write_to_memory(&control, dst.baseAddress, &size, 0, raw.baseAddress, stride, nil)
            }
        }
        guard written != 0 else { throw .unwritable(path: "<png>", reason: message(control)) }
        return Array(out[0..<Int(size)])
    }

    /// Writes an image to `path` atomically.
    public static func write(_ image: PixelImage, to path: String) throws(FileFormatsError) {
        let bytes: [UInt8]
        do { bytes = try encode(image) } catch { throw .unwritable(path: path, reason: error.description) }
        try FileAccess.writeAtomically(bytes, to: path)
    }

    /// Decodes PNG bytes into 8-bit pixels with the file's own channel count (gray, RGB, RGBA).
    public static func decode(_ bytes: [UInt8], source: String) throws(FileFormatsError) -> PixelImage {
        var control = png_image()
        control.version = hsf_png_image_version()
        let began = bytes.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&control, raw.baseAddress, raw.count)
        }
        guard began != 0 else { throw .malformed(path: source, reason: "not a readable PNG: \(message(control))") }
        defer { png_image_free(&control) }
        let hasColor = control.format & 2 != 0, hasAlpha = control.format & 1 != 0
        let channels = hasColor ? (hasAlpha ? 4 : 3) : (hasAlpha ? 4 : 1)
        control.format = format(channels: channels)
        let width = Int(control.width), height = Int(control.height)
        guard width > 0, height > 0, width * height <= 1 << 28 else {
            throw .malformed(path: source, reason: "absurd PNG size \(width)×\(height)")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let finished = bytes.withUnsafeBytes { _ in
            pixels.withUnsafeMutableBytes { dst in
                png_image_finish_read(&control, nil, dst.baseAddress, Int32(width * channels), nil)
            }
        }
        guard finished != 0 else { throw .malformed(path: source, reason: message(control)) }
        return PixelImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Reads a PNG file.
    public static func read(path: String) throws(FileFormatsError) -> PixelImage {
        try decode(FileAccess.readAll(path), source: path)
    }

    private static func message(_ control: png_image) -> String {
        var copy = control.message
        let text = withUnsafeBytes(of: &copy) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "libpng error" : text
    }
}
