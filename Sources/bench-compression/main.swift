// bench-compression: the seed's pruning study on real Indian Pines with every figure per level —
// channels, parameters, FLOPs, OA/AA/kappa, float and int8 latency (batch 128 and batch 1, fastest
// of --repeats), latency relative to the unpruned model measured in the same run, and the int8
// file size against the float32 Keras file (both written to a temporary folder and measured).
//
//   swift run -c release bench-compression [--data DIR] [--criterion apoz|l1|random] [--scope global|per-layer]
//                                          [--from 0] [--to 80] [--step 5] [--epochs 10] [--finetune 2]
//                                          [--bits 8] [--threads N] [--repeats 5] [--singles 300]
import BandSelection
import Compression
import FileFormats
import Foundation
import NeuralNet
import SpectralData
import Tensors

struct Options {
    var data = (ProcessInfo.processInfo.environment["HSIFLOW_DATA"] ?? "/work/shared/datasets") + "/indian_pines"
    var criterion = PruningCriterion.apoz
    var scope = PruningScope.global
    var from = 0.0, to = 80.0, step = 5.0
    var epochs = 10, finetune = 2, bits = 8
    var threads: Int?
    var repeats = 5, singles = 300

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
            case "--repeats": repeats = need(Int(value), "--repeats takes an integer")
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
    if let t = o.threads { BLAS.threads = t }
    let clock = ContinuousClock()
    let cube = try ArrayFile.loadCube(path: o.data + "/Indian_pines_corrected.npy")
    let truth = try ArrayFile.loadLabelMap(path: o.data + "/Indian_pines_gt.npy").keeping(classes: IndianPines.studyClasses)
    let split = try Split.stratified(truth, trainFraction: 0.5, seed: 41)
    let reduced = try BandReducer(method: .pca(PCA(components: 100, whiten: true))).fitTransform(cube: cube).reduced
    let data = PruningData(training: try samples(reduced, split.train), evaluation: try samples(reduced, split.test))
    log("data: \(data.training.count) training, \(data.evaluation.count) test patches of 5×5×100; BLAS threads \(BLAS.threads)")

    var model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 100], seed: 41)
    let trainStart = clock.now
    _ = try model.fit(inputs: data.training.inputs, labels: data.training.labels,
                      options: TrainingOptions(epochs: o.epochs, batchSize: 128, optimizer: .adam(), seed: 41)) { p in
        if p.epochFinished { log(String(format: "train epoch %d/%d loss %.4f acc %.4f", p.epoch, p.epochs, p.loss, p.accuracy)) }
    }
    log("trained in \(clock.now - trainStart)")

    let options = PruningOptions(criterion: o.criterion, scope: o.scope,
                                 fineTuning: FineTuning(epochs: o.finetune, learningRate: 1e-4, batchSize: 128), seed: 41,
                                 latencySamples: o.singles, latencyRepeats: o.repeats)
    let sweepStart = clock.now
    let results = try ChannelPruner(options: options).sweep(model, levels: .range(from: o.from, to: o.to, step: o.step), data: data) { p in
        if case .finished(let m) = p.phase {
            log(String(format: "level %d/%d (%.0f%%) OA %.4f, %.1f s%@", p.index, p.count, m.level, m.evaluation.overallAccuracy, m.seconds,
                       p.secondsRemaining.map { String(format: ", ETA %.0f s", $0) } ?? ""))
        }
    }
    log("sweep in \(clock.now - sweepStart)")

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-compression-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    print("criterion \(o.criterion.rawValue), scope \(o.scope.rawValue), \(o.bits)-bit weights; latency = fastest of \(o.repeats), "
          + "batch 128 over the \(data.evaluation.count) test patches and batch 1 over \(o.singles); BLAS threads \(BLAS.threads)")
    print("level  ch1  ch2   params  MFLOP    OA     AA   kappa | float µs/s b128  b1   ×L0 b128  ×L0 b1 | int\(o.bits) OA   ΔOA(pt) µs/s b128  b1 | file int/float  weights int/float  max err/scale")
    var base: ModelEvaluation?
    for r in results {
        let m = r.metrics, e = m.evaluation
        if base == nil { base = e }
        let quantized = try QuantizedModel(quantizing: r.pruned.model, bits: o.bits)
        let (q, _) = try quantized.measure(on: data.evaluation, batchSize: 128, singleSamples: o.singles, repeats: o.repeats)
        let floatPath = folder.appendingPathComponent("float-\(Int(m.level)).h5").path
        let intPath = folder.appendingPathComponent("int-\(Int(m.level)).h5").path
        try ModelFile.save(r.pruned.model, to: floatPath)
        try QuantizedModelFile.save(QuantizedModelContents(
            spec: quantized.spec, inputShape: quantized.inputShape, bits: quantized.bits,
            layers: quantized.layers.map { QuantizedLayerContents(layer: $0.layer, kernelShape: $0.kernel.shape, values: $0.kernel.values,
                                                                  scales: $0.kernel.scales, bias: $0.bias.scalars) }), to: intPath)
        let worst = try quantized.weightErrors(against: r.pruned.model).map(\.maxErrorInScales).max() ?? 0
        let b = base ?? e
        print(String(format: "%5.0f  %3d  %3d  %7d  %5.2f  %.4f %.4f %.4f | %8.1f %8.1f   %5.2f   %5.2f | %.4f  %+6.2f  %8.1f %8.1f |     %.3f            %.3f            %.3f",
                     m.level, m.channels[0].channels, m.channels.count > 1 ? m.channels[1].channels : 0, m.parameters,
                     Double(m.flops) / 1e6, e.overallAccuracy, e.averageAccuracy, e.kappa,
                     e.microsecondsPerSample, e.microsecondsPerSampleBatch1,
                     e.microsecondsPerSample / b.microsecondsPerSample, e.microsecondsPerSampleBatch1 / b.microsecondsPerSampleBatch1,
                     q.overallAccuracy, (q.overallAccuracy - e.overallAccuracy) * 100, q.microsecondsPerSample, q.microsecondsPerSampleBatch1,
                     Double(fileBytes(intPath)) / Double(fileBytes(floatPath)), quantized.sizeRatio, worst))
        if !m.keptToAvoidEmptying.isEmpty {
            print("       kept one channel in \(m.keptToAvoidEmptying.joined(separator: ", ")) (\(m.shortfall) channels not removed)")
        }
    }
}

do {
    try run()
} catch {
    log("bench-compression: \(error)")
    exit(1)
}
