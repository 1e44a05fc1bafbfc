// QuantizedModelFile: a weight-quantized sequential model in HDF5 — the Keras `model_config` of its
// structure plus, per Conv2D/Dense layer, the integer kernel (int8, or 4-bit values packed two per
// byte), one Float32 scale per output channel and the Float32 bias. The value types are plain
// (spec, shapes, integers) so this module stays below Compression, which converts to them.
// Encoded to and decoded from bytes in memory; a file is those bytes, written atomically.
import CHDF5
public import Foundation
public import NeuralNet
import Tensors

/// The stored parts of one quantized layer.
public struct QuantizedLayerContents: Sendable, Equatable {
    public var layer: String
    /// The float kernel's shape; its last axis is the output channel.
    public var kernelShape: [Int]
    /// Kernel values in [−(2^(bits−1) − 1), 2^(bits−1) − 1], row-major.
    public var values: [Int8]
    /// One scale per output channel: w ≈ value · scale.
    public var scales: [Float]
    public var bias: [Float]

    public init(layer: String, kernelShape: [Int], values: [Int8], scales: [Float], bias: [Float]) {
        self.layer = layer
        self.kernelShape = kernelShape
        self.values = values
        self.scales = scales
        self.bias = bias
    }
}

/// Everything a quantized model file holds.
public struct QuantizedModelContents: Sendable, Equatable {
    public var spec: ModelSpec
    public var inputShape: [Int]
    /// 8 or 4.
    public var bits: Int
    /// Conv2D and Dense layers, in layer order.
    public var layers: [QuantizedLayerContents]

    public init(spec: ModelSpec, inputShape: [Int], bits: Int, layers: [QuantizedLayerContents]) {
        self.spec = spec
        self.inputShape = inputShape
        self.bits = bits
        self.layers = layers
    }
}

/// Saves and loads weight-quantized models (HSIFlow's layout; Keras cannot load quantized weights).
///
/// Layout: root attributes `model_config` (Keras Sequential JSON), `hsiflow_version`,
/// `quantization` = "symmetric-per-output-channel", `quantization_bits` ("8" or "4"); group
/// `quantized_weights/<layer>` with datasets `kernel` (int8 in the kernel's shape; for 4 bits,
/// uint8 bytes holding two values each, low nibble first), `kernel_shape` (int32),
/// `kernel_scale` (float32, one per output channel) and `bias` (float32).
public enum QuantizedModelFile {
    public static let scheme = "symmetric-per-output-channel"

    /// Writes `contents` atomically (FileAccess: temporary file, fsync, rename).
    public static func save(_ contents: QuantizedModelContents, to path: String) throws(FileFormatsError) {
        try FileAccess.writeAtomically(encode(contents, source: path), to: path)
    }

    /// The bytes of a quantized model file holding `contents`, built in memory (same contents, same bytes).
    public static func encode(_ contents: QuantizedModelContents) throws(FileFormatsError) -> Data {
        Data(try encode(contents, source: "quantized model \(contents.spec.name)"))
    }

    private static func encode(_ contents: QuantizedModelContents, source path: String) throws(FileFormatsError) -> [UInt8] {
        guard contents.bits == 8 || contents.bits == 4 else {
            throw .unwritable(path: path, reason: "quantized models are stored with 8 or 4 bits, not \(contents.bits)")
        }
        let structure: Sequential
        do throws(NeuralNetError) {
            structure = try contents.spec.build(inputShape: contents.inputShape, seed: 0)
        } catch {
            throw .unwritable(path: path, reason: "the model structure cannot be built: \(error.description)")
        }
        return try HDF5File.image(path) { h5 throws(FileFormatsError) in
            let name = contents.spec.name.isEmpty ? "sequential" : contents.spec.name.replacingOccurrences(of: "/", with: "_")
            try h5.writeStrings(h5.file, "model_config", [try KerasConfig.render(structure, name: name, path: path)], scalar: true)
            try h5.writeStrings(h5.file, "hsiflow_version", [ModelFile.hsiflowVersion], scalar: true)
            try h5.writeStrings(h5.file, "quantization", [scheme], scalar: true)
            try h5.writeStrings(h5.file, "quantization_bits", [String(contents.bits)], scalar: true)
            let root = try h5.createGroup(h5.file, "quantized_weights")
            try h5.writeStrings(root, "layer_names", contents.layers.map(\.layer), scalar: false)
            for layer in contents.layers {
                guard layer.values.count == layer.kernelShape.reduce(1, *), layer.scales.count == layer.kernelShape.last ?? -1 else {
                    throw .unwritable(path: path, reason: "layer \(layer.layer): \(layer.values.count) values and \(layer.scales.count) scales do not fit kernel shape \(layer.kernelShape)")
                }
                let group = try h5.createGroup(root, layer.layer)
                if contents.bits == 8 {
                    try h5.writeIntegers(group, "kernel", shape: layer.kernelShape, values: layer.values, type: hsf_native_int8())
                } else {
                    let packed = pack4(layer.values)
                    try h5.writeIntegers(group, "kernel", shape: [packed.count], values: packed, type: hsf_native_uint8())
                }
                try h5.writeIntegers(group, "kernel_shape", shape: [layer.kernelShape.count],
                                     values: layer.kernelShape.map { Int32($0) }, type: hsf_native_int32())
                try h5.writeFloats(group, "kernel_scale", shape: [layer.scales.count], values: layer.scales)
                try h5.writeFloats(group, "bias", shape: [layer.bias.count], values: layer.bias)
            }
        }
    }

