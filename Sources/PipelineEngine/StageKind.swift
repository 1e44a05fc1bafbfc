// StageKind and StageRegistry: what the engine knows about a kind of stage — its name,
// implementation version, typed parameter declaration, typed input and output ports, and `run` —
// and the kind → stage table the engine is handed. The engine itself knows no kind;
// ExperimentStages fills the registry. How inputs are wired to ancestors' outputs is in InputWiring.swift.
public import PipelineModel

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
    /// The inputs the kind reads, each taken from the nearest ancestor that provides it.
    /// Empty: the kind reads whatever its direct `needs` wrote (the engine's fake stages, `sleep`).
    var inputs: [InputPort] { get }
    /// The outputs the kind writes.
    var outputs: [OutputPort] { get }
    /// Whether the kind is a testing utility: it runs when registered but is never listed to users.
    var isTestUtility: Bool { get }
    /// What a stage of this kind asks of the machine unless its `resources:` says otherwise.
    var resources: StageResources { get }
    /// What is wrong with a combination of parameters that no single field's declaration can say
    /// (NMF on standardized, signed input); validation reports it before anything runs.
    func problems(_ parameters: Parameters) -> [String]
    /// Does the work with the decoded parameters: reads inputs and writes outputs through the context.
    func run(_ parameters: Parameters, _ context: StageContext) throws
}

extension StageKind {
    public var isTestUtility: Bool { false }

    public var resources: StageResources { StageResources() }

    /// The parameters the kind accepts (besides `kind` and `needs`), as validation checks them.
    public var parameters: [Parameter] { Parameters.parameters }

    public func problems(_ parameters: Parameters) -> [String] { [] }

    /// `problems` of resolved parameters; none when they do not decode (the schema has said why).
    public func parameterProblems(_ params: [String: ParamValue]) -> [String] {
        guard let decoded = try? Parameters.decoded(from: params) else { return [] }
        return problems(decoded)
    }

    /// The engine's entry: decodes the context's resolved parameters and runs the kind with them.
    public func run(_ context: StageContext) throws {
        try run(try context.parameters(Parameters.self), context)
    }

    public var inputs: [InputPort] { [] }
}

// MARK: - Ports

/// What travels along an edge of the graph: the type of a stage's input or output, and the
/// artifact names (in the stage's cache record) that belong to it.
public enum PortType: String, Sendable, Hashable, CaseIterable, Comparable {
    /// A float32 H×W×B cube: artifact `cube`.
    case cube
    /// Train and test label maps of one split (int32 H×W): artifacts `train` and `test`.
    case split
    /// A fitted band transform: `transform` (JSON) and, for projections, `components`.
    case transform
    /// One float model (Keras-layout HDF5): `model`.
    case model
    /// One float model per pruning level: `model-<level>`.
    case modelsPerLevel = "models-per-level"
    /// Quantized models: `quantized` or `quantized-<level>`.
    case quantizedModels = "quantized-models"
    /// A training history (JSON): `history`.
    case history
    /// Predicted classes as a map (int32 H×W): `predictions`.
    case predictions
    /// TFLite models for LiteRT: every `*.tflite`.
    case tflite
    /// Figures: every `*.png`.
    case images
    /// Summaries as JSON documents: every other `*.json`.
    case json
    /// An opaque blob: `out` (test utilities).
    case blob

    /// The artifact names of this type, as written in the documentation.
    public var artifacts: String {
        switch self {
        case .cube: return "cube"
        case .split: return "train, test"
        case .transform: return "transform, components"
        case .model: return "model"
        case .modelsPerLevel: return "model-<level>"
        case .quantizedModels: return "quantized, quantized-<level>"
        case .history: return "history"
        case .predictions: return "predictions"
        case .tflite: return "*.tflite"
        case .images: return "*.png"
        case .json: return "*.json"
        case .blob: return "out"
        }
    }

    /// Whether the artifact `name` belongs to a port of this type.
    public func covers(_ name: String) -> Bool {
        switch self {
        case .cube: return name == "cube"
        case .split: return name == "train" || name == "test"
        case .transform: return name == "transform" || name == "components"
        case .model: return name == "model"
        case .modelsPerLevel: return name.hasPrefix("model-")
        case .quantizedModels: return (name == "quantized" || name.hasPrefix("quantized-")) && !name.hasSuffix(".tflite")
        case .tflite: return name.hasSuffix(".tflite")
        case .history: return name == "history"
        case .predictions: return name == "predictions"
        case .images: return name.hasSuffix(".png")
        case .json: return name.hasSuffix(".json")
        case .blob: return name == "out"
        }
    }

    public static func < (a: PortType, b: PortType) -> Bool { a.rawValue < b.rawValue }
}

/// An input of a stage kind: a name, the port types that satisfy it (the first ancestor, nearest
/// first, with an output of any of them provides it) and whether the kind can run without it.
public struct InputPort: Sendable, Hashable {
    public let name: String
    public let accepts: [PortType]
    public let required: Bool
    public let summary: String

    public init(_ name: String, _ accepts: [PortType], required: Bool = true, _ summary: String) {
        self.name = name
        self.accepts = accepts
        self.required = required
        self.summary = summary
    }

    /// An input named after the one type it accepts.
    public init(_ type: PortType, required: Bool = true, _ summary: String) {
        self.init(type.rawValue, [type], required: required, summary)
    }

    /// Whether the artifact `name` is read through this input.
    public func covers(_ name: String) -> Bool { accepts.contains { $0.covers(name) } }
}

/// An output of a stage kind: its type and what it holds.
public struct OutputPort: Sendable, Hashable {
    public let type: PortType
    public let summary: String

    public init(_ type: PortType, _ summary: String) {
        self.type = type
        self.summary = summary
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
