// DeploymentRounds: hsiflow-bench's side of scripts/bench-deploy — HSIFlow's float and int8 cao
// (5×5×B for each B asked, and pruned-shaped caos on one width) timed at batch 1 and 128 through
// Latency.measure, one round per "round" line on stdin, one JSON line per round on stdout, so the
// driver can interleave these rounds with LiteRT's and Keras' (each process waits on its stdin
// while the others time). Pruned-shaped: conv1 and conv2 keep (1 − level) of their 300 and 200
// channels, as the prune stage's levels remove conv channels; FLOPs from ModelCost.
import Foundation
import Tensors
import NeuralNet
import Compression

/// One timed configuration: a label, its FLOPs per sample, the model and the batch size.
struct DeploymentConfiguration {
    let label: String
    let flops: Int
    let batch: Int
    var model: any InferenceModel
    let sample: Tensor
}

/// Builds the configurations, checks the int8 networks (every kernel path the same bits) and the
/// float plan (against the model's own pass), prints a ready line, then serves rounds until EOF.
func serveDeploymentRounds(bands: [Int], levels: [Int], levelBands: Int, threads: Int) throws -> Never {
    var configurations: [DeploymentConfiguration] = []
    func add(_ prefix: String, spec: ModelSpec, bands b: Int) throws {
        let model = try spec.build(inputShape: [5, 5, b], seed: 41)
        let quantized = try QuantizedModel(quantizing: model, bits: 8)
        let sample = seededDeploymentSample([256, 5, 5, b], seed: UInt64(300 + b))
        let x = sample.slicing(rows: 0..<3)
        var first: Tensor?
        for path in Int8KernelPath.allCases where path != .automatic && path.isSupported {
            var network = quantized.int8Network(path: path)
            let y = network.infer(x)
            if let first, first.scalars != y.scalars { fail("\(prefix): int8 network on \(path) differs from the plain C path") }
            first = first ?? y
        }
        var plan = InferencePlan(model), reference = model
        let err = zip(plan.infer(x).scalars, reference.forward(x, training: false).scalars).map { abs($0 - $1) }.max() ?? 0
        guard err < 1e-4 else { fail("\(prefix): the float plan disagrees with the model (max error \(err))") }
        let flops = ModelCost(of: model).flops
        for batch in [1, 128] {
            configurations.append(DeploymentConfiguration(label: "\(prefix) float b\(batch)", flops: flops, batch: batch,
                                                          model: InferencePlan(model), sample: sample))
            configurations.append(DeploymentConfiguration(label: "\(prefix) int8 b\(batch)", flops: flops, batch: batch,
                                                          model: quantized.int8Network(), sample: sample))
        }
    }
    for b in bands { try add("cao 5x5x\(b)", spec: .cao(classes: 9), bands: b) }
    for level in levels {
        let keep = 1 - Double(level) / 100
        let spec = ModelSpec(name: "cao-\(level)", layers: [
            .conv2D(filters: max(1, Int((300 * keep).rounded())), kernel: [3, 3], padding: .valid, activation: .relu, name: "conv1"),
            .conv2D(filters: max(1, Int((200 * keep).rounded())), kernel: [3, 3], padding: .valid, activation: .relu, name: "conv2"),
            .flatten(name: "flatten"),
            .dense(units: 200, activation: .linear, name: "dense1"),
            .dense(units: 100, activation: .linear, name: "dense2"),
            .dense(units: 9, activation: .softmax, name: "predictions"),
        ])
        try add("level \(level) 5x5x\(levelBands)", spec: spec, bands: levelBands)
    }
    let ready: [String: Any] = [
        "ready": true, "threads": threads, "int8_path": Int8KernelPath.preferred.rawValue,
        "flops": Dictionary(configurations.map { ($0.label, $0.flops) }) { a, _ in a },
    ]
    emitJSON(ready)
    while let line = readLine() {
        guard line.trimmingCharacters(in: .whitespaces) == "round" else { break }
        var round: [String: [Double]] = [:]
        for i in configurations.indices {
            let c = configurations[i]
            // Batch 1: up to 200 calls; batch 128: up to 12; each stops at its budget once it has its minimum
            // (the same numbers as scripts/bench-deploy's LiteRT and Keras workers).
            let stats = c.batch == 1
                ? Latency.measure(&configurations[i].model, sample: c.sample, batchSize: 1, threads: threads, warmup: 5,
                                  repeats: 200, budget: .milliseconds(40), minimumRepeats: 30)
                : Latency.measure(&configurations[i].model, sample: c.sample, batchSize: c.batch, threads: threads, warmup: 2,
                                  repeats: 12, budget: .milliseconds(100), minimumRepeats: 6)
            round[c.label] = [stats.medianMicroseconds, stats.p10Microseconds, stats.p90Microseconds]
        }
        emitJSON(["round": round])
    }
    exit(0)
}

func seededDeploymentSample(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return Tensor(shape: shape, scalars: (0..<Tensor.count(of: shape)).map { _ in rng.uniform(-1, 1) })
}

/// One JSON object on one line of stdout, flushed (the driver reads line by line).
func emitJSON(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
        fail("could not encode a JSON line")
    }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}
