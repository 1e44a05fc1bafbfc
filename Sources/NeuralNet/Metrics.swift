// Metrics: how well predicted classes match the truth — confusion matrix, overall accuracy (OA),
// average per-class accuracy (AA), Cohen's kappa and per-class accuracy (recall), as the
// hyperspectral literature reports them.

/// Classification scores for class indices 0..<classes.
public struct ClassificationMetrics: Codable, Equatable, Sendable {
    public let classes: Int
    /// confusion[t][p]: samples of true class t predicted as class p.
    public let confusion: [[Int]]
    /// Fraction of samples predicted correctly.
    public let overallAccuracy: Double
    /// Mean of the per-class accuracies over the classes present in the truth.
    public let averageAccuracy: Double
    /// Cohen's kappa: (p_o − p_e) / (1 − p_e), agreement beyond chance.
    public let kappa: Double
    /// Per class, correct / support; nil for a class absent from the truth.
    public let perClassAccuracy: [Double?]
    /// Number of samples scored.
    public let samples: Int

    /// Scores `predicted` against `truth` (equal length, values in 0..<classes).
    public init(truth: [Int], predicted: [Int], classes: Int) throws(NeuralNetError) {
        guard classes > 0 else { throw .invalidArgument("metrics need at least one class") }
        guard truth.count == predicted.count else {
            throw .invalidArgument("metrics need as many predictions as truths, got \(predicted.count) and \(truth.count)")
        }
        guard !truth.isEmpty else { throw .invalidArgument("metrics need at least one sample") }
        if let bad = (truth + predicted).first(where: { $0 < 0 || $0 >= classes }) {
            throw .invalidArgument("class \(bad) is outside 0..<\(classes)")
        }
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (t, p) in zip(truth, predicted) { matrix[t][p] += 1 }
        let n = Double(truth.count)
        let diagonal = (0..<classes).reduce(0) { $0 + matrix[$1][$1] }
        let rowSums = matrix.map { $0.reduce(0, +) }
        let columnSums = (0..<classes).map { p in matrix.reduce(0) { $0 + $1[p] } }
        let po = Double(diagonal) / n
        // Chance agreement: Σ_k (row_k / n)(column_k / n).
        let pe = zip(rowSums, columnSums).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / (n * n)
        let perClass: [Double?] = (0..<classes).map { k in rowSums[k] > 0 ? Double(matrix[k][k]) / Double(rowSums[k]) : nil }
        let present = perClass.compactMap { $0 }
        self.classes = classes
        confusion = matrix
        overallAccuracy = po
        averageAccuracy = present.reduce(0, +) / Double(present.count)
        // When chance agreement is total (one class everywhere), kappa is 1 for perfect agreement, else 0.
        kappa = pe < 1 ? (po - pe) / (1 - pe) : (po == 1 ? 1 : 0)
        perClassAccuracy = perClass
        samples = truth.count
    }
}
