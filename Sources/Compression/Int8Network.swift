// Int8Network: a quantized model run on integer kernels, as TFLite's dynamic-range ("hybrid")
// kernels run it — each Conv2D input quantized per sample (asymmetric), each Dense input per row
// (symmetric), 8 bits at run time,
// int8 weights per output channel, int32 sums, then a float rescale, + bias and a fused ReLU. The
// other layers (flatten, pooling, dropout, activations) run in float. Scratch buffers are planned
// once per batch size and reused; large batches are split over the workers in blocks of samples
// (quantization, u8 columns and product per block). 4-bit models run on the same kernels (their values fit in int8).
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

/// Multiply–adds at or above which a layer's batch is split over the workers, in blocks of whole
/// samples of about `int8RowBlock` product rows (at least two blocks). Each block quantizes its own
/// samples, builds its own u8 columns and runs its own product, so the quantization runs in parallel
/// too and a block's columns are still in cache when the product reads them. cao's conv1 at batch 1
/// (4.9 M, 9 rows) stays on one thread; at batch 128 it is split.
let int8ParallelMACs = 1 << 22
let int8RowBlock = 64

/// Runs `body` over `0..<count` items (samples or rows) of `rowsPerItem` product rows each: on this
/// thread when the product (`macsPerRow` multiply–adds a row) is small, else in blocks over the
/// workers. Items are independent: the result is the same bits however the blocks are shared out.
func forEachBlock(count: Int, rowsPerItem: Int, macsPerRow: Int, _ body: (Range<Int>) -> Void) {
    let perBlock = max(1, int8RowBlock / max(1, rowsPerItem))
    guard count * rowsPerItem * macsPerRow >= int8ParallelMACs, count >= 2 * perBlock else {
        body(0..<count)
        return
    }
    _ = parallelBlocks(count: count, blockSize: perBlock) { r in
        body(r)
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
                                    let box = UncheckedBox((xa, qa, ca, za, sa, bp.baseAddress, ya))
                                    forEachBlock(count: n, rowsPerItem: rowsPerSample, macsPerRow: f * kp) { samples in
                                        let (xa, qa, ca, za, sa, ba, ya) = box.value
                                        for sample in samples {
                                            let q = qa + sample * sampleSize
                                            let (scale, zero) = ActivationQuantization.asymmetric.quantize(
                                                xa + sample * sampleSize, count: sampleSize, into: q, path: path)
                                            hsi_im2col(q, pad: UInt8(zero), into: ca + sample * rowsPerSample * kp)
                                            for r in 0..<rowsPerSample {
                                                za[sample * rowsPerSample + r] = zero
                                                sa[sample * rowsPerSample + r] = scale
                                            }
                                        }
                                        let first = samples.lowerBound * rowsPerSample
                                        weights.hybridProduct(rows: samples.count * rowsPerSample, a: ca + first * kp,
                                                              zeroPoints: za + first, rowScales: sa + first, bias: ba,
                                                              relu: activation == .relu, into: ya + first * f, path: path)
                                    }
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
                                let box = UncheckedBox((xa, qa, za, sa, bp.baseAddress, ya))
                                forEachBlock(count: n, rowsPerItem: 1, macsPerRow: o * kp) { rows in
                                    let (xa, qa, za, sa, ba, ya) = box.value
                                    for row in rows {
                                        (sa[row], za[row]) = ActivationQuantization.symmetric.quantize(
                                            xa + row * k, count: k, into: qa + row * kp, path: path)
                                    }
                                    let first = rows.lowerBound
                                    weights.hybridProduct(rows: rows.count, a: qa + first * kp, zeroPoints: za + first,
                                                          rowScales: sa + first, bias: ba, relu: activation == .relu,
                                                          into: ya + first * o, path: path)
                                }
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
