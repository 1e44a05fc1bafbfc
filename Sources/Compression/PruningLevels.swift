// PruningLevels: the levels of a sweep, in % of the ORIGINAL conv channels removed (cumulative),
// given as a list or as {from, to, step}; decodes from either YAML/JSON shape.

/// Pruning levels in percent of the original conv channels removed.
public enum PruningLevels: Sendable, Equatable, Codable {
    /// Explicit levels, strictly increasing.
    case list([Double])
    /// from, from + step, … up to and including `to` (within rounding).
    case range(from: Double, to: Double, step: Double)

    /// The levels, validated: each in 0...100, strictly increasing, at least one.
    public func values() throws(CompressionError) -> [Double] {
        let levels: [Double]
        switch self {
        case .list(let l):
            levels = l
        case .range(let from, let to, let step):
            guard step > 0, step.isFinite else { throw .invalidLevels("step must be positive, got \(step)") }
            guard to >= from else { throw .invalidLevels("to (\(to)) must not be below from (\(from))") }
            let count = Int(((to - from) / step + 1e-9).rounded(.down)) + 1
            // Rounded to 1e-9 so 0.1-style steps give 0.3, not 0.30000000000000004.
            levels = (0..<count).map { ((from + Double($0) * step) * 1e9).rounded() / 1e9 }
        }
        guard !levels.isEmpty else { throw .invalidLevels("no levels given") }
        for (i, l) in levels.enumerated() {
            guard l.isFinite, l >= 0, l <= 100 else {
                throw .invalidLevels("level \(l) is outside 0...100 (% of the original conv channels removed)")
            }
            if i > 0, l <= levels[i - 1] {
                throw .invalidLevels("levels are cumulative and must increase: \(levels[i - 1]) is followed by \(l)")
            }
        }
        return levels
    }

    private enum Keys: String, CodingKey { case from, to, step }

    public init(from decoder: any Decoder) throws {
        if let list = try? decoder.singleValueContainer().decode([Double].self) {
            self = .list(list)
            return
        }
        let c = try decoder.container(keyedBy: Keys.self)
        self = .range(from: try c.decode(Double.self, forKey: .from), to: try c.decode(Double.self, forKey: .to),
                      step: try c.decode(Double.self, forKey: .step))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .list(let l):
            var c = encoder.singleValueContainer()
            try c.encode(l)
        case .range(let from, let to, let step):
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(step, forKey: .step)
        }
    }
}
