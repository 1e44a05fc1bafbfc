// Winograd: stride-1 3×3 convolution by the minimal filtering algorithm F(3×3, 3×3) (Lavin & Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2016). Each 3×3 output tile is computed from
// a 5×5 input tile as Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A: 25 multiplications per (channel, filter) pair
// instead of 81. Summed over channels, the element-wise products become 25 independent matrix
// products V[ξ] (tiles × C) · U[ξ] (C × F), one per transform point ξ, which the caller runs
// through BLAS. A cao patch (5×5 in, 3×3 valid kernel) is exactly one tile.
//
// The matrices use the interpolation points 0, 1, −1, 2 and ∞; reference/winograd_matrices.py
// derives them exactly (rational arithmetic) and checks the identity. With those points:
//   Bᵀ = [ 2 −1 −2  1  0 ]   G = [  1/2    0    0  ]   Aᵀ = [ 1  1  1  1  0 ]
//        [ 0 −2 −1  1  0 ]       [ −1/2 −1/2 −1/2 ]        [ 0  1 −1  2  0 ]
//        [ 0  2 −3  1  0 ]       [ −1/6  1/6 −1/6 ]        [ 0  1  1  4  1 ]
//        [ 0 −1  0  1  0 ]       [  1/6  1/3  2/3 ]
//        [ 0  2 −1 −2  1 ]       [   0    0    1  ]
// Backward passes apply the transposes: dM = A dY Aᵀ, dg = Gᵀ dU G, dd = B dV Bᵀ.
//
// Layouts (all row-major): x, y NHWC; kernel (3, 3, C, F) as Keras; the transformed arrays are
// ξ-major: V [25][rows][C], U [25][C][F], M [25][rows][F], with rows = N · tiles per image and
// ξ = 5·i + j for transform row i and column j. Every 2-D transform is a column pass then a row
// pass of the 1-D formulas below, each a loop over the contiguous channel axis (vectorized).

/// The tiling of one stride-1 3×3 convolution into F(3×3, 3×3) tiles.
public struct WinogradTiling: Sendable, Equatable {
    /// Input side of a tile, output side of a tile, and the number of transform points (5·5).
    public static let inputTile = 5, outputTile = 3, points = 25

    public let convolution: ConvolutionGeometry
    /// Tiles along the output's height and width (partial tiles at the bottom/right edge).
    public let tilesDown: Int, tilesAcross: Int

    /// The tiling of `convolution`, or nil unless its kernel is 3×3.
    public init?(_ convolution: ConvolutionGeometry) {
        guard convolution.kernelHeight == 3, convolution.kernelWidth == 3 else { return nil }
        self.convolution = convolution
        tilesDown = (convolution.outputHeight + 2) / 3
        tilesAcross = (convolution.outputWidth + 2) / 3
    }

    public var tilesPerImage: Int { tilesDown * tilesAcross }
    /// Rows of every transformed matrix: N · tiles per image.
    public var rows: Int { convolution.batch * tilesPerImage }
    /// Scalars of the transformed input V, [25][rows][C].
    public var transformedInputCount: Int { Self.points * rows * convolution.channels }

    /// Index (y·W + x) within its image of pixel (a, b) of input tile (ty, tx), or nil in the padding.
    @inline(__always)
    public func inputPixel(tile ty: Int, _ tx: Int, _ a: Int, _ b: Int) -> Int? {
        let iy = ty * 3 - convolution.padTop + a, ix = tx * 3 - convolution.padLeft + b
        guard iy >= 0, iy < convolution.height, ix >= 0, ix < convolution.width else { return nil }
        return iy * convolution.width + ix
    }

    /// Index (y·OW + x) within its image of output (i, j) of tile (ty, tx), or nil past the edge.
    @inline(__always)
    public func outputPixel(tile ty: Int, _ tx: Int, _ i: Int, _ j: Int) -> Int? {
        let oy = ty * 3 + i, ox = tx * 3 + j
        guard oy < convolution.outputHeight, ox < convolution.outputWidth else { return nil }
        return oy * convolution.outputWidth + ox
    }

    /// Multiplications of the tiled algorithm divided by those of a direct convolution (1 = break-even).
    public var relativeCost: Double {
        let direct = Double(convolution.outputHeight * convolution.outputWidth * 9)
        return Double(tilesPerImage * Self.points) / direct
    }
}

