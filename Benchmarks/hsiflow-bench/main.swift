// hsiflow-bench: the machine's sgemm GFLOP/s and cao training throughput measured in the same run,
// so the ratio is meaningful on any machine (per wall second and per CPU-second, which stays fair on
// a shared machine); plus peak resident memory while training on the full
// Indian Pines scene. Kernels are checked against plain-loop references before anything is timed.
// Usage: hsiflow-bench [--threads N] [--steps N] [--data DIR]   (DIR holds indian_pines/, or HSIFLOW_DATA)
import Foundation
import Tensors
import NeuralNet
import SpectralData
import FileFormats

// MARK: - Arguments

var threads = 2
var steps = 40
var dataDirectory = ProcessInfo.processInfo.environment["HSIFLOW_DATA"]
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--threads": threads = Int(arguments.next() ?? "") ?? threads
    case "--steps": steps = Int(arguments.next() ?? "") ?? steps
    case "--data": dataDirectory = arguments.next()
    default:
        FileHandle.standardError.write(Data("usage: hsiflow-bench [--threads N] [--steps N] [--data DIR]\n".utf8))
        exit(2)
    }
}
BLAS.threads = threads

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

print("hsiflow-bench: BLAS threads \(BLAS.threads), \(ProcessInfo.processInfo.activeProcessorCount) cores visible")

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
    guard convErr < 1e-4 else { fail("im2col convolution disagrees with the plain-loop reference (max error \(convErr))") }
    print("kernels checked: sgemm vs plain loops \(String(format: "%.1e", err)), conv vs plain loops \(String(format: "%.1e", convErr))")
}

// MARK: - sgemm baseline

/// Fastest and median time of `repeats` runs of `body` (seconds). On a shared machine the fastest run
/// shows what the hardware does when it is ours; the median shows what a user typically gets.
func timings(repeats: Int, _ body: () throws -> Void) rethrows -> (fastest: Double, median: Double, total: Double) {
    var times: [Double] = []
    for _ in 0..<repeats {
        let t0 = now()
        try body()
        times.append(now() - t0)
    }
    let total = times.reduce(0, +)
    times.sort()
    return (times[0], times[times.count / 2], total)
}

/// GFLOP/s (fastest, median, and per CPU-second) of C = A·B (m×k · k×n).
func sgemmGFLOPs(m: Int, n: Int, k: Int, repeats: Int = 15) -> (fastest: Double, median: Double, perCPUSecond: Double) {
    let a = seeded([m * k], seed: 5).scalars, b = seeded([k * n], seed: 6).scalars
    var c = [Float](repeating: 0, count: m * n)
    let cpu0 = cpuSeconds()
    let t = timings(repeats: repeats) {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            guard let ap = pa.baseAddress, let bp = pb.baseAddress, let cp = pc.baseAddress else { return }
            BLAS.sgemm(m: m, n: n, k: k, a: ap, lda: k, b: bp, ldb: n, c: cp, ldc: n)
        }}}
    }
    let cpu = cpuSeconds() - cpu0
    let flops = 2 * Double(m * n * k)
    return (flops / t.fastest / 1e9, flops / t.median / 1e9, flops * Double(repeats) / cpu / 1e9)
}

_ = sgemmGFLOPs(m: 512, n: 512, k: 512, repeats: 3)  // warm up threads and caches
let sgemm = sgemmGFLOPs(m: 1024, n: 1024, k: 1024)
let sgemmConv1 = sgemmGFLOPs(m: 128 * 9, n: 300, k: 1800)
print("sgemm 1024×1024×1024: fastest \(fmt(sgemm.fastest)) GFLOP/s, median \(fmt(sgemm.median)) GFLOP/s" +
      ", \(fmt(sgemm.perCPUSecond)) GFLOP per CPU-second" +
      "   (cao conv1 shape 1152×300×1800: fastest \(fmt(sgemmConv1.fastest)), median \(fmt(sgemmConv1.median)), " +
      "\(fmt(sgemmConv1.perCPUSecond)) per CPU-second)")

// MARK: - cao training throughput

