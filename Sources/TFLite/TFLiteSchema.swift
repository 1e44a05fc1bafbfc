// TFLiteSchema: the one table of TensorFlow Lite schema numbers HSIFlow writes — each table's field
// ids (the order of fields in tensorflow/lite/schema/schema.fbs, version 3) and the enum values of
// the operators, tensor types, options, paddings and activations used. Nothing else in HSIFlow
// spells a schema number.

/// Field ids and enum values of the TFLite schema (schema.fbs, file identifier "TFL3").
public enum TFLiteSchema {
    public static let fileIdentifier = "TFL3"
    public static let version: UInt32 = 3

    // MARK: - Field ids (position of the field in its table)

    public enum Model { public static let version = 0, operatorCodes = 1, subgraphs = 2, description = 3, buffers = 4 }
    public enum OperatorCode { public static let deprecatedBuiltinCode = 0, customCode = 1, version = 2, builtinCode = 3 }
    public enum SubGraph { public static let tensors = 0, inputs = 1, outputs = 2, operators = 3, name = 4 }
    public enum Tensor {
        public static let shape = 0, type = 1, buffer = 2, name = 3, quantization = 4, isVariable = 5, sparsity = 6, shapeSignature = 7
    }
    public enum QuantizationParameters {
        public static let min = 0, max = 1, scale = 2, zeroPoint = 3, detailsType = 4, details = 5, quantizedDimension = 6
    }
    public enum Operator {
        public static let opcodeIndex = 0, inputs = 1, outputs = 2, builtinOptionsType = 3, builtinOptions = 4
    }
    public enum Buffer { public static let data = 0 }
    public enum Conv2DOptions {
        public static let padding = 0, strideW = 1, strideH = 2, fusedActivationFunction = 3, dilationWFactor = 4, dilationHFactor = 5
    }
    public enum Pool2DOptions {
        public static let padding = 0, strideW = 1, strideH = 2, filterWidth = 3, filterHeight = 4, fusedActivationFunction = 5
    }
    public enum FullyConnectedOptions {
        public static let fusedActivationFunction = 0, weightsFormat = 1, keepNumDims = 2, asymmetricQuantizeInputs = 3
    }
    public enum SoftmaxOptions { public static let beta = 0 }
    public enum ReshapeOptions { public static let newShape = 0 }

    // MARK: - Enum values

    /// BuiltinOperator values (int32 in OperatorCode.builtin_code; deprecated_builtin_code is the
    /// same value as a byte for codes below 127).
    public enum BuiltinOperator: Int32, Sendable {
        case conv2D = 3
        case fullyConnected = 9
        case maxPool2D = 17
        case relu = 19
        case reshape = 22
        case softmax = 25
    }

    /// BuiltinOptions union tags (Operator.builtin_options_type).
    public enum BuiltinOptions: UInt8, Sendable {
        case none = 0
        case conv2DOptions = 1
        case pool2DOptions = 5
        case fullyConnectedOptions = 8
        case softmaxOptions = 9
        case reshapeOptions = 17
    }

    /// TensorType values.
    public enum TensorType: Int8, Sendable {
        case float32 = 0
        case int32 = 2
        case int8 = 9
    }

    /// Padding values.
    public enum Padding: Int8, Sendable {
        case same = 0
        case valid = 1
    }

    /// ActivationFunctionType values.
    public enum ActivationFunction: Int8, Sendable {
        case none = 0
        case relu = 1
    }
}