/// The Winograd F(3×3, 3×3) transforms on raw buffers (the convolution layer runs the products).
public enum Winograd {
    // MARK: Forward

    /// V[ξ][row][c] = (Bᵀ d B)[ξ] for every input tile d (zeros outside the image), from x (N, H, W, C).
    public static func transformInput(_ x: UnsafePointer<Float>, _ t: WinogradTiling,
                                      into v: UnsafeMutablePointer<Float>) {
        let g = t.convolution, c = g.channels, rows = t.rows
        forEachImageBlock(t) { images in withWorkspace(count: 26 * c) { scratch in
            let zeros = scratch + 25 * c
            zeros.update(repeating: 0, count: c)
            forEachTile(t, images: images) { n, ty, tx, row in
                let image = x + n * g.height * g.width * c
                func source(_ a: Int, _ b: Int) -> UnsafePointer<Float> {
                    t.inputPixel(tile: ty, tx, a, b).map { image + $0 * c } ?? UnsafePointer(zeros)
                }
                // Column pass: scratch[i][b] = Σ_a Bᵀ[i][a] d[a][b].
                for b in 0..<5 {
                    applyBT(source(0, b), source(1, b), source(2, b), source(3, b), source(4, b),
                            into: scratch + b * c, stride: 5 * c, count: c)
                }
                // Row pass: V[5i + j] = Σ_b Bᵀ[j][b] scratch[i][b].
                for i in 0..<5 {
                    let s = scratch + i * 5 * c
                    applyBT(s, s + c, s + 2 * c, s + 3 * c, s + 4 * c,
                            into: v + ((5 * i) * rows + row) * c, stride: rows * c, count: c)
                }
            }
        }}
    }

    /// U[ξ][c][f] = (G g Gᵀ)[ξ] for the kernel w (3, 3, C, F).
    public static func transformKernel(_ w: UnsafePointer<Float>, channels: Int, filters: Int,
                                       into u: UnsafeMutablePointer<Float>) {
        let total = channels * filters
        forEachChunk(of: total) { offset, count in
            withWorkspace(count: 15 * count) { scratch in
                // Column pass: scratch[a][l] = Σ_k G[a][k] g[k][l]   (5 × 3 blocks).
                for l in 0..<3 {
                    applyG(w + l * total + offset, w + (3 + l) * total + offset, w + (6 + l) * total + offset,
                           into: scratch + l * count, stride: 3 * count, count: count)
                }
                // Row pass: U[5a + b] = Σ_l G[b][l] scratch[a][l].
                for a in 0..<5 {
                    let s = scratch + a * 3 * count
                    applyG(UnsafePointer(s), UnsafePointer(s + count), UnsafePointer(s + 2 * count),
                           into: u + 5 * a * total + offset, stride: total, count: count)
                }
            }
        }
    }

    /// y (N, OH, OW, F) = bias + Aᵀ M A for every tile, keeping only the outputs inside the image.
    public static func transformOutput(_ m: UnsafePointer<Float>, _ t: WinogradTiling, filters f: Int,
                                       bias: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let g = t.convolution, rows = t.rows
        forEachImageBlock(t) { images in withWorkspace(count: 16 * f) { scratch in
            let sink = scratch + 15 * f
            forEachTile(t, images: images) { n, ty, tx, row in
                let image = y + n * g.outputHeight * g.outputWidth * f
                func target(_ i: Int, _ j: Int) -> UnsafeMutablePointer<Float> {
                    t.outputPixel(tile: ty, tx, i, j).map { image + $0 * f } ?? sink
                }
                // Column pass: scratch[i][b] = Σ_a Aᵀ[i][a] M[5a + b]   (3 × 5 blocks).
                for b in 0..<5 {
                    let s = m + (b * rows + row) * f, step = 5 * rows * f
                    applyAT(s, s + step, s + 2 * step, s + 3 * step, s + 4 * step,
                            into: scratch + b * f, stride: 5 * f, count: f)
                }
                // Row pass: y[i][j] = bias + Σ_b Aᵀ[j][b] scratch[i][b].
                for i in 0..<3 {
                    let s = UnsafePointer(scratch + i * 5 * f)
                    applyATWithBias(s, s + f, s + 2 * f, s + 3 * f, s + 4 * f, bias: bias,
                                    into: target(i, 0), target(i, 1), target(i, 2), count: f)
                }
            }
        }}
    }

    // MARK: Backward

