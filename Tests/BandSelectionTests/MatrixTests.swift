// MatrixTests: shape checks, the cube → pixel-matrix layout, transpose and finiteness checks.
import Testing
import SpectralData
import TestSupport
@testable import BandSelection

@Suite("Matrix")
struct MatrixTests {
    @Test("a matrix needs exactly rows × columns values")
    func shapeIsChecked() throws {
        #expect(throws: BandSelectionError.self) { try Matrix(rows: 2, columns: 3, values: [1, 2, 3]) }
        let m = try Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(m[1, 0] == 4 && Array(m.row(1)) == [4, 5, 6])
        #expect(m.transposed.values == [1, 4, 2, 5, 3, 6] && m.transposed.transposed == m)
        #expect(m.squaredNorm == 91)
    }

    @Test("a cube's pixels become rows in BIP order")
    func pixelsOfCube() throws {
        let cube = try Cube(height: 2, width: 3, bands: 2, values: (0..<12).map { Float($0) })
        let m = Matrix(pixelsOf: cube)
        #expect(m.rows == 6 && m.columns == 2)
        #expect(m[4, 1] == Double(cube.value(row: 1, column: 1, band: 1)))
        #expect(m.floats() == cube.values)
    }

    @Test("NaN and infinity are found with their position")
    func nonFinite() throws {
        var m = Matrix(zerosRows: 3, columns: 4)
        #expect(throws: Never.self) { try m.requireFinite() }
        m[2, 1] = .infinity
        #expect(throws: BandSelectionError.nonFiniteInput(row: 2, column: 1)) { try m.requireFinite() }
    }
}
