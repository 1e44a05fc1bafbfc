// StudyManifests: small study manifests in code — train, prune levels, int8 models and saliency
// similarity for two band methods — whose accuracies move by a given shift, so comparison tests
// know the mean and standard deviation across runs exactly.
public import PipelineModel

/// A study run with seed `seed`; every accuracy and similarity is its base value plus `shift`.
/// `epochs` changes train's parameters (a run that differs in more than the seed).
public func studyManifest(seed: Int, shift: Double, epochs: Int = 10, runID: String? = nil) -> Manifest {
    func stage(_ id: String, _ kind: String, params: [String: ParamValue] = [:], needs: [String] = [],
               metrics: [String: ParamValue]) -> Manifest.StageEntry {
        .init(id: id, kind: kind, version: 1, key: String(repeating: "a", count: 64), status: .ran, reason: "new stage",
              params: params, needs: needs, inputs: [], files: [], outputs: [], metrics: metrics, seconds: 1)
    }
    var stages = [stage("scene", "load", params: ["split": ["seed": .int(seed), "train": 0.5]], metrics: ["classes": 9])]
    for (b, bands) in ["pca", "nmf"].enumerated() {
        let base = 0.95 - 0.05 * Double(b)
        stages.append(stage("train[bands=\(bands)]", "train", params: ["epochs": .int(epochs)], needs: ["scene"],
                            metrics: ["oa": .double(base + shift), "kappa": .double(base - 0.02 + shift), "aa": .double(base - 0.01 + shift),
                                      "samples_per_second": .double(1000 + Double(seed))]))
        let levels: [ParamValue] = [0, 20, 40].map { level in
            ["level": .int(level), "oa": .double(base - 0.002 * Double(level) + shift),
             "kappa": .double(base - 0.02 - 0.002 * Double(level) + shift), "latency_us": .double(30 + Double(seed))]
        }
        stages.append(stage("prune[bands=\(bands)]", "prune", params: ["criterion": "apoz"], needs: ["train[bands=\(bands)]"],
                            metrics: ["levels": .list(levels)]))
        let models: [ParamValue] = [0, 20, 40].map { level in
            ["level": .int(level), "bits": 8, "oa": .double(base - 0.003 * Double(level) + shift),
             "kappa": .double(base - 0.02 - 0.003 * Double(level) + shift)]
        }
        stages.append(stage("quantize[bands=\(bands)]", "quantize", params: ["bits": 8], needs: ["prune[bands=\(bands)]"],
                            metrics: ["models": .list(models)]))
    }
    var similarity: [String: ParamValue] = [:]
    for (m, method) in ["gradient", "smoothgrad"].enumerated() {
        var byLevel: [String: ParamValue] = [:]
        for level in [0, 20, 40] {
            let drop = level == 0 ? 0 : 0.004 * Double(level) * Double(m + 1) - shift
            byLevel["L\(level)"] = ["cosine": .double(1 - drop), "spearman": .double(1 - 2 * drop)]
        }
        similarity[method] = .object(byLevel)
    }
    stages.append(stage("explain[bands=pca]", "visualize", params: ["levels": [0, 20, 40]], needs: ["prune[bands=pca]"],
                        metrics: ["similarity_to_L0": .object(similarity)]))
    return Manifest(runID: runID ?? "run-seed-\(seed)", startedAt: "2026-11-30T20:00:00Z", tool: .init(name: "hsiflow", version: "0.1.0"),
                    host: .init(name: "host", os: "linux", cores: 2),
                    experiment: .init(name: "study", path: "experiments/study.yaml", sha256: String(repeating: "f", count: 64),
                                      params: ["seed": .int(seed), "name": "study", "matrix": ["bands": ["pca", "nmf"]]]),
                    stages: stages, summary: .init(ran: stages.count, cached: 0, failed: 0, skipped: 0, seconds: 10))
}
