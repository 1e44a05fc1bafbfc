// Conv2D+Winograd: the F(3×3, 3×3) path of a 3×3 convolution (transforms in Tensors/Winograd.swift).
// Forward: U = G g Gᵀ, V = Bᵀ d B, M[ξ] = V[ξ]·U[ξ] (25 sgemms), y = bias + Aᵀ M A.
// Backward from dz: dM = A dz Aᵀ; dU[ξ] = V[ξ]ᵀ·dM[ξ] → dW = Gᵀ dU G; dV[ξ] = dM[ξ]·U[ξ]ᵀ → dx = B dV Bᵀ.
// Letters: R = rows of every transformed matrix (N · tiles), C channels, F filters, ξ ∈ 0..<25.
import Tensors

/// How a convolution layer computes its products.
public enum ConvolutionAlgorithm: String, Codable, Sendable, CaseIterable {
    /// Winograd where it needs fewer multiplications (3×3 kernels on outputs of at least 2×2) and a call
    /// has at least 64 tiles (smaller calls are as fast or faster on im2col); else im2col.
    case automatic
    /// One im2col matrix and one sgemm per pass (any kernel).
    case im2col
    /// Winograd F(3×3, 3×3) whenever the kernel is 3×3 (im2col otherwise).
    case winograd

    /// The Winograd tiling this algorithm uses for `geometry`, or nil for im2col.
    func winogradTiling(for geometry: ConvolutionGeometry) -> WinogradTiling? {
        guard self != .im2col, let tiling = WinogradTiling(geometry) else { return nil }
        // At 2×2 outputs the tiles already need 31% fewer multiplications; at 1×1 they would need 2.8× more.
        // Below about 64 tiles per call the 25 small products cost as much in BLAS overhead as they
        // save (hsiflow-bench's inference table: forward passes of cao at batch 1–16 are as fast or
        // faster on im2col, from 64 on Winograd is as fast or faster; training steps at 128 gain 1.5×).
        return self == .winograd || (tiling.relativeCost < 0.75 && tiling.rows >= 64) ? tiling : nil
    }
}

/// The buffers of one layer's Winograd passes, kept between forward and backward and reused.
struct WinogradConvolution: Sendable {
    private(set) var tiling: WinogradTiling
    private var transformedInput: [Float] = []     // V [25][R][C], kept for dW
    private var transformedKernel: [Float] = []    // U [25][C][F], kept for dx
    private var products: [Float] = []             // M [25][R][F], then dM in backward
    private var kernelGradient: [Float] = []       // dU [25][C][F]
    private var inputGradient: [Float] = []        // dV [25][R][C]

    init(tiling: WinogradTiling) { self.tiling = tiling }

    /// y (N, OH, OW, F) = bias + conv(x, kernel), before the activation. With `kernelUnchanged`, the
    /// transformed kernel of the previous call is reused (inference calls forward many times on one
    /// kernel; at batch 1 transforming it would cost more than the products).
    mutating func forward(_ x: Tensor, tiling t: WinogradTiling, kernel: Tensor, bias: Tensor, kernelUnchanged: Bool) -> [Float] {
        tiling = t
        let (r, c, f) = (t.rows, t.convolution.channels, kernel.shape[3])
        let g = t.convolution
        Self.resize(&transformedInput, to: WinogradTiling.points * r * c)
        let reuseKernel = kernelUnchanged && transformedKernel.count == WinogradTiling.points * c * f
        Self.resize(&transformedKernel, to: WinogradTiling.points * c * f)
        Self.resize(&products, to: WinogradTiling.points * r * f)
        let count = g.batch * g.outputHeight * g.outputWidth * f
        return [Float](unsafeUninitializedCapacity: count) { yp, initialized in
            x.scalars.withUnsafeBufferPointer { xp in
                kernel.scalars.withUnsafeBufferPointer { wp in
                    bias.scalars.withUnsafeBufferPointer { bp in
                        transformedInput.withUnsafeMutableBufferPointer { vp in
                            transformedKernel.withUnsafeMutableBufferPointer { up in
                                products.withUnsafeMutableBufferPointer { mp in
                                    guard let xa = xp.baseAddress, let wa = wp.baseAddress, let ba = bp.baseAddress,
                                          let va = vp.baseAddress, let ua = up.baseAddress, let ma = mp.baseAddress,
                                          let ya = yp.baseAddress else { return }
                                    if !reuseKernel { Winograd.transformKernel(wa, channels: c, filters: f, into: ua) }
                                    Winograd.transformInput(xa, t, into: va)
                                    // The 25 products are independent: one per worker at a time, each on one thread.
                                    parallelFor(count: WinogradTiling.points) { xi in
                                        BLAS.sgemmOnThisThread(m: r, n: f, k: c, a: va + xi * r * c, lda: c,
                                                               b: ua + xi * c * f, ldb: f, c: ma + xi * r * f, ldc: f)
                                    }
                                    Winograd.transformOutput(ma, t, filters: f, bias: ba, into: ya)
                                }
                            }
                        }
                    }
                }
            }
            initialized = count
        }
    }

