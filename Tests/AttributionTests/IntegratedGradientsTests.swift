// Integrated gradients: the numpy golden (midpoint rule), completeness within 1% on cao-shaped
// nets for both baselines, exactness on a linear model, and argument errors.
import Testing
import Tensors
import TestSupport
@testable import Attribution
@testable import NeuralNet

@Suite struct IntegratedGradientsTests {
    @Test func matchesTheNumpyGolden() throws {
        let golden = try Golden.load()
        let explainer = try Explainer(model: try golden.mlpModel())
        let result = try explainer.integratedGradients(golden.mlpInput, for: .perSample(golden.mlp.classes),
                                                       baseline: .zeros, steps: golden.mlp.steps, tolerance: nil)
        #expect(allClose(result.attributions.values.scalars, golden.mlp.integrated_gradients, absolute: 1e-5, relative: 1e-4))
        #expect(allClose(result.scoreDifferences, golden.mlp.score_differences, absolute: 1e-5, relative: 1e-4))
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func completenessHoldsWithinOnePercentOnCaoShapedNets(seed: UInt64) throws {
        let model = try caoLike(bands: 8, classes: 5, seed: seed)
        let explainer = try Explainer(model: model, batchSize: 256)
        let x = standardInputs(12, bands: 8, seed: seed &+ 100)
        for baseline in [Baseline.zeros, Baseline.bandMeans(of: standardInputs(40, bands: 8, seed: 77))] {
            let result = try explainer.integratedGradients(x, baseline: baseline, steps: 50)
            #expect(result.maxCompletenessError < 0.01, "completeness errors \(result.completenessErrors), steps \(result.steps)")
            for s in 0..<12 {
                let gap = abs(result.attributionSums[s] - result.scoreDifferences[s])
                #expect(gap <= 0.01 * abs(result.scoreDifferences[s]) + 1e-6)
            }
            // Samples that met the tolerance at 50 steps are exactly the fixed-50-step attributions.
            let fixed = try explainer.integratedGradients(x, baseline: baseline, steps: 50, tolerance: nil)
            #expect(fixed.steps == [Int](repeating: 50, count: 12))
            for s in 0..<12 {
                let refined = result.steps[s] > 50
                #expect(refined == (fixed.completenessErrors[s] > 0.01))
                if !refined {
                    #expect(result.attributions.values.slicing(rows: s ..< s + 1) == fixed.attributions.values.slicing(rows: s ..< s + 1))
                }
            }
            // A refined sample equals a plain run at its final step count (tripling reuses the old points).
            for s in 0..<12 where result.steps[s] > 50 {
                let sample = x.slicing(rows: s ..< s + 1)
                let plain = try explainer.integratedGradients(sample, for: .fixed(result.attributions.classes[s]), baseline: baseline,
                                                              steps: result.steps[s], tolerance: nil)
                #expect([150, 450, 1350].contains(result.steps[s]))
                #expect(allClose(result.attributions.values.slicing(rows: s ..< s + 1).scalars, plain.attributions.values.scalars,
                                 absolute: 1e-6, relative: 1e-3))
            }
        }
    }

    @Test func theErrorShrinksWithMoreSteps() throws {
        let explainer = try Explainer(model: try caoLike(bands: 8, classes: 5, seed: 2))
        let x = standardInputs(12, bands: 8, seed: 102)
        let baseline = Baseline.bandMeans(of: standardInputs(40, bands: 8, seed: 77))
        let errors = try [25, 100, 400].map { steps in
            try explainer.integratedGradients(x, baseline: baseline, steps: steps, tolerance: nil).completenessErrors.reduce(0, +) / 12
        }
        #expect(errors[0] > errors[1] && errors[1] > errors[2], "mean errors \(errors)")
        #expect(errors[0] > 0.005, "the fixture must have kinks along the path")
        // This fixture needs refinement: some samples go past 50 steps, and every sample ends within 1%.
        let refined = try explainer.integratedGradients(x, baseline: baseline, steps: 50)
        #expect(refined.steps.contains { $0 > 50 })
        #expect(refined.maxCompletenessError < 0.01)
    }

    @Test func isExactForALinearModel() throws {
        // F(x) = w·x + b: IG_i = x_i w_i whatever the number of steps.
        let model = try linearModel(bands: 2, classes: 3)
        let w = model.layers[1].parameters[0]
        let x = standardInputs(2, bands: 2, seed: 5)
        let result = try Explainer(model: model).integratedGradients(x, for: .fixed(2), steps: 1)
        let expected = (0..<50).map { x.scalars[$0] * w[$0, 2] } + (0..<50).map { x.scalars[50 + $0] * w[$0, 2] }
        #expect(allClose(result.attributions.values.scalars, expected, absolute: 1e-6, relative: 1e-5))
        #expect(result.maxCompletenessError < 1e-4)
    }

    @Test func bandMeansBaselineIsThePerBandMean() throws {
        var x = Tensor(shape: [2, 5, 5, 2])
        for i in 0..<x.count { x.scalars[i] = i % 2 == 0 ? 1 : Float(i / 50) * 4 } // band 0: 1; band 1: 0 then 4
        #expect(Baseline.bandMeans(of: x) == .bandValues([1, 2]))
    }

    @Test func badArgumentsAreErrors() throws {
        let explainer = try Explainer(model: try caoLike())
        let x = standardInputs(2, bands: 8, seed: 1)
        #expect(throws: AttributionError.self) { try explainer.integratedGradients(x, steps: 0) }
        #expect(throws: AttributionError.self) { try explainer.integratedGradients(x, baseline: .bandValues([0, 1])) }
        #expect(throws: AttributionError.self) { try explainer.integratedGradients(x, tolerance: 0) }
        #expect(throws: AttributionError.self) { try explainer.integratedGradients(x, maxRefinements: -1) }
    }
}
