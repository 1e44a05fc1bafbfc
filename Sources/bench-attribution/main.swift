// bench-attribution: integrated gradients on the unpruned cao (5×5×200 inputs) for many samples,
// batched (all steps of several samples per pass) against one sample per pass and against the bare
// cost of that many input gradients, measured in the same run. Results are checked first: batched
// and per-sample IG agree, and completeness is reported.
//
//   swift run -c release bench-attribution [--samples 100] [--steps 50] [--threads 2] [--repeats 3]
import Attribution
import Foundation
import NeuralNet
import Tensors

var samples = 100, steps = 50, threads = 2, repeats = 3
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    let value = arguments.next().flatMap { Int($0) }
    switch (flag, value) {
    case ("--samples", let v?): samples = v
    case ("--steps", let v?): steps = v
    case ("--threads", let v?): threads = v
    case ("--repeats", let v?): repeats = v
    default:
        FileHandle.standardError.write(Data("usage: bench-attribution [--samples N] [--steps N] [--threads N] [--repeats N]\n".utf8))
        exit(2)
    }
}
BLAS.threads = threads

func fail(_ message: String) -> Never {
    print("FAIL: \(message)")
    exit(1)
}

func seconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<max(1, repeats) {
        let start = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - start
        best = min(best, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
    }
    return best
}

do {
    // The unpruned cao on 200 bands with small seeded biases (a trained net has them; with zero
    // biases a ReLU net is homogeneous and IG from a zero baseline would be trivially exact).
    var model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 200], seed: 41)
    var rng = SeededRandom(seed: 7)
    for i in model.layers.indices where model.layers[i].parameters.count == 2 {
        let p = model.layers[i].parameters
        try model.layers[i].setParameters([p[0], p[1].map { _ in rng.uniform(-0.05, 0.05) }])
    }
    let x = Tensor(shape: [samples, 5, 5, 200], scalars: (0..<(samples * 5000)).map { _ in Float(rng.normal()) })
    let batched = try Explainer(model: model, batchSize: 512)
    let perSample = try Explainer(model: model, batchSize: steps)

    // Check before timing: one pass per sample and many samples per pass give the same attributions.
    let check = x.slicing(rows: 0 ..< min(4, samples))
    let a = try batched.integratedGradients(check, steps: steps, tolerance: nil).attributions.values.scalars
    let b = try perSample.integratedGradients(check, steps: steps, tolerance: nil).attributions.values.scalars
    let scale = a.map { abs($0) }.max() ?? 1
    let gap = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    guard gap <= 1e-4 * max(scale, 1e-12) else {
        print("FAIL: batched and per-sample integrated gradients differ by \(gap) (scale \(scale))")
        exit(1)
    }
    print("check: batched vs per-sample IG max |Δ| = \(gap) (max |IG| \(scale))")

    var fixed: IntegratedGradientsResult?
    let tBatched = try seconds(repeats: repeats) { fixed = try batched.integratedGradients(x, steps: steps, tolerance: nil) }
    let tPerSample = try seconds(repeats: repeats) { _ = try perSample.integratedGradients(x, steps: steps, tolerance: nil) }
    // The floor: gradients of samples·steps rows, no path construction or accumulation.
    let rows = Tensor(shape: [samples * steps, 5, 5, 200], scalars: Array(repeating: x.scalars, count: steps).flatMap { $0 })
    let tGradients = try seconds(repeats: repeats) { _ = try batched.gradient(rows, for: .fixed(0), absolute: false) }
    var refined: IntegratedGradientsResult?
    let tRefined = try seconds(repeats: repeats) { refined = try batched.integratedGradients(x, steps: steps, tolerance: 0.01) }

    guard let f = fixed, let r = refined else { fail("no result was computed") }
    let sortedErrors = f.completenessErrors.sorted()
    print("integrated gradients, cao 5×5×200, \(samples) samples × \(steps) steps, \(threads) BLAS threads, best of \(repeats):")
    print(String(format: "  batched (512 rows per pass):   %.2f s   (%.0f path points/s)", tBatched, Double(samples * steps) / tBatched))
    print(String(format: "  one sample per pass:           %.2f s   ratio %.2f× the batched time", tPerSample, tPerSample / tBatched))
    print(String(format: "  bare input gradients (floor):  %.2f s   batched IG is %.2f× the floor", tGradients, tBatched / tGradients))
    let stepsUsed = Dictionary(grouping: r.steps, by: { $0 }).mapValues(\.count).sorted { $0.key < $1.key }
        .map { "\($0.value) samples × \($0.key)" }.joined(separator: ", ")
    print(String(format: "  refined to 1%% completeness:    %.2f s   ", tRefined) + "steps used: " + stepsUsed)
    print(String(format: "  completeness error at %d steps: median %.4f, 90th pct %.4f, max %.4f; after refinement max %.4f",
                 steps, sortedErrors[sortedErrors.count / 2], sortedErrors[sortedErrors.count * 9 / 10],
                 f.maxCompletenessError, r.maxCompletenessError))
} catch {
    print("FAIL: \(error)")
    exit(1)
}
