// hsiflow-bench: the machine's sgemm GFLOP/s and cao training throughput measured in the same run,
// so the ratio is meaningful on any machine (per wall second and per CPU-second, which stays fair on
// a shared machine); the inference latency table (float forward, the low-latency plan, int8 kernels
// at batch 1, 4, 128); plus peak resident memory while training on the full
// Indian Pines scene. Kernels are checked against plain-loop references before anything is timed.
// Usage: hsiflow-bench [--threads N] [--steps N] [--data DIR] [--inference-only]
//        hsiflow-bench --versus-keras [--threads N] [--shards S] [--rounds N]
//        (DIR holds indian_pines/, or HSIFLOW_DATA; --inference-only stops after the latency table;
//        --versus-keras only trains cao beside Keras, VersusKeras.swift, scripts/bench-train)
//        hsiflow-bench --serve-deploy [--threads N] [--bands 200,100] [--levels 0,20,…] [--level-bands 100]
//        (scripts/bench-deploy's timing rounds: see DeploymentRounds.swift)
import Foundation
import Tensors
import NeuralNet
import SpectralData
import FileFormats
import Compression

// MARK: - Arguments

var threads = 2
var steps = 40
var dataDirectory = ProcessInfo.processInfo.environment["HSIFLOW_DATA"]
var inferenceOnly = false
var versusKeras = false
var versusRounds = 8
var versusShards = 1
var serveDeploy = false
var deployBands = [200, 100]
var deployLevels = [0, 20, 40, 55, 70, 85]
var deployLevelBands = 100
/// A comma-separated list of non-negative integers, or exit 2 naming the option.
func integerList(_ text: String?, option: String) -> [Int] {
    let values = (text ?? "").split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! >= 0 }) else {
        FileHandle.standardError.write(Data("hsiflow-bench: \(option) takes a comma-separated list of non-negative integers, got '\(text ?? "")'\n".utf8))
        exit(2)
    }
    return values.compactMap { $0 }
}
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--threads": threads = Int(arguments.next() ?? "") ?? threads
    case "--steps": steps = Int(arguments.next() ?? "") ?? steps
    case "--data": dataDirectory = arguments.next()
    case "--inference-only": inferenceOnly = true
    case "--versus-keras": versusKeras = true
    case "--shards": versusShards = max(1, Int(arguments.next() ?? "") ?? versusShards)
    case "--rounds": versusRounds = max(1, Int(arguments.next() ?? "") ?? versusRounds)
    case "--serve-deploy": serveDeploy = true
    case "--bands": deployBands = integerList(arguments.next(), option: "--bands").map { max(1, $0) }
    case "--levels": deployLevels = integerList(arguments.next(), option: "--levels").map { min(99, $0) }
    case "--level-bands": deployLevelBands = max(1, integerList(arguments.next(), option: "--level-bands")[0])
    default:
        FileHandle.standardError.write(Data(("usage: hsiflow-bench [--threads N] [--steps N] [--data DIR] [--inference-only]\n" +
            "       hsiflow-bench --versus-keras [--threads N] [--shards S] [--rounds N]\n" +
            "       hsiflow-bench --serve-deploy [--threads N] [--bands 200,100] [--levels 0,20,40] [--level-bands 100]\n").utf8))
        exit(2)
    }
}
Workers.count = threads

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func seeded(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return Tensor(shape: shape, scalars: (0..<Tensor.count(of: shape)).map { _ in rng.uniform(-1, 1) })
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("hsiflow-bench: \(message)\n".utf8))
    exit(1)
}

/// Peak resident set size of this process (VmHWM), in MiB.
func peakResidentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kib / 1024
}

/// CPU seconds (user + system) this process has used so far, all threads.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func fmt(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }

if serveDeploy {
    do {
        try serveDeploymentRounds(bands: deployBands, levels: deployLevels, levelBands: deployLevelBands, threads: threads)
    } catch {
        fail("deployment rounds failed: \(error)")
    }
}

print("hsiflow-bench: BLAS threads \(Workers.count), \(ProcessInfo.processInfo.activeProcessorCount) cores visible")

// MARK: - Check kernels against references first