    /// True when `path` is an HDF5 file carrying HSIFlow's quantization attribute (any scheme), so a
    /// reader can choose between this and ModelFile; false for anything else, readable or not.
    public static func isQuantized(path: String) -> Bool {
        guard case .quantized = try? SavedModelFile.load(path: path) else { return false }
        return true
    }

    /// True when `bytes` are an HDF5 file carrying HSIFlow's quantization attribute (see `isQuantized(path:)`).
    public static func isQuantized(_ bytes: some ContiguousBytes) -> Bool {
        let found = try? NativeLibraries.serialized { () throws(FileFormatsError) -> Bool in
            let h5 = try HDF5File.open(image: bytes, source: "model bytes")
            return h5.hasAttribute(h5.file, "quantization")
        }
        return found ?? false
    }

    /// Reads a quantized model file; any problem is a FileFormatsError naming the file.
    /// The file is parsed in the isolated reader (a child process), since it comes from outside the cache.
    public static func load(path: String) throws(FileFormatsError) -> QuantizedModelContents {
        switch try SavedModelFile.load(path: path) {
        case .quantized(let contents): return contents
        case .float:
            throw .unexpectedContent(path: path, reason: "not a quantized HSIFlow model (no quantization = \(scheme) attribute); load float models with ModelFile")
        }
    }

    /// Reads a quantized model from the bytes of its file (in memory); `source` names them in errors.
    public static func decode(_ bytes: some ContiguousBytes, source: String = "quantized model bytes") throws(FileFormatsError) -> QuantizedModelContents {
        try NativeLibraries.serialized { () throws(FileFormatsError) -> QuantizedModelContents in
            try decode(from: HDF5File.open(image: bytes, source: source))
        }
    }

    /// Reads a quantized model from an open HDF5 file, through libhdf5 or the Swift reader.
    static func decode<H: HDF5Reading>(from h5: H) throws(FileFormatsError) -> QuantizedModelContents {
        let path = h5.path
        let root = h5.rootObject
        guard try h5.string(root, "quantization") == scheme else {
            throw .unexpectedContent(path: path, reason: "not a quantized HSIFlow model (no quantization = \(scheme) attribute); load float models with ModelFile")
        }
        guard let bitsText = try h5.string(root, "quantization_bits"), let bits = Int(bitsText), bits == 8 || bits == 4 else {
            throw .unexpectedContent(path: path, reason: "quantization_bits must be 8 or 4")
        }
        guard let config = try h5.string(root, "model_config") else {
            throw .unexpectedContent(path: path, reason: "no model_config attribute")
        }
        let (spec, inputShape) = try KerasConfig.parse(config, path: path)
        let weights = try h5.openGroup(root, "quantized_weights")
        guard let names = try h5.strings(weights, "layer_names") else {
            throw .unexpectedContent(path: path, reason: "quantized_weights has no layer_names attribute")
        }
        let qmax = Int8((1 << (bits - 1)) - 1)
        var layers: [QuantizedLayerContents] = []
        for name in names {
            let group = try h5.openGroup(weights, name)
            let (_, shape32): ([Int], [Int32]) = try h5.integers(group, "kernel_shape", as: Int32.self)
            let shape = shape32.map(Int.init)
            guard !shape.isEmpty, shape.count <= 8, shape.allSatisfy({ $0 > 0 }), let count = Tensor.checkedCount(of: shape), count < 1 << 31 else {
                throw .malformed(path: path, reason: "layer \(name): kernel_shape \(shape) is not a valid shape")
            }
            let values: [Int8]
            if bits == 8 {
                let (stored, v): ([Int], [Int8]) = try h5.integers(group, "kernel", as: Int8.self)
                guard stored == shape else { throw .malformed(path: path, reason: "layer \(name): kernel has shape \(stored), kernel_shape says \(shape)") }
                values = v
            } else {
                let (_, bytes): ([Int], [UInt8]) = try h5.integers(group, "kernel", as: UInt8.self)
                guard bytes.count == (count + 1) / 2 else {
                    throw .malformed(path: path, reason: "layer \(name): \(count) 4-bit values need \((count + 1) / 2) bytes, the file has \(bytes.count)")
                }
                values = unpack4(bytes, count: count)
            }
            if let bad = values.first(where: { $0 < -qmax || $0 > qmax }) {
                throw .malformed(path: path, reason: "layer \(name): value \(bad) is outside ±\(qmax) for \(bits) bits")
            }
            let (_, scales) = try h5.floats(group, "kernel_scale")
            let (_, bias) = try h5.floats(group, "bias")
            guard scales.count == shape[shape.count - 1], scales.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw .malformed(path: path, reason: "layer \(name): needs \(shape[shape.count - 1]) finite non-negative scales, has \(scales.count)")
            }
            layers.append(QuantizedLayerContents(layer: name, kernelShape: shape, values: values, scales: scales, bias: bias))
        }
        return QuantizedModelContents(spec: spec, inputShape: inputShape, bits: bits, layers: layers)
    }

    /// 4-bit two's complement values, two per byte, low nibble first.
    static func pack4(_ values: [Int8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: (values.count + 1) / 2)
        for (i, v) in values.enumerated() {
            let nibble = UInt8(bitPattern: v) & 0x0F
            out[i / 2] |= i % 2 == 0 ? nibble : nibble << 4
        }
        return out
    }

    /// The inverse of `pack4`, sign-extending each nibble.
    static func unpack4(_ bytes: [UInt8], count: Int) -> [Int8] {
        (0..<count).map { i in
            let nibble = i % 2 == 0 ? bytes[i / 2] & 0x0F : bytes[i / 2] >> 4
            return Int8(bitPattern: nibble << 4) >> 4
        }
    }
}