    /// dW (3, 3, C, F) and, when asked, dx (N, H, W, C) from dz, the gradient at the pre-activation.
    mutating func backward(_ dz: [Float], filters f: Int, needInputGradient: Bool) -> (kernel: [Float], input: [Float]?) {
        let t = tiling, g = t.convolution
        let (r, c) = (t.rows, g.channels)
        Self.resize(&kernelGradient, to: WinogradTiling.points * c * f)
        if needInputGradient { Self.resize(&inputGradient, to: WinogradTiling.points * r * c) }
        var dW = [Float](unsafeUninitializedCapacity: 9 * c * f) { _, initialized in initialized = 9 * c * f }
        var dx: [Float] = needInputGradient ? [Float](repeating: 0, count: g.batch * g.height * g.width * c) : []
        dz.withUnsafeBufferPointer { dzp in
            transformedInput.withUnsafeBufferPointer { vp in
                transformedKernel.withUnsafeBufferPointer { up in
                    products.withUnsafeMutableBufferPointer { mp in
                        kernelGradient.withUnsafeMutableBufferPointer { dup in
                            dW.withUnsafeMutableBufferPointer { dwp in
                                guard let dza = dzp.baseAddress, let va = vp.baseAddress, let ma = mp.baseAddress,
                                      let dua = dup.baseAddress, let dwa = dwp.baseAddress else { return }
                                Winograd.transformOutputGradient(dza, t, filters: f, into: ma)
                                parallelFor(count: WinogradTiling.points) { xi in
                                    BLAS.sgemmOnThisThread(transposeA: true, m: c, n: f, k: r, a: va + xi * r * c, lda: c,
                                                           b: ma + xi * r * f, ldb: f, c: dua + xi * c * f, ldc: f)
                                }
                                Winograd.transformKernelGradient(dua, channels: c, filters: f, into: dwa)
                                guard needInputGradient, let ua = up.baseAddress else { return }
                                inputGradient.withUnsafeMutableBufferPointer { dvp in
                                    dx.withUnsafeMutableBufferPointer { dxp in
                                        guard let dva = dvp.baseAddress, let dxa = dxp.baseAddress else { return }
                                        parallelFor(count: WinogradTiling.points) { xi in
                                            BLAS.sgemmOnThisThread(transposeB: true, m: r, n: c, k: f, a: ma + xi * r * f, lda: f,
                                                                   b: ua + xi * c * f, ldb: f, c: dva + xi * r * c, ldc: c)
                                        }
                                        Winograd.transformInputGradient(dva, t, into: dxa)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dW, needInputGradient ? dx : nil)
    }

    private static func resize(_ buffer: inout [Float], to count: Int) {
        if buffer.count != count { buffer = [Float](repeating: 0, count: count) }
    }
}

extension Sequential {
    /// Sets how every convolution layer computes its products; the model's function does not change.
    public mutating func setConvolutionAlgorithm(_ algorithm: ConvolutionAlgorithm) {
        for i in layers.indices {
            guard var conv = layers[i] as? Conv2D else { continue }
            conv.algorithm = algorithm
            layers[i] = conv
        }
    }
}
