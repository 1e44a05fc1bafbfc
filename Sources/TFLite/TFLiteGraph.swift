// TFLiteGraph: a TensorFlow Lite model as plain values — tensors (shape, type, constant data,
// per-channel quantization), operators with their options, one subgraph — and its serialization
// through FlatBufferBuilder with the field ids of TFLiteSchema. Also reads back the parts HSIFlow
// writes, so tests and `inspect` can check a file without LiteRT.
import Foundation

/// One TFLite model with one subgraph.
public struct TFLiteGraph: Sendable, Equatable {
    /// Symmetric per-channel quantization of a constant tensor: value ≈ q · scale[c] along `dimension`.
    public struct Quantization: Sendable, Equatable {
        public var scales: [Float]
        public var zeroPoints: [Int64]
        public var dimension: Int
    }

    public struct Tensor: Sendable, Equatable {
        public var name: String
        /// Shape with batch 1 in front for activations.
        public var shape: [Int32]
        /// The shape with −1 where a dimension may change (the batch), nil when it equals `shape`.
        public var signature: [Int32]?
        public var type: TFLiteSchema.TensorType
        /// Index into `buffers`; 0 (the empty buffer) for tensors computed at run time.
        public var buffer: Int
        public var quantization: Quantization?
    }

    /// An operator's options (one case per BuiltinOptions table HSIFlow writes).
    public enum Options: Sendable, Equatable {
        case none
        case conv2D(padding: TFLiteSchema.Padding, activation: TFLiteSchema.ActivationFunction)
        case pool2D(padding: TFLiteSchema.Padding, stride: (h: Int32, w: Int32), filter: (h: Int32, w: Int32))
        case fullyConnected(activation: TFLiteSchema.ActivationFunction, asymmetricQuantizeInputs: Bool)
        case softmax(beta: Float)
        case reshape(newShape: [Int32])

        public static func == (a: Options, b: Options) -> Bool {
            switch (a, b) {
            case (.none, .none): return true
            case let (.conv2D(p, x), .conv2D(q, y)): return p == q && x == y
            case let (.pool2D(p, s, f), .pool2D(q, t, g)): return p == q && s == t && f == g
            case let (.fullyConnected(x, s), .fullyConnected(y, t)): return x == y && s == t
            case let (.softmax(x), .softmax(y)): return x == y
            case let (.reshape(x), .reshape(y)): return x == y
            default: return false
            }
        }

        var tag: TFLiteSchema.BuiltinOptions {
            switch self {
            case .none: return .none
            case .conv2D: return .conv2DOptions
            case .pool2D: return .pool2DOptions
            case .fullyConnected: return .fullyConnectedOptions
            case .softmax: return .softmaxOptions
            case .reshape: return .reshapeOptions
            }
        }
    }

    public struct Operator: Sendable, Equatable {
        public var code: TFLiteSchema.BuiltinOperator
        public var inputs: [Int32]
        public var outputs: [Int32]
        public var options: Options
    }

    public var tensors: [Tensor] = []
    public var operators: [Operator] = []
    /// Constant data; buffer 0 is empty by convention.
    public var buffers: [[UInt8]] = [[]]
    public var inputs: [Int32] = []
    public var outputs: [Int32] = []
    public var description = "HSIFlow"

    public init() {}

    // MARK: - Building

    /// Adds a tensor computed at run time; returns its index.
    public mutating func addActivation(_ name: String, shape: [Int], dynamicBatch: Bool = true) -> Int32 {
        let s = shape.map { Int32($0) }
        var signature: [Int32]? = nil
        if dynamicBatch, !s.isEmpty { signature = [-1] + s.dropFirst() }
        tensors.append(Tensor(name: name, shape: s, signature: signature, type: .float32, buffer: 0, quantization: nil))
        return Int32(tensors.count - 1)
    }

    /// Adds a constant tensor holding `bytes` (little-endian elements of `type`); returns its index.
    public mutating func addConstant(_ name: String, shape: [Int], type: TFLiteSchema.TensorType, bytes: [UInt8],
                                     quantization: Quantization? = nil) -> Int32 {
        buffers.append(bytes)
        tensors.append(Tensor(name: name, shape: shape.map { Int32($0) }, signature: nil, type: type,
                              buffer: buffers.count - 1, quantization: quantization))
        return Int32(tensors.count - 1)
    }

    /// Adds a Float32 constant.
    public mutating func addConstant(_ name: String, shape: [Int], floats: [Float]) -> Int32 {
        var bytes = [UInt8](); bytes.reserveCapacity(floats.count * 4)
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return addConstant(name, shape: shape, type: .float32, bytes: bytes)
    }

