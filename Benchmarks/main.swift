// hsiflow-bench: the machine's sgemm GFLOP/s and cao training throughput measured in the same run,
// so the ratio is meaningful on any machine; plus peak resident memory while training on the full
// Indian Pines scene. Kernels are checked against plain-loop references before anything is timed.
// Usage: hsiflow-bench [--threads N] [--steps N] [--data DIR]   (DIR holds indian_pines/, or HSIFLOW_DATA)
import Foundation
import Tensors
import NeuralNet
import SpectralData
import FileFormats

// MARK: - Arguments

var threads = 2
var steps = 30
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

/// Best-of-`repeats` GFLOP/s of C = A·B (m×k · k×n).
func sgemmGFLOPs(m: Int, n: Int, k: Int, transposeA: Bool = false, repeats: Int = 7) -> Double {
    let a = seeded([m * k], seed: 5).scalars, b = seeded([k * n], seed: 6).scalars
    var c = [Float](repeating: 0, count: m * n)
    var best = Double.infinity
    for _ in 0..<repeats {
        let t0 = now()
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            BLAS.sgemm(transposeA: transposeA, m: m, n: n, k: k, a: pa.baseAddress!, lda: transposeA ? m : k,
                       b: pb.baseAddress!, ldb: n, c: pc.baseAddress!, ldc: n)
        }}}
        best = min(best, now() - t0)
    }
    return 2 * Double(m * n * k) / best / 1e9
}

_ = sgemmGFLOPs(m: 512, n: 512, k: 512, repeats: 3)  // warm up threads and caches
let sgemmSquare = sgemmGFLOPs(m: 1024, n: 1024, k: 1024)
let sgemmConv1 = sgemmGFLOPs(m: 128 * 9, n: 300, k: 1800)
print("sgemm 1024×1024×1024: \(fmt(sgemmSquare)) GFLOP/s   (cao conv1 shape 1152×300×1800: \(fmt(sgemmConv1)) GFLOP/s)")
print("baseline = sgemm 1024³ = \(fmt(sgemmSquare)) GFLOP/s")

// MARK: - cao training throughput

func trainingThroughput(bands: Int, steps: Int) throws -> (samplesPerSecond: Double, gflops: Double, flopsPerSample: Int) {
    let batch = 128, pool = 8
    var model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, bands], seed: 41)
    let inputs = (0..<pool).map { seeded([batch, 5, 5, bands], seed: UInt64(100 + $0)) }
    var rng = SeededRandom(seed: 7)
    let labels = (0..<pool).map { _ in (0..<batch).map { _ in rng.index(below: 9) } }
    var adam = Adam()
    func step(_ i: Int) throws {
        _ = try model.lossAndGradients(inputs[i % pool], labels: labels[i % pool], training: true)
        adam.step(&model)
    }
    for i in 0..<3 { try step(i) }  // warm-up: workspaces, optimizer state
    // Best of three timed runs of `steps` steps each, so a neighbour's burst on a shared machine counts less.
    var best = Double.infinity
    for _ in 0..<3 {
        let t0 = now()
        for i in 0..<steps { try step(i) }
        best = min(best, now() - t0)
    }
    let rate = Double(batch * steps) / best
    let flops = model.trainingFLOPsPerSample
    return (rate, rate * Double(flops) / 1e9, flops)
}

for bands in [200, 100] {
    do {
        let r = try trainingThroughput(bands: bands, steps: steps)
        print("cao train 5×5×\(bands), batch 128: \(fmt(r.samplesPerSecond, 0)) samples/s, " +
              "\(fmt(Double(r.flopsPerSample) / 1e6, 2)) MFLOP/sample → \(fmt(r.gflops)) GFLOP/s = " +
              "\(fmt(100 * r.gflops / sgemmSquare))% of sgemm")
    } catch {
        fail("training benchmark failed: \(error)")
    }
}

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
