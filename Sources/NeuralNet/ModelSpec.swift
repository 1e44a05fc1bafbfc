// ModelSpec: the declarative, Codable description of a sequential model — what an experiment
// file's `model:` holds — and the built-in `cao` network of the original tool.
// `kernel: 3` and `kernel: [3, 3]` both decode; unknown keys are errors, not silently dropped.
import Tensors

/// One layer of a model description.
public struct LayerSpec: Codable, Equatable, Sendable {
    /// Layer types a model file or experiment can name.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case conv2d, dense, activation, relu, softmax, flatten, dropout, maxpool2d
    }

    public var kind: Kind
    /// Layer name; generated Keras-style (`conv2d`, `conv2d_1`, …) when absent.
    public var name: String?
    /// Conv2D: number of filters.
    public var filters: Int?
    /// Dense: number of units.
    public var units: Int?
    /// Conv2D: kernel height and width.
    public var kernel: [Int]?
    /// Conv2D: border handling (default valid).
    public var padding: Padding?
    /// Conv2D, Dense, Activation: the activation (default linear).
    public var activation: Activation?
    /// Dropout: fraction of units dropped while training.
    public var rate: Double?
    /// MaxPool2D: window height and width.
    public var pool: [Int]?
    /// MaxPool2D: window step (default: the pool size).
    public var strides: [Int]?

    public init(kind: Kind, name: String? = nil) {
        self.kind = kind
        self.name = name
    }

    /// A stride-1 convolution.
    public static func conv2D(filters: Int, kernel: [Int], padding: Padding = .valid,
                              activation: Activation = .linear, name: String? = nil) -> LayerSpec {
        var s = LayerSpec(kind: .conv2d, name: name)
        s.filters = filters
        s.kernel = kernel
        s.padding = padding
        s.activation = activation
        return s
    }

    /// A fully connected layer.
    public static func dense(units: Int, activation: Activation = .linear, name: String? = nil) -> LayerSpec {
        var s = LayerSpec(kind: .dense, name: name)
        s.units = units
        s.activation = activation
        return s
    }

    /// A stand-alone activation.
    public static func activation(_ activation: Activation, name: String? = nil) -> LayerSpec {
        var s = LayerSpec(kind: .activation, name: name)
        s.activation = activation
        return s
    }

    public static func flatten(name: String? = nil) -> LayerSpec { LayerSpec(kind: .flatten, name: name) }

    public static func dropout(rate: Double, name: String? = nil) -> LayerSpec {
        var s = LayerSpec(kind: .dropout, name: name)
        s.rate = rate
        return s
    }

    public static func maxPool2D(pool: [Int], strides: [Int]? = nil, name: String? = nil) -> LayerSpec {
        var s = LayerSpec(kind: .maxpool2d, name: name)
        s.pool = pool
        s.strides = strides
        return s
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, name, filters, units, kernel, padding, activation, rate, pool, strides
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let any = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        for key in any.allKeys where !known.contains(key.stringValue) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: any,
                debugDescription: "unknown layer key '\(key.stringValue)'; known keys: \(CodingKeys.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .kind)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        filters = try c.decodeIfPresent(Int.self, forKey: .filters)
        units = try c.decodeIfPresent(Int.self, forKey: .units)
        kernel = try LayerSpec.decodePair(c, .kernel)
        padding = try c.decodeIfPresent(Padding.self, forKey: .padding)
        activation = try c.decodeIfPresent(Activation.self, forKey: .activation)
        rate = try c.decodeIfPresent(Double.self, forKey: .rate)
        pool = try LayerSpec.decodePair(c, .pool)
        strides = try LayerSpec.decodePair(c, .strides)
    }

    /// A size given as `3` (square) or `[3, 3]`.
    private static func decodePair(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [Int]? {
        if let single = try? c.decodeIfPresent(Int.self, forKey: key) { return [single, single] }
        return try c.decodeIfPresent([Int].self, forKey: key)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(filters, forKey: .filters)
        try c.encodeIfPresent(units, forKey: .units)
        try c.encodeIfPresent(kernel, forKey: .kernel)
        try c.encodeIfPresent(padding, forKey: .padding)
        try c.encodeIfPresent(activation, forKey: .activation)
        try c.encodeIfPresent(rate, forKey: .rate)
        try c.encodeIfPresent(pool, forKey: .pool)
        try c.encodeIfPresent(strides, forKey: .strides)
    }
}

/// A sequential model description: a name and a layer list.
public struct ModelSpec: Codable, Equatable, Sendable {
    public var name: String
    public var layers: [LayerSpec]

    public init(name: String, layers: [LayerSpec]) {
        self.name = name
        self.layers = layers
    }

    private enum CodingKeys: String, CodingKey { case name, layers }

