// StageID: the identity of one stage instance. A stage expanded by a matrix carries its
// assignment in the id, `train[bands=pca]` or `train[bands=pca,lr=0.01]` (matrix order).

/// The id of a stage instance: the stage's name in the file plus its matrix assignment, if any.
public struct StageID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The stage's key under `stages:` in the experiment file.
    public let name: String
    /// Matrix variable assignments in matrix declaration order.
    public let matrix: [Assignment]

    /// One matrix variable and the value this instance takes.
    public struct Assignment: Sendable, Hashable, Codable {
        public let variable: String
        public let value: String
        public init(variable: String, value: String) {
            self.variable = variable
            self.value = value
        }
    }

    public init(name: String, matrix: [Assignment] = []) {
        self.name = name
        self.matrix = matrix
    }

    /// `train` or `train[bands=pca]`.
    public var description: String {
        if matrix.isEmpty { return name }
        return name + "[" + matrix.map { "\($0.variable)=\($0.value)" }.joined(separator: ",") + "]"
    }

    /// Parses `train` or `train[bands=pca,lr=0.01]`; nil when the brackets are malformed.
    public init?(parsing text: String) {
        guard let open = text.firstIndex(of: "[") else {
            guard !text.isEmpty, !text.contains("]") else { return nil }
            self.init(name: text)
            return
        }
        guard text.hasSuffix("]"), open != text.startIndex else { return nil }
        let name = String(text[..<open])
        let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
        var assignments: [Assignment] = []
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2, !pieces[0].isEmpty else { return nil }
            assignments.append(Assignment(variable: String(pieces[0]), value: String(pieces[1])))
        }
        self.init(name: name, matrix: assignments)
    }

    /// The value this instance gives a matrix variable, if it is expanded over it.
    public func value(of variable: String) -> String? {
        matrix.first { $0.variable == variable }?.value
    }

    public static func < (a: StageID, b: StageID) -> Bool { a.description < b.description }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = StageID(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not a stage id like train or train[bands=pca]"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