    /// dM[ξ][row][f] = (A dY Aᵀ)[ξ] for every output tile of dy (N, OH, OW, F); outside the image dY is 0.
    public static func transformOutputGradient(_ dy: UnsafePointer<Float>, _ t: WinogradTiling, filters f: Int,
                                               into dm: UnsafeMutablePointer<Float>) {
        let g = t.convolution, rows = t.rows
        forEachImageBlock(t) { images in withWorkspace(count: 16 * f) { scratch in
            let zeros = scratch + 15 * f
            zeros.update(repeating: 0, count: f)
            forEachTile(t, images: images) { n, ty, tx, row in
                let image = dy + n * g.outputHeight * g.outputWidth * f
                func source(_ i: Int, _ j: Int) -> UnsafePointer<Float> {
                    t.outputPixel(tile: ty, tx, i, j).map { image + $0 * f } ?? UnsafePointer(zeros)
                }
                // Column pass: scratch[a][j] = Σ_i A[a][i] dY[i][j]   (5 × 3 blocks).
                for j in 0..<3 {
                    applyA(source(0, j), source(1, j), source(2, j), into: scratch + j * f, stride: 3 * f, count: f)
                }
                // Row pass: dM[5a + b] = Σ_j A[b][j] scratch[a][j].
                for a in 0..<5 {
                    let s = UnsafePointer(scratch + a * 3 * f)
                    applyA(s, s + f, s + 2 * f, into: dm + (5 * a * rows + row) * f, stride: rows * f, count: f)
                }
            }
        }}
    }

    /// dw (3, 3, C, F) = Gᵀ dU G from the transformed kernel gradient dU [25][C][F].
    public static func transformKernelGradient(_ du: UnsafePointer<Float>, channels: Int, filters: Int,
                                               into dw: UnsafeMutablePointer<Float>) {
        let total = channels * filters
        forEachChunk(of: total) { offset, count in
            withWorkspace(count: 15 * count) { scratch in
                // Column pass: scratch[k][b] = Σ_a G[a][k] dU[5a + b]   (3 × 5 blocks).
                for b in 0..<5 {
                    let s = du + b * total + offset, step = 5 * total
                    applyGT(s, s + step, s + 2 * step, s + 3 * step, s + 4 * step,
                            into: scratch + b * count, stride: 5 * count, count: count)
                }
                // Row pass: dw[k][l] = Σ_b G[b][l] scratch[k][b].
                for k in 0..<3 {
                    let s = UnsafePointer(scratch + k * 5 * count)
                    applyGT(s, s + count, s + 2 * count, s + 3 * count, s + 4 * count,
                            into: dw + 3 * k * total + offset, stride: total, count: count)
                }
            }
        }
    }

    /// Adds B dV Bᵀ of every tile onto dx (N, H, W, C), dropping the parts outside the image.
    /// `dx` is accumulated into (tiles overlap), so the caller zeroes it first.
    public static func transformInputGradient(_ dv: UnsafePointer<Float>, _ t: WinogradTiling,
                                              into dx: UnsafeMutablePointer<Float>) {
        let g = t.convolution, c = g.channels, rows = t.rows
        forEachImageBlock(t) { images in withWorkspace(count: 26 * c) { scratch in
            let sink = scratch + 25 * c
            forEachTile(t, images: images) { n, ty, tx, row in
                let image = dx + n * g.height * g.width * c
                func target(_ p: Int, _ q: Int) -> UnsafeMutablePointer<Float> {
                    t.inputPixel(tile: ty, tx, p, q).map { image + $0 * c } ?? sink
                }
                // Column pass: scratch[p][b] = Σ_a Bᵀ[a][p] dV[5a + b].
                for b in 0..<5 {
                    let s = dv + (b * rows + row) * c, step = 5 * rows * c
                    applyB(s, s + step, s + 2 * step, s + 3 * step, s + 4 * step,
                           into: scratch + b * c, stride: 5 * c, count: c)
                }
                // Row pass: dx[p][q] += Σ_b Bᵀ[b][q] scratch[p][b].
                for p in 0..<5 {
                    let s = UnsafePointer(scratch + p * 5 * c)
                    accumulateB(s, s + c, s + 2 * c, s + 3 * c, s + 4 * c,
                                into: target(p, 0), target(p, 1), target(p, 2), target(p, 3), target(p, 4), count: c)
                }
            }
        }}
    }

    // MARK: - The 1-D transforms (o_i written at out + i·stride)

