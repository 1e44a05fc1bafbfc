// ParamValue: a JSON-like value for stage parameters, metrics and resolved experiment fields.
// It owns the canonical JSON form (sorted keys, no whitespace, shortest round-trip numbers)
// that fingerprints hash, and the dotted-path comparison that plan reasons and diffs print.
import Foundation

/// A parameter or metric value: null, bool, integer, number, string, list or object.
public enum ParamValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([ParamValue])
    case object([String: ParamValue])

    /// The value as a Double when it is a number.
    public var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The value as a string when it is one.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as an integer when it is one (or a whole double).
    public var int: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        default: return nil
        }
    }

    /// The value as a bool when it is one.
    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements when the value is a list.
    public var list: [ParamValue]? {
        if case .list(let l) = self { return l }
        return nil
    }

    /// The fields when the value is an object.
    public var object: [String: ParamValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// A field of an object value.
    public subscript(key: String) -> ParamValue? {
        object?[key]
    }

    /// A short name of the value's type, as error messages print it.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .list: return "a list"
        case .object: return "a mapping"
        }
    }

    // MARK: - Canonical JSON

    /// Canonical JSON: object keys sorted by code points, no whitespace, integers as integers,
    /// doubles in Swift's shortest round-trip form. Equal values give equal bytes.
    public var canonicalJSON: String {
        var out = ""
        writeCanonical(into: &out)
        return out
    }

    /// Appends the canonical JSON form to `out`.
    public func writeCanonical(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isNaN { out += "\"NaN\"" }
            else if d.isInfinite { out += d > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
            else if d.rounded() == d && abs(d) < 1e15 { out += String(Int(d)) + ".0" }
            else { out += "\(d)" }
        case .string(let s): ParamValue.writeQuoted(s, into: &out)
        case .list(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.writeCanonical(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, key) in fields.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                ParamValue.writeQuoted(key, into: &out)
                out += ":"
                fields[key]?.writeCanonical(into: &out)
            }
            out += "}"
        }
    }

    /// A JSON string literal with the escapes JSON requires.
    public static func writeQuoted(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// The value as people read it in a table: strings bare, lists and objects as compact JSON.
    public var displayText: String {
        switch self {
        case .string(let s): return s
        case .double(let d): return ParamValue.format(d)
        default: return canonicalJSON
        }
    }

    /// A number with at most 6 significant decimals, without a trailing ".0" noise.
    public static func format(_ d: Double) -> String {
        if d.rounded() == d && abs(d) < 1e15 { return String(Int(d)) }
        let text = String(format: "%.6g", d)
        return text
    }

    // MARK: - Differences

    /// One difference between two values at a dotted path (`optimizer.lr`).
    public struct Change: Sendable, Hashable, Codable {
        public let path: String
        public let old: ParamValue?
        public let new: ParamValue?

        public init(path: String, old: ParamValue?, new: ParamValue?) {
            self.path = path
            self.old = old
            self.new = new
        }

        /// `epochs 10 → 20`, `optimizer.lr (absent) → 0.01`.
        public var text: String {
            "\(path) \(old?.displayText ?? "(absent)") → \(new?.displayText ?? "(absent)")"
        }
    }

    /// Equal as JSON values: like `==`, except that an integer equals the same whole number
    /// (JSON does not keep 1 and 1.0 apart, so a value read back from a manifest may change case).
    public static func equivalent(_ a: ParamValue?, _ b: ParamValue?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (.int(let x)?, .double(let y)?), (.double(let y)?, .int(let x)?): return Double(x) == y
        case (.list(let x)?, .list(let y)?): return x.count == y.count && zip(x, y).allSatisfy { equivalent($0, $1) }
        case (.object(let x)?, .object(let y)?):
            return x.count == y.count && x.allSatisfy { key, value in y[key] != nil && equivalent(value, y[key]) }
        default: return a == b
        }
    }

    /// Leaf-level differences from `old` to `new`, objects compared key by key, sorted by path.
    public static func changes(from old: ParamValue?, to new: ParamValue?, path: String = "") -> [Change] {
        if equivalent(old, new) { return [] }
        if case .object(let a)? = old, case .object(let b)? = new {
            var out: [Change] = []
            for key in Set(a.keys).union(b.keys).sorted() {
                let sub = path.isEmpty ? key : "\(path).\(key)"
                out += changes(from: a[key], to: b[key], path: sub)
            }
            return out
        }
        return [Change(path: path, old: old, new: new)]
    }
}

// MARK: - Codable (plain JSON)

extension ParamValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        // Numbers first: they are most of a large manifest's values (a confusion matrix), and
        // every failed attempt costs an error with its coding path. JSON keeps booleans and
        // numbers apart, so the order does not change what a value decodes to.
        if let i = try? c.decode(Int.self) { self = .int(i); return }
        if let d = try? c.decode(Double.self) { self = .double(d); return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let l = try? c.decode([ParamValue].self) { self = .list(l); return }
        if let o = try? c.decode([String: ParamValue].self) { self = .object(o); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d):
            if d.isFinite { try c.encode(d) } else { try c.encode(d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity")) }
        case .string(let s): try c.encode(s)
        case .list(let l): try c.encode(l)
        case .object(let o): try c.encode(o)
        }
    }
}

extension ParamValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: ParamValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, ParamValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

// MARK: - Size bounds

extension ParamValue {
    /// The number of scalar leaves (an empty list or object counts as one), counted only up to
    /// `limit + 1`: a value of millions of numbers costs no more than the limit to measure.
    public func leafCount(upTo limit: Int) -> Int {
        var count = 0
        func walk(_ v: ParamValue) {
            guard count <= limit else { return }
            switch v {
            case .list(let items) where !items.isEmpty: for item in items { walk(item); if count > limit { return } }
            case .object(let fields) where !fields.isEmpty: for item in fields.values { walk(item); if count > limit { return } }
            default: count += 1
            }
        }
        walk(self)
        return count
    }

    /// What a large value is, in a few words: `3000×3000 values` for nested lists of equal length,
    /// `a list of 12000 values`, `an object of 40 fields`.
    public var sizeSummary: String {
        switch self {
        case .list(let items):
            var dims = [items.count]
            var first = items.first
            while case .list(let inner)? = first {
                dims.append(inner.count)
                first = inner.first
            }
            return dims.count > 1 ? dims.map(String.init).joined(separator: "×") + " values" : "a list of \(items.count) values"
        case .object(let fields): return "an object of \(fields.count) fields"
        default: return typeName
        }
    }

    /// A 64-bit FNV-1a digest of the value in hex, in linear time; numbers are hashed by value
    /// (1 and 1.0 agree, as `equivalent` has it) and object fields in key order.
    public var digest: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        func mix64(_ v: UInt64) { for i in 0..<8 { mix(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
        func walk(_ v: ParamValue) {
            switch v {
            case .null: mix(0)
            case .bool(let b): mix(1); mix(b ? 1 : 0)
            case .int, .double: mix(2); mix64((v.number ?? 0).bitPattern)
            case .string(let s): mix(3); mix64(UInt64(s.utf8.count)); for b in s.utf8 { mix(b) }
            case .list(let items): mix(4); mix64(UInt64(items.count)); for item in items { walk(item) }
            case .object(let fields):
                mix(5); mix64(UInt64(fields.count))
                for key in fields.keys.sorted() { walk(.string(key)); walk(fields[key] ?? .null) }
            }
        }
        walk(self)
        return String(h, radix: 16)
    }
}
