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
    let cube: Cube

    init() throws {
        golden = try #require(IndianPinesGolden.value, "indian_pines_golden.json missing or unreadable")
        let path = try #require(realDataDirectory()).appendingPathComponent("Indian_pines_corrected.npy").path
        cube = try ArrayFile.loadCube(path: path)
        x = Matrix(pixelsOf: cube)
    }

    @Test("PCA(100, whiten) on the Float32 cube (one pass, Float32 projection) matches scikit-learn as the Float64 path does")
    func pcaOnTheCube() throws {
        let reducer = BandReducer(method: .pca(PCA(components: 100, whiten: true)))
        let (transform, reduced) = try reducer.fitTransform(cube: cube)
        guard case .pca(let fitted) = transform.projection else { Issue.record("not a PCA projection"); return }
        #expect(maxAbsDifference(fitted.explainedVarianceRatio, golden.pca.explainedVarianceRatio) < 1e-5)
        let leading = matrix(golden.pca.leadingComponents)
        #expect(maxAbsDifference(fitted.components.values.prefix(leading.values.count), leading.values) < 1e-4)
        // Whitened output: zero mean, unit variance per component (to Float32's precision).
        for c in [0, 1, 50, 99] {
            var sum = 0.0, squares = 0.0
            for r in 0..<cube.pixelCount { let v = Double(reduced.values[r * 100 + c]); sum += v; squares += v * v }
            #expect(abs(sum / Double(cube.pixelCount)) < 1e-4)
            #expect(abs(squares / Double(cube.pixelCount - 1) - 1) < 1e-4)
        }
        // The same projection as the Float64 path, to Float32 rounding of unit-variance values.
        let (_, projected) = try PCA(components: 100, whiten: true).fitTransform(x)
        var worst = 0.0
        for i in 0..<projected.values.count { worst = max(worst, abs(projected.values[i] - Double(reduced.values[i]))) }
        #expect(worst < 1e-3, "largest difference from the Float64 projection \(worst)")
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

    /// The full-rank start both sides build from a formula (see `formula_start` in the reference script):
    /// W[i, j] = s·(1 + ((7919·i + 104729·(j+1)(j+3)) mod 1009)/1009), H[j, c] = s·(1 + ((j+1)(c+2)(j+c+5) mod 997)/997).
    func formulaStart(scale: Double, k: Int) -> (w: Matrix, h: Matrix) {
        var w = Matrix(zerosRows: x.rows, columns: k), h = Matrix(zerosRows: k, columns: x.columns)
        for i in 0..<x.rows {
            for j in 0..<k {
                let code: Int = (7919 * i + 104729 * (j + 1) * (j + 3)) % 1009
                w[i, j] = scale * (1 + Double(code) / 1009)
            }
        }
        for j in 0..<k {
            for c in 0..<x.columns {
                let code: Int = ((j + 1) * (c + 2) * (j + c + 5)) % 997
                h[j, c] = scale * (1 + Double(code) / 997)
            }
        }
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
