// bench-compression: the seed's pruning study on real Indian Pines with every figure per level —
// channels, parameters, FLOPs, OA/AA/kappa of the float and the int8 model, the int8 file size
// against the float32 Keras file (both written to a temporary folder and measured), and latency.
// Latency is measured after the sweep, every level's float and int8 model in turn, round after
// round (--rounds), keeping each one's fastest time, so load from other processes spreads over all
// levels instead of skewing some; ratios are against the unpruned model measured in the same rounds.
//
//   swift run -c release bench-compression [--data DIR] [--criterion apoz|l1|random] [--scope global|per-layer]
//                                          [--from 0] [--to 80] [--step 5] [--epochs 10] [--finetune 2]
//                                          [--bits 8] [--threads N] [--latency-threads 1] [--rounds 7]
//                                          [--samples 1024] [--singles 200]
// The data folder (holding Indian_pines_corrected.npy and Indian_pines_gt.npy): --data, else
// $HSIFLOW_DATA/indian_pines, else indian_pines/ under ../shared/datasets or data/ beside the repository.
import BandSelection
import Compression
import FileFormats
import Foundation
import NeuralNet
import SpectralData
import Tensors

struct Options {
    var data = Options.defaultData()
    var criterion = PruningCriterion.apoz
    var scope = PruningScope.global
    var from = 0.0, to = 80.0, step = 5.0
    var epochs = 10, finetune = 2, bits = 8
    var threads: Int?
    var latencyThreads = 1
    var rounds = 7, samples = 1024, singles = 200

    /// $HSIFLOW_DATA/indian_pines, then ../shared/datasets/indian_pines and data/indian_pines beside the repository.
    static func defaultData() -> String {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL
        var folders: [String] = []
        if let data = ProcessInfo.processInfo.environment["HSIFLOW_DATA"], !data.isEmpty { folders.append(data) }
        folders.append(repository.appendingPathComponent("../shared/datasets").standardizedFileURL.path)
        folders.append(repository.appendingPathComponent("data").path)
        let candidates = folders.map { $0 + "/indian_pines" }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/Indian_pines_corrected.npy") } ?? candidates[0]
    }

    init(_ arguments: [String]) {
        var it = arguments.makeIterator()
        func fail(_ message: String) -> Never {
            FileHandle.standardError.write(Data("\(message)\n".utf8))
            exit(2)
        }
        func need<T>(_ value: T?, _ message: String) -> T {
            guard let value else { fail(message) }
            return value
        }
        while let flag = it.next() {
            guard let value = it.next() else { fail("\(flag) needs a value") }
            switch flag {
            case "--data": data = value
            case "--criterion": criterion = need(PruningCriterion(rawValue: value), "criterion: apoz, l1 or random")
            case "--scope": scope = need(PruningScope(rawValue: value), "scope: global or per-layer")
            case "--from": from = need(Double(value), "--from takes a number")
            case "--to": to = need(Double(value), "--to takes a number")
            case "--step": step = need(Double(value), "--step takes a number")
            case "--epochs": epochs = need(Int(value), "--epochs takes an integer")
            case "--finetune": finetune = need(Int(value), "--finetune takes an integer")
            case "--bits": bits = need(Int(value), "--bits takes 8 or 4")
            case "--threads": threads = need(Int(value), "--threads takes an integer")
            case "--latency-threads": latencyThreads = need(Int(value), "--latency-threads takes an integer")
            case "--rounds": rounds = need(Int(value), "--rounds takes an integer")
            case "--samples": samples = need(Int(value), "--samples takes an integer")
            case "--singles": singles = need(Int(value), "--singles takes an integer")
            default: fail("unknown flag \(flag)")
            }
        }
    }
}

func log(_ text: String) { FileHandle.standardError.write(Data("\(text)\n".utf8)) }

/// Patches around every labelled pixel of `labels` and their 0-based classes.
func samples(_ cube: Cube, _ labels: LabelMap) throws -> LabelledSamples {
    let pixels = labels.labelledPixels
    let x = try PatchExtractor(size: 5).extract(from: cube, pixels: pixels)
    return try LabelledSamples(inputs: x, labels: pixels.map { Int(labels.labels[$0]) - 1 })
}

func fileBytes(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0
}

