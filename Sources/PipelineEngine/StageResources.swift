// StageResources and ExecutorSettings: what a stage asks of the machine it runs on (`resources:`
// under a stage: cpus, memory, time limit, gres) and where an experiment's stages run
// (`executor:` at the top: local or slurm, and Slurm's partition, account, QoS, extra sbatch
// arguments). Declared with `@Param` like a kind's parameters, so validation, defaults and
// Docs/ExperimentFile.md come from one place. Neither enters a stage's key: where and with how
// many cores a stage runs never changes its bytes (Docs/Reproducibility.md).
import Foundation
public import PipelineModel

/// What one stage asks of the machine: `resources:` in a stage, defaults from its kind.
public struct StageResources: ParameterGroup {
    @Param("cpus", .integer(min: 1, max: 4096), "cores: Slurm's --cpus-per-task; locally, stages computing at once share the cores out by it")
    public var cpus = 1

    @Param("memory", .checked(.string, summary: "a size such as 512M, 4G or 1T (Slurm's --mem)", check: StageResources.memoryProblem),
           "memory for the job (Slurm's --mem)")
    public var memory = "1G"

    @Param("time", .checked(.string, summary: "minutes, MM:SS, HH:MM:SS or D-HH:MM:SS (Slurm's --time)", check: StageResources.timeProblem),
           "time limit of the job (Slurm's --time); the job is killed when it runs out")
    public var time = "1:00:00"

    @Param("gres", .string, "generic resources, e.g. gpu:1 (Slurm's --gres); none by default")
    public var gres: String?

    public init() {}

    /// Resources with other defaults (a kind's).
    public init(cpus: Int, memory: String, time: String, gres: String? = nil) {
        self.cpus = cpus
        self.memory = memory
        self.time = time
        self.gres = gres
    }

    /// The values as resolved resources hold them (the form `resources:` resolves to).
    public var values: [String: ParamValue] {
        var out: [String: ParamValue] = ["cpus": .int(cpus), "memory": .string(memory), "time": .string(time)]
        if let gres { out["gres"] = .string(gres) }
        return out
    }

    /// The declared fields with `defaults` as their defaults: what a kind's `resources:` is checked against.
    public static func parameters(defaults: StageResources) -> [Parameter] {
        let given = defaults.values
        return parameters.map { Parameter($0.name, $0.type, default: given[$0.name], $0.summary) }
    }

    /// Resolved resources (validated by the loader) back as a value; nil fields take `defaults`.
    public static func resolved(_ values: [String: ParamValue], defaults: StageResources = StageResources()) -> StageResources {
        var r = defaults
        if case .int(let c)? = values["cpus"] { r.cpus = c }
        if case .string(let m)? = values["memory"] { r.memory = m }
        if case .string(let t)? = values["time"] { r.time = t }
        if case .string(let g)? = values["gres"] { r.gres = g }
        return r
    }

    /// Why `value` is not a Slurm memory size, or nil.
    static func memoryProblem(_ value: ParamValue) -> String? {
        guard case .string(let s) = value else { return "expected a size such as 4G" }
        let digits = s.prefix { $0.isNumber }
        let unit = s.dropFirst(digits.count)
        guard !digits.isEmpty, (Int(digits) ?? 0) > 0, unit.isEmpty || ["K", "M", "G", "T"].contains(unit.uppercased()) else {
            return "'\(s)' is not a memory size; write a whole number with K, M, G or T, e.g. 512M or 4G"
        }
        return nil
    }

    /// Why `value` is not a Slurm time limit, or nil.
    static func timeProblem(_ value: ParamValue) -> String? {
        guard case .string(let s) = value else { return "expected a time such as 1:00:00" }
        let (days, clock) = s.contains("-") ? (String(s.split(separator: "-", maxSplits: 1)[0]), String(s.split(separator: "-", maxSplits: 1).dropFirst().first ?? "")) : ("", s)
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false)
        let numeric = parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) } && (days.isEmpty || days.allSatisfy(\.isNumber))
        let fieldsOK = parts.count >= 1 && parts.count <= 3 && parts.dropFirst().allSatisfy { (Int($0) ?? 60) < 60 }
        guard numeric, fieldsOK, s != "0" else {
            return "'\(s)' is not a time limit; write minutes (90), MM:SS, HH:MM:SS or D-HH:MM:SS, e.g. 2:00:00"
        }
        return nil
    }
}

/// Where the stages of an experiment run: `executor:` at the top of the file (`--executor` overrides `kind`).
public struct ExecutorSettings: ParameterGroup {
    /// The executors.
    public enum Kind: String, ChoiceParameter {
        /// In this process, `--jobs` stages at a time.
        case local
        /// Every stage that must run becomes a Slurm job (`sbatch`), dependencies mirroring the graph.
        case slurm
    }

    @Param("kind", "local runs stages in this process; slurm submits each as a Slurm job")
    public var kind = Kind.local

    @Param("partition", .string, "Slurm partition (--partition); the cluster's default when left out")
    public var partition: String?

    @Param("account", .string, "Slurm account to charge (--account)")
    public var account: String?

    @Param("qos", .string, "Slurm quality of service (--qos)")
    public var qos: String?

    @Param("sbatch-args", .list(.string), "further sbatch arguments for every job, e.g. [--constraint=avx2]")
    public var sbatchArgs: [String] = []

    public init() {}

    /// Resolved settings (validated by the loader) back as a value.
    public static func resolved(_ values: [String: ParamValue]) -> ExecutorSettings {
        (try? ParameterDecoder.decode(ExecutorSettings.self, from: .object(values))) ?? ExecutorSettings()
    }
}
