// ParameterDeclaration: a stage kind's parameters as one typed struct. Each field is an `@Param`
// that carries, in one place, its name in the experiment file, its type and range, its default
// (the property's initial value) and one line of documentation — the way swift-argument-parser
// declares an `@Option`. The schema validation checks, the defaults it fills in, the generated
// Docs/ExperimentFile.md and the typed value a stage's `run` receives all come from it.
import Foundation
public import PipelineModel

// MARK: - Values a parameter can hold

/// A Swift type a declared parameter can have: how it is validated and how a default of it is
/// written into the resolved parameters (the form that enters the stage's key).
public protocol ParameterValue: Decodable, Sendable {
    /// The type validation checks when the declaration names none.
    static var parameterType: ParameterType { get }
    /// The value as resolved parameters hold it.
    var parameterValue: ParamValue { get }
}

extension Int: ParameterValue {
    public static var parameterType: ParameterType { .integer() }
    public var parameterValue: ParamValue { .int(self) }
}

extension Double: ParameterValue {
    public static var parameterType: ParameterType { .number() }
    /// A whole number is written as an integer (`0`, not `0.0`): defaults have always been filled
    /// in that form, and stage keys (hence existing caches) depend on it.
    public var parameterValue: ParamValue {
        rounded() == self && abs(self) < 1e15 ? .int(Int(self)) : .double(self)
    }
}

extension String: ParameterValue {
    public static var parameterType: ParameterType { .string }
    public var parameterValue: ParamValue { .string(self) }
}

extension Bool: ParameterValue {
    public static var parameterType: ParameterType { .bool }
    public var parameterValue: ParamValue { .bool(self) }
}

extension Array: ParameterValue where Element: ParameterValue {
    public static var parameterType: ParameterType { .list(Element.parameterType) }
    public var parameterValue: ParamValue { .list(map(\.parameterValue)) }
}

/// Any value, checked by the stage itself (`.any`).
extension ParamValue: ParameterValue {
    public static var parameterType: ParameterType { .any }
    public var parameterValue: ParamValue { self }
}

extension Optional: ParameterValue where Wrapped: ParameterValue {
    public static var parameterType: ParameterType { Wrapped.parameterType }
    public var parameterValue: ParamValue { self?.parameterValue ?? .null }
}

/// One of fixed words: an enum whose raw values are what the experiment file writes.
public protocol ChoiceParameter: ParameterValue, RawRepresentable<String>, CaseIterable {}

extension ChoiceParameter {
    public static var parameterType: ParameterType { .choice(allCases.map(\.rawValue)) }
    public var parameterValue: ParamValue { .string(rawValue) }
}

// MARK: - Groups of parameters

/// A struct of `@Param` fields: a stage kind's parameters, or a nested mapping of them
/// (`finetune: {epochs, lr, batch}`). `init()` gives every field its default; a field without
/// one is optional (nil) or required (read only after decoding).
public protocol ParameterGroup: ParameterValue {
    init()
}

extension ParameterGroup {
    /// The declared fields in declaration order, as validation and the documentation see them.
    public static var parameters: [Parameter] { fields.map(\.declaration) }

    /// Declared fields with the Swift property each one is (read once per type by reflection).
    static var fields: [(property: String, declaration: Parameter)] {
        DeclarationCache.shared.fields(of: Self.self) {
            Mirror(reflecting: Self()).children.compactMap { child in
                guard let field = child.value as? any DeclaredParameter, let label = child.label else { return nil }
                // A wrapped property's storage is labelled `_name`.
                return (label.hasPrefix("_") ? String(label.dropFirst()) : label, field.declaration)
            }
        }
    }

    /// A nested mapping: its fields are checked one by one.
    public static var parameterType: ParameterType { .object(parameters) }
    /// As a default, a nested mapping is written empty and completed with its fields' own defaults
    /// when the schema fills it in (so `x: {}` and no `x` give one key).
    public var parameterValue: ParamValue { .object([:]) }

    /// The group decoded from resolved parameters (validated against `parameters`); an absent
    /// field takes its declared default.
    public static func decoded(from params: [String: ParamValue]) throws -> Self {
        try ParameterDecoder.decode(Self.self, from: .object(params))
    }
}

/// Declarations by group type: reflection runs once per type, not once per stage (a 1,000-stage
/// plan asks for them a thousand times).
private final class DeclarationCache: @unchecked Sendable {
    static let shared = DeclarationCache()
    private let lock = NSLock()
    private var byType: [ObjectIdentifier: [(property: String, declaration: Parameter)]] = [:]

    func fields(of type: Any.Type, _ read: () -> [(property: String, declaration: Parameter)]) -> [(property: String, declaration: Parameter)] {
        if let known = lock.withLock({ byType[ObjectIdentifier(type)] }) { return known }
        let fields = read()
        lock.withLock { byType[ObjectIdentifier(type)] = fields }
        return fields
    }
}

// MARK: - The field declaration

/// What the engine reads from an `@Param` without knowing its Swift type.
protocol DeclaredParameter {
    var declaration: Parameter { get }
}

/// A declared parameter: name in the file, type, default (the property's initial value) and one
/// line of documentation, in one place.
///
///     @Param("epochs", .integer(min: 0, max: 100_000), "passes over the training pixels")
///     var epochs = 10
///     @Param("seed", .integer(min: 0), "seed (default: the experiment seed)")
///     var seed: Int?
///     @Param(required: "levels", LevelsParameter.parameterType, "levels to prune to")
///     var levels: LevelsParameter
@propertyWrapper
public struct Param<Value: ParameterValue>: Sendable, Decodable, DeclaredParameter {
    let declaration: Parameter
    private var value: Value?

    /// The decoded value. A required field of a bare declaration (`init()`) has none yet; decoding
    /// guarantees one, since validation refuses a stage without it.
    public var wrappedValue: Value {
        get {
            guard let value else { preconditionFailure("required parameter '\(declaration.name)' read before decoding") }
            return value
        }
        set { value = newValue }
    }

    /// A parameter with a default, validated as `type`.
    public init(wrappedValue: Value, _ name: String, _ type: ParameterType, _ summary: String) {
        declaration = Parameter(name, type, default: wrappedValue.parameterValue, summary)
        value = wrappedValue
    }

    /// A parameter with a default, validated as its Swift type says (a choice, a nested mapping, ...).
    public init(wrappedValue: Value, _ name: String, _ summary: String) {
        self.init(wrappedValue: wrappedValue, name, Value.parameterType, summary)
    }

    /// An optional parameter without a default: nil when the file leaves it out.
    public init<Wrapped>(_ name: String, _ type: ParameterType, _ summary: String) where Value == Wrapped? {
        declaration = Parameter(name, type, summary)
        value = .some(nil)
    }

    /// An optional parameter without a default, validated as its Swift type says.
    public init<Wrapped>(_ name: String, _ summary: String) where Value == Wrapped? {
        self.init(name, Wrapped.parameterType, summary)
    }

    /// A parameter the file must give.
    public init(required name: String, _ type: ParameterType, _ summary: String) {
        declaration = Parameter(name, type, required: true, summary)
        value = nil
    }

    /// Decodes the value alone (the declaration is the type's, see `ParameterGroup.parameters`).
    public init(from decoder: any Decoder) throws {
        declaration = Parameter("", .any, "")
        value = try decoder.singleValueContainer().decode(Value.self)
    }
}
