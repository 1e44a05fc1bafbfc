// InferencePlan: a Sequential compiled for small-batch inference — buffers (columns, outputs)
// planned once per batch size and reused, every product on the calling thread (no worker
// wake-ups), matrix–vector products at batch 1, bias written before the product (beta = 1) and
// ReLU applied in the same pass over the output. Larger batches run the model's own forward pass
// (threaded, Winograd where it pays), so scores computed at evaluation batch sizes are the same
// bits as training's. The training path is untouched.
// Letters as Conv2D.swift: M = N·OH·OW rows, K = KH·KW·C, F filters; Dense (N, I) -> (N, O).
public import Tensors

/// A Sequential for inference, fast at small batches.
public struct InferencePlan: InferenceModel {
    /// Batches up to this size take the low-latency path; larger ones the model's forward pass.
    /// hsiflow-bench's inference table (Docs/Inference.md) has the plan 1.3× faster at batch 1
    /// and level at batch 4; 8 is not measured, a bound below the batches scoring uses (128).
    public static let smallBatchLimit = 8

    public private(set) var model: Sequential
    private var buffers: [Int: [[Float]]] = [:]  // batch size -> per-layer scratch (columns)

    public init(_ model: Sequential) { self.model = model }

    public var name: String { model.name }
    public var inputShape: [Int] { model.inputShape }
    public var outputUnits: Int { model.outputUnits }

    public mutating func infer(_ x: Tensor) -> Tensor {
        let n = x.shape.first ?? 0
        guard n <= Self.smallBatchLimit else { return model.forward(x, training: false) }
        var scratch = buffers.removeValue(forKey: n) ?? [[Float]](repeating: [], count: model.layers.count)
        var h = x
        for i in model.layers.indices {
            let layer = model.layers[i]
            if let conv = layer as? Conv2D, conv.activation != .softmax {
                h = Self.convolve(h, conv, columns: &scratch[i])
            } else if let dense = layer as? Dense, dense.activation != .softmax {
                h = Self.dense(h, dense)
            } else {
                h = model.layers[i].forward(h, training: false)
            }
        }
        buffers[n] = scratch
        return h
    }

    // x: (N, H, W, C) -> y: (N, OH, OW, F); im2col into the planned buffer, one sgemm on this thread.
    static func convolve(_ x: Tensor, _ conv: Conv2D, columns: inout [Float]) -> Tensor {
        guard let g = ConvolutionGeometry(inputShape: x.shape, kernelHeight: conv.kernelSize.height,
                                          kernelWidth: conv.kernelSize.width, samePadding: conv.padding == .same) else {
            preconditionFailure("layer \(conv.name): input \(x.shape) does not fit; the model checks shapes when it is built")
        }
        let (m, k, f) = (g.rows, g.columns, conv.filters)
        if columns.count != m * k { columns = [Float](repeating: 0, count: m * k) }
        var y = biasRows(conv.bias, rows: m)
        x.scalars.withUnsafeBufferPointer { xp in
            columns.withUnsafeMutableBufferPointer { cp in
                conv.kernel.scalars.withUnsafeBufferPointer { wp in
                    y.withUnsafeMutableBufferPointer { yp in
                        guard let xa = xp.baseAddress, let ca = cp.baseAddress, let wa = wp.baseAddress,
                              let ya = yp.baseAddress else { return }
                        let input: UnsafePointer<Float>
                        if k == g.channels && g.outputHeight == g.height && g.outputWidth == g.width {
                            input = xa  // a 1×1 kernel: x is its own column matrix
                        } else {
                            Im2Col.im2col(xa, g, into: ca)
                            input = UnsafePointer(ca)
                        }
                        if m == 1 {
                            BLAS.sgemv(transpose: true, rows: k, columns: f, a: wa, lda: f, x: input, beta: 1, y: ya)
                        } else {
                            BLAS.sgemmOnThisThread(m: m, n: f, k: k, a: input, lda: k, b: wa, ldb: f, beta: 1, c: ya, ldc: f)
                        }
                        if conv.activation == .relu { relu(ya, count: m * f) }
                    }
                }
            }
        }
        return Tensor(shape: [g.batch, g.outputHeight, g.outputWidth, f], scalars: y)
    }

    // x: (N, I) -> y: (N, O); y = b + x·W on this thread (a matrix–vector product at N = 1).
    static func dense(_ x: Tensor, _ layer: Dense) -> Tensor {
        let (n, i, o) = (x.shape[0], layer.kernel.shape[0], layer.units)
        var y = biasRows(layer.bias, rows: n)
        x.scalars.withUnsafeBufferPointer { xp in
            layer.kernel.scalars.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    guard let xa = xp.baseAddress, let wa = wp.baseAddress, let ya = yp.baseAddress else { return }
                    if n == 1 {
                        BLAS.sgemv(transpose: true, rows: i, columns: o, a: wa, lda: o, x: xa, beta: 1, y: ya)
                    } else {
                        BLAS.sgemmOnThisThread(m: n, n: o, k: i, a: xa, lda: i, b: wa, ldb: o, beta: 1, c: ya, ldc: o)
                    }
                    if layer.activation == .relu { relu(ya, count: n * o) }
                }
            }
        }
        return Tensor(shape: [n, o], scalars: y)
    }

    /// `rows` copies of the bias, the product's starting value.
    static func biasRows(_ bias: Tensor, rows: Int) -> [Float] {
        let f = bias.count
        return [Float](unsafeUninitializedCapacity: rows * f) { yp, initialized in
            bias.scalars.withUnsafeBufferPointer { b in
                for r in 0..<rows { for j in 0..<f { yp[r * f + j] = b[j] } }
            }
            initialized = rows * f
        }
    }

    static func relu(_ p: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { p[i] = p[i] > 0 ? p[i] : 0 }
    }
}