    /// Decodes `{name, layers}` (name optional), or a bare layer list, named `custom`: the two
    /// ways an experiment file and Docs/Models.md write a model.
    public init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var layers: [LayerSpec] = []
            while !list.isAtEnd { layers.append(try list.decode(LayerSpec.self)) }
            self.init(name: "custom", layers: layers)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decodeIfPresent(String.self, forKey: .name) ?? "custom",
                  layers: try c.decode([LayerSpec].self, forKey: .layers))
    }

    /// The original tool's "cao" network: Conv2D(300, 3×3, valid, ReLU) → Conv2D(200, 3×3, valid, ReLU)
    /// → Flatten → Dense(200) → Dense(100) → Dense(classes, softmax). The two middle Dense layers are
    /// linear, as in the original.
    public static func cao(classes: Int) -> ModelSpec {
        ModelSpec(name: "cao", layers: [
            .conv2D(filters: 300, kernel: [3, 3], padding: .valid, activation: .relu, name: "conv1"),
            .conv2D(filters: 200, kernel: [3, 3], padding: .valid, activation: .relu, name: "conv2"),
            .flatten(name: "flatten"),
            .dense(units: 200, activation: .linear, name: "dense1"),
            .dense(units: 100, activation: .linear, name: "dense2"),
            .dense(units: classes, activation: .softmax, name: "predictions"),
        ])
    }

    /// Builds the model for per-sample inputs of `inputShape` (e.g. [5, 5, 200]); weights from `seed`.
    public func build(inputShape: [Int], seed: UInt64) throws(NeuralNetError) -> Sequential {
        guard !layers.isEmpty else { throw .invalidSpec("model \(name) has no layers") }
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidSpec("model \(name): input shape \(inputShape) must have positive extents")
        }
        _ = try checkedSizes(inputShape: inputShape)
        var rng = SeededRandom(seed: seed)
        var built: [any Layer] = []
        var shape = inputShape
        var used = Set<String>()
        var counters: [String: Int] = [:]
        for (index, layer) in layers.enumerated() {
            let name: String
            if let given = layer.name { name = given } else {
                name = try Self.generatedName(for: layer.kind, counters: &counters, used: used)
            }
            guard !name.isEmpty, !name.contains("/") else {
                throw .invalidSpec("layer \(index + 1) has the name '\(name)'; names are non-empty and have no '/'")
            }
            guard used.insert(name).inserted else {
                throw .invalidSpec("two layers are named '\(name)'; layer names must be unique")
            }
            let made = try layer.make(name: name, inputShape: shape, rng: &rng, seed: seed &+ UInt64(index) &* 0x9E37_79B9)
            shape = try made.outputShape(for: shape)
            built.append(made)
        }
        return try Sequential(name: name, inputShape: inputShape, layers: built)
    }

    /// The model's parameter count and its largest per-sample activation (elements), computed with
    /// checked arithmetic before anything is allocated, so a description read from a file
    /// (`kernel_size: 2^31`, `units: 2^40`, an input of 10⁹×10⁹) is an error, never a trap.
    public func checkedSizes(inputShape: [Int]) throws(NeuralNetError) -> (parameters: Int, largestActivation: Int) {
        func tooLarge(_ what: String) -> NeuralNetError {
            .invalidSpec("model \(name): \(what) is too large (its size overflows 64-bit arithmetic)")
        }
        func product(_ factors: [Int], _ what: String) throws(NeuralNetError) -> Int {
            guard let count = Tensor.checkedCount(of: factors) else { throw tooLarge(what) }
            return count
        }
        func sum(_ a: Int, _ b: Int, _ what: String) throws(NeuralNetError) -> Int {
            let (total, overflow) = a.addingReportingOverflow(b)
            guard !overflow else { throw tooLarge(what) }
            return total
        }
        guard inputShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidSpec("model \(name): input shape \(inputShape) must have positive extents")
        }
        var shape = inputShape
        var parameters = 0
        var largest = try product(shape, "the input \(shape)")
        for (index, layer) in layers.enumerated() {
            let label = layer.name ?? "#\(index + 1)"
            func positive(_ values: [Int]?, _ field: String) throws(NeuralNetError) -> [Int] {
                guard let values, !values.isEmpty, values.allSatisfy({ $0 > 0 }) else {
                    throw .invalidSpec("layer \(label) (\(layer.kind.rawValue)) needs a positive '\(field)'")
                }
                return values
            }
            switch layer.kind {
            case .conv2d:
                guard shape.count == 3 else { return (parameters, largest) } // build reports the shape error
                let filters = try positive(layer.filters.map { [$0] }, "filters")[0]
                let kernel = try positive(layer.kernel, "kernel")
                guard kernel.count == 2 else { return (parameters, largest) }
                let weights = try product([kernel[0], kernel[1], shape[2], filters], "layer \(label)'s kernel")
                parameters = try sum(parameters, try sum(weights, filters, "layer \(label)"), "the parameter count")
                let same = layer.padding == .same
                let (h, w) = same ? (shape[0], shape[1]) : (shape[0] - kernel[0] + 1, shape[1] - kernel[1] + 1)
                guard h > 0, w > 0 else { return (parameters, largest) }
                shape = [h, w, filters]
            case .dense:
                guard shape.count == 1 else { return (parameters, largest) }
                let units = try positive(layer.units.map { [$0] }, "units")[0]
                let weights = try product([shape[0], units], "layer \(label)'s kernel")
                parameters = try sum(parameters, try sum(weights, units, "layer \(label)"), "the parameter count")
                shape = [units]
            case .flatten:
                shape = [try product(shape, "layer \(label)'s output")]
            case .maxpool2d:
                guard shape.count == 3 else { return (parameters, largest) }
                let pool = try positive(layer.pool, "pool")
                let strides = try positive(layer.strides ?? pool, "strides")
                guard pool.count == 2, strides.count == 2, shape[0] >= pool[0], shape[1] >= pool[1] else { return (parameters, largest) }
                shape = [(shape[0] - pool[0]) / strides[0] + 1, (shape[1] - pool[1]) / strides[1] + 1, shape[2]]
            case .activation, .relu, .softmax, .dropout:
                break
            }
            largest = max(largest, try product(shape, "layer \(label)'s output \(shape)"))
        }
        return (parameters, largest)
    }

    /// Keras-style default names: conv2d, conv2d_1, dense, dense_1, …
    private static func generatedName(for kind: LayerSpec.Kind, counters: inout [String: Int], used: Set<String>) throws(NeuralNetError) -> String {
        let base: String
        switch kind {
        case .conv2d: base = "conv2d"
        case .dense: base = "dense"
        case .activation, .softmax: base = "activation"
        case .relu: base = "re_lu"
        case .flatten: base = "flatten"
        case .dropout: base = "dropout"
        case .maxpool2d: base = "max_pooling2d"
        }
        while true {
            let k = counters[base, default: 0]
            counters[base] = k + 1
            let candidate = k == 0 ? base : "\(base)_\(k)"
            if !used.contains(candidate) { return candidate }
        }
    }
}