    /// o = Bᵀ d.
    @inline(__always)
    static func applyBT(_ d0: UnsafePointer<Float>, _ d1: UnsafePointer<Float>, _ d2: UnsafePointer<Float>,
                        _ d3: UnsafePointer<Float>, _ d4: UnsafePointer<Float>,
                        into out: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        let o0 = out, o1 = out + stride, o2 = out + 2 * stride, o3 = out + 3 * stride, o4 = out + 4 * stride
        for k in 0..<count {
            let a0 = d0[k], a1 = d1[k], a2 = d2[k], a3 = d3[k], a4 = d4[k]
            o0[k] = 2 * a0 - a1 - 2 * a2 + a3
            o1[k] = -2 * a1 - a2 + a3
            o2[k] = 2 * a1 - 3 * a2 + a3
            o3[k] = a3 - a1
            o4[k] = 2 * a1 - a2 - 2 * a3 + a4
        }
    }

    /// o = B v (the transpose of Bᵀ).
    @inline(__always)
    static func applyB(_ v0: UnsafePointer<Float>, _ v1: UnsafePointer<Float>, _ v2: UnsafePointer<Float>,
                       _ v3: UnsafePointer<Float>, _ v4: UnsafePointer<Float>,
                       into out: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        let o0 = out, o1 = out + stride, o2 = out + 2 * stride, o3 = out + 3 * stride, o4 = out + 4 * stride
        for k in 0..<count {
            let a0 = v0[k], a1 = v1[k], a2 = v2[k], a3 = v3[k], a4 = v4[k]
            o0[k] = 2 * a0
            o1[k] = -a0 - 2 * a1 + 2 * a2 - a3 + 2 * a4
            o2[k] = -2 * a0 - a1 - 3 * a2 - a4
            o3[k] = a0 + a1 + a2 + a3 - 2 * a4
            o4[k] = a4
        }
    }

    /// o_q += (B v)_q, each output at its own address.
    @inline(__always)
    static func accumulateB(_ v0: UnsafePointer<Float>, _ v1: UnsafePointer<Float>, _ v2: UnsafePointer<Float>,
                            _ v3: UnsafePointer<Float>, _ v4: UnsafePointer<Float>,
                            into o0: UnsafeMutablePointer<Float>, _ o1: UnsafeMutablePointer<Float>,
                            _ o2: UnsafeMutablePointer<Float>, _ o3: UnsafeMutablePointer<Float>,
                            _ o4: UnsafeMutablePointer<Float>, count: Int) {
        for k in 0..<count {
            let a0 = v0[k], a1 = v1[k], a2 = v2[k], a3 = v3[k], a4 = v4[k]
            o0[k] += 2 * a0
            o1[k] += -a0 - 2 * a1 + 2 * a2 - a3 + 2 * a4
            o2[k] += -2 * a0 - a1 - 3 * a2 - a4
            o3[k] += a0 + a1 + a2 + a3 - 2 * a4
            o4[k] += a4
        }
    }

    /// o = G g (3 → 5).
    @inline(__always)
    static func applyG(_ g0: UnsafePointer<Float>, _ g1: UnsafePointer<Float>, _ g2: UnsafePointer<Float>,
                       into out: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        let o0 = out, o1 = out + stride, o2 = out + 2 * stride, o3 = out + 3 * stride, o4 = out + 4 * stride
        let half: Float = 0.5, sixth: Float = 1.0 / 6.0
        for k in 0..<count {
            let a0 = g0[k], a1 = g1[k], a2 = g2[k]
            o0[k] = half * a0
            o1[k] = -half * (a0 + a1 + a2)
            o2[k] = sixth * (a1 - a0 - a2)
            o3[k] = sixth * (a0 + 2 * a1 + 4 * a2)
            o4[k] = a2
        }
    }

    /// o = Gᵀ u (5 → 3).
    @inline(__always)
    static func applyGT(_ u0: UnsafePointer<Float>, _ u1: UnsafePointer<Float>, _ u2: UnsafePointer<Float>,
                        _ u3: UnsafePointer<Float>, _ u4: UnsafePointer<Float>,
                        into out: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        let o0 = out, o1 = out + stride, o2 = out + 2 * stride
        let half: Float = 0.5, sixth: Float = 1.0 / 6.0
        for k in 0..<count {
            let a0 = u0[k], a1 = u1[k], a2 = u2[k], a3 = u3[k], a4 = u4[k]
            o0[k] = half * (a0 - a1) + sixth * (a3 - a2)
            o1[k] = -half * a1 + sixth * (a2 + 2 * a3)
            o2[k] = -half * a1 + sixth * (4 * a3 - a2) + a4
        }
    }

