// ParameterDecoder: a `Decoder` over a ParamValue, so a stage's typed parameters (and anything
// Decodable inside them, like a model's layer list) are read straight from the validated value —
// no JSON text in between. Keys of a ParameterGroup are its file names (`score-on`).
public import PipelineModel

/// Decodes Decodable values from a ParamValue.
public enum ParameterDecoder {
    /// `T` read from `value`.
    public static func decode<T: Decodable>(_ type: T.Type, from value: ParamValue) throws -> T {
        try ValueDecoder(value, path: []).decodeValue(T.self)
    }
}

/// A coding key for positions in lists and keys of mappings.
private struct PathKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    init(intValue: Int) { stringValue = "\(intValue)"; self.intValue = intValue }
}

private struct ValueDecoder: Decoder {
    let value: ParamValue
    let codingPath: [any CodingKey]
    /// Swift property → file key, for the group being decoded (empty: keys are used as written).
    var fileNames: [String: String] = [:]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ value: ParamValue, path: [any CodingKey]) {
        self.value = value
        codingPath = path
    }

    /// `T` from this decoder's value: a ParamValue as is, a group by its file names with its declared
    /// defaults for absent fields, anything else by its own init.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if let same = value as? T { return same }
        var decoder = self
        if let group = T.self as? any ParameterGroup.Type, case .object(var fields) = value {
            let declared = group.fields
            for field in declared where fields[field.declaration.name] == nil {
                if let d = field.declaration.defaultValue { fields[field.declaration.name] = d }
            }
            decoder = ValueDecoder(.object(fields), path: codingPath)
            decoder.fileNames = Dictionary(declared.map { ($0.property, $0.declaration.name) }, uniquingKeysWith: { a, _ in a })
        }
        return try T(from: decoder)
    }

    func child(_ value: ParamValue, _ key: any CodingKey) -> ValueDecoder {
        ValueDecoder(value, path: codingPath + [key])
    }

    func mismatch<T>(_ type: T.Type) -> DecodingError {
        DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(type), found \(value.typeName)"))
    }

    func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
        guard case .object(let fields) = value else { throw mismatch([String: ParamValue].self) }
        return KeyedDecodingContainer(Keyed<K>(decoder: self, fields: fields))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .list(let items) = value else { throw mismatch([ParamValue].self) }
        return Unkeyed(decoder: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(decoder: self) }

    // MARK: Scalars

    func scalar<T>(_ type: T.Type) throws -> T {
        let out: Any?
        switch type {
        case is Bool.Type: out = value.bool
        case is String.Type: out = value.string
        case is Double.Type: out = value.number
        case is Float.Type: out = value.number.map { Float($0) }
        case is Int.Type: out = value.int
        case is Int64.Type: out = value.int.map { Int64($0) }
        case is Int8.Type: out = value.int.flatMap { Int8(exactly: $0) }
        case is Int16.Type: out = value.int.flatMap { Int16(exactly: $0) }
        case is Int32.Type: out = value.int.flatMap { Int32(exactly: $0) }
        case is UInt8.Type: out = value.int.flatMap { UInt8(exactly: $0) }
        case is UInt16.Type: out = value.int.flatMap { UInt16(exactly: $0) }
        case is UInt64.Type: out = value.int.flatMap { UInt64(exactly: $0) }
        case is UInt32.Type: out = value.int.flatMap { UInt32(exactly: $0) }
        case is UInt.Type: out = value.int.flatMap { UInt(exactly: $0) }
        default: out = nil
        }
        guard let result = out as? T else { throw mismatch(type) }
        return result
    }
}

// MARK: - Containers

