// The built-in 5×7 font: every needed character has a distinct glyph, text widths, and drawing.
import Testing
@testable import Attribution

@Suite struct BitmapFontTests {
    @Test func everyLabelCharacterHasADistinctGlyph() {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -._:%=/()+,#?")
        for c in alphabet { #expect(BitmapFont.hasGlyph(c), "missing glyph \(c)") }
        let glyphs = alphabet.map(BitmapFont.glyph)
        #expect(Set(glyphs.map { $0.map(String.init).joined(separator: ",") }).count == alphabet.count)
        for g in glyphs { #expect(g.count == 7 && g.allSatisfy { $0 < 32 }) }
        #expect(BitmapFont.glyph("a") == BitmapFont.glyph("A"))
        #expect(!BitmapFont.hasGlyph("λ"))
    }

    @Test func drawsTheGlyphBitsAtTheGivenScale() {
        let font = BitmapFont(scale: 2)
        #expect(font.width(of: "") == 0 && font.width(of: "1") == 10 && font.width(of: "10") == 22 && font.height == 14)
        var image = RGBImage(width: 30, height: 16, background: .white)
        font.draw("L", on: &image, x: 1, y: 1, color: .black)
        // L: the left column on every row, the whole bottom row.
        for row in 0..<7 { #expect(image[1, 1 + 2 * row] == .black && image[2, 2 + 2 * row] == .black) }
        for column in 0..<5 { #expect(image[1 + 2 * column, 13] == .black) }
        #expect(image[3, 1] == .white && image[11, 1] == .white)
        let inked = stride(from: 0, to: image.pixels.count, by: 3).filter { image.pixels[$0] == 0 }.count
        #expect(inked == 11 * 4) // 11 lit font pixels, 2×2 each
    }
}
