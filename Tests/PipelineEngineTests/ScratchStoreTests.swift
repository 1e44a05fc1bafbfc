// ScratchStoreTests: the read-through scratch store writes only to memory, reads objects and
// stage records through to the cache, hides the cache's step records, and never removes
// anything from the cache.
import Foundation
import PipelineEngine
import Testing
import TestSupport

@Suite struct ScratchStoreTests {
    @Test func writesStayInTheScratchAndReadsFallThroughToTheCache() throws {
        let base = MemoryStore()
        let cached = try base.put(Data("cached".utf8))
        try base.putRecord(StageRecord(key: "k", stage: "s", kind: "fake", outputs: ["out": cached], metrics: [:], seconds: 1), in: .stages)
        try base.putRecord(StageRecord(key: "step", stage: "s#level", kind: "fake", outputs: ["out": cached], metrics: [:], seconds: 1), in: .steps)
        let scratch = ScratchStore(base: base)

        let written = try scratch.put(Data("new".utf8))
        try scratch.putRecord(StageRecord(key: "n", stage: "t", kind: "fake", outputs: ["out": written], metrics: [:], seconds: 1), in: .stages)
        #expect(try scratch.read(written) == Data("new".utf8) && base.contains(written) == false)
        #expect(try scratch.read(cached) == Data("cached".utf8) && scratch.verify(cached))
        #expect(scratch.record("k", in: .stages)?.stage == "s" && base.record("n", in: .stages) == nil)
        #expect(scratch.record("step", in: .steps) == nil)  // steps are recomputed, never reused
        #expect(try scratch.recordKeys(in: .stages) == ["k", "n"])
        #expect(try scratch.allObjects().count == 2)

        scratch.removeRecord("k", in: .stages)
        scratch.removeObject(cached.sha256)
        #expect(base.record("k", in: .stages) != nil && base.contains(cached))
        #expect(try base.allObjects().count == 1)
    }
}
