// Activation: the element-wise (and row-wise softmax) activations fused into Conv2D and Dense,
// as Keras' `activation=` argument, with their backward maps.
// Shapes: y, dy, dz all [rows, last]; softmax works along the last axis.
import Foundation
import Tensors

/// An activation applied to a layer's output (Keras names).
public enum Activation: String, Codable, Sendable, CaseIterable {
    case linear
    case relu
    case softmax

    /// Applies the activation in place.
    public func apply(_ z: inout [Float], width: Int) {
        switch self {
        case .linear:
            return
        case .relu:
            // A select, not a branch, so the loop vectorizes; element-wise, so blocks on the workers
            // give the same bits as one loop.
            z.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return }
                let shared = UncheckedBox(base)
                parallelBlocks(count: p.count, blockSize: Activation.elementBlock) { range in
                    let p = shared.value
                    for i in range { p[i] = p[i] > 0 ? p[i] : 0 }
                    return 0
                }
            }
        case .softmax:
            Activation.softmaxRows(&z, width: width)
        }
    }

    /// Maps dL/dy to dL/dz (z the pre-activation) given the activation's output y.
    public func backward(output y: [Float], gradient dy: [Float], width: Int) -> [Float] {
        switch self {
        case .linear:
            return dy
        case .relu:
            // y = max(z, 0): dz = dy where y > 0, else 0 (written into a fresh array, no copy of dy).
            // Both values are loaded unconditionally, so the select vectorizes instead of branching
            // on a mask that is random from one element to the next.
            return [Float](unsafeUninitializedCapacity: dy.count) { out, initialized in
                y.withUnsafeBufferPointer { yp in
                    dy.withUnsafeBufferPointer { g in
                        guard let ya = yp.baseAddress, let ga = g.baseAddress, let oa = out.baseAddress else { return }
                        let shared = UncheckedBox((ya, ga, oa))
                        parallelBlocks(count: g.count, blockSize: Activation.elementBlock) { range in
                            let (ya, ga, oa) = shared.value
                            for i in range {
                                let (yi, gi) = (ya[i], ga[i])
                                oa[i] = yi > 0 ? gi : 0
                            }
                            return 0
                        }
                    }
                }
                initialized = dy.count
            }
        case .softmax:
            // y = softmax(z): dz_i = y_i (dy_i − Σ_j dy_j y_j), row by row.
            var dz = [Float](repeating: 0, count: dy.count)
            let rows = width == 0 ? 0 : dy.count / width
            for r in 0..<rows {
                var dot: Double = 0
                for j in 0..<width { dot += Double(dy[r * width + j]) * Double(y[r * width + j]) }
                for j in 0..<width { dz[r * width + j] = y[r * width + j] * (dy[r * width + j] - Float(dot)) }
            }
            return dz
        }
    }

    /// Elements per block of the parallel element-wise loops (small arrays stay one block, on this thread).
    static let elementBlock = 1 << 15

    /// Numerically stable softmax of each row (subtract the row maximum before exponentiating).
    public static func softmaxRows(_ z: inout [Float], width: Int) {
        guard width > 0 else { return }
        let rows = z.count / width
        z.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows {
                let base = r * width
                var m = p[base]
                for j in 1..<width { m = Swift.max(m, p[base + j]) }
                var s: Float = 0
                for j in 0..<width {
                    let e = expf(p[base + j] - m)
                    p[base + j] = e
                    s += e
                }
                let inv = 1 / s
                for j in 0..<width { p[base + j] *= inv }
            }
        }
    }
}