    /// Adds an Int32 constant.
    public mutating func addConstant(_ name: String, shape: [Int], int32s: [Int32]) -> Int32 {
        var bytes = [UInt8](); bytes.reserveCapacity(int32s.count * 4)
        for v in int32s { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        return addConstant(name, shape: shape, type: .int32, bytes: bytes)
    }

    /// The operator codes in first-use order (an operator's opcode_index points into it).
    var operatorCodes: [TFLiteSchema.BuiltinOperator] {
        var codes: [TFLiteSchema.BuiltinOperator] = []
        for op in operators where !codes.contains(op.code) { codes.append(op.code) }
        return codes
    }

    // MARK: - Serialization

    /// The `.tflite` file bytes.
    public func serialized() -> [UInt8] {
        typealias S = TFLiteSchema
        var b = FlatBufferBuilder()
        // Buffers first (the largest data), each data vector 16-byte aligned as the schema asks.
        let bufferTables = buffers.map { data -> FlatBufferOffset in
            let vector = data.isEmpty ? nil : b.createBytes(data, alignment: 16)
            b.startTable()
            if let vector { b.addField(S.Buffer.data, reference: vector) }
            return b.endTable()
        }
        let tensorTables = tensors.map { t -> FlatBufferOffset in
            let name = b.createString(t.name)
            let shape = b.createVector(t.shape)
            let signature = t.signature.map { b.createVector($0) }
            var quantization: FlatBufferOffset?
            if let q = t.quantization {
                let scales = b.createVector(q.scales)
                let zeros = b.createVector(q.zeroPoints)
                b.startTable()
                b.addField(S.QuantizationParameters.scale, reference: scales)
                b.addField(S.QuantizationParameters.zeroPoint, reference: zeros)
                b.addField(S.QuantizationParameters.quantizedDimension, Int32(q.dimension))
                quantization = b.endTable()
            }
            b.startTable()
            b.addField(S.Tensor.shape, reference: shape)
            b.addField(S.Tensor.type, t.type.rawValue)
            b.addField(S.Tensor.buffer, UInt32(t.buffer))
            b.addField(S.Tensor.name, reference: name)
            if let quantization { b.addField(S.Tensor.quantization, reference: quantization) }
            if let signature { b.addField(S.Tensor.shapeSignature, reference: signature) }
            return b.endTable()
        }
        let codes = operatorCodes
        let operatorTables = operators.map { op -> FlatBufferOffset in
            let inputs = b.createVector(op.inputs)
            let outputs = b.createVector(op.outputs)
            let options = Self.options(op.options, into: &b)
            b.startTable()
            b.addField(S.Operator.opcodeIndex, UInt32(codes.firstIndex(of: op.code) ?? 0))
            b.addField(S.Operator.inputs, reference: inputs)
            b.addField(S.Operator.outputs, reference: outputs)
            if let options {
                b.addField(S.Operator.builtinOptionsType, op.options.tag.rawValue)
                b.addField(S.Operator.builtinOptions, reference: options)
            }
            return b.endTable()
        }
        let subgraphName = b.createString("main")
        let tensorVector = b.createVector(of: tensorTables)
        let inputVector = b.createVector(inputs)
        let outputVector = b.createVector(outputs)
        let operatorVector = b.createVector(of: operatorTables)
        b.startTable()
        b.addField(S.SubGraph.tensors, reference: tensorVector)
        b.addField(S.SubGraph.inputs, reference: inputVector)
        b.addField(S.SubGraph.outputs, reference: outputVector)
        b.addField(S.SubGraph.operators, reference: operatorVector)
        b.addField(S.SubGraph.name, reference: subgraphName)
        let subgraph = b.endTable()

        let codeTables = codes.map { code -> FlatBufferOffset in
            b.startTable()
            b.addField(S.OperatorCode.deprecatedBuiltinCode, Int8(clamping: code.rawValue))
            b.addField(S.OperatorCode.version, Int32(1), default: 1)
            b.addField(S.OperatorCode.builtinCode, code.rawValue)
            return b.endTable()
        }
        let codeVector = b.createVector(of: codeTables)
        let subgraphVector = b.createVector(of: [subgraph])
        let descriptionString = b.createString(description)
        let bufferVector = b.createVector(of: bufferTables)
        b.startTable()
        b.addField(S.Model.version, S.version)
        b.addField(S.Model.operatorCodes, reference: codeVector)
        b.addField(S.Model.subgraphs, reference: subgraphVector)
        b.addField(S.Model.description, reference: descriptionString)
        b.addField(S.Model.buffers, reference: bufferVector)
        let model = b.endTable()
        return b.finished(root: model, fileIdentifier: S.fileIdentifier)
    }

    /// Writes an options table; nil for operators without options.
    private static func options(_ options: Options, into b: inout FlatBufferBuilder) -> FlatBufferOffset? {
        typealias S = TFLiteSchema
        switch options {
        case .none:
            return nil
        case let .conv2D(padding, activation):
            b.startTable()
            b.addField(S.Conv2DOptions.padding, padding.rawValue)
            b.addField(S.Conv2DOptions.strideW, Int32(1))
            b.addField(S.Conv2DOptions.strideH, Int32(1))
            b.addField(S.Conv2DOptions.fusedActivationFunction, activation.rawValue)
            b.addField(S.Conv2DOptions.dilationWFactor, Int32(1), default: 1)
            b.addField(S.Conv2DOptions.dilationHFactor, Int32(1), default: 1)
            return b.endTable()
        case let .pool2D(padding, stride, filter):
            b.startTable()
            b.addField(S.Pool2DOptions.padding, padding.rawValue)
            b.addField(S.Pool2DOptions.strideW, stride.w)
            b.addField(S.Pool2DOptions.strideH, stride.h)
            b.addField(S.Pool2DOptions.filterWidth, filter.w)
            b.addField(S.Pool2DOptions.filterHeight, filter.h)
            return b.endTable()
        case let .fullyConnected(activation, asymmetric):
            b.startTable()
            b.addField(S.FullyConnectedOptions.fusedActivationFunction, activation.rawValue)
            b.addField(S.FullyConnectedOptions.asymmetricQuantizeInputs, asymmetric)
            return b.endTable()
        case let .softmax(beta):
            b.startTable()
            b.addField(S.SoftmaxOptions.beta, beta)
            return b.endTable()
        case let .reshape(newShape):
            let shape = b.createVector(newShape)
            b.startTable()
            b.addField(S.ReshapeOptions.newShape, reference: shape)
            return b.endTable()
        }
    }
}

// MARK: - Reading back

extension TFLiteGraph {
    /// What a `.tflite` file holds, read back: operators by name, tensor shapes and types. Throws a
    /// TFLiteError when the bytes are not a TFLite FlatBuffer.
    public struct Summary: Sendable, Equatable {
        public var version: UInt32
        public var operators: [String]
        public var inputShapes: [[Int32]]
        public var outputShapes: [[Int32]]
        /// Constant tensors stored as int8, with their number of scales and quantized dimension.
        public var int8Tensors: [(name: String, scales: Int, dimension: Int32)]

