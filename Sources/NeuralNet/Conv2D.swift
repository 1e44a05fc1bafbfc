// Conv2D: stride-1 2-D convolution over NHWC input with a Keras-layout kernel, through
// im2col + one sgemm, or Winograd F(3×3, 3×3) for 3×3 kernels (Conv2D+Winograd.swift); plus the
// plain-loop reference forward/backward both are tested against.
// Letters: N batch, H/W input size, C input channels, F filters, KH/KW kernel, OH/OW output,
// M = N·OH·OW rows of the column matrix, K = KH·KW·C its columns.
public import Tensors

/// How a convolution treats the border.
public enum Padding: String, Codable, Sendable, CaseIterable {
    /// No padding: the output shrinks by kernel − 1.
    case valid
    /// Zero padding so the output keeps the input's height and width.
    case same
}

/// 2-D convolution, stride 1, with bias and a fused activation.
public struct Conv2D: Layer {
    public let name: String
    /// Number of output channels (F).
    public let filters: Int
    /// Kernel height and width (KH, KW).
    public let kernelSize: (height: Int, width: Int)
    /// Border handling.
    public let padding: Padding
    /// Activation fused into the output.
    public let activation: Activation
    /// Kernel (KH, KW, C, F), Keras layout.
    public private(set) var kernel: Tensor
    /// Bias (F).
    public private(set) var bias: Tensor
    /// dL/dkernel from the last backward pass.
    public private(set) var kernelGradient: Tensor
    /// dL/dbias from the last backward pass.
    public private(set) var biasGradient: Tensor
    /// How the products are computed (not part of the model: every algorithm gives the same function).
    public var algorithm: ConvolutionAlgorithm = .automatic

    // Forward state for backward: geometry, the column matrix or the Winograd buffers (reused as
    // workspaces), the output.
    private var geometry: ConvolutionGeometry?
    private var columns: [Float] = []
    /// The input itself when it already is the column matrix (`ConvolutionGeometry.columnsAreInput`).
    private var input: Tensor?
    private var columnGradient: [Float] = []
    private var winograd: WinogradConvolution?
    private var forwardUsedWinograd = false
    /// False whenever the kernel may have changed since the Winograd buffers last transformed it.
    private var winogradKernelIsCurrent = false
    private var output: Tensor?

    /// A convolution over `channels` input channels with Glorot-uniform kernel and zero bias.
    public init(name: String, filters: Int, kernelSize: (Int, Int), channels: Int, padding: Padding,
                activation: Activation, rng: inout SeededRandom) {
        self.name = name
        self.filters = filters
        self.kernelSize = (kernelSize.0, kernelSize.1)
        self.padding = padding
        self.activation = activation
        let (kh, kw) = kernelSize
        kernel = Initializer.glorotUniform(shape: [kh, kw, channels, filters],
                                           fanIn: kh * kw * channels, fanOut: kh * kw * filters, rng: &rng)
        bias = Tensor(shape: [filters])
        kernelGradient = Tensor(shape: kernel.shape)
        biasGradient = Tensor(shape: [filters])
    }

    public var spec: LayerSpec {
        .conv2D(filters: filters, kernel: [kernelSize.height, kernelSize.width], padding: padding,
                activation: activation, name: name)
    }

    public func outputShape(for inputShape: [Int]) throws(NeuralNetError) -> [Int] {
        guard inputShape.count == 3 else {
            throw .incompatibleShape(layer: name, reason: "Conv2D needs height×width×channels input, got \(inputShape)")
        }
        guard inputShape[2] == kernel.shape[2] else {
            throw .incompatibleShape(layer: name, reason: "kernel expects \(kernel.shape[2]) channels, input has \(inputShape[2])")
        }
        guard let g = ConvolutionGeometry(inputShape: [1] + inputShape, kernelHeight: kernelSize.height,
                                          kernelWidth: kernelSize.width, samePadding: padding == .same) else {
            throw .incompatibleShape(layer: name, reason: "a \(kernelSize.height)×\(kernelSize.width) valid kernel does not fit a \(inputShape[0])×\(inputShape[1]) input; use a smaller kernel, padding: same, or a larger patch")
        }
        return [g.outputHeight, g.outputWidth, filters]
    }

