// Fake stages for engine tests: they count executions, record when each started and ended,
// track how many ran at once, and write outputs derived from their parameters and inputs —
// real StageKind implementations running through the real engine, only their work is trivial.
import Foundation
public import PipelineEngine
import PipelineModel

/// What fake stages did, shared by every stage of a registry.
public final class ExecutionLog: @unchecked Sendable {
    public struct Event: Sendable {
        public let stage: String
        public let started: Int
        public let ended: Int
    }

    private let mutex = NSLock()
    private var clock = 0
    private var running = 0
    private var counts: [String: Int] = [:]
    private var events: [Event] = []
    public private(set) var maxConcurrent = 0
    var stepCount = 0
    /// Steps computed (not restored) through the per-step cache.
    public var stepsComputed: Int { mutex.withLock { stepCount } }

    public init() {}

    /// Executions per stage id.
    public var executions: [String: Int] { mutex.withLock { counts } }
    /// Total executions.
    public var total: Int { mutex.withLock { counts.values.reduce(0, +) } }
    /// Start/end ticks of every execution, in end order.
    public var history: [Event] { mutex.withLock { events } }

    func begin(_ stage: String) -> Int {
        mutex.withLock {
            clock += 1
            running += 1
            maxConcurrent = max(maxConcurrent, running)
            counts[stage, default: 0] += 1
            return clock
        }
    }

    func end(_ stage: String, started: Int) {
        mutex.withLock {
            clock += 1
            running -= 1
            events.append(Event(stage: stage, started: started, ended: clock))
        }
    }

    private let meeting = NSCondition()
    private var arrivals: [String: Int] = [:]
    private var missed: [String] = []

    /// Stages that gave up waiting at a meeting point (never met their partners).
    public var missedMeetings: [String] { meeting.withLock { missed } }

    /// Waits until `count` stages have arrived at `point` (a proof that they run at the same
    /// time, independent of timing); gives up after `timeout` seconds and records the miss.
    func meet(at point: String, count: Int, stage: String, timeout: TimeInterval = 60) {
        meeting.lock()
        defer { meeting.unlock() }
        arrivals[point, default: 0] += 1
        meeting.broadcast()
        let deadline = Date().addingTimeInterval(timeout)
        while arrivals[point, default: 0] < count {
            if !meeting.wait(until: deadline) { missed.append(stage); return }
        }
    }

    /// Forgets counts (keeps nothing).
    public func reset() {
        mutex.withLock { counts = [:]; events = []; maxConcurrent = 0; stepCount = 0 }
    }
}

/// A stage kind `fake`: output = f(value, inputs); `note` changes the key but not the output;
/// `fail` throws; `sleep` waits; `steps` exercises the per-step cache.
public struct FakeStage: StageKind {
    public let log: ExecutionLog
    public let version: Int

    public init(log: ExecutionLog, version: Int = 1) {
        self.log = log
        self.version = version
    }

    public var kind: String { "fake" }
    public var summary: String { "Test double that counts its executions." }
    public var outputs: [OutputPort] { [OutputPort(.blob, "value and inputs")] }
    public var isTestUtility: Bool { true }

    public var parameters: [Parameter] {
        [
            Parameter("value", .any, default: 0, "decides the output"),
            Parameter("note", .string, default: "", "changes the key, not the output"),
            Parameter("fail", .bool, default: false, "throw instead of producing output"),
            Parameter("sleep", .number(min: 0, max: 10), default: 0, "seconds to wait"),
            Parameter("meet", .string, default: "", "wait here until `meet-count` stages arrive (proves they overlap)"),
            Parameter("meet-count", .integer(min: 1, max: 16), default: 2, "stages that must arrive at `meet`"),
            Parameter("ignore-inputs", .bool, default: false, "output depends on value alone"),
            Parameter("steps", .integer(min: 0, max: 100), default: 0, "per-step cached sub-results 0..<steps"),
            Parameter("epochs", .integer(min: 1, max: 1000), default: 1, "an integer with a range"),
            Parameter("method", .choice(["none", "pca", "nmf"]), default: "none", "a choice"),
            Parameter("data", .inputFile, "an input file"),
            Parameter("optimizer", .object([
                Parameter("name", .choice(["adam", "sgd"]), default: "adam", "optimizer"),
                Parameter("lr", .number(min: 0, max: 1, exclusive: true), default: 0.001, "learning rate"),
            ]), "a nested mapping"),
        ]
    }

    public func run(_ context: StageContext) throws {
        let started = log.begin(context.id.description)
        defer { log.end(context.id.description, started: started) }
        let seconds = context.params["sleep"]?.number ?? 0
        if seconds > 0 { Thread.sleep(forTimeInterval: seconds) }
        if let point = context.params["meet"]?.string, !point.isEmpty {
            log.meet(at: point, count: context.params["meet-count"]?.int ?? 2, stage: context.id.description)
        }
        if context.params["fail"]?.bool == true {
            throw EngineError.stageFailed(stage: context.id.description, message: "fake failure")
        }
        var text = "value=" + (context.params["value"] ?? .null).canonicalJSON
        if context.params["ignore-inputs"]?.bool != true {
            for (stage, outputs) in context.availableInputs {
                for name in outputs { text += "|\(stage):\(name)=" + sha256Hex(try context.input(name, from: stage)) }
            }
        }
        let steps = context.params["steps"]?.int ?? 0
        for level in 0..<steps {
            let result = try context.cachedStep("level", stepParams: .object(["level": .int(level), "value": context.params["value"] ?? .null])) {
                log.stepComputed()
                return (["out": Data("level \(level) of \(text)".utf8)], ["level": .int(level)])
            }
            text += "|step\(level)=\(result.outputs["out"]?.count ?? 0)"
        }
        try context.write("out", Data(text.utf8))
        context.metric("value", context.params["value"] ?? .null)
    }
}

extension ExecutionLog {
    func stepComputed() { mutex.withLock { stepCount += 1 } }
}

/// A registry holding only the fake stage.
public func fakeRegistry(_ log: ExecutionLog, version: Int = 1) -> StageRegistry {
    StageRegistry([FakeStage(log: log, version: version)])
}

/// A stage kind `flaky` that is deliberately not reproducible: its `model` output carries a
/// counter that grows with every execution, while its `history` output depends on `value` alone.
/// It stands for a stage whose key does not determine its bytes.
public struct FlakyStage: StageKind {
    private let executions = Counter()

    public init() {}

    public var kind: String { "flaky" }
    public var version: Int { 1 }
    public var summary: String { "Test double whose `model` output differs on every execution." }
    public var outputs: [OutputPort] { [OutputPort(.model, "differs every time"), OutputPort(.history, "value")] }
    public var isTestUtility: Bool { true }
    public var parameters: [Parameter] { [Parameter("value", .any, default: 0, "decides the history output")] }

    public func run(_ context: StageContext) throws {
        let n = executions.next()
        try context.write("model", Data("execution \(n)".utf8))
        try context.write("history", Data(("value=" + (context.params["value"] ?? .null).canonicalJSON).utf8))
    }

    private final class Counter: @unchecked Sendable {
        private let mutex = NSLock()
        private var value = 0
        func next() -> Int { mutex.withLock { value += 1; return value } }
    }
}