private struct Keyed<K: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: ValueDecoder
    let fields: [String: ParamValue]
    var codingPath: [any CodingKey] { decoder.codingPath }

    private func fileKey(_ key: K) -> String { decoder.fileNames[key.stringValue] ?? key.stringValue }
    private var propertyNames: [String: String] {
        Dictionary(decoder.fileNames.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
    }

    var allKeys: [K] { fields.keys.sorted().compactMap { K(stringValue: propertyNames[$0] ?? $0) } }
    func contains(_ key: K) -> Bool { fields[fileKey(key)] != nil }

    func decodeNil(forKey key: K) throws -> Bool { (fields[fileKey(key)] ?? .null) == .null }

    /// A missing key reads as null: an optional field is nil, anything else a clear type error.
    func decode<T: Decodable>(_ type: T.Type, forKey key: K) throws -> T { try at(key).decodeValue(T.self) }

    private func at(_ key: K) -> ValueDecoder { decoder.child(fields[fileKey(key)] ?? .null, PathKey(stringValue: fileKey(key))) }

    func decode(_ type: Bool.Type, forKey key: K) throws -> Bool { try at(key).scalar(type) }
    func decode(_ type: String.Type, forKey key: K) throws -> String { try at(key).scalar(type) }
    func decode(_ type: Double.Type, forKey key: K) throws -> Double { try at(key).scalar(type) }
    func decode(_ type: Float.Type, forKey key: K) throws -> Float { try at(key).scalar(type) }
    func decode(_ type: Int.Type, forKey key: K) throws -> Int { try at(key).scalar(type) }
    func decode(_ type: Int8.Type, forKey key: K) throws -> Int8 { try at(key).scalar(type) }
    func decode(_ type: Int16.Type, forKey key: K) throws -> Int16 { try at(key).scalar(type) }
    func decode(_ type: Int32.Type, forKey key: K) throws -> Int32 { try at(key).scalar(type) }
    func decode(_ type: Int64.Type, forKey key: K) throws -> Int64 { try at(key).scalar(type) }
    func decode(_ type: UInt.Type, forKey key: K) throws -> UInt { try at(key).scalar(type) }
    func decode(_ type: UInt8.Type, forKey key: K) throws -> UInt8 { try at(key).scalar(type) }
    func decode(_ type: UInt16.Type, forKey key: K) throws -> UInt16 { try at(key).scalar(type) }
    func decode(_ type: UInt32.Type, forKey key: K) throws -> UInt32 { try at(key).scalar(type) }
    func decode(_ type: UInt64.Type, forKey key: K) throws -> UInt64 { try at(key).scalar(type) }

    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: K) throws -> KeyedDecodingContainer<N> {
        try decoder.child(fields[fileKey(key)] ?? .null, key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: K) throws -> any UnkeyedDecodingContainer {
        try decoder.child(fields[fileKey(key)] ?? .null, key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: K) throws -> any Decoder { decoder.child(fields[fileKey(key)] ?? .null, key) }
}

private struct Unkeyed: UnkeyedDecodingContainer {
    let decoder: ValueDecoder
    let items: [ParamValue]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(decoder: ValueDecoder, items: [ParamValue]) {
        self.decoder = decoder
        self.items = items
    }

    private mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(ParamValue.self, .init(codingPath: codingPath, debugDescription: "the list has only \(items.count) elements"))
        }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], PathKey(intValue: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(T.self) }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().scalar(type) }
    mutating func decode(_ type: String.Type) throws -> String { try next().scalar(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().scalar(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().scalar(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().scalar(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().scalar(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().scalar(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().scalar(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().scalar(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().scalar(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().scalar(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().scalar(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().scalar(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().scalar(type) }

    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) throws -> KeyedDecodingContainer<N> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct Single: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(T.self) }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.scalar(type) }
    func decode(_ type: String.Type) throws -> String { try decoder.scalar(type) }
    func decode(_ type: Double.Type) throws -> Double { try decoder.scalar(type) }
    func decode(_ type: Float.Type) throws -> Float { try decoder.scalar(type) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.scalar(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.scalar(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.scalar(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.scalar(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.scalar(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.scalar(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.scalar(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.scalar(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.scalar(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.scalar(type) }
}
