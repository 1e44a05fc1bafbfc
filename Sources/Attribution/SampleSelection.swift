// SampleSelection: which pixels get explained — up to k labelled pixels of every chosen class,
// drawn by a seed, so a rerun explains the same pixels and every class is represented.
public import SpectralData
import Tensors

/// Seeded per-class choice of pixels to explain.
public enum SampleSelection {
    /// Up to `perClass` pixels (flat row-major indices) of each class in `classes` (labels as in
    /// `labels`; all present classes when nil), in class order, each class's pixels ascending.
    public static func perClass(_ labels: LabelMap, perClass: Int, classes: [Int]? = nil,
                                seed: UInt64) throws(AttributionError) -> [Int] {
        guard perClass >= 1 else { throw .invalidArgument("samples per class must be ≥ 1, got \(perClass)") }
        var byClass: [Int: [Int]] = [:]
        for (pixel, label) in labels.labels.enumerated() where label > 0 { byClass[Int(label), default: []].append(pixel) }
        let wanted = classes ?? byClass.keys.sorted()
        if let missing = wanted.first(where: { byClass[$0] == nil }) {
            throw .invalidArgument("class \(missing) has no labelled pixel to explain; classes present: \(byClass.keys.sorted())")
        }
        var rng = SeededRandom(seed: seed)
        var chosen: [Int] = []
        for c in wanted {
            var pixels = byClass[c] ?? []
            rng.shuffle(&pixels)
            chosen += pixels.prefix(perClass).sorted()
        }
        return chosen
    }
}
