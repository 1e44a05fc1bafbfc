// Int8Network: a quantized model run on integer kernels, as TFLite's dynamic-range ("hybrid")
// kernels run it — each Conv2D input quantized per sample (asymmetric), each Dense input per row
// (symmetric), 8 bits at run time,
// int8 weights per output channel, int32 sums, then a float rescale, + bias and a fused ReLU. The
// other layers (flatten, pooling, dropout, activations) run in float. Scratch buffers are planned
// once per batch size and reused. 4-bit models run on the same kernels (their values fit in int8).
// x: (N, H, W, C) per conv with K = KH·KW·C, M = N·OH·OW rows; (N, I) per dense with K = I, M = N.
public import NeuralNet
public import Tensors

/// A quantized model that computes with int8 products.
public struct Int8Network: InferenceModel {
    public let name: String
    public let inputShape: [Int]
    public let outputUnits: Int
    /// 8 or 4: the bits the weights were quantized to.
    public let bits: Int
    /// The kernel path the products run on.
    public var path: Int8KernelPath
    // The layers in order: an index into `convolutions`, `denses` or `floatLayers`.
    private let steps: [Step]
    private var convolutions: [Int8Convolution] = []
    private var denses: [Int8Dense] = []
    private var floatLayers: [any Layer] = []

    enum Step: Sendable {
        case conv(Int)
        case dense(Int)
        case float(Int)
    }

    /// The int8 form of `model` (its Conv2D and Dense weights as stored, not re-quantized).
    public init(_ model: QuantizedModel, path: Int8KernelPath = .preferred) {
        let float = model.dequantizedModel
        var parts = model.layers.makeIterator()
        var steps: [Step] = []
        for (i, layer) in float.layers.enumerated() {
            let input = i == 0 ? float.inputShape : float.outputShapes[i - 1]
            if let conv = layer as? Conv2D, let part = parts.next() {
                steps.append(.conv(convolutions.count))
                convolutions.append(Int8Convolution(conv, part, inputShape: input, outputShape: float.outputShapes[i]))
            } else if let dense = layer as? Dense, let part = parts.next() {
                steps.append(.dense(denses.count))
                denses.append(Int8Dense(dense, part))
            } else {
                steps.append(.float(floatLayers.count))
                floatLayers.append(layer)
            }
        }
        name = float.name
        inputShape = float.inputShape
        outputUnits = float.outputUnits
        bits = model.bits
        self.path = path.resolved
        self.steps = steps
    }

    /// Outputs for a batch [N, …inputShape] (checked by the caller, as `InferenceModel` says).
    public mutating func infer(_ x: Tensor) -> Tensor {
        var h = x
        for step in steps {
            switch step {
            case .conv(let j): h = convolutions[j].forward(h, path: path)
            case .dense(let j): h = denses[j].forward(h, path: path)
            case .float(let j): h = floatLayers[j].forward(h, training: false)
            }
        }
        return h
    }
}

// MARK: - Scratch

/// The u8 rows, their zero points and scales for one batch size.
struct Int8Scratch: Sendable {
    var quantized: [UInt8] = []
    var columns: [UInt8] = []
    var zeroPoints: [Int32] = []
    var scales: [Float] = []
}

/// Multiply–adds at or above which a product is split over the workers (in blocks of
/// `int8RowBlock` rows; at least two blocks). cao's conv1 at batch 1 (4.9 M, 9 rows) stays on one
/// thread; at batch 128 (1,152 rows) it is split. Not tuned beyond that (see Docs/Inference.md).
let int8ParallelMACs = 1 << 22
let int8RowBlock = 32

/// Runs the hybrid product over `m` rows, split in row blocks over the workers when it is large.
func hybridProduct(_ w: Int8Matrix, rows m: Int, a: UnsafePointer<UInt8>, zeroPoints: UnsafePointer<Int32>,
                   rowScales: UnsafePointer<Float>, bias: UnsafePointer<Float>?, relu: Bool,
                   into y: UnsafeMutablePointer<Float>, path: Int8KernelPath) {
    guard m * w.n * w.k >= int8ParallelMACs, m >= 2 * int8RowBlock else {
        w.hybridProduct(rows: m, a: a, zeroPoints: zeroPoints, rowScales: rowScales, bias: bias, relu: relu, into: y, path: path)
        return
    }
    // Rows are independent: the result is the same bits however the blocks are shared out.
    let box = UncheckedBox((a, zeroPoints, rowScales, bias, y))
    parallelBlocks(count: m, blockSize: int8RowBlock) { r in
        let (a, zp, rs, b, y) = box.value
        w.hybridProduct(rows: r.count, a: a + r.lowerBound * w.paddedK, zeroPoints: zp + r.lowerBound,
                        rowScales: rs + r.lowerBound, bias: b, relu: relu, into: y + r.lowerBound * w.n, path: path)
        return 0
    }
}

// MARK: - Convolution

/// A Conv2D on int8 weights: per-sample quantized input, u8 im2col, one hybrid product.
struct Int8Convolution: Sendable {
    let weights: Int8Matrix
    let bias: [Float]
    let activation: Activation
    // Per-sample geometry: input H×W×C, kernel KH×KW, top/left padding, output OH×OW×F.
    let h: Int, w: Int, c: Int, kh: Int, kw: Int, top: Int, left: Int, oh: Int, ow: Int
    private var scratch: [Int: Int8Scratch] = [:]