/// Samples/s (fastest step, median step) of cao training steps (forward, loss, backward, Adam).
/// With `shards` > 1 the batch is split across that many model replicas (data parallelism, one BLAS thread each).
func trainingThroughput(bands: Int, steps: Int, shards: Int) throws -> (fastest: Double, median: Double, overall: Double, perCPUSecond: Double, flopsPerSample: Int) {
    let batch = 128, pool = 8
    var model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, bands], seed: 41)
    let inputs = (0..<pool).map { seeded([batch, 5, 5, bands], seed: UInt64(100 + $0)) }
    var rng = SeededRandom(seed: 7)
    let labels = (0..<pool).map { _ in (0..<batch).map { _ in rng.index(below: 9) } }
    var adam = Adam()
    var i = 0
    let parallel = shards > 1 ? ParallelStep(model: model, shards: shards, seed: 41) : nil
    func step() throws {
        if let parallel {
            _ = try parallel.lossAndGradients(&model, inputs[i % pool], labels: labels[i % pool])
        } else {
            _ = try model.lossAndGradients(inputs[i % pool], labels: labels[i % pool], training: true)
        }
        adam.step(&model)
        i += 1
    }
    for _ in 0..<3 { try step() }  // warm-up: workspaces, optimizer state
    let cpu0 = cpuSeconds()
    let t = try timings(repeats: steps, step)
    let cpu = cpuSeconds() - cpu0
    return (Double(batch) / t.fastest, Double(batch) / t.median, Double(batch * steps) / t.total,
            Double(batch * steps) / cpu, model.trainingFLOPsPerSample)
}

var modes: [(label: String, shards: Int, blasThreads: Int)] = [("1 model, \(threads) BLAS thread(s)", 1, threads)]
if threads > 1 { modes.append(("\(threads) data-parallel shards × 1 BLAS thread", threads, 1)) }
for mode in modes {
    BLAS.threads = mode.blasThreads
    for bands in [200, 100] {
        do {
            let r = try trainingThroughput(bands: bands, steps: steps, shards: mode.shards)
            let flops = Double(r.flopsPerSample)
            let fastG = r.fastest * flops / 1e9, medianG = r.median * flops / 1e9
            print("cao train 5×5×\(bands), batch 128, \(fmt(flops / 1e6, 2)) MFLOP/sample, \(mode.label): " +
                  "fastest step \(fmt(r.fastest, 0)) samples/s = \(fmt(fastG)) GFLOP/s = \(fmt(100 * fastG / sgemm.fastest))% of fastest sgemm; " +
                  "median step \(fmt(r.median, 0)) samples/s = \(fmt(medianG)) GFLOP/s = \(fmt(100 * medianG / sgemm.median))% of median sgemm; " +
                  "all \(steps) steps \(fmt(r.overall, 0)) samples/s; \(fmt(r.perCPUSecond, 0)) samples per CPU-second = " +
                  "\(fmt(r.perCPUSecond * flops / 1e9)) GFLOP per CPU-second = \(fmt(100 * r.perCPUSecond * flops / 1e9 / sgemm.perCPUSecond))% of sgemm's")
        } catch {
            fail("training benchmark failed: \(error)")
        }
    }
}
BLAS.threads = threads

// MARK: - Peak memory on the full Indian Pines scene

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
        let all = Array(0..<cube.pixelCount)
        let probabilities = try model.predict(count: all.count, batchSize: 1024) { range in
            try extractor.extract(from: cube, pixels: Array(all[range]))
        }
        let map = try ClassMap.make(height: cube.height, width: cube.width, pixels: all, classes: probabilities.argmaxRows())
        print("full Indian Pines: \(pixels.count) labelled pixels (all 16 classes), 1 epoch in \(fmt(trainSeconds)) s " +
              "(\(fmt(history.samplesPerSecond, 0)) samples/s), class map of \(map.count) pixels; " +
              "peak RSS \(fmt(peakResidentMiB(), 0)) MiB (limit 1024)")
    } catch {
        fail("full-scene run failed: \(error)")
    }
} else {
    print("full Indian Pines: skipped (set HSIFLOW_DATA or pass --data DIR)")
}
