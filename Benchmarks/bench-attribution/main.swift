// bench-attribution: integrated gradients on the unpruned cao (5×5×200 inputs) for many samples,
// with 1, 2, 4, 8 and 16 samples' steps per pass against one sample per pass, and against the bare
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
Workers.count = threads

func fail(_ message: String) -> Never {
    print("FAIL: \(message)")
    exit(1)
}

/// Process CPU seconds (all threads): less sensitive than wall time to other jobs on a shared machine.
func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// The best wall-clock and the best CPU seconds of `repeats` runs of `body`.
func seconds(repeats: Int, _ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    var best = (wall: Double.infinity, cpu: Double.infinity)
    for _ in 0..<max(1, repeats) {
        let start = ContinuousClock.now, cpuStart = cpuSeconds()
        try body()
        let d = ContinuousClock.now - start
        best.wall = min(best.wall, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        best.cpu = min(best.cpu, cpuSeconds() - cpuStart)
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
    let batched = try Explainer(model: model, batchSize: 8 * steps)
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

    // Rows per pass: one sample's steps (the baseline), then several samples' steps together.
    var fixed: IntegratedGradientsResult?
    var timings: [(rows: Int, seconds: (wall: Double, cpu: Double))] = []
    for rows in [steps, 2 * steps, 4 * steps, 8 * steps, 16 * steps] {
        let explainer = try Explainer(model: model, batchSize: rows)
        timings.append((rows, try seconds(repeats: repeats) { fixed = try explainer.integratedGradients(x, steps: steps, tolerance: nil) }))
    }
    guard let best = timings.min(by: { $0.seconds.cpu < $1.seconds.cpu }), let baseline = timings.first else { fail("no timing") }
    // The floor: input gradients of samples·steps rows at the best batch size, no path construction or accumulation.
    let floorExplainer = try Explainer(model: model, batchSize: best.rows)
    let rows = Tensor(shape: [samples * steps, 5, 5, 200], scalars: Array(repeating: x.scalars, count: steps).flatMap { $0 })
    let tGradients = try seconds(repeats: repeats) { _ = try floorExplainer.gradient(rows, for: .fixed(0), absolute: false) }
    var refined: IntegratedGradientsResult?
    let tRefined = try seconds(repeats: repeats) { refined = try floorExplainer.integratedGradients(x, steps: steps, tolerance: 0.01) }

    guard let f = fixed, let r = refined else { fail("no result was computed") }
    let sortedErrors = f.completenessErrors.sorted()
    print("integrated gradients, cao 5×5×200, \(samples) samples × \(steps) steps, \(threads) BLAS threads, best of \(repeats):")
    for t in timings {
        print(String(format: "  %4d rows per pass (%2d samples): wall %.2f s, CPU %.2f s (%5.0f path points per CPU s); CPU %.2f× less than one sample per pass",
                     t.rows, t.rows / steps, t.seconds.wall, t.seconds.cpu, Double(samples * steps) / t.seconds.cpu,
                     baseline.seconds.cpu / t.seconds.cpu))
    }
    print(String(format: "  bare input gradients, %d rows per pass (floor): wall %.2f s, CPU %.2f s; IG at that batch is %.2f× the floor (CPU)",
                 best.rows, tGradients.wall, tGradients.cpu, best.seconds.cpu / tGradients.cpu))
    let stepsUsed = Dictionary(grouping: r.steps, by: { $0 }).mapValues(\.count).sorted { $0.key < $1.key }
        .map { "\($0.value) samples × \($0.key)" }.joined(separator: ", ")
    print(String(format: "  refined to 1%% completeness: wall %.2f s, CPU %.2f s (%.2f× the fixed-step run); ", tRefined.wall, tRefined.cpu,
                 tRefined.cpu / best.seconds.cpu) + "steps used: " + stepsUsed)
    print(String(format: "  completeness error at %d steps: median %.4f, 90th pct %.4f, max %.4f; after refinement max %.4f",
                 steps, sortedErrors[sortedErrors.count / 2], sortedErrors[sortedErrors.count * 9 / 10],
                 f.maxCompletenessError, r.maxCompletenessError))
} catch {
    print("FAIL: \(error)")
    exit(1)
}