    init(_ layer: Conv2D, _ part: QuantizedLayerWeights, inputShape: [Int], outputShape: [Int]) {
        let shape = part.kernel.shape  // (KH, KW, C, F)
        weights = Int8Matrix(values: part.kernel.values, k: shape[0] * shape[1] * shape[2], n: shape[3], scales: part.kernel.scales)
        bias = part.bias.scalars
        activation = layer.activation
        (h, w, c) = (inputShape[0], inputShape[1], inputShape[2])
        (kh, kw) = (shape[0], shape[1])
        (top, left) = layer.padding == .same ? ((kh - 1) / 2, (kw - 1) / 2) : (0, 0)
        (oh, ow) = (outputShape[0], outputShape[1])
    }

    // x: (N, H, W, C) -> y: (N, OH, OW, F)
    mutating func forward(_ x: Tensor, path: Int8KernelPath) -> Tensor {
        let n = x.shape[0], sampleSize = h * w * c, rowsPerSample = oh * ow
        let m = n * rowsPerSample, f = weights.n, kp = weights.paddedK
        var s = scratch.removeValue(forKey: n) ?? Int8Scratch(
            quantized: [UInt8](repeating: 0, count: n * sampleSize), columns: [UInt8](repeating: 0, count: m * kp),
            zeroPoints: [Int32](repeating: 0, count: m), scales: [Float](repeating: 0, count: m))
        var y = [Float](unsafeUninitializedCapacity: m * f) { _, initialized in initialized = m * f }
        x.scalars.withUnsafeBufferPointer { xp in
            s.quantized.withUnsafeMutableBufferPointer { qp in
                s.columns.withUnsafeMutableBufferPointer { cp in
                    s.zeroPoints.withUnsafeMutableBufferPointer { zp in
                        s.scales.withUnsafeMutableBufferPointer { sp in
                            bias.withUnsafeBufferPointer { bp in
                                y.withUnsafeMutableBufferPointer { yp in
                                    guard let xa = xp.baseAddress, let qa = qp.baseAddress, let ca = cp.baseAddress,
                                          let za = zp.baseAddress, let sa = sp.baseAddress, let ya = yp.baseAddress else { return }
                                    for sample in 0..<n {
                                        let q = qa + sample * sampleSize
                                        let (scale, zero) = ActivationQuantization.asymmetric.quantize(xa + sample * sampleSize, count: sampleSize, into: q)
                                        hsi_im2col(q, pad: UInt8(zero), into: ca + sample * rowsPerSample * kp)
                                        for r in 0..<rowsPerSample {
                                            za[sample * rowsPerSample + r] = zero
                                            sa[sample * rowsPerSample + r] = scale
                                        }
                                    }
                                    hybridProduct(weights, rows: m, a: ca, zeroPoints: za, rowScales: sa, bias: bp.baseAddress,
                                                  relu: activation == .relu, into: ya, path: path)
                                }
                            }
                        }
                    }
                }
            }
        }
        scratch[n] = s
        if activation == .softmax { activation.apply(&y, width: f) }
        return Tensor(shape: [n, oh, ow, f], scalars: y)
    }

    private func hsi_im2col(_ q: UnsafePointer<UInt8>, pad: UInt8, into cols: UnsafeMutablePointer<UInt8>) {
        Int8Kernels.im2col(q, height: h, width: w, channels: c, kernelHeight: kh, kernelWidth: kw, top: top, left: left,
                           outputHeight: oh, outputWidth: ow, pad: pad, into: cols, rowStride: weights.paddedK)
    }
}

// MARK: - Dense

/// A Dense layer on int8 weights: each input row quantized on its own (symmetric, as TFLite's
/// hybrid FullyConnected), one hybrid product.
struct Int8Dense: Sendable {
    let weights: Int8Matrix
    let bias: [Float]
    let activation: Activation
    private var scratch: [Int: Int8Scratch] = [:]

    init(_ layer: Dense, _ part: QuantizedLayerWeights) {
        let shape = part.kernel.shape  // (I, O)
        weights = Int8Matrix(values: part.kernel.values, k: shape[0], n: shape[1], scales: part.kernel.scales)
        bias = part.bias.scalars
        activation = layer.activation
    }

    // x: (N, I) -> y: (N, O)
    mutating func forward(_ x: Tensor, path: Int8KernelPath) -> Tensor {
        let n = x.shape[0], k = weights.k, kp = weights.paddedK, o = weights.n
        var s = scratch.removeValue(forKey: n) ?? Int8Scratch(
            quantized: [UInt8](repeating: 0, count: n * kp), columns: [],
            zeroPoints: [Int32](repeating: 0, count: n), scales: [Float](repeating: 0, count: n))
        var y = [Float](unsafeUninitializedCapacity: n * o) { _, initialized in initialized = n * o }
        x.scalars.withUnsafeBufferPointer { xp in
            s.quantized.withUnsafeMutableBufferPointer { qp in
                s.zeroPoints.withUnsafeMutableBufferPointer { zp in
                    s.scales.withUnsafeMutableBufferPointer { sp in
                        bias.withUnsafeBufferPointer { bp in
                            y.withUnsafeMutableBufferPointer { yp in
                                guard let xa = xp.baseAddress, let qa = qp.baseAddress, let za = zp.baseAddress,
                                      let sa = sp.baseAddress, let ya = yp.baseAddress else { return }
                                for row in 0..<n {
                                    (sa[row], za[row]) = ActivationQuantization.symmetric.quantize(xa + row * k, count: k, into: qa + row * kp)
                                }
                                hybridProduct(weights, rows: n, a: qa, zeroPoints: za, rowScales: sa, bias: bp.baseAddress,
                                              relu: activation == .relu, into: ya, path: path)
                            }
                        }
                    }
                }
            }
        }
        scratch[n] = s
        if activation == .softmax { activation.apply(&y, width: o) }
        return Tensor(shape: [n, o], scalars: y)
    }
}
