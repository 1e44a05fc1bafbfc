// SleepStage (kind `sleep`): a test utility, not a science stage. It waits `seconds`, then writes
// one small output derived from its `value` (and, unless `chain: false`, its upstream outputs).
// Crash tests, concurrency tests and the generated performance experiments are built from it.
import Foundation
public import PipelineEngine
public import PipelineModel

/// The `sleep` test stage.
public struct SleepStage: StageKind {
    public init() {}
    public var kind: String { "sleep" }
    public var version: Int { 1 }
    /// Defaults of `resources:` (sleeps).
    public var resources: StageResources { StageResources(cpus: 1, memory: "256M", time: "10:00") }
    public var summary: String { "Test utility: wait, then write an output derived from `value` and the inputs." }
    public var outputs: [OutputPort] { [OutputPort(.blob, "`value` and the hashes of the upstream outputs")] }
    public var isTestUtility: Bool { true }

    /// The `sleep` parameters.
    public struct Parameters: ParameterGroup {
        @Param("seconds", .number(min: 0, max: 3600), "how long to wait")
        public var seconds = 0.0
        @Param("value", "any value; it decides the output's bytes")
        public var value = ParamValue.null
        @Param("chain", "mix the upstream outputs into the output (false: the output depends on value alone)")
        public var chain = true
        @Param("fail", "fail instead of writing (for failure-handling tests)")
        public var fail = false
        @Param("bytes", .integer(min: 0, max: 1 << 30), "pad the output to at least this many bytes")
        public var bytes = 0
        public init() {}
    }

    public func run(_ p: Parameters, _ context: StageContext) throws {
        let deadline = Date().addingTimeInterval(p.seconds)
        // Sleep to the deadline in steps of at most 0.25 s (one wake-up for short stages, so the
        // stage's own timing error stays out of engine-overhead measurements).
        while Date() < deadline {
            Thread.sleep(until: min(deadline, Date().addingTimeInterval(0.25)))
            if p.seconds > 0 { context.progress(min(1, 1 - max(0, deadline.timeIntervalSinceNow) / p.seconds), "sleeping") }
        }
        if p.fail {
            throw EngineError.stageFailed(stage: context.id.description, message: "failed on purpose (fail: true)")
        }
        var text = "value=" + p.value.canonicalJSON
        if p.chain {
            for (stage, outputs) in context.availableInputs {
                for name in outputs {
                    text += "\n\(stage):\(name)=" + sha256Hex(try context.input(name, from: stage))
                }
            }
        }
        var data = Data(text.utf8)
        if data.count < p.bytes { data.append(Data(repeating: 0x2e, count: p.bytes - data.count)) }
        try context.write("out", data)
        context.metric("value", p.value)
        context.metric("bytes", .int(data.count))
    }
}