    /// o = Aᵀ m (5 → 3).
    @inline(__always)
    static func applyAT(_ m0: UnsafePointer<Float>, _ m1: UnsafePointer<Float>, _ m2: UnsafePointer<Float>,
                        _ m3: UnsafePointer<Float>, _ m4: UnsafePointer<Float>,
                        into out: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        let o0 = out, o1 = out + stride, o2 = out + 2 * stride
        for k in 0..<count {
            let a0 = m0[k], a1 = m1[k], a2 = m2[k], a3 = m3[k], a4 = m4[k]
            o0[k] = a0 + a1 + a2 + a3
            o1[k] = a1 - a2 + 2 * a3
            o2[k] = a1 + a2 + 4 * a3 + a4
        }
    }

    /// o_j = bias + (Aᵀ m)_j, each output at its own address.
    @inline(__always)
    static func applyATWithBias(_ m0: UnsafePointer<Float>, _ m1: UnsafePointer<Float>, _ m2: UnsafePointer<Float>,
                                _ m3: UnsafePointer<Float>, _ m4: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                into o0: UnsafeMutablePointer<Float>, _ o1: UnsafeMutablePointer<Float>,
                                _ o2: UnsafeMutablePointer<Float>, count: Int) {
        for k in 0..<count {
            let a0 = m0[k], a1 = m1[k], a2 = m2[k], a3 = m3[k], a4 = m4[k], b = bias[k]
            o0[k] = b + (a0 + a1 + a2 + a3)
            o1[k] = b + (a1 - a2 + 2 * a3)
            o2[k] = b + (a1 + a2 + 4 * a3 + a4)
        }
    }

    /// o = A e (3 → 5, the transpose of Aᵀ).
    @inline(__always)
    static func applyA(_ e0: UnsafePointer<Float>, _ e1: UnsafePointer<Float>, _ e2: UnsafePointer<Float>,
                       into out: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        let o0 = out, o1 = out + stride, o2 = out + 2 * stride, o3 = out + 3 * stride, o4 = out + 4 * stride
        for k in 0..<count {
            let a0 = e0[k], a1 = e1[k], a2 = e2[k]
            o0[k] = a0
            o1[k] = a0 + a1 + a2
            o2[k] = a0 - a1 + a2
            o3[k] = a0 + 2 * a1 + 4 * a2
            o4[k] = a2
        }
    }

    // MARK: - Workspaces

    /// Calls `body` with an uninitialized buffer of `count` floats.
    @inline(__always)
    static func withWorkspace(count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        defer { p.deallocate() }
        body(p)
    }

    /// Splits 0..<total into cache-sized chunks (the kernel transforms' scratch stays in L1/L2), shared
    /// out over `Workers.count` workers. Chunks write disjoint outputs, so the split does not change results.
    static func forEachChunk(of total: Int, _ body: (_ offset: Int, _ count: Int) -> Void) {
        let chunk = 1024
        parallelBlocks(count: (total + chunk - 1) / chunk, blockSize: 8) { chunks in
            for c in chunks { body(c * chunk, min(chunk, total - c * chunk)) }
            return 0
        }
    }

    /// Calls `body(image, tileRow, tileColumn, row)` for every tile of `images`; `row` indexes the
    /// tile in the transformed matrices.
    @inline(__always)
    static func forEachTile(_ t: WinogradTiling, images: Range<Int>, _ body: (Int, Int, Int, Int) -> Void) {
        for n in images {
            for ty in 0..<t.tilesDown {
                for tx in 0..<t.tilesAcross { body(n, ty, tx, n * t.tilesPerImage + ty * t.tilesAcross + tx) }
            }
        }
    }

    /// Shares the batch's images out over `Workers.count` workers; each image's tiles read and write
    /// only that image's rows and pixels, so the split does not change results.
    static func forEachImageBlock(_ t: WinogradTiling, _ body: (Range<Int>) -> Void) {
        let perImage = t.tilesPerImage * max(t.convolution.channels, 1)
        parallelBlocks(count: t.convolution.batch, blockSize: max(1, 4096 / perImage)) { images in
            body(images)
            return 0
        }
    }
}
