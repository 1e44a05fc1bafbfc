import Foundation
import Testing
import TestSupport
@testable import FileFormats

@Suite struct PngTests {
    func gradient(channels: Int) -> PixelImage {
        let (w, h) = (13, 7)
        var pixels = [UInt8]()
        for y in 0..<h { for x in 0..<w { for c in 0..<channels { pixels.append(UInt8((x * 19 + y * 31 + c * 70) % 256)) } } }
        return PixelImage(width: w, height: h, channels: channels, pixels: pixels)
    }

    @Test(arguments: [1, 3, 4])
    func roundTripsPixelsExactly(channels: Int) throws {
        let image = gradient(channels: channels)
        let decoded = try Png.decode(try Png.encode(image), source: "memory")
        #expect(decoded == image)
    }

    @Test func encodingIsDeterministic() throws {
        let image = gradient(channels: 3)
        #expect(try Png.encode(image) == Png.encode(image))
    }

    @Test func writesAValidFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("g.png").path
        try Png.write(gradient(channels: 1), to: path)
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(try Png.read(path: path) == gradient(channels: 1))
    }

    @Test func corruptPngIsAnError() throws {
        var bytes = try Png.encode(gradient(channels: 3))
        #expect(throws: FileFormatsError.self) { try Png.decode(Array(bytes.prefix(30)), source: "cut.png") }
        bytes[bytes.count / 2] ^= 0xFF
        #expect(throws: FileFormatsError.self) { try Png.decode(bytes, source: "flipped.png") }
        #expect(throws: FileFormatsError.self) { try Png.decode([1, 2, 3], source: "junk.png") }
    }
}