// MARK: - Integer datasets

extension HDF5File {
    /// Writes an integer dataset `name` under `parent`; `type` is the native HDF5 type of `T`.
    func writeIntegers<T: FixedWidthInteger>(_ parent: HDF5Handle, _ name: String, shape: [Int], values: [T], type: hid_t) throws(FileFormatsError) {
        var dims = shape.map { hsize_t($0) }
        let space = try HDF5Handle.check(H5Screate_simple(Int32(shape.count), &dims, nil), closer: H5Sclose) {
            .unwritable(path: path, reason: "cannot make a dataspace for '\(name)'")
        }
        let plist = hsf_untimed_dataset_create()
        defer { if plist >= 0 { H5Pclose(plist) } }
        let dataset = try HDF5Handle.check(H5Dcreate2(parent.id, name, type, space.id, hsf_p_default(), plist, hsf_p_default()),
                                           closer: H5Dclose) { .unwritable(path: path, reason: "cannot create dataset '\(name)'") }
        guard H5Dwrite(dataset.id, type, hsf_s_all(), hsf_s_all(), hsf_p_default(), values) >= 0 else {
            throw .unwritable(path: path, reason: "cannot write dataset '\(name)'")
        }
    }

    /// The shape and values of integer dataset `name`, converted to `T` (`type` its native HDF5 type).
    func readIntegers<T: FixedWidthInteger>(_ parent: HDF5Handle, _ name: String, type: hid_t) throws(FileFormatsError) -> ([Int], [T]) {
        guard exists(parent, name) else { throw .unexpectedContent(path: path, reason: "dataset '\(name)' is missing") }
        let dataset = try HDF5Handle.check(H5Dopen2(parent.id, name, hsf_p_default()), closer: H5Dclose) {
            .malformed(path: path, reason: "'\(name)' is not a readable dataset")
        }
        let stored = try HDF5Handle.check(H5Dget_type(dataset.id), closer: H5Tclose) { .malformed(path: path, reason: "'\(name)' has no type") }
        guard H5Tget_class(stored.id) == H5T_INTEGER, H5Tget_size(stored.id) <= MemoryLayout<T>.size else {
            throw .unexpectedContent(path: path, reason: "dataset '\(name)' should hold \(MemoryLayout<T>.size)-byte integers")
        }
        let shape = try checkedShape(dataset, name)
        let count = shape.reduce(1, *)
        var values = [T](repeating: 0, count: count)
        if count > 0 {
            guard H5Dread(dataset.id, type, hsf_s_all(), hsf_s_all(), hsf_p_default(), &values) >= 0 else {
                throw .malformed(path: path, reason: "the data of '\(name)' cannot be read (damaged file?)")
            }
        }
        return (shape, values)
    }
}