do {
    let a = seeded([37, 29], seed: 1), b = seeded([29, 23], seed: 2)
    let fast = Tensor.matmul(a, b), slow = Tensor.matmulReference(a, b)
    let err = zip(fast.scalars, slow.scalars).map { abs($0 - $1) }.max() ?? 0
    guard err < 1e-4 else { fail("sgemm disagrees with the plain-loop product (max error \(err))") }
    var rng = SeededRandom(seed: 3)
    var conv = Conv2D(name: "check", filters: 16, kernelSize: (3, 3), channels: 12, padding: .valid, activation: .linear, rng: &rng)
    let x = seeded([4, 5, 5, 12], seed: 4)
    let y = conv.forward(x, training: false)
    let ref = ConvolutionReference.forward(x, kernel: conv.kernel, bias: conv.bias, padding: .valid)
    let convErr = zip(y.scalars, ref.scalars).map { abs($0 - $1) }.max() ?? 0
    conv.algorithm = .im2col
    let columns = conv.forward(x, training: false)
    let im2colErr = zip(columns.scalars, ref.scalars).map { abs($0 - $1) }.max() ?? 0
    guard convErr < 1e-4, im2colErr < 1e-4 else {
        fail("convolution disagrees with the plain-loop reference (Winograd \(convErr), im2col \(im2colErr))")
    }
    print("kernels checked: sgemm vs plain loops \(String(format: "%.1e", err)), conv vs plain loops: " +
          "Winograd \(String(format: "%.1e", convErr)), im2col \(String(format: "%.1e", im2colErr))")
}

if versusKeras {
    runVersusKeras(threads: threads, shards: versusShards, rounds: versusRounds, stepsPerRound: 10)
    exit(0)
}

// MARK: - Inference latency by batch size

