// SleepStage (kind `sleep`): a test utility, not a science stage. It waits `seconds`, then writes
// one small output derived from its `value` (and, unless `chain: false`, its upstream outputs).
// Crash tests, concurrency tests and the generated performance experiments are built from it.
import Foundation
public import PipelineEngine
import PipelineModel

/// The `sleep` test stage.
public struct SleepStage: StageKind {
    public init() {}
    public var kind: String { "sleep" }
    public var version: Int { 1 }
    public var summary: String { "Test utility: wait, then write an output derived from `value` and the inputs." }
    public var outputs: [OutputPort] { [OutputPort(.blob, "`value` and the hashes of the upstream outputs")] }
    public var isTestUtility: Bool { true }

    public var parameters: [Parameter] {
        [
            Parameter("seconds", .number(min: 0, max: 3600), default: 0, "how long to wait"),
            Parameter("value", .any, default: .null, "any value; it decides the output's bytes"),
            Parameter("chain", .bool, default: true, "mix the upstream outputs into the output (false: the output depends on value alone)"),
            Parameter("fail", .bool, default: false, "fail instead of writing (for failure-handling tests)"),
            Parameter("bytes", .integer(min: 0, max: 1 << 30), default: 0, "pad the output to at least this many bytes"),
        ]
    }

    public func run(_ context: StageContext) throws {
        let seconds = context.params["seconds"]?.number ?? 0
        let deadline = Date().addingTimeInterval(seconds)
        // Sleep to the deadline in steps of at most 0.25 s (one wake-up for short stages, so the
        // stage's own timing error stays out of engine-overhead measurements).
        while Date() < deadline {
            Thread.sleep(until: min(deadline, Date().addingTimeInterval(0.25)))
            if seconds > 0 { context.progress(min(1, 1 - max(0, deadline.timeIntervalSinceNow) / seconds), "sleeping") }
        }
        if context.params["fail"]?.bool == true {
            throw EngineError.stageFailed(stage: context.id.description, message: "failed on purpose (fail: true)")
        }
        var text = "value=" + (context.params["value"] ?? .null).canonicalJSON
        if context.params["chain"]?.bool ?? true {
            for (stage, outputs) in context.availableInputs {
                for name in outputs {
                    text += "\n\(stage):\(name)=" + sha256Hex(try context.input(name, from: stage))
                }
            }
        }
        var data = Data(text.utf8)
        let pad = context.params["bytes"]?.int ?? 0
        if data.count < pad { data.append(Data(repeating: 0x2e, count: pad - data.count)) }
        try context.write("out", data)
        context.metric("value", context.params["value"] ?? .null)
        context.metric("bytes", .int(data.count))
    }
}
