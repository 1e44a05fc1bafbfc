// LabelMap: per-pixel class labels of a scene (0 = unlabelled), and the class
// bookkeeping the original tool did by hand: keep a class list and renumber it 1..k.

/// Class labels for a `height × width` scene, row-major; 0 means unlabelled.
public struct LabelMap: Sendable, Equatable {
    public let height: Int
    public let width: Int
    /// Labels in row-major order; `labels.count == height * width`, every label ≥ 0.
    public var labels: [Int32]

    /// A label map over `labels` (row-major). Negative labels are rejected.
    public init(height: Int, width: Int, labels: [Int32]) throws(SpectralDataError) {
        guard height > 0, width > 0 else {
            throw .invalidShape("a label map needs positive height and width, got \(height)×\(width)")
        }
        guard labels.count == height * width else {
            throw .invalidShape("a \(height)×\(width) label map needs \(height * width) labels, got \(labels.count)")
        }
        if let bad = labels.first(where: { $0 < 0 }) {
            throw .invalidArgument("labels must be 0 (unlabelled) or positive class numbers, found \(bad)")
        }
        self.height = height
        self.width = width
        self.labels = labels
    }

    /// An all-unlabelled map.
    public static func empty(height: Int, width: Int) -> LabelMap {
        // Positive sizes and a matching count cannot fail.
        LabelMap(unchecked: height, width, [Int32](repeating: 0, count: max(0, height * width)))
    }

    init(unchecked height: Int, _ width: Int, _ labels: [Int32]) {
        self.height = height
        self.width = width
        self.labels = labels
    }

    /// Label at a pixel.
    public subscript(row: Int, column: Int) -> Int32 {
        get { labels[row * width + column] }
        set { labels[row * width + column] = newValue }
    }

    /// The highest label present (0 for an empty map).
    public var maxLabel: Int { Int(labels.max() ?? 0) }

    /// Number of labelled pixels.
    public var labelledCount: Int { labels.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }

    /// Pixel counts per label: index k holds the count of label k (index 0: unlabelled).
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: maxLabel + 1)
        for l in labels { counts[Int(l)] += 1 }
        return counts
    }

    /// Flat row-major indices of labelled pixels, in row-major order.
    public var labelledPixels: [Int] {
        labels.indices.filter { labels[$0] > 0 }
    }

    /// Keeps only `classes` (original label numbers) and renumbers them 1...classes.count in list order;
    /// every other pixel becomes unlabelled. The original tool kept [2, 3, 5, 6, 10, 11, 12, 14, 15].
    public func keeping(classes: [Int]) throws(SpectralDataError) -> LabelMap {
        guard !classes.isEmpty else { throw .invalidArgument("the class list to keep is empty") }
        guard Set(classes).count == classes.count else {
            throw .invalidArgument("the class list \(classes) names a class twice")
        }
        if let bad = classes.first(where: { $0 <= 0 }) {
            throw .invalidArgument("class \(bad) cannot be kept: classes are positive labels (0 is unlabelled)")
        }
        var renumber = [Int: Int32]()
        for (i, c) in classes.enumerated() { renumber[c] = Int32(i + 1) }
        return LabelMap(unchecked: height, width, labels.map { renumber[Int($0)] ?? 0 })
    }

    /// Throws unless `other` covers the same pixels.
    public func checkSameSize(as other: LabelMap, _ what: String) throws(SpectralDataError) {
        guard other.height == height, other.width == width else {
            throw .shapeMismatch("\(what): \(other.height)×\(other.width) does not match \(height)×\(width)")
        }
    }
}
