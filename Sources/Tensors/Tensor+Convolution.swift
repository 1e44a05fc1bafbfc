// Tensor+Convolution: im2col and col2im for NHWC images, stride 1, any kernel, any zero padding.
// Dimension letters: N batch, H/W input height/width, C channels, KH/KW kernel, OH/OW output.
// im2col turns a convolution into one matrix product: cols (N·OH·OW, KH·KW·C) · kernel (KH·KW·C, F).
// The column order (ky, kx, c) matches a Keras kernel (KH, KW, C, F) read row-major.

/// The shapes of one stride-1 2-D convolution over NHWC input.
public struct ConvolutionGeometry: Sendable, Equatable {
    public let batch: Int, height: Int, width: Int, channels: Int
    public let kernelHeight: Int, kernelWidth: Int
    /// Zero rows added above and zero columns added left of the input.
    public let padTop: Int, padLeft: Int
    public let outputHeight: Int, outputWidth: Int

    /// Geometry for input [N, H, W, C] and a KH×KW kernel. `samePadding` pads like TensorFlow's
    /// "SAME" (output size = input size; the extra row/column of an even kernel goes bottom/right),
    /// otherwise "VALID" (no padding). Returns nil when a valid kernel is larger than the input.
    public init?(inputShape: [Int], kernelHeight: Int, kernelWidth: Int, samePadding: Bool) {
        guard inputShape.count == 4, kernelHeight > 0, kernelWidth > 0,
              inputShape.allSatisfy({ $0 >= 0 }) else { return nil }
        batch = inputShape[0]; height = inputShape[1]; width = inputShape[2]; channels = inputShape[3]
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        if samePadding {
            padTop = (kernelHeight - 1) / 2
            padLeft = (kernelWidth - 1) / 2
            outputHeight = height
            outputWidth = width
        } else {
            padTop = 0
            padLeft = 0
            outputHeight = height - kernelHeight + 1
            outputWidth = width - kernelWidth + 1
        }
        guard outputHeight > 0, outputWidth > 0 else { return nil }
    }

    /// Rows of the column matrix: N·OH·OW.
    public var rows: Int { batch * outputHeight * outputWidth }
    /// Columns of the column matrix: KH·KW·C.
    public var columns: Int { kernelHeight * kernelWidth * channels }
    public var inputShape: [Int] { [batch, height, width, channels] }

    /// True when the column matrix is the input itself, element for element: no padding, and either a
    /// 1×1 kernel or a kernel as large as the image (one output per sample, e.g. cao's second layer).
    public var columnsAreInput: Bool {
        padTop == 0 && padLeft == 0 && outputHeight * outputWidth * kernelHeight * kernelWidth == height * width
            && ((kernelHeight == 1 && kernelWidth == 1) || (outputHeight == 1 && outputWidth == 1))
    }
}

// MARK: - Fast kernels on raw buffers

/// im2col and col2im on raw buffers (used by the convolution layers' hot path).
public enum Im2Col {
    /// Writes the column matrix of `x` (N, H, W, C) into `cols` (rows × columns), zeros where padded.
    public static func im2col(_ x: UnsafePointer<Float>, _ g: ConvolutionGeometry, into cols: UnsafeMutablePointer<Float>) {
        let c = g.channels, kw = g.kernelWidth
        let span = kw * c
        var row = cols
        for n in 0..<g.batch {
            let image = x + n * g.height * g.width * c
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    let x0 = ox - g.padLeft
                    for ky in 0..<g.kernelHeight {
                        let iy = oy - g.padTop + ky
                        let dst = row + ky * span
                        if iy < 0 || iy >= g.height {
                            dst.update(repeating: 0, count: span)
                        } else if x0 >= 0 && x0 + kw <= g.width {
                            // The whole kernel row lies inside: one contiguous copy of KW·C values.
                            dst.update(from: image + (iy * g.width + x0) * c, count: span)
                        } else {
                            for kx in 0..<kw {
                                let ix = x0 + kx
                                if ix < 0 || ix >= g.width {
                                    (dst + kx * c).update(repeating: 0, count: c)
                                } else {
                                    (dst + kx * c).update(from: image + (iy * g.width + ix) * c, count: c)
                                }
                            }
                        }
                    }
                    row += g.columns
                }
            }
        }
    }

    /// Adds the column-matrix gradient `cols` back onto the image gradient `dx` (N, H, W, C).
    /// `dx` is accumulated into, so the caller zeroes it first.
    public static func col2im(_ cols: UnsafePointer<Float>, _ g: ConvolutionGeometry, into dx: UnsafeMutablePointer<Float>) {
        let c = g.channels, kw = g.kernelWidth
        let span = kw * c
        var row = cols
        for n in 0..<g.batch {
            let image = dx + n * g.height * g.width * c
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    let x0 = ox - g.padLeft
                    for ky in 0..<g.kernelHeight {
                        let iy = oy - g.padTop + ky
                        guard iy >= 0 && iy < g.height else { continue }
                        let src = row + ky * span
                        for kx in 0..<kw {
                            let ix = x0 + kx
                            guard ix >= 0 && ix < g.width else { continue }
                            let d = image + (iy * g.width + ix) * c
                            let s = src + kx * c
                            for k in 0..<c { d[k] += s[k] }
                        }
                    }
                    row += g.columns
                }
            }
        }
    }
}

// MARK: - Value API

extension Tensor {
    /// The im2col matrix [N·OH·OW, KH·KW·C] of this NHWC tensor.
    public func im2col(_ g: ConvolutionGeometry) -> Tensor {
        precondition(shape == g.inputShape, "im2col geometry is for \(g.inputShape), tensor is \(shape)")
        var out = [Float](repeating: 0, count: g.rows * g.columns)
        scalars.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { cols in
                guard let xp = x.baseAddress, let cp = cols.baseAddress else { return }
                Im2Col.im2col(xp, g, into: cp)
            }
        }
        return Tensor(shape: [g.rows, g.columns], scalars: out)
    }

    /// The NHWC image gradient whose im2col matrix gradient is this [N·OH·OW, KH·KW·C] tensor.
    public func col2im(_ g: ConvolutionGeometry) -> Tensor {
        precondition(shape == [g.rows, g.columns], "col2im geometry needs [\(g.rows), \(g.columns)], tensor is \(shape)")
        var out = [Float](repeating: 0, count: g.batch * g.height * g.width * g.channels)
        scalars.withUnsafeBufferPointer { cols in
            out.withUnsafeMutableBufferPointer { dx in
                guard let cp = cols.baseAddress, let dp = dx.baseAddress else { return }
                Im2Col.col2im(cp, g, into: dp)
            }
        }
        return Tensor(shape: g.inputShape, scalars: out)
    }
}