    // x: (N, H, W, C) -> y: (N, OH, OW, F)
    public mutating func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard let g = ConvolutionGeometry(inputShape: x.shape, kernelHeight: kernelSize.height,
                                          kernelWidth: kernelSize.width, samePadding: padding == .same),
              g.channels == kernel.shape[2] else {
            preconditionFailure("layer \(name): input \(x.shape) does not fit kernel \(kernel.shape); the model checks shapes when it is built")
        }
        geometry = g
        var y: [Float]
        if let tiling = algorithm.winogradTiling(for: g) {
            var engine = winograd ?? WinogradConvolution(tiling: tiling)
            winograd = nil  // hand the buffers over uniquely, so they are not copied on write
            y = engine.forward(x, tiling: tiling, kernel: kernel, bias: bias, kernelUnchanged: winogradKernelIsCurrent)
            winograd = engine
            winogradKernelIsCurrent = true
            forwardUsedWinograd = true
            input = nil
        } else {
            y = forwardIm2col(x, g)
            forwardUsedWinograd = false
        }
        activation.apply(&y, width: filters)
        let out = Tensor(shape: [g.batch, g.outputHeight, g.outputWidth, filters], scalars: y)
        output = out
        return out
    }

    /// bias + cols · W through one sgemm (cols is x itself when im2col would only copy it).
    private mutating func forwardIm2col(_ x: Tensor, _ g: ConvolutionGeometry) -> [Float] {
        let (m, k, f) = (g.rows, g.columns, filters)
        if g.columnsAreInput {
            input = x
            columns = []
        } else {
            input = nil
            if columns.count != m * k { columns = [Float](repeating: 0, count: m * k) }
        }
        // y starts as the bias in every row, then y += cols · W.
        var y = [Float](unsafeUninitializedCapacity: m * f) { yp, initialized in
            bias.scalars.withUnsafeBufferPointer { b in
                for r in 0..<m { for j in 0..<f { yp[r * f + j] = b[j] } }
            }
            initialized = m * f
        }
        if g.columnsAreInput {
            x.scalars.withUnsafeBufferPointer { xp in
                kernel.scalars.withUnsafeBufferPointer { wp in
                    y.withUnsafeMutableBufferPointer { yp in
                        guard let xa = xp.baseAddress, let wa = wp.baseAddress, let ya = yp.baseAddress else { return }
                        BLAS.sgemm(m: m, n: f, k: k, a: xa, lda: k, b: wa, ldb: f, beta: 1, c: ya, ldc: f)
                    }
                }
            }
            return y
        }
        x.scalars.withUnsafeBufferPointer { xp in
            columns.withUnsafeMutableBufferPointer { cp in
                kernel.scalars.withUnsafeBufferPointer { wp in
                    y.withUnsafeMutableBufferPointer { yp in
                        guard let xa = xp.baseAddress, let ca = cp.baseAddress, let wa = wp.baseAddress,
                              let ya = yp.baseAddress else { return }
                        Im2Col.im2col(xa, g, into: ca)
                        BLAS.sgemm(m: m, n: f, k: k, a: ca, lda: k, b: wa, ldb: f, beta: 1, c: ya, ldc: f)
                    }
                }
            }
        }
        return y
    }

    // dy: (N, OH, OW, F) -> dx: (N, H, W, C); dW = colsᵀ·dz (K, F), db = Σ_rows dz, dcols = dz·Wᵀ.
    public mutating func backward(_ gradient: Tensor, needInputGradient: Bool, skipActivation: Bool) -> Tensor? {
        guard let g = geometry, let y = output, gradient.shape == y.shape else {
            preconditionFailure("layer \(name): backward needs a forward pass with an output of the gradient's shape")
        }
        let (m, k, f) = (g.rows, g.columns, filters)
        let dz = skipActivation ? gradient.scalars : activation.backward(output: y.scalars, gradient: gradient.scalars, width: f)
        biasGradient = Tensor(shape: [f], scalars: Conv2D.columnSums(dz, width: f))
        if forwardUsedWinograd, var engine = winograd {
            winograd = nil
            let (dW, dx) = engine.backward(dz, filters: f, needInputGradient: needInputGradient)
            winograd = engine
            kernelGradient = Tensor(shape: kernel.shape, scalars: dW)
            return dx.map { Tensor(shape: g.inputShape, scalars: $0) }
        }
        // sgemm with beta 0 overwrites every element, so dW needs no zero fill.
        var dW = [Float](unsafeUninitializedCapacity: k * f) { _, initialized in initialized = k * f }
        let dxCount = g.batch * g.height * g.width * g.channels
        if g.columnsAreInput, let x = input {
            // cols is x: dW = xᵀ·dz, and dx = dz·Wᵀ straight into dx (OpenBLAS' beta 0 zeroes C and
            // adds the products, the same bits col2im's 0 + dcols gave).
            var dx = [Float](unsafeUninitializedCapacity: needInputGradient ? dxCount : 0) { _, initialized in
                initialized = needInputGradient ? dxCount : 0
            }
            dz.withUnsafeBufferPointer { dzp in
                x.scalars.withUnsafeBufferPointer { xp in
                    kernel.scalars.withUnsafeBufferPointer { wp in
                        dW.withUnsafeMutableBufferPointer { dwp in
                            dx.withUnsafeMutableBufferPointer { dxp in
                                guard let dza = dzp.baseAddress, let xa = xp.baseAddress, let wa = wp.baseAddress,
                                      let dwa = dwp.baseAddress else { return }
                                BLAS.sgemm(transposeA: true, m: k, n: f, k: m, a: xa, lda: k, b: dza, ldb: f, c: dwa, ldc: f)
                                guard needInputGradient, let dxa = dxp.baseAddress else { return }
                                BLAS.sgemm(transposeB: true, m: m, n: k, k: f, a: dza, lda: f, b: wa, ldb: f, c: dxa, ldc: k)
                            }
                        }
                    }
                }
            }
            kernelGradient = Tensor(shape: kernel.shape, scalars: dW)
            return needInputGradient ? Tensor(shape: g.inputShape, scalars: dx) : nil
        }
        var dx: [Float] = needInputGradient ? [Float](repeating: 0, count: dxCount) : []
        if needInputGradient, columnGradient.count != m * k { columnGradient = [Float](repeating: 0, count: m * k) }
        dz.withUnsafeBufferPointer { dzp in
            columns.withUnsafeBufferPointer { cp in
                dW.withUnsafeMutableBufferPointer { dwp in
                    guard let dza = dzp.baseAddress, let ca = cp.baseAddress, let dwa = dwp.baseAddress else { return }
                    BLAS.sgemm(transposeA: true, m: k, n: f, k: m, a: ca, lda: k, b: dza, ldb: f, c: dwa, ldc: f)
                }
            }
            guard needInputGradient else { return }
            // dcols (M, K) = dz · Wᵀ in its own workspace, so backward may run again after one forward.
            columnGradient.withUnsafeMutableBufferPointer { gp in
                kernel.scalars.withUnsafeBufferPointer { wp in
                    dx.withUnsafeMutableBufferPointer { dxp in
                        guard let dza = dzp.baseAddress, let ga = gp.baseAddress, let wa = wp.baseAddress,
                              let dxa = dxp.baseAddress else { return }
                        BLAS.sgemm(transposeB: true, m: m, n: k, k: f, a: dza, lda: f, b: wa, ldb: f, c: ga, ldc: k)
                        Im2Col.col2im(ga, g, into: dxa)
                    }
                }
            }
        }
        kernelGradient = Tensor(shape: kernel.shape, scalars: dW)
        return needInputGradient ? Tensor(shape: g.inputShape, scalars: dx) : nil
    }

    /// Σ over rows of a [rows, width] buffer, accumulated in Double, row after row. Blocks of columns
    /// go to the workers; every column is still summed in row order, so the bits do not depend on them.
    static func columnSums(_ values: [Float], width: Int) -> [Float] {
        guard width > 0 else { return [] }
        let rows = values.count / width
        return [Float](unsafeUninitializedCapacity: width) { out, initialized in
            values.withUnsafeBufferPointer { p in
                guard let pa = p.baseAddress, let oa = out.baseAddress else { return }
                let shared = UncheckedBox((pa, oa))
                parallelBlocks(count: width, blockSize: rows * width >= 1 << 16 ? 64 : width) { columns in
                    let (pa, oa) = shared.value
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: columns.count) { acc in
                        guard let a = acc.baseAddress else { return }
                        a.initialize(repeating: 0, count: columns.count)
                        for r in 0..<rows {
                            let row = pa + r * width + columns.lowerBound
                            for j in 0..<columns.count { a[j] += Double(row[j]) }
                        }
                        for j in 0..<columns.count { oa[columns.lowerBound + j] = Float(a[j]) }
                    }
                    return 0
                }
            }
            initialized = width
        }
    }

    public var parameterNames: [String] { ["kernel", "bias"] }
    public var parameters: [Tensor] { [kernel, bias] }
    public var gradients: [Tensor] { [kernelGradient, biasGradient] }

    public mutating func setParameters(_ values: [Tensor]) throws(NeuralNetError) {
        try checkParameterShapes(values)
        kernel = values[0]
        bias = values[1]
        winogradKernelIsCurrent = false
    }

    public mutating func updateParameters(_ update: (Int, inout Tensor, Tensor) -> Void) {
        update(0, &kernel, kernelGradient)
        update(1, &bias, biasGradient)
        winogradKernelIsCurrent = false
    }

    public mutating func setGradients(_ values: [Tensor]) {
        precondition(values.count == 2 && values[0].shape == kernel.shape && values[1].shape == bias.shape,
                     "layer \(name): gradients must match kernel \(kernel.shape) and bias \(bias.shape)")
        kernelGradient = values[0]
        biasGradient = values[1]
    }
}