        public static func == (a: Summary, b: Summary) -> Bool {
            a.version == b.version && a.operators == b.operators && a.inputShapes == b.inputShapes && a.outputShapes == b.outputShapes
                && a.int8Tensors.map(\.name) == b.int8Tensors.map(\.name) && a.int8Tensors.map(\.scales) == b.int8Tensors.map(\.scales)
        }
    }

    /// Reads the summary of a `.tflite` file's bytes.
    public static func summary(of bytes: [UInt8], source: String) throws(TFLiteError) -> Summary {
        typealias S = TFLiteSchema
        let r = FlatBufferReader(bytes)
        guard r.fileIdentifier == S.fileIdentifier, let model = r.root,
              let subgraph = r.tables(table: model, id: S.Model.subgraphs)?.first,
              let tensors = r.tables(table: subgraph, id: S.SubGraph.tensors),
              let ops = r.tables(table: subgraph, id: S.SubGraph.operators),
              let codes = r.tables(table: model, id: S.Model.operatorCodes) else {
            throw .malformed(path: source, reason: "not a TFLite model (no \(S.fileIdentifier) identifier, model, subgraph, tensors or operators)")
        }
        let codeValues = codes.map { r.field(Int32.self, table: $0, id: S.OperatorCode.builtinCode) }
        var names: [String] = []
        for op in ops {
            let index = Int(r.field(UInt32.self, table: op, id: S.Operator.opcodeIndex))
            guard index < codeValues.count else { throw .malformed(path: source, reason: "operator code \(index) is out of range") }
            names.append(S.BuiltinOperator(rawValue: codeValues[index]).map { "\($0)" } ?? "builtin-\(codeValues[index])")
        }
        func shapes(_ id: Int) -> [[Int32]] {
            (r.integers(Int32.self, table: subgraph, id: id) ?? []).compactMap { i in
                Int(i) < tensors.count ? r.integers(Int32.self, table: tensors[Int(i)], id: S.Tensor.shape) : nil
            }
        }
        var int8: [(name: String, scales: Int, dimension: Int32)] = []
        for t in tensors where r.field(Int8.self, table: t, id: S.Tensor.type) == S.TensorType.int8.rawValue {
            let q = r.reference(table: t, id: S.Tensor.quantization)
            let scales = q.flatMap { r.integers(UInt32.self, table: $0, id: S.QuantizationParameters.scale) }?.count ?? 0
            let dim = q.map { r.field(Int32.self, table: $0, id: S.QuantizationParameters.quantizedDimension) } ?? 0
            int8.append((name: r.string(table: t, id: S.Tensor.name) ?? "?", scales: scales, dimension: dim))
        }
        return Summary(version: r.field(UInt32.self, table: model, id: S.Model.version), operators: names,
                       inputShapes: shapes(S.SubGraph.inputs), outputShapes: shapes(S.SubGraph.outputs), int8Tensors: int8)
    }
}
