// StageKeyStabilityTests: the parameter part of every stage key stays what it was before stage
// parameters became typed declarations — same defaults filled the same way, so caches made by
// earlier builds stay valid.
import Foundation
import PipelineEngine
import PipelineModel
import Testing
@testable import ExperimentStages

@Suite struct StageKeyStabilityTests {
    /// Every kind, most parameters left to their defaults, some set (nested mappings partly given).
    static let experiment = """
    name: keys
    seed: 41
    matrix:
      bands: [none, pca]
    stages:
      scene:
        kind: load
        cube: synthetic
        synthetic: {height: 24, width: 20, bands: 12}
        split: {train: 0.3}
      plain:
        kind: load
        cube: synthetic
      reduce:
        kind: band-select
        needs: scene
        method: ${bands}
        components: 8
      nmf:
        kind: band-select
        needs: scene
        method: nmf
        components: 6
        whiten: true
        iterations: 60
      train:
        kind: train
        needs: reduce
        epochs: 3
        optimizer: {lr: 0.01}
      custom:
        kind: train
        needs: nmf
        model:
          - {kind: conv2d, filters: 8, kernel: 3, activation: relu}
          - {kind: flatten}
          - {kind: dense, units: 16}
        optimizer: {name: sgd, momentum: 0.9}
      prune:
        kind: prune
        needs: [train, reduce]
        levels: {to: 60, step: 20}
        finetune: {epochs: 1}
      prune-list:
        kind: prune
        needs: [custom, nmf]
        criterion: l1
        scope: per-layer
        levels: [0, 12.5, 50]
        score-on: test
        seed: 7
      quantize:
        kind: quantize
        needs: [prune, reduce]
      quantize4:
        kind: quantize
        needs: [prune-list, nmf]
        bits: 4
      explain:
        kind: visualize
        needs: [prune, reduce]
        levels: [0, 40]
        bands: {to: 7}
      explain-all:
        kind: visualize
        needs: [custom, nmf]
        methods: [gradient, smoothgrad-ig, activation-maximization]
        smoothgrad: {noise: 0.3}
        classes: [1, 2]
        explain: predicted
        score: probabilities
        baseline: band-means
        classmap: false
      wait:
        kind: sleep
        value: {a: [1, 2.5, "x"]}
      wait-default:
        kind: sleep
    """

    /// Stage id → key from kind, version, seed and parameters (no inputs). Every stage but the
    /// visualize ones has main's key: this same experiment run by main's build (8700beb) into a
    /// cache is planned by this build as all reused. The visualize keys are version 4's (one
    /// colormap instead of gray+jet copies: a deliberate change of outputs).
    static let recorded: [String: String] = [
        "custom": "a0380223a11190285596a85b97f813bf9f9e2aa46b869a53d6c84f60dee466ef",
        "explain-all": "23ae452c4fe393d9a5bb19f1421e6d74117a5142bd7dbc4b1a0e69e1570b5396",
        "explain[bands=none]": "549cd548600e149826f5aebe77b0bd0c61855a47d26f960b951a33e96433889e",
        "explain[bands=pca]": "549cd548600e149826f5aebe77b0bd0c61855a47d26f960b951a33e96433889e",
        "nmf": "694ab55841a5ab2b2ea3a7dd6d5ff929be25bde7ecf2859e71ed87c4217d1409",
        "plain": "53cb6bdaeb128a1cc2706e2b3241b19a9b8ecb0f5537afc61c3edc78ac41dd5b",
        "prune-list": "5d7b98da437b00531020e80b2c4bb90388eafda85dc8fea5b77823bb1d93f200",
        "prune[bands=none]": "7385b8662964104671f8db7e416d8d772cef1123fa73e9814af270340c3bceb4",
        "prune[bands=pca]": "7385b8662964104671f8db7e416d8d772cef1123fa73e9814af270340c3bceb4",
        "quantize4": "b2148188e9ac6464f5f413786234e69064855719628414f3ae7b0edb3e99f4f8",
        "quantize[bands=none]": "864083552181b7f014897a5a93abc4b22af4d1e4a490c3530c0f794acf828ed0",
        "quantize[bands=pca]": "864083552181b7f014897a5a93abc4b22af4d1e4a490c3530c0f794acf828ed0",
        "reduce[bands=none]": "85f376199aa256952feabe79bf3035c24a547531e915ffebfddce60bc83b6353",
        "reduce[bands=pca]": "9f649efb87f9a89049ba9087e7f1a8120949eda3766fdce7b1a9a2b9708e44bd",
        "scene": "1d51799d0113a08091715334aa270046bbbf4d94591268f7d0c81af345becf16",
        "train[bands=none]": "7b010df61499817cf6e8e9a55d8c082fe6e55500e527c92f757add33c225fe46",
        "train[bands=pca]": "7b010df61499817cf6e8e9a55d8c082fe6e55500e527c92f757add33c225fe46",
        "wait": "09258e66dd0fc991466222624e26d968ac5f1bf666b5577790421fd683e86663",
        "wait-default": "b80090a21e620985b1fd42a9d9108886ecc3bc50cccab5286f1550ad683af1f2",
    ]

    // The two load stages (`scene`, `plain`) were re-recorded when load became version 2 (it records
    // `class_names`); only the version changed, the parameter part is the same.
    // The quantize stages (`quantize4`, `quantize[bands=…]`) were re-recorded when quantize became
    // version 5: its models run on int8 kernels (version 4 on one branch) and its new `tflite`
    // parameter (default false) joins every resolved parameter set (version 4 on the other).
    // The band-select stages (`nmf`, `reduce[bands=…]`) were re-recorded when band-select became
    // version 4: NMF's coordinate descent in CNMF's kernel and PCA's one-pass cube fit round
    // differently; only the version changed, the parameter part is the same.

    /// The key of each stage from its kind, version, seed and resolved parameters alone.
    static func keys() throws -> [String: String] {
        let registry = StandardStages.registry(includingTestUtilities: true)
        let spec = try ExperimentLoader(registry: registry).load(text: experiment, path: "keys.yaml")
        var out: [String: String] = [:]
        for stage in spec.stages {
            let version = try #require(registry[stage.kind]).version
            out[stage.id.description] = Fingerprint(stage: stage, version: version, seed: spec.seed, files: [:], inputs: [:]).key
        }
        return out
    }

    @Test func resolvedParametersKeepTheirKeys() throws {
        let keys = try Self.keys()
        if keys != Self.recorded {
            // Printed so a deliberate change can be recorded (and explained) in one edit.
            for (id, key) in keys.sorted(by: { $0.key < $1.key }) { print("        \"\(id)\": \"\(key)\",") }
        }
        #expect(keys == Self.recorded)
    }
}
