// Saliency: vanilla gradient saliency |∂score/∂x| (Simonyan et al., 2014) and guided
// backpropagation (Springenberg et al., 2015), both one batched backward pass per sample.
// x: [N, P, P, B] -> attributions [N, P, P, B].
public import Tensors

extension Explainer {
    /// Gradient saliency: |∂score_c/∂x| for each sample's class c (`absolute: false` keeps the sign).
    public func gradient(_ x: Tensor, for choice: ClassChoice = .predicted,
                         absolute: Bool = true) throws(AttributionError) -> Attributions {
        let classes = try self.classes(choice, for: x)
        let g = gradients(x, classes: classes).gradients
        return Attributions(values: absolute ? g.map { abs($0) } : g, classes: classes)
    }

    /// Guided backpropagation: the input gradient with every ReLU passing only positive gradients
    /// of positive units. Signed; its positive part is what is usually drawn.
    public func guidedBackprop(_ x: Tensor, for choice: ClassChoice = .predicted) throws(AttributionError) -> Attributions {
        let classes = try self.classes(choice, for: x)
        return Attributions(values: gradients(x, classes: classes, rule: .guided).gradients, classes: classes)
    }
}