extension LayerSpec {
    /// The runtime layer for this spec, validating its fields.
    func make(name: String, inputShape: [Int], rng: inout SeededRandom, seed: UInt64) throws(NeuralNetError) -> any Layer {
        func positive(_ v: Int?, _ field: String) throws(NeuralNetError) -> Int {
            guard let v else { throw .invalidSpec("layer \(name) (\(kind.rawValue)) needs '\(field)'") }
            guard v > 0 else { throw .invalidSpec("layer \(name): '\(field)' must be positive, got \(v)") }
            return v
        }
        func pair(_ v: [Int]?, _ field: String) throws(NeuralNetError) -> (Int, Int) {
            guard let v else { throw .invalidSpec("layer \(name) (\(kind.rawValue)) needs '\(field)'") }
            guard v.count == 2, v[0] > 0, v[1] > 0 else {
                throw .invalidSpec("layer \(name): '\(field)' must be one positive size or two, got \(v)")
            }
            return (v[0], v[1])
        }
        switch kind {
        case .conv2d:
            guard inputShape.count == 3 else {
                throw .incompatibleShape(layer: name, reason: "Conv2D needs height×width×channels input, got \(inputShape)")
            }
            return Conv2D(name: name, filters: try positive(filters, "filters"), kernelSize: try pair(kernel, "kernel"),
                          channels: inputShape[2], padding: padding ?? .valid, activation: activation ?? .linear, rng: &rng)
        case .dense:
            guard inputShape.count == 1 else {
                throw .incompatibleShape(layer: name, reason: "Dense needs a flat input, got \(inputShape); put a flatten layer before it")
            }
            return Dense(name: name, units: try positive(units, "units"), inputs: inputShape[0],
                         activation: activation ?? .linear, rng: &rng)
        case .activation:
            guard let activation else { throw .invalidSpec("layer \(name) (activation) needs 'activation'") }
            return ActivationLayer(name: name, activation: activation)
        case .relu:
            return ActivationLayer(name: name, activation: .relu)
        case .softmax:
            return ActivationLayer(name: name, activation: .softmax)
        case .flatten:
            return Flatten(name: name)
        case .dropout:
            guard let rate, rate >= 0, rate < 1 else {
                throw .invalidSpec("layer \(name) (dropout) needs 'rate' in [0, 1), got \(rate.map { "\($0)" } ?? "nothing")")
            }
            return Dropout(name: name, rate: rate, seed: seed)
        case .maxpool2d:
            let p = try pair(pool, "pool")
            var s: (Int, Int)?
            if let strides { s = try pair(strides, "strides") }
            return MaxPool2D(name: name, pool: p, strides: s)
        }
    }
}
