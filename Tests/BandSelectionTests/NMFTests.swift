// NMFTests: both solvers against scikit-learn from the same start (error after every iteration
// count within 1 %), the error history never increasing, the tolerance rules, transform() with
// fixed components, and the errors for negative data and bad settings.
import Testing
import Tensors
import TestSupport
@testable import BandSelection

@Suite("NMF")
struct NMFTests {
    let x = matrix(Golden.nmf.cube)
    let k = Golden.nmf.components

    func start(_ reference: NMFGolden.Start) -> (w: Matrix, h: Matrix) {
        (matrix(reference.W0), matrix(reference.H0))
    }

    @Test("coordinate descent matches scikit-learn's error at every iteration from the same start",
          arguments: ["nndsvd", "nndsvda"])
    func coordinateDescentMatchesScikitLearn(initName: String) throws {
        let reference = initName == "nndsvd" ? Golden.nmf.nndsvd : Golden.nmf.nndsvda
        let settings = NMF(components: k, tolerance: 0, maxIterations: Golden.nmf.iterations, innerSweeps: 1)
        let fit = try settings.fit(x, start: start(reference))
        #expect(fit.fitted.iterations == Golden.nmf.iterations)
        #expect(fit.fitted.errorHistory.count == reference.cd.errors.count)
        for (ours, theirs) in zip(fit.fitted.errorHistory, reference.cd.errors) {
            #expect(abs(ours - theirs) / theirs < 0.01, "error \(ours) vs scikit-learn \(theirs)")
        }
        let final = try #require(reference.cd.errors.last)
        #expect(abs(fit.fitted.reconstructionError - final) / final < 0.01)
        let components = matrix(reference.cd.H)
        let scale = components.values.max() ?? 1
        #expect(maxAbsDifference(fit.fitted.components.values, components.values) / scale < 1e-3)
    }

    @Test("multiplicative updates match scikit-learn's error at every iteration from the same start",
          arguments: ["nndsvd", "nndsvda"])
    func multiplicativeUpdatesMatchScikitLearn(initName: String) throws {
        let reference = initName == "nndsvd" ? Golden.nmf.nndsvd : Golden.nmf.nndsvda
        let settings = NMF(components: k, solver: .multiplicativeUpdate, tolerance: 0, maxIterations: Golden.nmf.iterations)
        let fit = try settings.fit(x, start: start(reference))
        #expect(fit.fitted.iterations == Golden.nmf.iterations)
        for (ours, theirs) in zip(fit.fitted.errorHistory, reference.mu.errors) {
            #expect(abs(ours - theirs) / theirs < 0.01, "error \(ours) vs scikit-learn \(theirs)")
        }
    }

    @Test("the error never increases across iterations", arguments: NMF.Solver.allCases, [1, 3, nil] as [Int?])
    func errorNeverIncreases(solver: NMF.Solver, innerSweeps: Int?) throws {
        let fit = try NMF(components: k, solver: solver, tolerance: 0, maxIterations: 60, innerSweeps: innerSweeps).fit(x)
        let history = fit.fitted.errorHistory
        #expect(history.count == 60)
        for (before, after) in zip(history, history.dropFirst()) {
            #expect(after <= before * (1 + 1e-12), "error rose from \(before) to \(after)")
        }
        // The error recorded per iteration (from Gram products) agrees with the direct one at the end.
        let last = try #require(history.last)
        #expect(abs(last - fit.fitted.reconstructionError) / fit.fitted.reconstructionError < 1e-8)
        let direct = try fit.fitted.inverseTransform(fit.weights)
        var squared = 0.0
        for i in x.values.indices { squared += (x.values[i] - direct.values[i]) * (x.values[i] - direct.values[i]) }
        #expect(abs(squared.squareRoot() - fit.fitted.reconstructionError) / fit.fitted.reconstructionError < 1e-10)
        #expect(fit.weights.values.allSatisfy { $0 >= 0 } && fit.fitted.components.values.allSatisfy { $0 >= 0 })
    }

    @Test("inner sweeps (fixed or automatic) reach scikit-learn's 40-iteration error in fewer iterations",
          arguments: [3, nil] as [Int?])
    func innerSweepsConvergeFaster(innerSweeps: Int?) throws {
        let target = try #require(Golden.nmf.nndsvd.cd.errors.last)
        var reachedAt: Int?
        _ = try NMF(components: k, tolerance: 0, maxIterations: Golden.nmf.iterations, innerSweeps: innerSweeps)
            .fit(x, start: start(Golden.nmf.nndsvd)) { step in
                if step.error <= target * 1.01, reachedAt == nil { reachedAt = step.iteration }
                return reachedAt == nil
            }
        let iteration = try #require(reachedAt)
        #expect(iteration < Golden.nmf.iterations / 2)
    }

    @Test("coordinate descent stops on scikit-learn's violation rule, and an observer can stop it")
    func stoppingRules() throws {
        let loose = try NMF(components: k, tolerance: 0.05, maxIterations: 200).fit(x).fitted
        #expect(loose.converged && loose.iterations < 200)
        let tight = try NMF(components: k, tolerance: 1e-9, maxIterations: 30).fit(x).fitted
        #expect(!tight.converged && tight.iterations == 30)
        let stopped = try NMF(components: k, tolerance: 0, maxIterations: 50).fit(x) { $0.iteration < 7 }.fitted
        #expect(stopped.iterations == 7 && stopped.errorHistory.count == 7)
        let mu = try NMF(components: k, solver: .multiplicativeUpdate, tolerance: 0.05, maxIterations: 200).fit(x).fitted
        #expect(mu.converged && mu.iterations % 10 == 0)
    }

    @Test("transform with fixed components reaches scikit-learn's transform error")
    func transformMatchesScikitLearn() throws {
        let fitted = FittedNMF(components: matrix(Golden.nmf.transform.H), reconstructionError: 0, relativeError: 0,
                               iterations: 0, errorHistory: [], converged: false, settings: NMF(components: k))
        let w = try fitted.transform(x)
        let reconstruction = try fitted.inverseTransform(w)
        var squared = 0.0
        for i in x.values.indices { squared += (x.values[i] - reconstruction.values[i]) * (x.values[i] - reconstruction.values[i]) }
        #expect(squared.squareRoot() <= Golden.nmf.transform.error * 1.01)
        #expect(w.values.allSatisfy { $0 >= 0 })
    }

    @Test("negative data is refused with advice to use minmax or raw data")
    func negativeInputIsAnError() throws {
        var negative = x
        negative[5, 2] = -3
        #expect(throws: BandSelectionError.negativeInput(minimum: -3, row: 5, column: 2)) {
            try NMF(components: k).fit(negative)
        }
        let message = BandSelectionError.negativeInput(minimum: -3, row: 5, column: 2).description
        #expect(message.contains("normalize: minmax") && message.contains("raw data"))
    }

    @Test("bad settings are errors")
    func rejectsBadSettings() {
        #expect(throws: BandSelectionError.self) { try NMF(components: 13).fit(x) }
        #expect(throws: BandSelectionError.self) { try NMF(components: 0).fit(x) }
        #expect(throws: BandSelectionError.self) { try NMF(components: 2, maxIterations: 0).fit(x) }
        #expect(throws: BandSelectionError.self) { try NMF(components: 2, tolerance: -1).fit(x) }
        #expect(throws: BandSelectionError.self) { try NMF(components: 2, innerSweeps: 0).fit(x) }
        #expect(throws: BandSelectionError.self) {
            try NMF(components: 2).fit(x, start: (Matrix(zerosRows: 3, columns: 2), Matrix(zerosRows: 2, columns: 12)))
        }
    }
}
