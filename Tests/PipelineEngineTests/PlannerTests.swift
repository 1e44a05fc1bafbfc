// PlannerTests: input files enter keys by content — a touched but unchanged file reruns
// nothing, a changed one reruns its stage with a reason — and the planner is pure: planning
// twice changes nothing and executes nothing.
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

@Suite struct PlannerTests {
    private func experiment(_ file: String) -> String {
        """
        name: f
        stages:
          read: {kind: fake, data: \(file)}
          next: {kind: fake, needs: read}
        """
    }

    @Test func aTouchedButUnchangedInputFileRerunsNothing() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("input.bin")
        try Data("abc".utf8).write(to: file)
        let log = ExecutionLog()
        let h = EngineHarness(registry: fakeRegistry(log), baseDirectory: dir)
        try h.run(experiment("input.bin"))
        #expect(log.total == 2)
        // Rewrite the same bytes with a new modification time.
        try Data("abc".utf8).write(to: file)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(3600)], ofItemAtPath: file.path)
        log.reset()
        let touched = try h.run(experiment("input.bin"))
        #expect(log.total == 0)
        #expect(touched.result.ids(.cached) == ["next", "read"])
        // Different bytes: the reading stage reruns and says why.
        try Data("abd".utf8).write(to: file)
        let changed = try h.run(experiment("input.bin"))
        #expect(changed.plan.step(StageID(name: "read"))?.reason.description == "input file input.bin changed")
        #expect(log.executions == ["read": 1])
        // The fake stage's output does not depend on the file's bytes, so `next` is cut off.
        #expect(changed.result.status("next") == .cached)
    }

    @Test func planningIsPureAndRepeatable() throws {
        let log = ExecutionLog()
        let store = MemoryStore()
        let h = EngineHarness(registry: fakeRegistry(log), store: store)
        let yaml = "name: p\nstages:\n  a: {kind: fake}\n  b: {kind: fake, needs: a}\n"
        let (_, first) = try h.plan(yaml)
        let (_, second) = try h.plan(yaml)
        #expect(log.total == 0)
        #expect(try store.allObjects().isEmpty)
        #expect(first.steps.map(\.reason) == second.steps.map(\.reason))
        #expect(first.steps.map(\.action) == [.run, .run])
        // a's key is known before running (no inputs); b's waits for a's outputs.
        #expect(first.steps[0].key != nil && first.steps[1].key == nil)
    }

    @Test func keysIgnoreMappingOrderButNotValues() throws {
        let h = EngineHarness(registry: fakeRegistry(ExecutionLog()))
        let a = try h.plan("name: k\nstages:\n  s: {kind: fake, optimizer: {name: sgd, lr: 0.1}}\n").1.steps[0].key
        let b = try h.plan("name: k\nstages:\n  s: {kind: fake, optimizer: {lr: 0.1, name: sgd}}\n").1.steps[0].key
        let c = try h.plan("name: k\nstages:\n  s: {kind: fake, optimizer: {lr: 0.2, name: sgd}}\n").1.steps[0].key
        let d = try h.plan("name: k\nseed: 5\nstages:\n  s: {kind: fake, optimizer: {lr: 0.1, name: sgd}}\n").1.steps[0].key
        #expect(a != nil && a == b)
        #expect(a != c && a != d)
    }

    @Test func fingerprintIsTheHashOfItsCanonicalJSON() {
        let f = Fingerprint(kind: "k", version: 2, seed: 1, params: ["b": 1, "a": "x"], files: ["f.npy": "00"],
                            inputs: ["up": ["out": "11"]])
        #expect(f.canonicalJSON == #"{"files":{"f.npy":"00"},"inputs":{"up":{"out":"11"}},"kind":"k","params":{"a":"x","b":1},"seed":1,"version":2}"#)
        #expect(f.key == sha256Hex(f.canonicalJSON))
    }
}