// Forward passes only (prediction, pruning and quantization scores), cao 5×5×200, through the one
// latency routine (Latency.measure: fixed inputs, warm-up, fixed threads, median and p10/p90 per
// sample). Each configuration is measured in 6 interleaved rounds, so a change in the machine's
// load hits all alike; the table gives the median of the rounds' medians and the rounds' p10…p90.
// Configurations: the model's own forward pass (im2col, Winograd conv1), the low-latency float
// plan (InferencePlan), and the int8 network on each kernel path this CPU has.
// InferencePlan.smallBatchLimit and the int8 parallel threshold come from this table.
do {
    let model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 200], seed: 41)
    let quantized = try QuantizedModel(quantizing: model, bits: 8)
    // The int8 network against its float twin (weights q·scale, inputs quantized per sample) first.
    do {
        let x = seeded([3, 5, 5, 200], seed: 301)
        var twin = quantized.dequantizedModel
        var h = x
        for i in twin.layers.indices {
            if twin.layers[i] is Conv2D || twin.layers[i] is Dense {
                let size = h.count / h.shape[0]
                let scheme: ActivationQuantization = twin.layers[i] is Conv2D ? .asymmetric : .symmetric
                h = Tensor(shape: h.shape, scalars: (0..<h.shape[0]).flatMap {
                    scheme.simulate(Array(h.scalars[$0 * size ..< ($0 + 1) * size]))
                })
            }
            h = twin.layers[i].forward(h, training: false)
        }
        // Every kernel path gives the same bits; the float twin agrees up to an activation landing a
        // quantization step apart (a rounding difference upstream), so within 0.02 in probability.
        var first: Tensor?
        for path in Int8KernelPath.allCases where path != .automatic && path.isSupported {
            var network = quantized.int8Network(path: path)
            let y = network.infer(x)
            if let first, first.scalars != y.scalars { fail("int8 network on \(path) differs from the plain C path") }
            first = first ?? y
            let err = zip(y.scalars, h.scalars).map { abs($0 - $1) }.max() ?? 0
            guard err < 0.02 else { fail("int8 network on \(path) disagrees with its float twin (max error \(err))") }
        }
        var plan = InferencePlan(model)
        var reference = model
        let planErr = zip(plan.infer(x).scalars, reference.forward(x, training: false).scalars).map { abs($0 - $1) }.max() ?? 0
        guard planErr < 1e-4 else { fail("the low-latency float plan disagrees with the model (max error \(planErr))") }
        print("inference checked: int8 network vs float twin on every kernel path, float plan vs model \(String(format: "%.1e", planErr))")
    }
    let sample = seeded([256, 5, 5, 200], seed: 300)
    var configurations: [(label: String, make: () -> any InferenceModel)] = [
        ("float, model forward, im2col", { var m = model; m.setConvolutionAlgorithm(.im2col); return m }),
        ("float, model forward, Winograd conv1", { var m = model; m.setConvolutionAlgorithm(.winograd); return m }),
        ("float, low-latency plan", { InferencePlan(model) }),
        ("float, plan, conv1 split only", { UnsplitPlan(plan: InferencePlan(model), split: 1 << 20) }),
        ("float, plan, no product split (1 thread)", { UnsplitPlan(plan: InferencePlan(model), split: .max) }),
    ]
    for path in [Int8KernelPath.avx512VNNI, .avx2] where path.isSupported {
        configurations.append(("int8, \(path.rawValue) kernels", { quantized.int8Network(path: path) }))
    }
    let batches = [1, 4, 128]
    var results: [[[LatencyStatistics]]] = configurations.map { _ in batches.map { _ in [] } }
    var models = configurations.map { $0.make() }
    for _ in 0..<6 {
        for c in models.indices {
            for (b, batch) in batches.enumerated() {
                let repeats = batch == 1 ? 60 : (batch == 4 ? 30 : 6)
                results[c][b].append(Latency.measure(&models[c], sample: sample, batchSize: batch, threads: threads,
                                                     warmup: 2, repeats: repeats))
            }
        }
    }
    print("cao inference 5×5×200, µs per sample, \(threads) thread(s): median of 6 interleaved rounds' medians [p10…p90 over rounds]")
    /// `text` followed by spaces up to `width` (never cut).
    func column(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(1, width - text.count)) }
    print("  " + column("configuration", 40) + batches.map { column("batch \($0)", 30) }.joined())
    let baseline = results[0].map { rounds in rounds.map(\.medianMicroseconds).sorted()[rounds.count / 2] }
    for (c, configuration) in configurations.enumerated() {
        var line = "  " + column(configuration.label, 40)
        for b in batches.indices {
            let rounds = results[c][b]
            let median = rounds.map(\.medianMicroseconds).sorted()[rounds.count / 2]
            let p10 = rounds.map(\.p10Microseconds).min() ?? .nan, p90 = rounds.map(\.p90Microseconds).max() ?? .nan
            line += column("\(fmt(median)) [\(fmt(p10))…\(fmt(p90))] \(fmt(baseline[b] / median, 2))×", 30)
        }
        print(line)
    }
    print("  (× = speed against the first row in the same run)")
    let helped = InferencePlan.helperBlocks
    print("  the plan's split products: the helper thread computed \(helped.helper) of \(helped.offered) blocks")
} catch {
    fail("inference benchmark failed: \(error)")
}
Workers.count = threads

// Where the plan's batch-1 time goes for cao 5×5×200: each product of the plan timed alone on
// this thread (conv1 as its 9 × 1800 × 300 sgemm, conv2 and dense1 as their sgemv), median of 200
// calls, in µs; the rest of a call (im2col, bias, ReLU, layer glue) is the plan's time minus these.
do {
    let shapes: [(label: String, m: Int, k: Int, f: Int)] = [("conv1", 9, 1800, 300), ("conv2", 1, 2700, 200),
                                                             ("dense1", 1, 200, 200)]
    var parts: [String] = []
    for s in shapes {
        let a = seeded([s.m, s.k], seed: 1).scalars, w = seeded([s.k, s.f], seed: 2).scalars
        var c = [Float](repeating: 0, count: s.m * s.f)
        var times: [Double] = []
        for call in 0..<220 {
            let start = now()
            a.withUnsafeBufferPointer { ap in
                w.withUnsafeBufferPointer { wp in
                    c.withUnsafeMutableBufferPointer { cp in
                        if s.m == 1 {
                            BLAS.sgemv(transpose: true, rows: s.k, columns: s.f, a: wp.baseAddress!, lda: s.f,
                                       x: ap.baseAddress!, beta: 0, y: cp.baseAddress!)
                        } else {
                            BLAS.sgemmOnThisThread(m: s.m, n: s.f, k: s.k, a: ap.baseAddress!, lda: s.k, b: wp.baseAddress!,
                                                   ldb: s.f, c: cp.baseAddress!, ldc: s.f)
                        }
                    }
                }
            }
            if call >= 20 { times.append((now() - start) * 1e6) }
        }
        times.sort()
        parts.append("\(s.label) \(fmt(times[times.count / 2])) µs (\(fmt(2e-3 * Double(s.m * s.k * s.f) / times[times.count / 2])) GFLOP/s)")
    }
    print("cao 5×5×200 batch 1, the plan's products alone on one thread: " + parts.joined(separator: ", "))
}

