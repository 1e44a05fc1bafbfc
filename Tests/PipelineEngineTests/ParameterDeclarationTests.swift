// ParameterDeclarationTests: an `@Param` struct is the one declaration of a kind's parameters —
// the schema (names in file order, types, defaults, required and optional fields) is read from
// it, resolved parameters decode back into it by file name, and a value that does not fit is a
// contract error naming the stage, not a crash.
import Foundation
import PipelineModel
import Testing
import TestSupport
@testable import PipelineEngine

@Suite struct ParameterDeclarationTests {
    typealias Fake = FakeStage.Parameters

    @Test func theSchemaIsReadFromTheDeclarationInOrder() {
        #expect(Fake.parameters.map(\.name) == ["value", "note", "fail", "sleep", "meet", "meet-count", "ignore-inputs",
                                                "steps", "epochs", "method", "data", "optimizer"])
        let byName = Dictionary(uniqueKeysWithValues: Fake.parameters.map { ($0.name, $0) })
        #expect(byName["meet-count"]?.defaultValue == .int(2))
        #expect(byName["note"]?.defaultValue == .string(""))
        #expect(byName["method"]?.defaultValue == .string("none"))
        #expect(byName["method"]?.type.summary == "none | pca | nmf")
        #expect(byName["steps"]?.type.summary == "integer in [0, 100]")
        #expect(byName["meet"]?.summary == "wait here until `meet-count` stages arrive (proves they overlap)")
        // An optional field has no default and is not required; a nested mapping lists its own fields.
        #expect(byName["data"]?.defaultValue == nil && byName["data"]?.required == false)
        #expect(byName["optimizer"]?.type.summary == "a mapping with keys name, lr")
    }

    @Test func aWholeNumberDefaultIsWrittenAsAnIntegerAsBefore() {
        // `sleep = 0.0` fills in as 0, the form defaults always had; stage keys depend on it.
        let sleep = Fake.parameters.first { $0.name == "sleep" }
        #expect(sleep?.defaultValue == .int(0))
        #expect(0.25.parameterValue == .double(0.25))
        #expect(FakeStage.Optimizer.parameters.first { $0.name == "lr" }?.defaultValue == .double(0.001))
    }

    @Test func aRequiredFieldIsDeclaredRequired() {
        struct Needs: ParameterGroup {
            @Param(required: "levels", .list(.integer()), "required") var levels: [Int]
            @Param("label", "optional") var label: String?
        }
        let declared = Needs.parameters
        #expect(declared.map(\.required) == [true, false])
        #expect(declared.map(\.defaultValue) == [nil, nil])
    }

    @Test func resolvedParametersDecodeByFileName() throws {
        let p = try Fake.decoded(from: ["meet-count": 5, "ignore-inputs": true, "method": "pca", "value": ["a": [1, 2]],
                                        "sleep": 0.5, "optimizer": ["name": "sgd", "lr": 0.01]])
        #expect(p.meetCount == 5)
        #expect(p.ignoreInputs)
        #expect(p.method == .pca)
        #expect(p.value == ["a": [1, 2]])
        #expect(p.sleep == 0.5)
        #expect(p.optimizer?.name == "sgd" && p.optimizer?.lr == 0.01)
        // Absent fields: optional ones are nil, the others take their declared defaults (nested ones too).
        #expect(p.data == nil)
        #expect(p.note == "" && p.steps == 0 && p.epochs == 1)
        let nested = try Fake.decoded(from: ["optimizer": [:]])
        #expect(nested.optimizer?.name == "adam" && nested.optimizer?.lr == 0.001)
    }

    @Test func aRunDecodesTheValidatedParameters() throws {
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log))
        let yaml = """
        name: p
        stages:
          a: {kind: fake, value: 7, meet-count: 3, optimizer: {}}
        """
        let run = try h.run(yaml)
        let outcome = try #require(run.result.outcomes.first)
        #expect(outcome.record?.metrics["value"] == 7)
        #expect(try h.plan(yaml).0.spec.stages.first?.params["optimizer"] == ["name": "adam", "lr": 0.001])
    }

    @Test func aValueThatDoesNotFitIsAContractError() throws {
        #expect(throws: (any Error).self) { try Fake.decoded(from: ["meet-count": "three"]) }
        let context = StageContext(id: StageID(name: "s"), kind: "fake", version: 1, params: ["steps": "many"], seed: 0, threads: 1,
                                   key: "k", baseDirectory: URL(fileURLWithPath: "/"), upstream: [], store: MemoryStore(),
                                   progressSink: nil)
        #expect {
            _ = try context.parameters(Fake.self)
        } throws: { error in
            guard case .stageContract(let stage, let message) = error as? EngineError else { return false }
            return stage == "s" && message.contains("parameters do not fit")
        }
    }

    @Test func anyDecodableReadsStraightFromAValue() throws {
        struct Layer: Decodable, Equatable { let kind: String; let units: Int? }
        let layers = try ParameterDecoder.decode([Layer].self, from: [["kind": "dense", "units": 3], ["kind": "flatten"]])
        #expect(layers == [Layer(kind: "dense", units: 3), Layer(kind: "flatten", units: nil)])
        #expect(throws: DecodingError.self) { try ParameterDecoder.decode([Layer].self, from: ["kind": "dense"]) }
    }
}
