// InputWiringTests: stage inputs wired to ancestors, nearest first, with the real stage kinds —
// validation of unsatisfied and ambiguous inputs as snapshots (Snapshots/wiring-*.txt;
// RECORD_SNAPSHOTS=1 re-records), DESIGN.md's example (`needs: train`, `needs: prune`) end to end
// on a synthetic scene, `needs:` naming one matrix instance, and a property test on random DAGs
// against a brute-force reference of the rule.
import ExperimentStages
import Foundation
import PipelineEngine
import PipelineModel
import PropertyBased
import Tensors
import Testing
import TestSupport

private let loader = ExperimentLoader(registry: StandardStages.registry, baseDirectory: URL(fileURLWithPath: "/nonexistent-base"))

/// The problems `yaml` has, as `hsiflow validate` prints them (empty when it validates).
private func problems(_ yaml: String) -> String {
    do {
        _ = try loader.load(text: yaml, path: "exp.yaml")
        return ""
    } catch {
        return error.description
    }
}

@Suite struct WiringValidationTests {
    static let cases: [(name: String, yaml: String)] = [
        ("unsatisfied", """
        name: u
        stages:
          scene: {kind: load, cube: synthetic}
          train:
            kind: train
          prune:
            kind: prune
            needs: scene
            levels: [0, 50]
          explain:
            kind: visualize
            needs: [scene]
        """),
        ("ambiguous", """
        name: a
        stages:
          left: {kind: load, cube: synthetic}
          right: {kind: load, cube: synthetic}
          train:
            kind: train
            needs: [left, right]
          prune:
            kind: prune
            needs: train
            levels: [0, 50]
          quantize:
            kind: quantize
            needs: [prune, train]
        """),
    ]

    @Test(arguments: cases.map(\.name))
    func problemsAreReportedBeforeAnythingRuns(name: String) throws {
        let c = try #require(Self.cases.first { $0.name == name })
        let text = problems(c.yaml)
        #expect(!text.isEmpty)
        if let mismatch = snapshotMismatch("# \(c.name)\n\(c.yaml)\n# error:\n\(text)", named: "wiring-\(c.name).txt") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    @Test func theNearestAncestorWinsSoDesignsNeedsTrainValidates() throws {
        let spec = try loader.load(text: DesignExampleTests.yaml, path: "exp.yaml")
        let prune = try #require(spec.stage(StageID(name: "prune", matrix: [.init(variable: "bands", value: "pca")])))
        #expect(prune.needs.map(\.description) == ["train[bands=pca]"])
        #expect(prune.inputs["model"]?.description == "train[bands=pca]")
        #expect(prune.inputs["cube"]?.description == "reduce[bands=pca]")
        #expect(prune.inputs["split"]?.description == "reduce[bands=pca]")
        #expect(prune.inputStages.map(\.description) == ["train[bands=pca]", "reduce[bands=pca]"])
        let quantize = try #require(spec.stage(StageID(name: "quantize", matrix: [.init(variable: "bands", value: "none")])))
        #expect(quantize.inputs["models"]?.description == "prune[bands=none]")
        #expect(quantize.inputs["cube"]?.description == "reduce[bands=none]")
    }

    @Test func needsMayNameOneMatrixInstance() throws {
        let spec = try loader.load(text: """
        name: i
        matrix:
          bands: [none, pca]
        stages:
          scene: {kind: load, cube: synthetic}
          reduce: {kind: band-select, needs: scene, method: "${bands}"}
          train: {kind: train, needs: reduce}
          best: {kind: quantize, needs: "train[bands=pca]"}
        """, path: "exp.yaml")
        #expect(spec.stages.filter { $0.id.name == "best" }.map(\.id.description) == ["best"])
        let best = try #require(spec.stage(StageID(name: "best")))
        #expect(best.needs.map(\.description) == ["train[bands=pca]"])
        #expect(best.inputs["cube"]?.description == "reduce[bands=pca]")
        let bad = problems("""
        name: i
        matrix:
          bands: [none, pca]
        stages:
          scene: {kind: load, cube: synthetic}
          reduce: {kind: band-select, needs: scene, method: "${bands}"}
          train: {kind: train, needs: reduce}
          best: {kind: quantize, needs: "train[bands=pcb]"}
          other: {kind: quantize, needs: "train[lr=1]"}
        """)
        #expect(bad.contains("exp.yaml:8:33: stage best needs train[bands=pcb], but 'pcb' is not a value of matrix variable 'bands' (did you mean 'pca'?)"), "\(bad)")
        #expect(bad.contains("exp.yaml:9:34: stage other needs train[lr=1], but train is not expanded over 'lr'"), "\(bad)")
    }
}

@Suite struct DesignExampleTests {
    /// DESIGN.md's example as written there (needs: scene, reduce, train, prune, prune), on a
    /// small synthetic scene and short settings instead of the Indian Pines files.
    static let yaml = """
    name: design
    seed: 41
    matrix:
      bands: [none, pca]
    stages:
      scene:
        kind: load
        cube: synthetic
        synthetic: {height: 12, width: 12, bands: 8, classes: 3, regions: 2}
        split: {method: stratified, train: 0.5, seed: 41}
      reduce:
        kind: band-select
        needs: scene
        method: ${bands}
        components: 4
        normalize: standard
      train:
        kind: train
        needs: reduce
        model: [{kind: conv2d, filters: 6, kernel: 3, activation: relu, name: conv1}, {kind: conv2d, filters: 4, kernel: 3, activation: relu, name: conv2}, {kind: flatten}]
        patch: 5
        epochs: 1
        batch: 32
        optimizer: {name: adam, lr: 0.001}
      prune:
        kind: prune
        needs: train
        criterion: apoz
        levels: {from: 0, to: 50, step: 50}
        finetune: {epochs: 1, lr: 0.0001}
      quantize:
        kind: quantize
        needs: prune
        bits: 8
      explain:
        kind: visualize
        needs: prune
        levels: [0, 50]
        methods: [gradient, activation-map]
        bands: {from: 0, to: 3, step: 1}
        samples: 1
    report:
      title: DESIGN.md's example on a synthetic scene
    """

