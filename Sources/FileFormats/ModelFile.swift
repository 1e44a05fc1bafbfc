// ModelFile: sequential models in Keras' legacy HDF5 layout (`model.save("x.h5")`), read and written
// through libhdf5. Root attributes: model_config (Keras JSON), keras_version, backend; group
// model_weights with one group per layer whose `weight_names` lists its datasets. Reading follows
// weight_names and the config, so Keras 2 (`conv1/conv1/kernel:0`) and Keras 3
// (`conv1/cao/conv1/kernel`) files both load; optimizer_weights and training_config are ignored.
// Models are encoded to and decoded from bytes in memory; files are those bytes, written atomically.
import CHDF5
public import Foundation
public import NeuralNet
import Tensors

/// A model read from a file, with what the file says about its origin.
public struct LoadedModel: Sendable {
    public var model: Sequential
    /// The `keras_version` attribute ("3.15.1", "2.21.0", …), if any.
    public var kerasVersion: String?
    /// The `backend` attribute ("tensorflow", …), if any.
    public var backend: String?
    /// The `hsiflow_version` attribute when HSIFlow wrote the file.
    public var hsiflowVersion: String?
    /// True when the file also holds optimizer state (not loaded).
    public var hasOptimizerWeights: Bool
}

/// Saves and loads models in the Keras legacy `.h5` layout.
public enum ModelFile {
    /// The Keras generation whose layout HSIFlow writes (weight names `model/layer/kernel`).
    public static let writtenKerasVersion = "3.0.0"
    /// Written as the `hsiflow_version` attribute.
    public static let hsiflowVersion = "0.1.0"

    // MARK: - Load

    /// Reads a model file; any problem with the file is a FileFormatsError naming it. The file is
    /// parsed in the isolated reader (a child process), since it comes from outside the cache.
    public static func load(path: String) throws(FileFormatsError) -> LoadedModel {
        switch try SavedModelFile.load(path: path) {
        case .float(let loaded): return loaded
        case .quantized:
            throw .unexpectedContent(path: path, reason: "it is an HSIFlow quantized model; load it with QuantizedModelFile (hsiflow inspect and predict take both kinds)")
        }
    }

    /// Reads a model from the bytes of a model file (in memory, in this process: for bytes HSIFlow
    /// wrote itself, such as content-verified cache objects); `source` names them in errors.
    public static func decode(_ bytes: some ContiguousBytes, source: String = "model bytes") throws(FileFormatsError) -> LoadedModel {
        try NativeLibraries.serialized { () throws(FileFormatsError) -> LoadedModel in
            try decode(from: HDF5File.open(image: bytes, source: source))
        }
    }

    /// Reads a model from an open HDF5 file, through libhdf5 or the Swift reader.
    static func decode<H: HDF5Reading>(from h5: H) throws(FileFormatsError) -> LoadedModel {
        let path = h5.path
        let root = h5.rootObject
        guard let configText = try h5.string(root, "model_config") else {
            throw .unexpectedContent(path: path, reason: "no model_config attribute: this HDF5 file is not a Keras model saved with model.save(\"….h5\") (weights-only files are not supported)")
        }
        let (spec, inputShape) = try KerasConfig.parse(configText, path: path)
        var model: Sequential
        do throws(NeuralNetError) {
            model = try spec.build(inputShape: inputShape, seed: 0)
        } catch {
            throw .unexpectedContent(path: path, reason: "its model cannot be built: \(error.description)")
        }
        let weightsRoot = try h5.openGroup(root, "model_weights")
        for i in model.layers.indices where !model.layers[i].parameterNames.isEmpty {
            let name = model.layers[i].name
            guard h5.exists(weightsRoot, name) else {
                throw .unexpectedContent(path: path, reason: "model_weights has no group for layer '\(name)'")
            }
            let group = try h5.openGroup(weightsRoot, name)
            guard let weightNames = try h5.strings(group, "weight_names") else {
                throw .unexpectedContent(path: path, reason: "model_weights/\(name) has no weight_names attribute")
            }
            let expected = model.layers[i].parameterNames
            guard weightNames.count == expected.count else {
                throw .unexpectedContent(path: path, reason: "layer '\(name)' stores \(weightNames.count) weights (\(weightNames.joined(separator: ", "))), the model needs \(expected.count) (\(expected.joined(separator: ", ")))")
            }
            var tensors: [Tensor] = []
            for weightName in weightNames {
                let (shape, values) = try h5.floats(group, weightName)
                tensors.append(Tensor(shape: shape, scalars: values))
            }
            do throws(NeuralNetError) {
                try model.layers[i].setParameters(tensors)
            } catch {
                throw .unexpectedContent(path: path, reason: error.description)
            }
        }
        return LoadedModel(model: model,
                           kerasVersion: try h5.string(root, "keras_version"),
                           backend: try h5.string(root, "backend"),
                           hsiflowVersion: try h5.string(root, "hsiflow_version"),
                           hasOptimizerWeights: h5.exists(root, "optimizer_weights"))
    }

