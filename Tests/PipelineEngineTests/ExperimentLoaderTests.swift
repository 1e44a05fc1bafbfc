// ExperimentLoaderTests: resolving experiment files — interpolation, matrix expansion with
// ids and following dependents, --set overrides, defaults — and every validation error with
// its message as a snapshot (Snapshots/validation-*.txt; RECORD_SNAPSHOTS=1 re-records).
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

private let registry = fakeRegistry(ExecutionLog())
private let loader = ExperimentLoader(registry: registry, baseDirectory: URL(fileURLWithPath: "/nonexistent-base"))

private func load(_ yaml: String, overrides: [String] = []) throws -> ExperimentSpec {
    try loader.load(text: yaml, path: "exp.yaml", overrides: overrides)
}

@Suite struct ExperimentLoaderTests {
    static let matrixYAML = """
    name: m
    seed: 41
    vars:
      data: base
      file: ${data}/cube
    matrix:
      bands: [none, pca, nmf]
      lr: [0.1, 0.01]
    stages:
      scene: {kind: fake, value: "${file}"}
      reduce:
        kind: fake
        needs: scene
        method: ${bands}
      train:
        kind: fake
        needs: reduce
        optimizer: {lr: "${lr}"}
      report:
        kind: fake
        needs: scene
    """

