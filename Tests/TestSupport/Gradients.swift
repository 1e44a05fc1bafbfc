// Numerical gradients for finite-difference checks of analytic backward passes.
public import Tensors

/// Central-difference gradient of `f` at `x` for the flat indices `indices` (all when nil):
/// (f(x + εe_i) − f(x − εe_i)) / 2ε. Returns one value per index, in order.
public func numericalGradient(at x: Tensor, indices: [Int]? = nil, epsilon: Float = 1e-3,
                              _ f: (Tensor) -> Double) -> [Double] {
    let which = indices ?? Array(0..<x.count)
    return which.map { i in
        var plus = x, minus = x
        plus.scalars[i] += epsilon
        minus.scalars[i] -= epsilon
        let h = Double(plus.scalars[i]) - Double(minus.scalars[i])
        return (f(plus) - f(minus)) / h
    }
}

/// `count` distinct seeded indices below `bound` (all of them when count ≥ bound), sorted.
public func sampleIndices(_ count: Int, below bound: Int, seed: UInt64) -> [Int] {
    if count >= bound { return Array(0..<bound) }
    var rng = SeededRandom(seed: seed)
    var chosen = Set<Int>()
    while chosen.count < count { chosen.insert(rng.index(below: bound)) }
    return chosen.sorted()
}

/// A seeded tensor with values uniform in [low, high).
public func seededTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return Tensor(shape: shape, scalars: (0..<Tensor.count(of: shape)).map { _ in rng.uniform(low, high) })
}

/// True when analytic and numerical gradients agree within `absolute + relative · |numerical|` everywhere.
public func gradientsAgree(_ analytic: [Float], _ numerical: [Double], absolute: Double = 2e-3, relative: Double = 2e-2) -> Bool {
    guard analytic.count == numerical.count else { return false }
    return zip(analytic, numerical).allSatisfy { abs(Double($0) - $1) <= absolute + relative * abs($1) }
}

/// A seeded tensor whose elements are distinct and at least `spacing` apart (a shuffled grid), so
/// finite differences with ε < spacing/2 never cross a max-pool tie.
public func distinctTensor(_ shape: [Int], seed: UInt64, spacing: Float = 0.05) -> Tensor {
    var rng = SeededRandom(seed: seed)
    var order = Array(0..<Tensor.count(of: shape))
    rng.shuffle(&order)
    let half = Float(order.count) * spacing / 2
    return Tensor(shape: shape, scalars: order.map { Float($0) * spacing - half })
}