// MARK: - Plain-loop reference

/// Direct (six nested loops) convolution, the reference the im2col + sgemm path is tested against.
public enum ConvolutionReference {
    // x: (N, H, W, C), w: (KH, KW, C, F), b: (F) -> z: (N, OH, OW, F), no activation.
    public static func forward(_ x: Tensor, kernel w: Tensor, bias b: Tensor, padding: Padding) -> Tensor {
        let (n, h, wd, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, f) = (w.shape[0], w.shape[1], w.shape[3])
        let (pt, pl) = padding == .same ? ((kh - 1) / 2, (kw - 1) / 2) : (0, 0)
        let (oh, ow) = padding == .same ? (h, wd) : (h - kh + 1, wd - kw + 1)
        var z = Tensor(shape: [n, oh, ow, f])
        for s in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<f {
            var acc = Double(b[o])
            for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy + ky - pt, ix = ox + kx - pl
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                for ch in 0..<c { acc += Double(x[s, iy, ix, ch]) * Double(w[ky, kx, ch, o]) }
            }}
            z[s, oy, ox, o] = Float(acc)
        }}}}
        return z
    }

    /// Gradients (dx, dw, db) of Σ dz ⊙ conv(x) by direct loops.
    public static func backward(_ x: Tensor, kernel w: Tensor, padding: Padding, outputGradient dz: Tensor)
        -> (input: Tensor, kernel: Tensor, bias: Tensor) {
        let (n, h, wd, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, f) = (w.shape[0], w.shape[1], w.shape[3])
        let (pt, pl) = padding == .same ? ((kh - 1) / 2, (kw - 1) / 2) : (0, 0)
        let (oh, ow) = (dz.shape[1], dz.shape[2])
        var dx = Tensor(shape: x.shape), dw = Tensor(shape: w.shape), db = Tensor(shape: [f])
        for s in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<f {
            let g = dz[s, oy, ox, o]
            db[o] += g
            for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy + ky - pt, ix = ox + kx - pl
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                for ch in 0..<c {
                    dw[ky, kx, ch, o] += g * x[s, iy, ix, ch]
                    dx[s, iy, ix, ch] += g * w[ky, kx, ch, o]
                }
            }}
        }}}}
        return (dx, dw, db)
    }
}
