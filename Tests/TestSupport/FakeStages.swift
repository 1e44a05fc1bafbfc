// Fake stages for engine tests: they count executions, record when each started and ended,
// track how many ran at once, and write outputs derived from their parameters and inputs —
// real StageKind implementations running through the real engine, only their work is trivial.
import Foundation
public import PipelineEngine
public import PipelineModel

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

    /// A choice.
    public enum Method: String, ChoiceParameter { case none, pca, nmf }

    /// A nested mapping (without a default: absent unless written).
    public struct Optimizer: ParameterGroup {
        @Param("name", .choice(["adam", "sgd"]), "optimizer")
        public var name = "adam"
        @Param("lr", .number(min: 0, max: 1, exclusive: true), "learning rate")
        public var lr = 0.001
        public init() {}
    }

    /// The fake's parameters: one of every kind of declaration.
    public struct Parameters: ParameterGroup {
        @Param("value", "decides the output")
        public var value: ParamValue = 0
        @Param("note", "changes the key, not the output")
        public var note = ""
        @Param("fail", "throw instead of producing output")
        public var fail = false
        @Param("sleep", .number(min: 0, max: 10), "seconds to wait")
        public var sleep = 0.0
        @Param("meet", "wait here until `meet-count` stages arrive (proves they overlap)")
        public var meet = ""
        @Param("meet-count", .integer(min: 1, max: 16), "stages that must arrive at `meet`")
        public var meetCount = 2
        @Param("ignore-inputs", "output depends on value alone")
        public var ignoreInputs = false
        @Param("steps", .integer(min: 0, max: 100), "per-step cached sub-results 0..<steps")
        public var steps = 0
        @Param("epochs", .integer(min: 1, max: 1000), "an integer with a range")
        public var epochs = 1
        @Param("method", "a choice")
        public var method = Method.none
        @Param("data", .inputFile, "an input file")
        public var data: String?
        @Param("optimizer", "a nested mapping")
        public var optimizer: Optimizer?
        public init() {}
    }

    public func run(_ p: Parameters, _ context: StageContext) throws {
        let started = log.begin(context.id.description)
        defer { log.end(context.id.description, started: started) }
        if p.sleep > 0 { Thread.sleep(forTimeInterval: p.sleep) }
        if !p.meet.isEmpty {
            log.meet(at: p.meet, count: p.meetCount, stage: context.id.description)
        }
        if p.fail {
            throw EngineError.stageFailed(stage: context.id.description, message: "fake failure")
        }
        var text = "value=" + p.value.canonicalJSON
        if !p.ignoreInputs {
            for (stage, outputs) in context.availableInputs {
                for name in outputs { text += "|\(stage):\(name)=" + sha256Hex(try context.input(name, from: stage)) }
            }
        }
        for level in 0..<p.steps {
            let result = try context.cachedStep("level", stepParams: .object(["level": .int(level), "value": p.value])) {
                log.stepComputed()
                return (["out": Data("level \(level) of \(text)".utf8)], ["level": .int(level)])
            }
            text += "|step\(level)=\(result.outputs["out"]?.count ?? 0)"
        }
        try context.write("out", Data(text.utf8))
        context.metric("value", p.value)
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
    /// The flaky stage's one parameter.
    public struct Parameters: ParameterGroup {
        @Param("value", "decides the history output")
        public var value: ParamValue = 0
        public init() {}
    }

    public func run(_ p: Parameters, _ context: StageContext) throws {
        let n = executions.next()
        try context.write("model", Data("execution \(n)".utf8))
        try context.write("history", Data(("value=" + p.value.canonicalJSON).utf8))
    }

    private final class Counter: @unchecked Sendable {
        private let mutex = NSLock()
        private var value = 0
        func next() -> Int { mutex.withLock { value += 1; return value } }
    }
}