if inferenceOnly { exit(0) }

// MARK: - Interleaved measurement

/// One measured workload: a step to time, how many floating-point operations a step does, and the
/// BLAS thread count it runs with. All workloads, the sgemm baseline included, are measured in
/// interleaved rounds, so a change in the machine's load (it is shared) hits all of them alike and
/// the ratios stay meaningful; each reports its fastest and median step and its CPU time.
final class Workload {
    let label: String
    let blasThreads: Int
    let step: () throws -> Void
    var times: [Double] = []
    var cpu = 0.0

    init(_ label: String, blasThreads: Int, step: @escaping () throws -> Void) {
        self.label = label
        self.blasThreads = blasThreads
        self.step = step
    }

    func run(steps: Int) throws {
        Workers.count = blasThreads
        let cpu0 = cpuSeconds()
        for _ in 0..<steps {
            let t0 = now()
            try step()
            times.append(now() - t0)
        }
        cpu += cpuSeconds() - cpu0
    }

    var fastest: Double { times.min() ?? .nan }
    var median: Double { times.sorted()[times.count / 2] }
    var cpuPerStep: Double { cpu / Double(times.count) }
}

/// C = A·B (m×k · k×n) through BLAS; returns the step and its FLOPs.
func sgemmStep(m: Int, n: Int, k: Int) -> (step: () -> Void, flops: Double) {
    let a = seeded([m * k], seed: 5).scalars, b = seeded([k * n], seed: 6).scalars
    var c = [Float](repeating: 0, count: m * n)
    return ({
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            guard let ap = pa.baseAddress, let bp = pb.baseAddress, let cp = pc.baseAddress else { return }
            BLAS.sgemm(m: m, n: n, k: k, a: ap, lda: k, b: bp, ldb: n, c: cp, ldc: n)
        }}}
    }, 2 * Double(m * n * k))
}

/// One cao training step (forward, loss, backward, Adam) at batch 128 on seeded data. With `shards` > 1
/// the batch is split across that many model replicas (data parallelism, one BLAS thread each).
func caoStep(bands: Int, shards: Int, algorithm: ConvolutionAlgorithm) throws
    -> (step: () throws -> Void, flops: Double, performedFLOPs: Double) {
    let batch = 128, pool = 8
    var model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, bands], seed: 41)
    model.setConvolutionAlgorithm(algorithm)
    let inputs = (0..<pool).map { seeded([batch, 5, 5, bands], seed: UInt64(100 + $0)) }
    var rng = SeededRandom(seed: 7)
    let labels = (0..<pool).map { _ in (0..<batch).map { _ in rng.index(below: 9) } }
    var adam = Adam()
    var i = 0
    let parallel = shards > 1 ? ParallelStep(model: model, shards: shards, seed: 41) : nil
    let (flops, performed) = (Double(batch * model.trainingFLOPsPerSample), Double(batch * model.performedTrainingFLOPsPerSample(batch: batch / shards)))
    return ({
        if let parallel {
            _ = try parallel.lossAndGradients(&model, inputs[i % pool], labels: labels[i % pool])
        } else {
            _ = try model.lossAndGradients(inputs[i % pool], labels: labels[i % pool], training: true)
        }
        adam.step(&model)
        i += 1
    }, flops, performed)
}

