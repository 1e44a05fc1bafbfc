import Foundation
import Testing
import TestSupport
@testable import FileFormats

@Suite struct NpyTests {
    static let npyFixtures = Golden.expected.keys.filter { $0.hasPrefix("npy_") }.sorted()

    @Test(arguments: npyFixtures)
    func readsWhatNumpyWrote(_ name: String) throws {
        let golden = try #require(Golden.expected[name])
        let array = try Npy.read(path: Golden.path(name))
        #expect(array.shape == golden.shape)
        #expect(array.elementType.rawValue == golden.dtype)
        #expect(array.doubles() == golden.values)
    }

    @Test(arguments: ElementType.allCases)
    func roundTripsEveryLayout(_ type: ElementType) throws {
        let shape = [3, 2, 4]
        let array: NumericArray
        switch type {
        case .float32:
            array = NumericArray(float32: (0..<24).map { Float($0) * 0.25 - 2 }, shape: shape)
        case .float64:
            let bytes: [UInt8] = (0..<24).flatMap { i -> [UInt8] in
                let bits = (Double(i) * 0.125 - 1).bitPattern.littleEndian
                return withUnsafeBytes(of: bits) { Array($0) }
            }
            array = NumericArray(elementType: .float64, shape: shape, bytes: bytes)
        default:
            array = NumericArray(integers: (0..<24).map { ($0 * 5) % 120 }, shape: shape, as: type)
        }
        for bigEndian in [false, true] {
            for fortran in [false, true] {
                for version in [UInt8(1), 2, 3] {
                    let encoded = Npy.encode(array, options: .init(bigEndian: bigEndian, fortranOrder: fortran, version: version))
                    #expect((encoded.count - array.bytes.count) % 64 == 0, "data starts on a 64-byte boundary")
                    let decoded = try Npy.decode(encoded, source: "memory")
                    #expect(decoded == array, "type \(type) big-endian \(bigEndian) fortran \(fortran) v\(version)")
                }
            }
        }
    }

    @Test func writtenFileIsReadableAndAtomic() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("sub/x.npy").path
        let array = NumericArray(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        try Npy.write(array, to: path)
        #expect(try Npy.read(path: path) == array)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("sub").path)
        #expect(leftovers == ["x.npy"], "no temporary files left behind")
    }

    @Test func fortranOrderMatchesPlainLoopTranspose() {
        // A 2×3×4 array in Fortran order: element (i,j,k) at i + 2j + 6k.
        let shape = [2, 3, 4]
        var fortran = [UInt8](repeating: 0, count: 24)
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { fortran[i + 2 * j + 6 * k] = UInt8(100 * i + 10 * j + k) } } }
        let c = Layout.fortranToC(fortran, shape: shape, elementSize: 1)
        var expected = [UInt8]()
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { expected.append(UInt8(100 * i + 10 * j + k)) } } }
        #expect(c == expected)
        #expect(Layout.cToFortran(c, shape: shape, elementSize: 1) == fortran)
    }
}
