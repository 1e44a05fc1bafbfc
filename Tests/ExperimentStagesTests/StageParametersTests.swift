// StageParametersTests: every stage kind's `@Param` declaration round-trips — a stage giving only
// its required keys validates, gets every default filled in, and decodes into the kind's struct;
// every declared bound is enforced at validation; every parameter has a row in the generated
// reference. Then a few typed values per kind (nested mappings, layer lists, level ranges).
import Foundation
import NeuralNet
import PipelineEngine
import PipelineModel
import Testing
@testable import ExperimentStages

@Suite struct StageParametersTests {
    static let registry = StandardStages.registry(includingTestUtilities: true)
    /// What each kind must be given.
    static let required: [String: String] = ["load": "cube: synthetic", "prune": "levels: [0, 50]", "model": "path: \(kerasFixture)"]
    static let kerasFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FileFormatsTests/Fixtures/keras3_cao.h5").path

    static func load(_ kind: String, _ extra: String = "") throws -> StageSpec {
        let body = ([required[kind]] + [extra.isEmpty ? nil : extra]).compactMap { $0 }.map { "    \($0)\n" }.joined()
        // Ancestors that provide every input a kind can ask for (a scene, a model), so wiring is satisfied.
        let yaml = "name: t\nstages:\n  scene: {kind: load, cube: synthetic}\n  fit: {kind: train, needs: scene}\n"
            + "  s:\n    kind: \(kind)\n    needs: [fit]\n" + body
        let stages = try ExperimentLoader(registry: registry).load(text: yaml, path: "t.yaml").stages
        return try #require(stages.first { $0.id.description == "s" })
    }

    static func problems(_ kind: String, _ extra: String) -> [String] {
        do {
            _ = try load(kind, extra)
            return []
        } catch let EngineError.invalidExperiment(_, problems) {
            return problems.map(\.message)
        } catch {
            return ["\(error)"]
        }
    }

    /// Decodes `params` as `kind`'s declaration (the engine's own path, through the kind).
    static func decodes(_ kind: any StageKind, _ params: [String: ParamValue]) throws {
        func open<K: StageKind>(_ k: K) throws { _ = try K.Parameters.decoded(from: params) }
        try open(kind)
    }

