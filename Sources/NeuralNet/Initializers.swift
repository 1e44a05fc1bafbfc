// Initializers: Keras' defaults — Glorot (Xavier) uniform kernels, zero biases — drawn from
// the seeded generator so a model seed fixes every initial weight on every machine.
public import Tensors

/// Weight initialization schemes.
public enum Initializer {
    /// Glorot uniform (Glorot & Bengio, 2010): U(−l, l) with l = √(6 / (fanIn + fanOut)).
    /// For a conv kernel (KH, KW, C, F): fanIn = KH·KW·C, fanOut = KH·KW·F, as in Keras.
    public static func glorotUniform(shape: [Int], fanIn: Int, fanOut: Int, rng: inout SeededRandom) -> Tensor {
        let limit = Float((6.0 / Double(Swift.max(fanIn + fanOut, 1))).squareRoot())
        return Tensor(shape: shape, scalars: (0..<Tensor.count(of: shape)).map { _ in rng.uniform(-limit, limit) })
    }
}