func run() throws {
    let o = Options(Array(CommandLine.arguments.dropFirst()))
    if let t = o.threads { Workers.count = t }
    let clock = ContinuousClock()
    let cube = try ArrayFile.loadCube(path: o.data + "/Indian_pines_corrected.npy")
    let truth = try ArrayFile.loadLabelMap(path: o.data + "/Indian_pines_gt.npy").keeping(classes: IndianPines.studyClasses)
    let split = try Split.stratified(truth, trainFraction: 0.5, seed: 41)
    let reduced = try BandReducer(method: .pca(PCA(components: 100, whiten: true))).fitTransform(cube: cube).reduced
    let data = PruningData(training: try samples(reduced, split.train), evaluation: try samples(reduced, split.test))
    log("data: \(data.training.count) training, \(data.evaluation.count) test patches of 5×5×100; BLAS threads \(Workers.count)")

    var model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 100], seed: 41)
    let trainStart = clock.now
    _ = try model.fit(inputs: data.training.inputs, labels: data.training.labels,
                      options: TrainingOptions(epochs: o.epochs, batchSize: 128, optimizer: .adam(), seed: 41)) { p in
        if p.epochFinished { log(String(format: "train epoch %d/%d loss %.4f acc %.4f", p.epoch, p.epochs, p.loss, p.accuracy)) }
    }
    log("trained in \(clock.now - trainStart)")

    let options = PruningOptions(criterion: o.criterion, scope: o.scope,
                                 fineTuning: FineTuning(epochs: o.finetune, learningRate: 1e-4, batchSize: 128), seed: 41,
                                 latencySamples: 0, latencyRepeats: 1)
    let sweepStart = clock.now
    let results = try ChannelPruner(options: options).sweep(model, levels: .range(from: o.from, to: o.to, step: o.step), data: data) { p in
        if case .finished(let m) = p.phase {
            log(String(format: "level %d/%d (%.0f%%) OA %.4f, %.1f s%@", p.index, p.count, m.level, m.evaluation.overallAccuracy, m.seconds,
                       p.secondsRemaining.map { String(format: ", ETA %.0f s", $0) } ?? ""))
        }
    }
    log("sweep in \(clock.now - sweepStart)")

    // Accuracy, sizes and weight error of every level's int8 model.
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-compression-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var quantizedModels: [QuantizedModel] = []
    var int8Accuracy: [Double] = [], fileRatio: [Double] = [], worstError: [Double] = []
    for r in results {
        let quantized = try QuantizedModel(quantizing: r.pruned.model, bits: o.bits)
        let (q, _) = try quantized.measure(on: data.evaluation, batchSize: 256, singleSamples: 0)
        let level = ParamValueFormat.label(r.metrics.level)
        let floatPath = folder.appendingPathComponent("float-\(level).h5").path
        let intPath = folder.appendingPathComponent("int-\(level).h5").path
        try ModelFile.save(r.pruned.model, to: floatPath)
        try QuantizedModelFile.save(QuantizedModelContents(
            spec: quantized.spec, inputShape: quantized.inputShape, bits: quantized.bits,
            layers: quantized.layers.map { QuantizedLayerContents(layer: $0.layer, kernelShape: $0.kernel.shape, values: $0.kernel.values,
                                                                  scales: $0.kernel.scales, bias: $0.bias.scalars) }), to: intPath)
        quantizedModels.append(quantized)
        int8Accuracy.append(q.overallAccuracy)
        fileRatio.append(Double(fileBytes(intPath)) / Double(fileBytes(floatPath)))
        worstError.append(try quantized.weightErrors(against: r.pruned.model).map(\.maxErrorInScales).max() ?? 0)
    }

    // Latency: interleaved rounds, fastest per model.
    Workers.count = o.latencyThreads
    let subset = data.evaluation.inputs.slicing(rows: 0 ..< min(o.samples, data.evaluation.count))
    let singles = min(o.singles, subset.shape[0])
    var floats = results.map(\.pruned.model)
    var best = [[Double]](repeating: [.infinity, .infinity, .infinity, .infinity], count: results.count)
    func time(_ body: () throws -> Void) rethrows -> Double {
        let start = clock.now
        try body()
        let d = (clock.now - start).components
        return Double(d.seconds) + Double(d.attoseconds) * 1e-18
    }
    for round in 0..<o.rounds {
        for k in results.indices {
            let n = Double(subset.shape[0])
            best[k][0] = min(best[k][0], time { _ = try? floats[k].predict(subset, batchSize: 128) } / n * 1e6)
            best[k][1] = min(best[k][1], time { for i in 0..<singles { _ = floats[k].forward(subset.slicing(rows: i ..< i + 1)) } } / Double(singles) * 1e6)
            best[k][2] = min(best[k][2], try time { _ = try quantizedModels[k].predict(subset, batchSize: 128) } / n * 1e6)
            best[k][3] = min(best[k][3], try time { for i in 0..<singles { _ = try quantizedModels[k].forward(subset.slicing(rows: i ..< i + 1)) } } / Double(singles) * 1e6)
        }
        log("latency round \(round + 1)/\(o.rounds)")
    }

    print("criterion \(o.criterion.rawValue), scope \(o.scope.rawValue), \(o.bits)-bit weights. Latency: µs per sample, fastest of \(o.rounds) interleaved rounds, "
          + "batch 128 over \(subset.shape[0]) test patches and batch 1 over \(singles); BLAS threads \(Workers.count) (training used \(o.threads ?? 0 == 0 ? "the default" : String(o.threads ?? 0)))")
    print("level  ch1  ch2   params  MFLOP    OA     AA   kappa | float b128    b1  ×L0 b128 ×L0 b1 | int\(o.bits) OA  ΔOA(pt)  b128     b1 | file int/float  weights int/float  max err/scale")
    for (k, r) in results.enumerated() {
        let m = r.metrics, e = m.evaluation, b = best[k], base = best[0]
        print(String(format: "%5.0f  %3d  %3d  %7d  %5.2f  %.4f %.4f %.4f | %8.1f %6.1f   %5.2f  %5.2f | %.4f  %+5.2f  %6.1f %6.1f |     %.3f            %.3f            %.3f",
                     m.level, m.channels[0].channels, m.channels.count > 1 ? m.channels[1].channels : 0, m.parameters,
                     Double(m.flops) / 1e6, e.overallAccuracy, e.averageAccuracy, e.kappa,
                     b[0], b[1], b[0] / base[0], b[1] / base[1],
                     int8Accuracy[k], (int8Accuracy[k] - e.overallAccuracy) * 100, b[2], b[3],
                     fileRatio[k], quantizedModels[k].sizeRatio, worstError[k]))
        if !m.keptToAvoidEmptying.isEmpty {
            print("       kept one channel in \(m.keptToAvoidEmptying.joined(separator: ", ")) (\(m.shortfall) channels not removed)")
        }
    }
}

/// File-name label of a level (40 → "40", 12.5 → "12.5").
enum ParamValueFormat {
    static func label(_ level: Double) -> String {
        level == level.rounded() ? String(Int(level)) : String(level)
    }
}

do {
    try run()
} catch {
    log("bench-compression: \(error)")
    exit(1)
}
