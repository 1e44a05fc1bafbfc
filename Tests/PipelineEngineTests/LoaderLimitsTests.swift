// LoaderLimitsTests: small hostile experiment files that would expand to billions of nodes,
// instances or bytes each fail validation with one problem naming the limit and its value —
// before the expansion happens (each of these took minutes and gigabytes before the limits).
import Foundation
import PipelineEngine
import PipelineModel
import Testing
import TestSupport

private let registry = fakeRegistry(ExecutionLog())
private let loader = ExperimentLoader(registry: registry, baseDirectory: URL(fileURLWithPath: "/nonexistent-base"))

/// The problems of loading `yaml`, or an empty list when it loads.
private func problems(_ yaml: String, overrides: [String] = [], with loader: ExperimentLoader = loader) -> [String] {
    do {
        _ = try loader.load(text: yaml, path: "exp.yaml", overrides: overrides)
        return []
    } catch {
        guard case .invalidExperiment(_, let problems) = error else { return ["\(error)"] }
        return problems.map(\.description)
    }
}

@Suite struct LoaderLimitsTests {
    /// Nine levels of ten aliases each: 10^9 scalars once expanded, in under a kilobyte.
    static let billionLaughs: String = {
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for i in 1...9 {
            lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]")
        }
        return "name: laughs\nvars:\n" + lines.map { "  \($0)" }.joined(separator: "\n")
            + "\nstages:\n  s: {kind: fake, value: 1}\n"
    }()

    @Test func anAliasBombStopsAtTheNodeLimit() {
        #expect(Self.billionLaughs.utf8.count < 1_000)
        let found = problems(Self.billionLaughs)
        #expect(found.count == 1)
        #expect(found.first?.contains("more than 1000000 YAML nodes") == true)
        #expect(found.first?.contains("(limit: nodes = 1000000)") == true, "\(found)")
    }

    @Test func anAliasUsedAsAKeyIsRefusedBeforeYamsHashesIt() {
        // Yams checks keys for duplicates by hashing them whole: an aliased bomb as a key would
        // cost minutes inside Yams, before any node could be counted.
        let flow = Self.billionLaughs.replacingOccurrences(of: "stages:", with: "  k: {*a9 : 1}\nstages:")
        let block = Self.billionLaughs.replacingOccurrences(of: "stages:", with: "  k:\n    [*a8, *a9]: 1\nstages:")
        let explicit = Self.billionLaughs.replacingOccurrences(of: "stages:", with: "  k:\n    ? *a9\n    : 1\nstages:")
        for yaml in [flow, block] {
            let found = problems(yaml)
            #expect(found.count == 1)
            #expect(found.first?.contains("is used as a mapping key") == true, "\(found)")
        }
        #expect(problems(explicit).first?.contains("explicit `?` mapping key") == true)
        // Quoted or commented text that looks like an aliased key is not one.
        let quoted = "name: q\nvars:\n  a: &x 1\n  b: \"*x: 1\"  # *x: 2\n  c: *x\nstages:\n  s: {kind: fake, value: 1}\n"
        #expect(problems(quoted).isEmpty)
    }

    @Test func aMatrixIsCountedBeforeItIsExpanded() {
        // 20 variables of 10 values: 10^20 instances, which overflows Int — reported, not expanded.
        let variables = (0..<20).map { "v\($0)" }
        let yaml = "name: wide\nmatrix:\n" + variables.map { "  \($0): [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]" }.joined(separator: "\n")
            + "\nstages:\n  s: {kind: fake, value: \"" + variables.map { "${\($0)}" }.joined() + "\"}\n"
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.contains("(limit: matrix instances = 100000)") == true, "\(found)")
        // 10^5 + 1 instances across two stages is one past the limit; 10^5 exactly passes the count.
        var small = loader
        small.limits.matrixInstances = 4
        let two = "name: two\nmatrix:\n  a: [1, 2]\nstages:\n  s: {kind: fake, value: \"${a}\"}\n  t: {kind: fake, needs: s}\n  u: {kind: fake, value: 1}\n"
        #expect(problems(two, with: small).first?.contains("expands the stages to 5 instances, more than 4") == true)
        small.limits.matrixInstances = 5
        #expect(problems(two, with: small).isEmpty)
    }

    @Test func doublingStringsStopAtTheStringLimit() {
        // Each var is the previous one twice: 2^40 bytes by the last line.
        var lines = ["  v0: abcdefgh"]
        for i in 1...40 { lines.append("  v\(i): \"${v\(i - 1)}${v\(i - 1)}\"") }
        let yaml = "name: doubling\nvars:\n" + lines.joined(separator: "\n") + "\nstages:\n  s: {kind: fake, value: \"${v40}\"}\n"
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.contains("(limit: string bytes = 1000000)") == true, "\(found)")
    }

    @Test func doublingListsStopAtTheNodeLimit() {
        var lines = ["  v0: [1, 2]"]
        for i in 1...40 { lines.append("  v\(i): [\"${v\(i - 1)}\", \"${v\(i - 1)}\"]") }
        let yaml = "name: lists\nvars:\n" + lines.joined(separator: "\n") + "\nstages:\n  s: {kind: fake, value: 1}\n"
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.contains("(limit: nodes = 1000000)") == true, "\(found)")
    }

    @Test func manyStagesCopyingOneLargeStringStopAtTheTotal() {
        var limited = loader
        limited.limits.stringBytes = 100
        limited.limits.totalStringBytes = 1_000
        let yaml = "name: total\nvars:\n  big: \"" + String(repeating: "x", count: 90) + "\"\nstages:\n"
            + (0..<20).map { "  s\($0): {kind: fake, value: \"${big}.\"}" }.joined(separator: "\n") + "\n"
        let found = problems(yaml, with: limited)
        #expect(found.count == 1)
        #expect(found.first?.contains("(limit: total string bytes = 1000)") == true, "\(found)")
    }

    @Test func tooManySetFlagsAreOneProblem() {
        let yaml = "name: sets\nstages:\n  s: {kind: fake, value: 1}\n"
        let overrides = (0..<20_000).map { "stages.s.x\($0)=1" }
        let found = problems(yaml, overrides: overrides)
        #expect(found == ["--set: 20000 --set overrides are more than one run may take (limit: overrides = 1000); put the values in the experiment file"])
    }

    @Test func longNamesFailAtValidation() {
        let long = String(repeating: "n", count: 100_000)
        let named = problems("name: \(long)\nstages:\n  s: {kind: fake, value: 1}\n")
        #expect(named.count == 1)
        #expect(named.first?.contains("name is 100000 characters long") == true)
        #expect(named.first?.contains("(limit: name length = 128)") == true, "\(named)")
        // (YAML itself refuses a plain key past 1024 characters, so a stage id is tried at 200.)
        let stage = problems("name: ok\nstages:\n  \(String(repeating: "s", count: 200)): {kind: fake, value: 1}\n")
        #expect(stage.first?.contains("stage id is 200 characters long") == true, "\(stage)")
        let value = problems("name: ok\nmatrix:\n  m: [\(long)]\nstages:\n  s: {kind: fake, value: \"${m}\"}\n")
        #expect(value.first?.contains("matrix value is 100000 characters long") == true, "\(value)")
    }

    @Test func filesWithinTheLimitsStillLoad() throws {
        let yaml = "name: fine\nvars:\n  a: &x [1, 2]\n  b: *x\nmatrix:\n  m: [p, q]\nstages:\n  s: {kind: fake, value: \"${a}\"}\n  t: {kind: fake, needs: s, value: \"${m}\"}\n"
        let spec = try loader.load(text: yaml, path: "exp.yaml", overrides: (0..<1_000).map { "vars.k\($0)=\($0)" })
        #expect(spec.stages.count == 3)
    }
}