let sgemmBig = sgemmStep(m: 1024, n: 1024, k: 1024)
let sgemmConv1 = sgemmStep(m: 128 * 9, n: 300, k: 1800)
let sgemmWorkload = Workload("sgemm 1024×1024×1024", blasThreads: threads, step: sgemmBig.step)
let conv1Workload = Workload("sgemm of cao conv1's im2col shape 1152×300×1800", blasThreads: threads, step: sgemmConv1.step)

// For each input width: the baseline (every convolution through im2col + one sgemm, HSIFlow before
// Winograd), the default (Winograd for cao's first layer), and the default over data-parallel shards.
struct CaoWorkload {
    let bands: Int, algorithm: ConvolutionAlgorithm, shards: Int
    let workload: Workload
    let flops: Double, performedFLOPs: Double
}
var caoWorkloads: [CaoWorkload] = []
do {
    for bands in [200, 100] {
        var modes: [(String, ConvolutionAlgorithm, Int)] = [
            ("im2col baseline, 1 model, \(threads) BLAS thread(s)", .im2col, 1),
            ("default (Winograd conv1), 1 model, \(threads) BLAS thread(s)", .automatic, 1),
        ]
        if threads > 1 { modes.append(("default, \(threads) data-parallel shards × 1 BLAS thread", .automatic, threads)) }
        for (label, algorithm, shards) in modes {
            let s = try caoStep(bands: bands, shards: shards, algorithm: algorithm)
            caoWorkloads.append(CaoWorkload(bands: bands, algorithm: algorithm, shards: shards,
                                            workload: Workload("cao train 5×5×\(bands), batch 128, \(label)",
                                                               blasThreads: shards > 1 ? 1 : threads, step: s.step),
                                            flops: s.flops, performedFLOPs: s.performedFLOPs))
        }
    }
    let all = [sgemmWorkload, conv1Workload] + caoWorkloads.map(\.workload)
    for w in all { try w.run(steps: 3); w.times = []; w.cpu = 0 }  // warm-up: threads, workspaces, optimizer state
    let rounds = 8, perRound = max(1, steps / rounds)
    for _ in 0..<rounds {
        for w in all { try w.run(steps: w === sgemmWorkload || w === conv1Workload ? 2 : perRound) }
    }
} catch {
    fail("training benchmark failed: \(error)")
}
Workers.count = threads

let sgemm = (fastest: sgemmBig.flops / sgemmWorkload.fastest / 1e9, median: sgemmBig.flops / sgemmWorkload.median / 1e9,
             perCPUSecond: sgemmBig.flops / sgemmWorkload.cpuPerStep / 1e9)
print("sgemm 1024×1024×1024: fastest \(fmt(sgemm.fastest)) GFLOP/s, median \(fmt(sgemm.median)) GFLOP/s, " +
      "\(fmt(sgemm.perCPUSecond)) GFLOP per CPU-second   (cao conv1's im2col shape 1152×300×1800: fastest " +
      "\(fmt(sgemmConv1.flops / conv1Workload.fastest / 1e9)), median \(fmt(sgemmConv1.flops / conv1Workload.median / 1e9)))")
print("cao training, \(caoWorkloads.first?.workload.times.count ?? 0) steps per mode in 8 interleaved rounds. " +
      "Effective GFLOP/s count the direct convolution's FLOPs from the layer shapes (the same work whatever the " +
      "algorithm); performed GFLOP/s count the products really computed.")