    @Test func runsEndToEndAndThenReusesEverything() throws {
        try BLASConfiguration.exclusively {
            let h = EngineHarness(registry: StandardStages.registry)
            let first = try h.run(Self.yaml)
            #expect(first.result.ids(.failed).isEmpty, "\(first.result.outcomes.compactMap(\.error))")
            #expect(first.result.ids(.ran).count == 11)
            // prune read its cube from reduce, two steps up, so reduce's outputs are part of its key.
            let prune = try #require(first.manifest.stages.first { $0.id == "prune[bands=pca]" })
            #expect(prune.needs == ["train[bands=pca]"])
            #expect(prune.inputs.map(\.stage) == ["train[bands=pca]", "reduce[bands=pca]"])
            let quantize = try #require(first.result.outcomes.first { $0.id.description == "quantize[bands=pca]" }?.record)
            #expect(Set(quantize.outputs.keys) == ["quantized-0", "quantized-50"])
            let explain = try #require(first.result.outcomes.first { $0.id.description == "explain[bands=none]" }?.record)
            #expect(explain.metrics["levels"] == [0.0, 50.0])

            let again = try h.run(Self.yaml)
            #expect(again.result.ids(.cached).count == 11 && again.result.ids(.ran).isEmpty)
        }
    }
}

// MARK: - Random DAGs

/// A random experiment over the real kinds: `count` stages, each needing a few earlier ones.
private struct RandomExperiment {
    static let kinds = ["load", "band-select", "train", "model", "prune", "quantize", "visualize"]
    var stages: [(name: String, kind: String, needs: [Int])] = []

    init(seed: Int, count: Int) {
        var random = SeededRandom(seed: UInt64(seed))
        for i in 0..<count {
            // The first stage is a scene more often than not, so that accepted experiments are common.
            let kind = i == 0 && random.index(below: 4) > 0 ? "load" : Self.kinds[random.index(below: Self.kinds.count)]
            var needs: [Int] = []
            if i > 0 {
                for j in 0..<i where random.index(below: 3) == 0 { needs.append(j) }
                if needs.isEmpty && random.index(below: 5) > 0 { needs = [random.index(below: i)] }
            }
            stages.append(("s\(i)", kind, needs))
        }
    }