    // MARK: - Save

    /// Writes `model` so that Keras 3's `keras.models.load_model(path)` opens it. The file is written
    /// atomically (FileAccess), so a crash never leaves a half-written model.
    public static func save(_ model: Sequential, to path: String) throws(FileFormatsError) {
        try FileAccess.writeAtomically(encode(model, source: path), to: path)
    }

    /// The bytes of `model`'s file, built in memory: the same model always gives the same bytes.
    public static func encode(_ model: Sequential) throws(FileFormatsError) -> Data {
        Data(try encode(model, source: "model \(model.name)"))
    }

    private static func encode(_ model: Sequential, source path: String) throws(FileFormatsError) -> [UInt8] {
        try HDF5File.image(path) { h5 throws(FileFormatsError) in
            let modelName = model.name.isEmpty ? "sequential" : model.name.replacingOccurrences(of: "/", with: "_")
            let config = try KerasConfig.render(model, name: modelName, path: path)
            try h5.writeStrings(h5.file, "model_config", [config], scalar: true)
            try h5.writeStrings(h5.file, "keras_version", [writtenKerasVersion], scalar: true)
            try h5.writeStrings(h5.file, "backend", ["tensorflow"], scalar: true)
            try h5.writeStrings(h5.file, "hsiflow_version", [hsiflowVersion], scalar: true)
            let weightsRoot = try h5.createGroup(h5.file, "model_weights")
            try h5.writeStrings(weightsRoot, "layer_names", model.layers.map(\.name), scalar: false)
            try h5.writeStrings(weightsRoot, "keras_version", [writtenKerasVersion], scalar: true)
            try h5.writeStrings(weightsRoot, "backend", ["tensorflow"], scalar: true)
            for layer in model.layers {
                let group = try h5.createGroup(weightsRoot, layer.name)
                // Keras 3 names weights model/layer/variable and stores them at that path under the layer group.
                let names = layer.parameterNames.map { "\(modelName)/\(layer.name)/\($0)" }
                try h5.writeStrings(group, "weight_names", names, scalar: false)
                guard !names.isEmpty else { continue }
                let modelGroup = try h5.createGroup(group, modelName)
                let layerGroup = try h5.createGroup(modelGroup, layer.name)
                for (parameter, value) in zip(layer.parameterNames, layer.parameters) {
                    try h5.writeFloats(layerGroup, parameter, shape: value.shape, values: value.scalars)
                }
            }
        }
    }
}

// MARK: - Keras model_config JSON