for c in caoWorkloads {
    let w = c.workload
    let samples = 128.0
    let (fastest, median, perCPU) = (samples / w.fastest, samples / w.median, samples / w.cpuPerStep)
    let base = caoWorkloads.first { $0.bands == c.bands && $0.algorithm == .im2col && $0.shards == 1 }
    let speedup = base.map { "; \(fmt(w.median == 0 ? 0 : $0.workload.median / w.median, 2))× the im2col baseline (median steps)" } ?? ""
    let perSample = c.flops / samples, performedPerSample = c.performedFLOPs / samples
    print("\(w.label): fastest step \(fmt(fastest, 0)) samples/s, median step \(fmt(median, 0)) samples/s\(speedup)\n" +
          "    effective (\(fmt(perSample / 1e6, 2)) MFLOP/sample): fastest \(fmt(fastest * perSample / 1e9)) GFLOP/s = " +
          "\(fmt(100 * fastest * perSample / 1e9 / sgemm.fastest))% of fastest sgemm, median \(fmt(median * perSample / 1e9)) GFLOP/s = " +
          "\(fmt(100 * median * perSample / 1e9 / sgemm.median))% of median sgemm, per CPU-second " +
          "\(fmt(100 * perCPU * perSample / 1e9 / sgemm.perCPUSecond))% of sgemm's\n" +
          "    performed (\(fmt(performedPerSample / 1e6, 2)) MFLOP/sample): median \(fmt(median * performedPerSample / 1e9)) GFLOP/s = " +
          "\(fmt(100 * median * performedPerSample / 1e9 / sgemm.median))% of median sgemm; \(fmt(perCPU, 0)) samples per CPU-second")
}
Workers.count = threads

// MARK: - Peak memory on the full Indian Pines scene

// The throughput workloads (six models with their workspaces) are freed and the process' peak
// resident size is reset (Linux: "5" into /proc/self/clear_refs), so the figure below is the scene's own.
caoWorkloads.removeAll()
let peakReset = (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil

if let dataDirectory {
    let dir = URL(fileURLWithPath: dataDirectory).appendingPathComponent("indian_pines")
    do {
        let cube = try ArrayFile.loadCube(path: dir.appendingPathComponent("Indian_pines_corrected.npy").path)
        let truth = try ArrayFile.loadLabelMap(path: dir.appendingPathComponent("Indian_pines_gt.npy").path)
        let pixels = truth.labelledPixels
        let extractor = try PatchExtractor(size: 5)
        let x = try extractor.extract(from: cube, pixels: pixels)
        let labels = pixels.map { Int(truth.labels[$0]) - 1 }
        var model = try ModelSpec.cao(classes: truth.maxLabel).build(inputShape: [5, 5, cube.bands], seed: 41)
        let t0 = now()
        let history = try model.fit(inputs: x, labels: labels, options: TrainingOptions(epochs: 1, batchSize: 128, seed: 41))
        // (one model with BLAS' threads; the data-parallel mode's replicas add their workspaces, measured below)
        let trainSeconds = now() - t0
        // Predict every pixel of the scene in batches (the class map).
        let map = try classify(cube: cube, model: model, batchSize: 1024).classMap
        print("full Indian Pines: \(pixels.count) labelled pixels (all 16 classes), 1 epoch in \(fmt(trainSeconds)) s " +
              "(\(fmt(history.samplesPerSecond, 0)) samples/s), class map of \(map.count) pixels; " +
              "peak RSS \(fmt(peakResidentMiB(), 0)) MiB (limit 1024)" +
              (peakReset ? "" : " — including the throughput runs above: /proc/self/clear_refs could not reset the peak"))
    } catch {
        fail("full-scene run failed: \(error)")
    }
} else {
    print("full Indian Pines: skipped (set HSIFLOW_DATA or pass --data DIR)")
}

/// The low-latency plan with another split size (`.max`: no product cut in two, every product on
/// the calling thread, as before the paired helper; 2^20: conv1 cut, conv2 whole): the baselines
/// InferencePlan.splitMultiplyAdds is measured against.
struct UnsplitPlan: InferenceModel {
    var plan: InferencePlan
    var split: Int
    var name: String { plan.name }
    var inputShape: [Int] { plan.inputShape }
    var outputUnits: Int { plan.outputUnits }
    func threads(batchSize: Int) -> Int {
        let saved = InferencePlan.splitMultiplyAdds
        InferencePlan.splitMultiplyAdds = split
        defer { InferencePlan.splitMultiplyAdds = saved }
        return plan.threads(batchSize: batchSize)
    }
    mutating func infer(_ x: Tensor) -> Tensor {
        let saved = InferencePlan.splitMultiplyAdds
        InferencePlan.splitMultiplyAdds = split
        defer { InferencePlan.splitMultiplyAdds = saved }
        return plan.infer(x)
    }
}
