// BackwardRule: how a backward pass treats ReLU units. `.standard` is the true gradient; `.guided`
// is Springenberg et al.'s guided backpropagation (2015), which also drops negative gradients at
// every ReLU — the rule attribution methods need, kept here beside the layers it changes.
public import Tensors

/// The rule a backward pass applies at ReLU activations.
public enum ReLUBackwardRule: String, Sendable, Codable, CaseIterable {
    /// The true gradient: dz = dy where y > 0, else 0.
    case standard
    /// Guided backpropagation: dz = dy where y > 0 and dy > 0, else 0.
    case guided

    /// The gradient to hand to a layer's own backward pass (whose ReLU masks by y > 0), so that the
    /// layer applies this rule: guided clamps dy to dy ≥ 0 first, because masking by y > 0 and
    /// clamping at 0 commute — (y > 0)·max(dy, 0) is exactly the guided dz.
    public func gradient(_ dy: Tensor, enteringLayerWith activation: Activation) -> Tensor {
        guard self == .guided, activation == .relu else { return dy }
        return dy.map { $0 > 0 ? $0 : 0 }
    }
}