/// Translates between Keras' `model_config` JSON and HSIFlow's ModelSpec.
enum KerasConfig {
    /// The model description and per-sample input shape of a Keras Sequential config.
    static func parse(_ text: String, path: String) throws(FileFormatsError) -> (ModelSpec, [Int]) {
        func bad(_ reason: String) -> FileFormatsError { .unexpectedContent(path: path, reason: reason) }
        guard let root = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw .malformed(path: path, reason: "model_config is not valid JSON")
        }
        guard let className = root["class_name"] as? String, let config = root["config"] as? [String: Any] else {
            throw bad("model_config lacks class_name/config")
        }
        guard className == "Sequential" else {
            throw bad("the model is a Keras \(className); HSIFlow reads Sequential models only")
        }
        guard let layers = config["layers"] as? [[String: Any]] else { throw bad("model_config has no layer list") }
        var inputShape: [Int]? = shapeWithoutBatch(config["build_input_shape"])
        var specs: [LayerSpec] = []
        for (index, layer) in layers.enumerated() {
            guard let kind = layer["class_name"] as? String, let c = layer["config"] as? [String: Any] else {
                throw bad("layer \(index + 1) of model_config lacks class_name/config")
            }
            let name = c["name"] as? String
            let where_ = "layer '\(name ?? "#\(index + 1)")' (\(kind))"
            if let shape = shapeWithoutBatch(c["batch_shape"]) ?? shapeWithoutBatch(c["batch_input_shape"]), inputShape == nil || kind == "InputLayer" {
                inputShape = shape
            }
            func activation(_ key: String = "activation") throws(FileFormatsError) -> Activation {
                guard let value = c[key] else { return .linear }
                guard let text = value as? String, let a = Activation(rawValue: text) else {
                    throw bad("\(where_): activation \(value) is not supported (linear, relu, softmax)")
                }
                return a
            }
            func pair(_ key: String) -> [Int]? {
                if let v = c[key] as? [Int], v.count == 2 { return v }
                if let v = c[key] as? Int { return [v, v] }
                return nil
            }
            func channelsLast() throws(FileFormatsError) {
                if let format = c["data_format"] as? String, format != "channels_last" {
                    throw bad("\(where_): data_format \(format) is not supported (channels_last only)")
                }
            }
            switch kind {
            case "InputLayer":
                continue
            case "Conv2D":
                try channelsLast()
                guard let filters = c["filters"] as? Int, let kernel = pair("kernel_size") else { throw bad("\(where_) lacks filters or kernel_size") }
                guard (pair("strides") ?? [1, 1]) == [1, 1], (pair("dilation_rate") ?? [1, 1]) == [1, 1], (c["groups"] as? Int ?? 1) == 1 else {
                    throw bad("\(where_): only stride 1, dilation 1, groups 1 convolutions are supported")
                }
                guard c["use_bias"] as? Bool ?? true else { throw bad("\(where_): convolutions without bias are not supported") }
                guard let padding = Padding(rawValue: c["padding"] as? String ?? "valid") else { throw bad("\(where_): padding \(c["padding"] ?? "") is not supported") }
                specs.append(.conv2D(filters: filters, kernel: kernel, padding: padding, activation: try activation(), name: name))
            case "Dense":
                guard let units = c["units"] as? Int else { throw bad("\(where_) lacks units") }
                guard c["use_bias"] as? Bool ?? true else { throw bad("\(where_): dense layers without bias are not supported") }
                specs.append(.dense(units: units, activation: try activation(), name: name))
            case "Flatten":
                try channelsLast()
                specs.append(.flatten(name: name))
            case "Dropout":
                guard let rate = (c["rate"] as? NSNumber)?.doubleValue else { throw bad("\(where_) lacks rate") }
                specs.append(.dropout(rate: rate, name: name))
            case "MaxPooling2D":
                try channelsLast()
                guard let pool = pair("pool_size") else { throw bad("\(where_) lacks pool_size") }
                guard (c["padding"] as? String ?? "valid") == "valid" else { throw bad("\(where_): only valid max pooling is supported") }
                specs.append(.maxPool2D(pool: pool, strides: pair("strides") ?? pool, name: name))
            case "Activation":
                specs.append(.activation(try activation(), name: name))
            case "ReLU":
                let plain = (c["max_value"] == nil || c["max_value"] is NSNull)
                    && ((c["negative_slope"] as? NSNumber)?.doubleValue ?? 0) == 0 && ((c["threshold"] as? NSNumber)?.doubleValue ?? 0) == 0
                guard plain else { throw bad("\(where_): only the plain ReLU (no max_value, slope or threshold) is supported") }
                specs.append(LayerSpec(kind: .relu, name: name))
            case "Softmax":
                specs.append(LayerSpec(kind: .softmax, name: name))
            default:
                throw bad("\(where_): layer type \(kind) is not supported (Conv2D, Dense, Flatten, Dropout, MaxPooling2D, Activation, ReLU, Softmax)")
            }
        }
        guard let inputShape else { throw bad("model_config does not give the input shape (no InputLayer or batch_input_shape)") }
        let spec = ModelSpec(name: config["name"] as? String ?? "sequential", layers: specs)
        try checkBudget(spec, inputShape: inputShape, path: path)
        return (spec, inputShape)
    }

    /// Refuses a model whose parameters (with their gradients) or largest per-sample activation
    /// would not fit the memory budget, before anything is allocated (`filters: 1e9`, `units: 2^40`).
    static func checkBudget(_ spec: ModelSpec, inputShape: [Int], path: String) throws(FileFormatsError) {
        let sizes: (parameters: Int, largestActivation: Int)
        do throws(NeuralNetError) {
            sizes = try spec.checkedSizes(inputShape: inputShape)
        } catch {
            throw .unexpectedContent(path: path, reason: "model_config describes an impossible model: \(error.description)")
        }
        try MemoryBudget.check(MemoryBudget.checkedBytes([sizes.parameters, 2], elementSize: 4),
                               "the model's \(sizes.parameters) parameters (with their gradients)", path: path)
        try MemoryBudget.check(MemoryBudget.checkedBytes([sizes.largestActivation], elementSize: 4),
                               "one sample's largest activation (\(sizes.largestActivation) values)", path: path)
    }

    /// [null, 5, 5, 200] → [5, 5, 200]; nil unless every non-batch extent is a positive integer.
    private static func shapeWithoutBatch(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any], list.count >= 2 else { return nil }
        // Whole numbers in a range an Int holds exactly; anything else (1e300, 2.5, -1) is not a shape.
        let dims = list.dropFirst().compactMap { value -> Int? in
            guard let d = (value as? NSNumber)?.doubleValue, d >= 1, d < 9.0e15, d == d.rounded() else { return nil }
            return Int(d)
        }
        return dims.count == list.count - 1 && dims.allSatisfy { $0 > 0 } ? dims : nil
    }

    /// A Keras-3-style Sequential config for `model`.
    static func render(_ model: Sequential, name: String, path: String) throws(FileFormatsError) -> String {
        let null = NSNull()
        func initializer(_ className: String, _ config: [String: Any]) -> [String: Any] {
            ["module": "keras.initializers", "class_name": className, "config": config, "registered_name": null]
        }
        func entry(_ className: String, _ config: [String: Any]) -> [String: Any] {
            ["module": "keras.layers", "class_name": className, "config": config, "registered_name": null]
        }
        var layers: [[String: Any]] = [entry("InputLayer", [
            "batch_shape": [null] + model.inputShape.map { $0 as Any }, "dtype": "float32", "sparse": false, "name": "input_layer",
        ])]
        for layer in model.layers {
            var c: [String: Any] = ["name": layer.name, "trainable": true, "dtype": "float32"]
            let spec = layer.spec
            switch spec.kind {
            case .conv2d:
                c["filters"] = spec.filters ?? 0
                c["kernel_size"] = spec.kernel ?? [1, 1]
                c["strides"] = [1, 1]
                c["padding"] = (spec.padding ?? .valid).rawValue
                c["data_format"] = "channels_last"
                c["dilation_rate"] = [1, 1]
                c["groups"] = 1
                c["activation"] = (spec.activation ?? .linear).rawValue
                c["use_bias"] = true
                c["kernel_initializer"] = initializer("GlorotUniform", ["seed": null])
                c["bias_initializer"] = initializer("Zeros", [:])
                layers.append(entry("Conv2D", c))
            case .dense:
                c["units"] = spec.units ?? 0
                c["activation"] = (spec.activation ?? .linear).rawValue
                c["use_bias"] = true
                c["kernel_initializer"] = initializer("GlorotUniform", ["seed": null])
                c["bias_initializer"] = initializer("Zeros", [:])
                layers.append(entry("Dense", c))
            case .flatten:
                c["data_format"] = "channels_last"
                layers.append(entry("Flatten", c))
            case .dropout:
                c["rate"] = spec.rate ?? 0
                c["seed"] = null
                layers.append(entry("Dropout", c))
            case .maxpool2d:
                c["pool_size"] = spec.pool ?? [2, 2]
                c["strides"] = spec.strides ?? spec.pool ?? [2, 2]
                c["padding"] = "valid"
                c["data_format"] = "channels_last"
                layers.append(entry("MaxPooling2D", c))
            case .activation, .relu, .softmax:
                c["activation"] = (spec.kind == .relu ? .relu : spec.kind == .softmax ? .softmax : spec.activation ?? .linear).rawValue
                layers.append(entry("Activation", c))
            }
        }
        let root: [String: Any] = ["class_name": "Sequential", "config": ["name": name, "trainable": true, "layers": layers]]
        guard let data = try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys]),
              let text = String(data: data, encoding: .utf8) else {
            throw .unwritable(path: path, reason: "cannot encode the model configuration as JSON")
        }
        return text
    }
}