    @Test(arguments: registry.names)
    func defaultsAreFilledAndDecode(kind name: String) throws {
        let kind = try #require(Self.registry[name])
        let stage = try Self.load(name)
        for p in kind.parameters {
            if let d = p.defaultValue {
                #expect(stage.params[p.name] != nil, "\(name).\(p.name) default not filled")
                if case .object = p.type {} else { #expect(stage.params[p.name] == d, "\(name).\(p.name)") }
            } else if !p.required {
                #expect(stage.params[p.name] == nil, "\(name).\(p.name) has no default, so stays absent")
            }
        }
        try Self.decodes(kind, stage.params)
    }

    /// A value past each declared bound or outside each choice, as YAML (nested mappings as `key: {field: value}`).
    static func outOfRange(_ parameters: [Parameter]) -> [(name: String, yaml: String)] {
        parameters.flatMap { p -> [(name: String, yaml: String)] in
            switch p.type {
            case .integer(_, let hi?): return [(p.name, "\(p.name): \(hi + 1)")]
            case .number(_, let hi?, _): return [(p.name, "\(p.name): \(hi + 1)")]
            case .choice: return [(p.name, "\(p.name): not-a-choice")]
            case .object(let fields): return outOfRange(fields).map { (p.name + "." + $0.name, "\(p.name): {\($0.yaml)}") }
            default: return []
            }
        }
    }

    @Test(arguments: registry.names)
    func declaredBoundsAreEnforced(kind name: String) throws {
        let kind = try #require(Self.registry[name])
        let cases = Self.outOfRange(kind.parameters)
        for (path, yaml) in cases {
            let field = path.split(separator: ".").last.map(String.init) ?? path
            let problems = Self.problems(name, yaml)
            #expect(problems.contains { $0.contains("'\(field)'") }, "\(name).\(path) (\(yaml)) accepted: \(problems)")
        }
        // `model` declares only a file path: nothing bounded to check.
        if name != "model" { #expect(!cases.isEmpty, "\(name) declares no bounded parameter to check") }
    }

    @Test(arguments: registry.names)
    func everyParameterIsDocumented(kind name: String) throws {
        let kind = try #require(Self.registry[name])
        let docs = SchemaDocumentation.markdown([kind])
        for p in kind.parameters {
            #expect(docs.contains("| `\(p.name)` |"), "\(name).\(p.name) missing from the reference")
            #expect(!p.summary.isEmpty)
        }
    }

    // MARK: - Typed values

    @Test func loadDecodesNestedMappingsWithTheirDefaults() throws {
        let stage = try Self.load("load", "synthetic: {height: 20}\n    split: {train: 0.25, seed: 3}")
        let p = try LoadStage.Parameters.decoded(from: stage.params)
        #expect(p.cube == "synthetic")
        #expect(p.synthetic.height == 20 && p.synthetic.width == 64 && p.synthetic.noise == 0.02)
        #expect(p.split.method == .stratified && p.split.train == .fraction(0.25) && p.split.seed == 3)
        #expect(p.labels == nil && p.classes == nil)
    }

    @Test func nmfOnStandardizedBandsIsRefusedBeforeAnythingRuns() {
        let problems = Self.problems("band-select", "method: nmf\n    normalize: standard")
        #expect(problems.count == 1 && problems[0].contains("NMF needs non-negative data"), "\(problems)")
        #expect(Self.problems("band-select", "method: nmf\n    normalize: minmax").isEmpty)
        #expect(Self.problems("band-select", "method: nmf").isEmpty)
        #expect(Self.problems("band-select", "method: pca\n    normalize: standard").isEmpty)
    }

    @Test func tfliteOfFourBitModelsIsRefusedBeforeAnythingRuns() {
        let problems = Self.problems("quantize", "bits: 4\n    tflite: true")
        #expect(problems.count == 1 && problems[0].contains("tflite: true needs bits: 8"), "\(problems)")
        #expect(Self.problems("quantize", "bits: 8\n    tflite: true").isEmpty)
        #expect(Self.problems("quantize", "bits: 4").isEmpty)
    }

    @Test func trainDecodesALayerListStraightFromTheValue() throws {
        let stage = try Self.load("train", "model: [{kind: conv2d, filters: 4, kernel: 3, activation: relu}, {kind: flatten}]")
        let p = try TrainStage.Parameters.decoded(from: stage.params)
        guard case .layers(let spec) = p.model else { Issue.record("expected a layer list"); return }
        #expect(spec.layers.map(\.kind) == [.conv2d, .flatten])
        #expect(spec.layers.first?.kernel == [3, 3])
        let named = try TrainStage.Parameters.decoded(from: try Self.load("train", "model: {name: small, layers: [{kind: flatten}]}").params)
        guard case .layers(let namedSpec) = named.model else { Issue.record("expected {name, layers}"); return }
        #expect(namedSpec.name == "small" && namedSpec.layers.map(\.kind) == [.flatten])
        #expect(p.optimizer.name == .adam && p.optimizer.lr == 0.001 && p.epochs == 10)
        #expect(Self.problems("train", "model: [{kind: conv2d, filterz: 4}]").contains { $0.contains("not a layer list") })
    }

    @Test func pruneDecodesBothLevelForms() throws {
        let list = try PruneStage.Parameters.decoded(from: try Self.load("prune").params)
        #expect(try list.levels.pruningLevels.values() == [0, 50])
        let range = try PruneStage.Parameters.decoded(from: try Self.load("prune", "finetune: {epochs: 1}").params
            .merging(["levels": ["to": 20, "step": 10, "from": 0]]) { $1 })
        #expect(try range.levels.pruningLevels.values() == [0, 10, 20])
        #expect(range.finetune.epochs == 1 && range.finetune.lr == 0.0001 && range.scoreOn == .train && range.seed == nil)
    }

    @Test func visualizeDrawsInOneColormapJetByDefault() throws {
        let p = try VisualizeStage.Parameters.decoded(from: try Self.load("visualize").params)
        #expect(p.colormap == .jet)
        #expect(p.methods.count == 6 && p.bands.to == nil && p.bands.step == 10)
        let viridis = try VisualizeStage.Parameters.decoded(from: try Self.load("visualize", "colormap: viridis").params)
        #expect(viridis.colormap == .viridis)
        #expect(Self.problems("visualize", "colormap: virdis").contains { $0.contains("did you mean 'viridis'") })
    }
}
