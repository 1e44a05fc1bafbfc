// ThreadIndependenceTests: PCA and NMF give the same bits at 1, 2, 3 and 4 workers — their
// products are cut by shape and their reductions (violation, error) summed in block order.
import Testing
import SpectralData
import Tensors
import TestSupport
@testable import BandSelection

@Suite(.serialized) struct ThreadIndependenceTests {
    /// A non-negative pixels × bands matrix large enough that every product is cut into parts.
    func pixels(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
        var random = SeededRandom(seed: seed)
        let values = (0..<(rows * columns)).map { i in abs(random.normal()) + Double(i % columns) * 0.01 }
        return Matrix(uncheckedRows: rows, columns: columns, values: values)
    }

    func atEveryWorkerCount<T>(_ body: () throws -> T) rethrows -> [T] {
        try BLASConfiguration.exclusively {
            try [1, 2, 3, 4].map { workers in
                Workers.count = workers
                return try body()
            }
        }
    }

    @Test("PCA components, variances and projections are the same bits at 1–4 workers")
    func pcaIsIndependentOfWorkers() throws {
        let x = pixels(6000, 120, seed: 11)
        let fits = try atEveryWorkerCount { () -> [Double] in
            let fitted = try PCA(components: 40, whiten: true).fit(x)
            return fitted.components.values + fitted.explainedVariance + (try fitted.transform(x)).values
        }
        #expect(fits.allSatisfy { $0.map(\.bitPattern) == fits[0].map(\.bitPattern) })
    }

    @Test("PCA on a Float32 cube (the one-pass fit and Float32 projection) is the same bits at 1–4 workers")
    func cubePCAIsIndependentOfWorkers() throws {
        let x = pixels(6000, 120, seed: 13)
        let cube = try Cube(height: 60, width: 100, bands: 120, values: x.values.map { Float($0 * 1000 + 500) })
        let reducer = BandReducer(method: .pca(PCA(components: 40, whiten: true)))
        let fits = try atEveryWorkerCount { () -> (fit: [UInt64], projected: [UInt32]) in
            let (transform, reduced) = try reducer.fitTransform(cube: cube)
            guard case .pca(let fitted) = transform.projection else { return ([], []) }
            return ((fitted.components.values + fitted.explainedVariance + fitted.mean).map(\.bitPattern),
                    reduced.values.map(\.bitPattern))
        }
        #expect(!fits[0].fit.isEmpty)
        #expect(fits.allSatisfy { $0.fit == fits[0].fit && $0.projected == fits[0].projected })
    }

    @Test("NMF (coordinate descent and multiplicative updates) is the same bits at 1–4 workers",
          arguments: NMF.Solver.allCases)
    func nmfIsIndependentOfWorkers(solver: NMF.Solver) throws {
        let x = pixels(5000, 100, seed: 12)
        let fits = try atEveryWorkerCount { () -> [Double] in
            let fit = try NMF(components: 30, solver: solver, tolerance: 1e-4, maxIterations: 25).fit(x)
            return fit.fitted.components.values + fit.weights.values + fit.fitted.errorHistory
                + [Double(fit.fitted.iterations)]
        }
        #expect(fits.allSatisfy { $0.map(\.bitPattern) == fits[0].map(\.bitPattern) })
    }
}
