// GoldenFixtures: the scikit-learn reference values written by reference/band_selection_golden.py,
// decoded once per test process. Matrices arrive as lists of rows.
import Foundation
import BandSelection

/// A JSON list of rows as a Matrix.
func matrix(_ rows: [[Double]]) -> Matrix {
    let columns = rows.first?.count ?? 0
    do {
        return try Matrix(rows: rows.count, columns: columns, values: rows.flatMap { $0 })
    } catch {
        fatalError("fixture rows are rectangular: \(error)")
    }
}

struct PCAReference: Decodable {
    let whiten: Bool
    let components: [[Double]]
    let mean: [Double]
    let explainedVariance: [Double]
    let explainedVarianceRatio: [Double]
    let singularValues: [Double]
    let noiseVariance: Double
    let transformed: [[Double]]
}

struct PCAGolden: Decodable {
    struct Standardized: Decodable {
        let explainedVarianceRatio: [Double]
        let transformed: [[Double]]
    }
    struct Standard: Decodable { let mean: [Double]; let scale: [Double] }
    struct MinMax: Decodable { let min: [Double]; let range: [Double] }

    let shape: [Int]
    let cube: [[Double]]
    let plain: PCAReference
    let whitened: PCAReference
    let standardizedWhitened: Standardized
    let standard: Standard
    let minmax: MinMax
}

struct NMFGolden: Decodable {
    struct Run: Decodable { let errors: [Double]; let H: [[Double]] }
    struct Start: Decodable {
        let W0: [[Double]]
        let H0: [[Double]]
        let cd: Run
        let mu: Run
    }
    struct Transform: Decodable { let H: [[Double]]; let error: Double }

    let shape: [Int]
    let cube: [[Double]]
    let components: Int
    let iterations: Int
    let nndsvd: Start
    let nndsvda: Start
    let transform: Transform
}

enum Golden {
    static let pca: PCAGolden = load("pca_golden")
    static let nmf: NMFGolden = load("nmf_golden")

    private static func load<T: Decodable>(_ name: String) -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            fatalError("\(name).json missing: run /work/venv/bin/python reference/band_selection_golden.py")
        }
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(T.self, from: Data(contentsOf: url))
        } catch {
            fatalError("\(name).json does not decode: \(error)")
        }
    }
}