    var yaml: String {
        var lines = ["name: random", "seed: 3", "stages:"]
        for s in stages {
            var fields = ["kind: \(s.kind)"]
            if !s.needs.isEmpty { fields.append("needs: [\(s.needs.map { "s\($0)" }.joined(separator: ", "))]") }
            switch s.kind {
            case "load": fields.append("cube: synthetic, synthetic: {height: 10, width: 10, bands: 8, classes: 3, regions: 1}")
            case "band-select": fields.append("method: pca, components: 8")
            case "train": fields.append("epochs: 1, batch: 64, model: [{kind: conv2d, filters: 4, kernel: 3, activation: relu}, {kind: flatten}]")
            case "model": fields.append("path: \(kerasFixture)")
            case "prune": fields.append("levels: [0, 50], finetune: {epochs: 0}")
            case "visualize": fields.append("methods: [gradient], samples: 1, bands: {from: 0, to: 7, step: 7}, classmap: false")
            default: break
            }
            lines.append("  \(s.name): {\(fields.joined(separator: ", "))}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Brute force: every path from each stage up its needs, enumerated in full; an input is
    /// provided when the shortest path to a providing ancestor is unique in its ancestor.
    var acceptedByReference: Bool {
        let registry = StandardStages.registry
        func paths(from i: Int, length: Int, into distances: inout [Int: Int]) {
            for n in stages[i].needs {
                distances[n] = min(distances[n] ?? .max, length + 1)
                paths(from: n, length: length + 1, into: &distances)
            }
        }
        for (i, s) in stages.enumerated() {
            guard let kind = registry[s.kind] else { return false }
            var distances: [Int: Int] = [:]
            paths(from: i, length: 0, into: &distances)
            for port in kind.inputs {
                let providers = distances.filter { a, _ in
                    (registry[stages[a].kind]?.outputs ?? []).contains { port.accepts.contains($0.type) }
                }
                guard let nearest = providers.values.min() else {
                    if port.required { return false }
                    continue
                }
                if providers.filter({ $0.value == nearest }).count > 1 { return false }
            }
        }
        return true
    }
}

private let kerasFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("FileFormatsTests/Fixtures/keras3_cao.h5").path

@Suite struct RandomWiringPropertyTests {
    @Test func validateAcceptsExactlyTheWiredExperiments() async {
        var accepted = 0, rejected = 0
        await propertyCheck(count: 300, input: Gen.int(in: 0...1_000_000), Gen.int(in: 1...7)) { seed, count in
            let experiment = RandomExperiment(seed: seed, count: count)
            let text = problems(experiment.yaml)
            let expected = experiment.acceptedByReference
            #expect(text.isEmpty == expected, "seed \(seed), \(count) stages:\n\(experiment.yaml)\n\(text)")
            if text.isEmpty { accepted += 1 } else { rejected += 1 }
            // Every problem is a wiring problem: the generated stages are otherwise valid.
            if !text.isEmpty {
                let lines = text.split(separator: "\n").dropFirst()
                #expect(lines.allSatisfy { $0.contains("no ancestor provides") || $0.contains("both") }, "\(text)")
            }
        }
        #expect(accepted > 20 && rejected > 20, "accepted \(accepted), rejected \(rejected)")
    }

    @Test func everyAcceptedExperimentRunsWithoutAnInputError() async throws {
        var ran = 0
        await propertyCheck(count: 60, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...5)) { seed, count in
            guard ran < 6 else { return }
            let experiment = RandomExperiment(seed: seed, count: count)
            guard experiment.acceptedByReference else { return }
            ran += 1
            BLASConfiguration.exclusively {
                do {
                    let run = try EngineHarness(registry: StandardStages.registry).run(experiment.yaml, keepGoing: true)
                    // Ran, or cached when an identical stage earlier in the run already made its outputs.
                    let failures = run.result.outcomes.filter { $0.status == .failed || $0.status == .skipped }.map { "\($0.id): \($0.status) \($0.error ?? $0.reason.description)" }
                    #expect(failures.isEmpty, "seed \(seed):\n\(experiment.yaml)\n\(failures.joined(separator: "\n"))")
                } catch {
                    Issue.record("seed \(seed):\n\(experiment.yaml)\n\(error)")
                }
            }
        }
        #expect(ran > 0)
    }
}
