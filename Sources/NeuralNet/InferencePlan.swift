// InferencePlan: a Sequential compiled for small-batch inference — buffers (columns, outputs)
// planned once per batch size and reused, no per-call thread wake-ups (small products on the
// calling thread, large ones — cao's conv1 and conv2 — cut in two column blocks shared with one
// spinning helper thread, PairedWorker), matrix–vector products at batch 1, bias written before
// the product (beta = 1) and ReLU applied in the same pass over the output. Larger batches run the model's own forward pass
// (threaded, Winograd where it pays), so scores computed at evaluation batch sizes are the same
// bits as training's. The training path is untouched.
// Letters as Conv2D.swift: M = N·OH·OW rows, K = KH·KW·C, F filters; Dense (N, I) -> (N, O).
public import Tensors
import Synchronization

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
                        product(rows: m, inner: k, columns: f, input: input, weights: wa, output: ya,
                                relu: conv.activation == .relu)
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
                    product(rows: n, inner: i, columns: o, input: xa, weights: wa, output: ya,
                            relu: layer.activation == .relu)
                }
            }
        }
        return Tensor(shape: [n, o], scalars: y)
    }

    /// Products of at least this many multiply–adds (rows · inner · columns) are cut into two
    /// column blocks that the calling thread and the paired helper compute together (when
    /// `Workers.count` ≥ 2); smaller ones run whole on the calling thread, where a second thread
    /// costs more than it saves. Measured with hsiflow-bench's inference table (Docs/Inference.md).
    public static var splitMultiplyAdds: Int {
        get { splitThreshold.load(ordering: .relaxed) }
        set { splitThreshold.store(newValue, ordering: .relaxed) }
    }
    private static let splitThreshold = Atomic<Int>(262_144)

    /// Column blocks a product of this size is cut into: a function of the size alone, so the
    /// result is the same bits on one thread or two.
    static func columnBlocks(rows: Int, inner: Int, columns: Int) -> Int {
        rows * inner * columns >= splitMultiplyAdds && columns >= 32 ? 2 : 1
    }

    /// Blocks of split products the helper thread computed, of those offered to it, in this process.
    public static var helperBlocks: (helper: Int, offered: Int) { PairedWorker.shared.helpedBlocks }

    /// Threads a call on `batchSize` samples runs on (what the latency record says): the
    /// model's forward pass above the small-batch limit; on the low-latency path two when a
    /// product is cut into blocks and `Workers.count` allows two, else one.
    public func threads(batchSize: Int) -> Int {
        guard batchSize <= Self.smallBatchLimit else { return Workers.count }
        guard Workers.count >= 2 else { return 1 }
        var shape = model.inputShape  // per sample
        for layer in model.layers {
            guard let next = try? layer.outputShape(for: shape) else { return 1 }
            if let conv = layer as? Conv2D, conv.activation != .softmax {
                let rows = batchSize * next.dropLast().reduce(1, *)
                if Self.columnBlocks(rows: rows, inner: conv.kernel.count / conv.filters, columns: conv.filters) > 1 { return 2 }
            } else if let dense = layer as? Dense, dense.activation != .softmax {
                if Self.columnBlocks(rows: batchSize, inner: dense.kernel.shape[0], columns: dense.units) > 1 { return 2 }
            }
            shape = next
        }
        return 1
    }

    /// output (rows × columns, holding the bias) += input (rows × inner) · weights (inner × columns),
    /// then ReLU; a matrix–vector product at one row. Cut into column blocks by size
    /// (`columnBlocks`), each block's columns a multiple of 16 but the last.
    static func product(rows m: Int, inner k: Int, columns f: Int, input: UnsafePointer<Float>,
                        weights: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, relu applyReLU: Bool) {
        let blocks = columnBlocks(rows: m, inner: k, columns: f)
        let width = blocks == 1 ? f : (f / blocks + 15) / 16 * 16
        let operands = UncheckedPointers(input: input, weights: weights, output: output)
        let block = { (b: Int) in
            let first = b * width, count = min(f, first + width) - first
            guard count > 0 else { return }
            let (x, w, y) = (operands.input, operands.weights + first, operands.output + first)
            if m == 1 {
                BLAS.sgemv(transpose: true, rows: k, columns: count, a: w, lda: f, x: x, beta: 1, y: y)
            } else {
                BLAS.sgemmOnThisThread(m: m, n: count, k: k, a: x, lda: k, b: w, ldb: f, beta: 1, c: y, ldc: f)
            }
            if applyReLU {
                for r in 0..<m { relu(y + r * f, count: count) }
            }
        }
        if blocks > 1 && Workers.count >= 2 {
            PairedWorker.shared.run(blocks: blocks, block)
        } else {
            for b in 0..<blocks { block(b) }
        }
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

/// The raw pointers of one product, handed to the helper thread for the length of the call.
private struct UncheckedPointers: @unchecked Sendable {
    let input: UnsafePointer<Float>
    let weights: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
}
