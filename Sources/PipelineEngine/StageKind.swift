// StageKind and StageRegistry: what the engine knows about a kind of stage — its name,
// implementation version, typed parameter declaration and `run` — and the kind → stage table
// the engine is handed. The engine itself knows no kind; ExperimentStages fills the registry.
import PipelineModel

/// A kind of stage (`load`, `band-select`, `train`, ...).
public protocol StageKind: Sendable {
    /// The kind's parameters as one declaration (`@Param` fields): validation, defaults, the
    /// documentation and the key's parameter part all come from it; `run` receives it decoded.
    associatedtype Parameters: ParameterGroup
    /// The name written after `kind:`.
    var kind: String { get }
    /// Bumped whenever the implementation changes its outputs; part of every key.
    var version: Int { get }
    /// One line for `Docs/ExperimentFile.md`.
    var summary: String { get }
    /// Names of the outputs the kind writes, for the documentation.
    var outputNames: [String] { get }
    /// Whether the kind is a testing utility: it runs when registered but is never listed to users.
    var isTestUtility: Bool { get }
    /// Does the work with the decoded parameters: reads inputs and writes outputs through the context.
    func run(_ parameters: Parameters, _ context: StageContext) throws
}

extension StageKind {
    public var isTestUtility: Bool { false }

    /// The parameters the kind accepts (besides `kind` and `needs`), as validation checks them.
    public var parameters: [Parameter] { Parameters.parameters }

    /// The engine's entry: decodes the context's resolved parameters and runs the kind with them.
    public func run(_ context: StageContext) throws {
        try run(try context.parameters(Parameters.self), context)
    }
}

/// The kinds a run may use, by name.
public struct StageRegistry: Sendable {
    public private(set) var kinds: [String: any StageKind] = [:]

    public init(_ kinds: [any StageKind] = []) {
        for k in kinds { register(k) }
    }

    /// Adds (or replaces) a kind.
    public mutating func register(_ kind: any StageKind) {
        kinds[kind.kind] = kind
    }

    public subscript(kind: String) -> (any StageKind)? { kinds[kind] }

    /// Kind names, sorted.
    public var names: [String] { kinds.keys.sorted() }

    /// The kind names users are told about ("known kinds"), sorted: test utilities are left out,
    /// unless the registry holds nothing else (the engine's own tests, which register fakes only).
    public var publicNames: [String] {
        let visible = kinds.values.filter { !$0.isTestUtility }.map(\.kind).sorted()
        return visible.isEmpty ? names : visible
    }
}
