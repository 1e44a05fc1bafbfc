// IndianPinesTests: PCA and NMF on the real Indian Pines cube against scikit-learn's figures in
// indian_pines_golden.json (written by reference/band_selection_golden.py --indian-pines).
// Skipped, saying so, when HSIFLOW_DATA is unset; CI runs them in release mode.
import Foundation
import Testing
import FileFormats
import SpectralData
import TestSupport
@testable import BandSelection

struct IndianPinesGolden: Decodable {
    struct PCAPart: Decodable { let explainedVarianceRatio: [Double]; let leadingComponents: [[Double]] }
    struct NMFPart: Decodable { let startScale: Double; let relativeErrors: [String: Double] }
    let pca: PCAPart
    let nmfCd: NMFPart
    let nmfMu: NMFPart

    static let value: IndianPinesGolden? = {
        guard let url = Bundle.module.url(forResource: "indian_pines_golden", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(IndianPinesGolden.self, from: data)
    }()
}

@Suite(.enabled(if: realDataDirectory() != nil, "HSIFLOW_DATA is not set or has no indian_pines/: real-data tests skipped"))
struct IndianPinesTests {
    let golden: IndianPinesGolden
    let x: Matrix

    init() throws {
        golden = try #require(IndianPinesGolden.value, "indian_pines_golden.json missing or unreadable")
        let path = try #require(realDataDirectory()).appendingPathComponent("Indian_pines_corrected.npy").path
        x = Matrix(pixelsOf: try ArrayFile.loadCube(path: path))
    }

    @Test("PCA(100, whiten) variance ratios and leading components match scikit-learn; output has unit variance")
    func pca() throws {
        let (fitted, projected) = try PCA(components: 100, whiten: true).fitTransform(x)
        #expect(maxAbsDifference(fitted.explainedVarianceRatio, golden.pca.explainedVarianceRatio) < 1e-5)
        let leading = matrix(golden.pca.leadingComponents)
        #expect(maxAbsDifference(fitted.components.values.prefix(leading.values.count), leading.values) < 1e-4)
        for c in [0, 1, 50, 99] {
            var sum = 0.0, squares = 0.0
            for r in 0..<projected.rows { let v = projected[r, c]; sum += v; squares += v * v }
            #expect(abs(sum / Double(projected.rows)) < 1e-8)
            #expect(abs(squares / Double(projected.rows - 1) - 1) < 1e-6)
        }
    }

    /// The start both sides build from a formula: W[i, j] = s·(1 + ((7i + 13j) mod 17)/17), H[j, c] = s·(1 + ((5j + 3c) mod 11)/11).
    func formulaStart(scale: Double, k: Int) -> (w: Matrix, h: Matrix) {
        var w = Matrix(zerosRows: x.rows, columns: k), h = Matrix(zerosRows: k, columns: x.columns)
        for i in 0..<x.rows { for j in 0..<k { w[i, j] = scale * (1 + Double((7 * i + 13 * j) % 17) / 17) } }
        for j in 0..<k { for c in 0..<x.columns { h[j, c] = scale * (1 + Double((5 * j + 3 * c) % 11) / 11) } }
        return (w, h)
    }

    @Test("NMF (100 components) from the same start: errors after 1, 2, 5, 10 iterations within 1 % of scikit-learn",
          arguments: NMF.Solver.allCases)
    func nmf(solver: NMF.Solver) throws {
        let reference = solver == .coordinateDescent ? golden.nmfCd : golden.nmfMu
        let settings = NMF(components: 100, solver: solver, tolerance: 0, maxIterations: 10, innerSweeps: 1)
        var errors: [Int: Double] = [:]
        _ = try settings.fit(x, start: formulaStart(scale: reference.startScale, k: 100)) { step in
            errors[step.iteration] = step.relativeError
            return true
        }
        for (key, expected) in reference.relativeErrors {
            let ours = try #require(errors[Int(key) ?? 0])
            #expect(abs(ours - expected) / expected < 0.01, "iteration \(key): \(ours) vs scikit-learn \(expected)")
        }
    }
}
