// Optimizers: Adam (Kingma & Ba, 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1,
// with the bias correction folded into the step size as in §2 and in Keras) and plain/momentum SGD.
// Each `step` reads the gradients the last backward pass left in the layers and updates in place.
import Foundation
import Tensors

/// Which optimizer to train with, and its hyper-parameters (Keras defaults).
public struct OptimizerSpec: Codable, Equatable, Sendable {
    public enum Name: String, Codable, Sendable, CaseIterable { case adam, sgd }
    public var name: Name
    public var learningRate: Double
    /// Adam: decay of the first-moment estimate.
    public var beta1: Double
    /// Adam: decay of the second-moment estimate.
    public var beta2: Double
    /// Adam: added to √v̂ to avoid division by zero (Keras' default 1e-7, not the paper's 1e-8).
    public var epsilon: Double
    /// SGD: momentum (0 = plain SGD).
    public var momentum: Double

    public init(name: Name, learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-7, momentum: Double = 0) {
        self.name = name
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.momentum = momentum
    }

    /// Adam with Keras' defaults (lr 0.001, β1 0.9, β2 0.999, ε 1e-7).
    public static func adam(learningRate: Double = 0.001) -> OptimizerSpec { OptimizerSpec(name: .adam, learningRate: learningRate) }
    /// SGD, optionally with momentum.
    public static func sgd(learningRate: Double = 0.01, momentum: Double = 0) -> OptimizerSpec {
        OptimizerSpec(name: .sgd, learningRate: learningRate, momentum: momentum)
    }

    /// Checks the hyper-parameters.
    public func validate() throws(NeuralNetError) {
        guard learningRate > 0, learningRate.isFinite else { throw .invalidArgument("optimizer learning rate must be positive, got \(learningRate)") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else { throw .invalidArgument("Adam betas must be in [0, 1), got \(beta1), \(beta2)") }
        guard epsilon > 0 else { throw .invalidArgument("Adam epsilon must be positive, got \(epsilon)") }
        guard (0..<1).contains(momentum) else { throw .invalidArgument("SGD momentum must be in [0, 1), got \(momentum)") }
    }

    /// A fresh optimizer state for this spec.
    public func makeOptimizer() -> any Optimizer {
        switch name {
        case .adam: return Adam(learningRate: Float(learningRate), beta1: Float(beta1), beta2: Float(beta2), epsilon: Float(epsilon))
        case .sgd: return SGD(learningRate: Float(learningRate), momentum: Float(momentum))
        }
    }
}

/// Updates a model's parameters from the gradients of its last backward pass.
public protocol Optimizer: Sendable {
    mutating func step(_ model: inout Sequential)
}

/// Adam, exactly as Keras applies it.
public struct Adam: Optimizer {
    public let learningRate: Float, beta1: Float, beta2: Float, epsilon: Float
    /// Steps taken so far (t in the paper).
    public private(set) var iterations = 0
    /// First and second moment estimates, per layer and parameter.
    private var m: [[[Float]]] = []
    private var v: [[[Float]]] = []

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public mutating func step(_ model: inout Sequential) {
        if m.isEmpty {
            m = model.layers.map { $0.parameters.map { [Float](repeating: 0, count: $0.count) } }
            v = m
        }
        iterations += 1                                                     // t ← t + 1
        let t = Double(iterations)
        let b1 = Double(beta1), b2 = Double(beta2)
        // α_t = α · √(1 − β2^t) / (1 − β1^t): the bias corrections of m̂ and v̂ moved into the step size.
        let alpha = Float(Double(learningRate) * (1 - pow(b2, t)).squareRoot() / (1 - pow(b1, t)))
        let (oneMinusB1, oneMinusB2, eps) = (1 - beta1, 1 - beta2, epsilon)
        for i in model.layers.indices {
            model.layers[i].updateParameters { j, value, gradient in
                m[i][j].withUnsafeMutableBufferPointer { mp in
                    v[i][j].withUnsafeMutableBufferPointer { vp in
                        gradient.scalars.withUnsafeBufferPointer { gp in
                            value.scalars.withUnsafeMutableBufferPointer { wp in
                                guard let w = wp.baseAddress, let m = mp.baseAddress, let v = vp.baseAddress,
                                      let g = gp.baseAddress else { return }
                                let state = UncheckedBox((w, m, v, g))
                                // Element-wise, so the blocks (one per worker) give the same bits as one loop.
                                parallelBlocks(count: wp.count, blockSize: 32_768) { range in
                                    let (w, m, v, g) = state.value
                                    Adam.update(range, w: w, m: m, v: v, g: g, alpha: alpha,
                                                oneMinusB1: oneMinusB1, oneMinusB2: oneMinusB2, epsilon: eps)
                                    return 0
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// One Adam update of the elements in `range`, eight at a time (IEEE operations in the same order
    /// as the scalar tail, so the result does not depend on where a vector starts).
    @inline(__always)
    static func update(_ range: Range<Int>, w: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
                       v: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, alpha: Float,
                       oneMinusB1: Float, oneMinusB2: Float, epsilon: Float) {
        typealias V8 = SIMD8<Float>
        var k = range.lowerBound
        while k + 8 <= range.upperBound {
            let gk = UnsafeRawPointer(g + k).loadUnaligned(as: V8.self)
            var mk = UnsafeRawPointer(m + k).loadUnaligned(as: V8.self)
            var vk = UnsafeRawPointer(v + k).loadUnaligned(as: V8.self)
            var wk = UnsafeRawPointer(w + k).loadUnaligned(as: V8.self)
            mk += (gk - mk) * oneMinusB1                    // m ← β1·m + (1 − β1)·g
            vk += (gk * gk - vk) * oneMinusB2               // v ← β2·v + (1 − β2)·g²
            wk -= alpha * mk / (vk.squareRoot() + epsilon)  // θ ← θ − α_t·m / (√v + ε)
            UnsafeMutableRawPointer(m + k).storeBytes(of: mk, as: V8.self)
            UnsafeMutableRawPointer(v + k).storeBytes(of: vk, as: V8.self)
            UnsafeMutableRawPointer(w + k).storeBytes(of: wk, as: V8.self)
            k += 8
        }
        while k < range.upperBound {
            let gk = g[k]
            m[k] += (gk - m[k]) * oneMinusB1
            v[k] += (gk * gk - v[k]) * oneMinusB2
            w[k] -= alpha * m[k] / (v[k].squareRoot() + epsilon)
            k += 1
        }
    }
}

/// Stochastic gradient descent with optional (heavy-ball) momentum, as Keras' SGD.
public struct SGD: Optimizer {
    public let learningRate: Float, momentum: Float
    private var velocity: [[[Float]]] = []

    public init(learningRate: Float = 0.01, momentum: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public mutating func step(_ model: inout Sequential) {
        if velocity.isEmpty { velocity = model.layers.map { $0.parameters.map { [Float](repeating: 0, count: $0.count) } } }
        let (lr, mu) = (learningRate, momentum)
        for i in model.layers.indices {
            model.layers[i].updateParameters { j, value, gradient in
                velocity[i][j].withUnsafeMutableBufferPointer { u in
                    gradient.scalars.withUnsafeBufferPointer { gp in
                        value.scalars.withUnsafeMutableBufferPointer { wp in
                            for k in 0..<wp.count {
                                u[k] = mu * u[k] - lr * gp[k]   // u ← μ·u − η·g
                                wp[k] += u[k]                   // θ ← θ + u
                            }
                        }
                    }
                }
            }
        }
    }
}