    @Test func matrixExpandsMentioningStagesAndTheirDependents() throws {
        let spec = try load(Self.matrixYAML)
        #expect(spec.stages.map(\.id.description) == [
            "scene",
            "reduce[bands=none]", "reduce[bands=pca]", "reduce[bands=nmf]",
            "train[bands=none,lr=0.1]", "train[bands=none,lr=0.01]",
            "train[bands=pca,lr=0.1]", "train[bands=pca,lr=0.01]",
            "train[bands=nmf,lr=0.1]", "train[bands=nmf,lr=0.01]",
            "report",
        ])
        let trainID = try #require(StageID(parsing: "train[bands=pca,lr=0.01]"))
        let train = try #require(spec.stage(trainID))
        #expect(train.needs.map(\.description) == ["reduce[bands=pca]"])
        #expect(train.params["optimizer"] == ["name": "adam", "lr": 0.01])
        #expect(spec.stage(StageID(name: "report"))?.needs == [StageID(name: "scene")])
        #expect(spec.stage(StageID(name: "scene"))?.params["value"] == "base/cube")
        let reduceID = try #require(StageID(parsing: "reduce[bands=nmf]"))
        #expect(spec.stage(reduceID)?.params["method"] == "nmf")
    }

    @Test func interpolationKeepsTheTypeOfAWholeValue() throws {
        let spec = try load("""
        name: i
        vars: {n: 20, word: pca}
        stages:
          a: {kind: fake, epochs: "${n}", value: "x-${n}-${word}"}
        """)
        #expect(spec.stages[0].params["epochs"] == .int(20))
        #expect(spec.stages[0].params["value"] == "x-20-pca")
    }

    @Test func overridesSetValuesByDottedPath() throws {
        let spec = try load(Self.matrixYAML, overrides: ["stages.train.optimizer.name=sgd", "vars.data=/elsewhere", "seed=7",
                                                          "stages.scene.epochs=20"])
        #expect(spec.seed == 7)
        #expect(spec.stage(StageID(name: "scene"))?.params["value"] == "/elsewhere/cube")
        #expect(spec.stage(StageID(name: "scene"))?.params["epochs"] == .int(20))
        let train = try #require(spec.stages.first { $0.id.name == "train" })
        #expect(train.params["optimizer"]?["name"] == "sgd")
    }

    @Test func defaultsAreFilledSoTheyEnterTheKey() throws {
        let spec = try load("name: d\nstages:\n  a: {kind: fake}\n")
        #expect(spec.stages[0].params["epochs"] == .int(1))
        #expect(spec.stages[0].params["method"] == "none")
        #expect(spec.stages[0].params["data"] == nil)
    }

    @Test func stageIDsRoundTripThroughText() {
        for text in ["a", "train[bands=pca]", "train[bands=pca,lr=0.01]"] {
            #expect(StageID(parsing: text)?.description == text)
        }
        #expect(StageID(parsing: "train[bands]") == nil)
        #expect(StageID(parsing: "[x=1]") == nil)
    }

    // MARK: - Validation snapshots

    static let invalid: [(name: String, yaml: String, overrides: [String])] = [
        ("yaml-syntax", "name: x\nstages:\n  a: {kind: fake\n  b: 1\n", []),
        ("duplicate-key", "name: x\nstages:\n  a: {kind: fake}\n  a: {kind: fake}\n", []),
        ("missing-name-and-stages", "seed: 1\n", []),
        ("unknown-top-level-key", "name: x\nstage:\n  a: {kind: fake}\nstages:\n  a: {kind: fake}\n", []),
        ("unknown-kind", "name: x\nstages:\n  a: {kind: fak}\n  b: {value: 1}\n", []),
        ("unknown-stage-key", "name: x\nstages:\n  a:\n    kind: fake\n    valeu: 1\n    optimizer: {lr: 0.1, momentum: 0.9}\n", []),
        ("wrong-type", "name: x\nstages:\n  a:\n    kind: fake\n    epochs: ten\n    fail: maybe\n    optimizer: 3\n", []),
        ("out-of-range", "name: x\nseed: -1\nstages:\n  a:\n    kind: fake\n    epochs: 0\n    optimizer: {lr: 2}\n", []),
        ("bad-choice", "name: x\nstages:\n  a: {kind: fake, method: pcaa, optimizer: {name: adma}}\n", []),
        ("unknown-needs", "name: x\nstages:\n  alpha: {kind: fake}\n  beta: {kind: fake, needs: [alpah, beta]}\n", []),
        ("cycle", "name: x\nstages:\n  a: {kind: fake, needs: c}\n  b: {kind: fake, needs: a}\n  c: {kind: fake, needs: b}\n  d: {kind: fake, needs: d}\n", []),
        ("missing-input-file", "name: x\nvars: {data: data/ip}\nstages:\n  a: {kind: fake, data: \"${data}/cube.npy\"}\n", []),
        ("unknown-variable", "name: x\nvars: {data: here}\nstages:\n  a: {kind: fake, value: \"${dta}/x\", note: \"${bands\"}\n", []),
        ("bad-override", "name: x\nstages:\n  bee: {kind: fake}\n", ["stages.bea.value=1", "novalue", "name.x=1", "stages.bee.epochs=-3"]),
        ("bad-matrix", "name: x\nvars: {bands: 1}\nmatrix:\n  bands: [a]\n  lr: []\n  k: [a, a, \"x,y\"]\nstages:\n  a: {kind: fake}\n", []),
        ("bad-structure", "name: \"a b\"\nstages:\n  \"x.y\": {kind: fake}\n  z: 3\n  w: {kind: fake, needs: {a: 1}}\n", []),
        ("not-a-mapping", "- just\n- a list\n", []),
        ("empty-file", "", []),
    ]

    @Test(arguments: invalid.indices)
    func everyValidationProblemIsReportedWithItsPosition(_ index: Int) throws {
        let c = Self.invalid[index]
        do {
            _ = try load(c.yaml, overrides: c.overrides)
            Issue.record("\(c.name) was accepted")
        } catch let error as EngineError {
            guard case .invalidExperiment(_, let problems) = error else {
                Issue.record("\(c.name): unexpected error \(error)")
                return
            }
            #expect(!problems.isEmpty)
            let text = "# \(c.name)\n" + c.yaml + "# --set " + c.overrides.joined(separator: " ") + "\n# error:\n" + error.description
            if let mismatch = snapshotMismatch(text, named: "validation-\(c.name).txt") { Issue.record(Comment(rawValue: mismatch)) }
        }
    }

    @Test func allProblemsOfAFileAreCollectedTogether() throws {
        let yaml = """
        name: x
        stages:
          a: {kind: fak}
          b: {kind: fake, epochs: 0, valeu: 1}
          c: {kind: fake, needs: zz}
        """
        #expect {
            try load(yaml)
        } throws: { error in
            guard case .invalidExperiment(_, let problems) = error as? EngineError else { return false }
            return problems.count == 4 && problems.map(\.position.line) == [3, 4, 4, 5]
        }
    }
}

@Suite struct NestedDefaultsTests {
    @Test func anAbsentMappingAndAnEmptyOneResolveAlike() throws {
        let kind = FakeStage(log: ExecutionLog())
        struct Nested: StageKind {
            var kind: String { "nested" }
            var version: Int { 1 }
            var summary: String { "" }
            var outputs: [OutputPort] { [] }
            struct Opt: ParameterGroup {
                @Param("a", "") var a = 3
            }
            struct Parameters: ParameterGroup {
                @Param("opt", "") var opt = Opt()
            }
            func run(_ parameters: Parameters, _ context: StageContext) throws {}
        }
        let l = ExperimentLoader(registry: StageRegistry([kind, Nested()]))
        let absent = try l.load(text: "name: n\nstages:\n  s: {kind: nested}\n", path: "n.yaml")
        let empty = try l.load(text: "name: n\nstages:\n  s: {kind: nested, opt: {}}\n", path: "n.yaml")
        #expect(absent.stages[0].params == empty.stages[0].params)
        #expect(absent.stages[0].params["opt"] == ["a": 3])
    }
}
