// LoaderLimits: every bound the experiment loader puts on what a file may make it build — YAML
// nodes (aliases counted each time they are used), matrix instances, the length of an
// interpolated string and of all of them together, `--set` flags, and the length of names.
// A file past one of them fails validation fast, with a message naming the limit and its value,
// before anything is expanded beyond it.
import PipelineModel

/// The bounds on what one experiment file may expand to.
public struct LoaderLimits: Sendable, Equatable {
    /// YAML nodes after aliases are expanded, plus the nodes `${var}` substitutions copy.
    public var nodes = 1_000_000
    /// Stage instances after matrix expansion, over all stages.
    public var matrixInstances = 100_000
    /// UTF-8 bytes of one string after `${…}` interpolation.
    public var stringBytes = 1_000_000
    /// UTF-8 bytes of all interpolated strings together.
    public var totalStringBytes = 64_000_000
    /// `--set` overrides on one command line.
    public var overrides = 1_000
    /// Characters of the experiment name, a stage id, a variable name or a matrix value (they
    /// become file names: results/<name>/, figures/<stage-id>/).
    public var nameLength = 128

    /// The defaults above.
    public static let standard = LoaderLimits()

    public init() {}

    /// The problem with `count` `--set` flags, or nil when they are within the limit. The command
    /// line counts them before the argument parser sees them (parsing 20,000 repeated options
    /// takes a minute), the loader again for callers that pass overrides themselves.
    public func overridesProblem(count: Int) -> String? {
        guard count > overrides else { return nil }
        return "\(count) --set overrides are more than one run may take \(Self.named("overrides", overrides)); put the values in the experiment file"
    }

    /// The sentence a problem ends with: `(limit: matrix instances = 100000)`.
    static func named(_ what: String, _ value: Int) -> String { "(limit: \(what) = \(value))" }
}

/// A YAML scalar as far as its type depends on it.
struct ScalarKey: Hashable {
    let text: String
    let tag: String
    let plain: Bool
}

/// Counts what resolution has built against its limits; `exceeded` is set once, at the first one passed.
struct ExpansionBudget {
    let limits: LoaderLimits
    private(set) var nodes = 0
    private(set) var stringBytes = 0
    /// The first limit passed, as a message; nothing more is expanded after it.
    private(set) var exceeded: String?
    /// Scalars already typed while converting YAML, by text, explicit tag and style.
    var typedScalars: [ScalarKey: ParamValue] = [:]

    init(limits: LoaderLimits) { self.limits = limits }

    /// Counts `count` more nodes; false (and `exceeded` set) when that passes the node limit.
    mutating func spendNodes(_ count: Int) -> Bool {
        guard exceeded == nil else { return false }
        nodes += count
        if nodes > limits.nodes {
            exceeded = "the experiment expands to more than \(limits.nodes) YAML nodes (aliases count each time they are used, "
                + "`${var}` copies count again) \(LoaderLimits.named("nodes", limits.nodes)); a YAML alias bomb looks like this"
            return false
        }
        return true
    }

    /// Counts an interpolated string of `bytes`; false (and `exceeded` set) when it or the total is too long.
    mutating func spendString(_ bytes: Int) -> Bool {
        guard exceeded == nil else { return false }
        if bytes > limits.stringBytes {
            exceeded = "an interpolated string would be longer than \(limits.stringBytes) bytes \(LoaderLimits.named("string bytes", limits.stringBytes)); do `${…}` substitutions double a value?"
            return false
        }
        stringBytes += bytes
        if stringBytes > limits.totalStringBytes {
            exceeded = "interpolated strings would total more than \(limits.totalStringBytes) bytes \(LoaderLimits.named("total string bytes", limits.totalStringBytes))"
            return false
        }
        return true
    }
}
