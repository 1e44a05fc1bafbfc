// SampleManifests: two hand-written manifests that differ in parameters, metrics, stages and
// artifacts, shared by the manifest, diff and diff-rendering tests.
public import PipelineModel

/// A small manifest with two stages; `variant` changes parameters, metrics and outputs.
public func sampleManifest(variant: Int) -> Manifest {
    let epochs = variant == 0 ? 10 : 20
    let load = Manifest.StageEntry(
        id: "scene", kind: "load", version: 1, key: String(repeating: "a", count: 64), status: .cached, reason: "unchanged",
        params: ["cube": "synthetic", "split": ["train": 0.5]], needs: [], inputs: [], files: [],
        outputs: [.init(name: "cube", path: "objects/11/11", sha256: String(repeating: "1", count: 64), bytes: 4096)],
        metrics: ["classes": 4, "shape": [48, 48, 24]], seconds: 0.25)
    var train = Manifest.StageEntry(
        id: "train[bands=pca]", kind: "train", version: 1, key: String(repeating: variant == 0 ? "b" : "c", count: 64),
        status: .ran, reason: variant == 0 ? "new stage" : "params.epochs 10 → 20",
        params: ["epochs": .int(epochs), "optimizer": ["name": "adam", "lr": 0.001]], needs: ["scene"],
        inputs: [.init(stage: "scene", key: String(repeating: "a", count: 64))], files: [],
        outputs: [.init(name: "model", path: "objects/22/22", sha256: String(repeating: variant == 0 ? "2" : "3", count: 64), bytes: 1000 + variant)],
        metrics: ["oa": .double(variant == 0 ? 0.8125 : 0.875), "per_class": [0.5, variant == 0 ? 0.75 : 0.5, 1.0], "loss": 0.3],
        seconds: 1.5)
    if variant == 1 { train.metrics["kappa"] = 0.8 }
    var stages = [load, train]
    if variant == 0 {
        stages.append(.init(id: "old", kind: "sleep", version: 1, key: String(repeating: "d", count: 64), status: .cached,
                            reason: "unchanged", params: [:], needs: [], inputs: [], files: [], outputs: [], metrics: [:], seconds: 0))
    } else {
        stages.append(.init(id: "new", kind: "sleep", version: 1, key: String(repeating: "e", count: 64), status: .ran,
                            reason: "new stage", params: [:], needs: [], inputs: [], files: [], outputs: [], metrics: [:], seconds: 0))
    }
    return Manifest(runID: "run-\(variant)", startedAt: "2026-11-27T22:00:0\(variant)Z", tool: .init(name: "hsiflow", version: "0.1.0"),
                    host: .init(name: "host", os: "linux", cores: 2),
                    experiment: .init(name: "demo", path: "experiments/demo.yaml", sha256: String(repeating: "f", count: 64),
                                      params: ["seed": .int(41 + variant), "vars": ["data": "d"], "name": "demo", "matrix": [:]]),
                    stages: stages, summary: .init(ran: 1, cached: 2, failed: 0, skipped: 0, seconds: 1.75))
}


/// An execution environment for manifests in tests; `core`, `flags` and `threads` vary what a diff sees.
public func sampleEnvironment(core: String = "Haswell", flags: [String] = ["avx", "avx2", "fma"],
                              threads: Int = 2) -> Manifest.Environment {
    Manifest.Environment(
        hsiflowVersion: "0.1.0", source: .init(commit: String(repeating: "9", count: 40), dirty: false),
        cpu: .init(model: "Test CPU", flags: flags),
        blas: .init(name: "OpenBLAS", config: "OpenBLAS 0.3.21 DYNAMIC_ARCH \(core) MAX_THREADS=64", core: core, coreType: nil),
        threads: threads, jobs: 1)
}

/// Two runs of one experiment with the same keys where `train[bands=pca]` produced a different
/// model (and history) on another BLAS kernel with other threads: "same key, different output".
public func unreproducedManifests() -> (old: Manifest, new: Manifest) {
    var old = sampleManifest(variant: 0)
    old.environment = sampleEnvironment(core: "Haswell", flags: ["avx", "avx2", "fma"], threads: 2)
    var new = old
    new.runID = "run-1"
    new.environment = sampleEnvironment(core: "SkylakeX", flags: ["avx", "avx2", "avx512f", "fma"], threads: 1)
    for i in old.stages.indices { old.stages[i].threads = 2; new.stages[i].threads = 1 }
    if let t = new.stages.firstIndex(where: { $0.id == "train[bands=pca]" }) {
        new.stages[t].outputs[0].sha256 = String(repeating: "4", count: 64)
        new.stages[t].outputs.append(.init(name: "history", path: "objects/55/55", sha256: String(repeating: "5", count: 64), bytes: 80))
        old.stages[t].outputs.append(.init(name: "history", path: "objects/66/66", sha256: String(repeating: "6", count: 64), bytes: 80))
        new.stages[t].metrics["oa"] = 0.8130
    }
    return (old, new)
}

/// Two runs that differ only in timings: stage and run seconds, `samples_per_second`, `seconds`
/// metrics and latencies nested in per-level lists (`levels[0].latency_us`), as prune and quantize write them.
public func timingOnlyManifests() -> (old: Manifest, new: Manifest) {
    func make(_ scale: Double, runID: String) -> Manifest {
        var m = sampleManifest(variant: 0)
        m.runID = runID
        m.summary.seconds = 1.75 * scale
        for i in m.stages.indices { m.stages[i].seconds *= scale }
        if let t = m.stages.firstIndex(where: { $0.id == "train[bands=pca]" }) {
            m.stages[t].metrics["samples_per_second"] = .double((4000 / scale).rounded())
            m.stages[t].metrics["seconds"] = .double(1.25 * scale)
            m.stages[t].metrics["levels"] = .list([
                ["level": 0, "oa": 0.8125, "latency_us": .double(58.5 * scale), "latency_batch1_us": .double(251.5 * scale),
                 "float_latency_us": .double(62.75 * scale)],
            ])
        }
        return m
    }
    return (make(1, runID: "run-0"), make(1.5, runID: "run-1"))
}
