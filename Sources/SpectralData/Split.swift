// Split: which labelled pixels train and which test. Either a seeded stratified draw
// (every class split by the same fraction) or two explicit label maps that must not overlap.
public import Tensors

/// Train and test label maps over the same scene; a pixel is labelled in at most one of them.
public struct Split: Sendable, Equatable {
    public let train: LabelMap
    public let test: LabelMap

    /// An explicit split; throws if the maps differ in size or a pixel is labelled in both.
    public init(train: LabelMap, test: LabelMap) throws(SpectralDataError) {
        try train.checkSameSize(as: test, "test label map")
        var overlap = 0
        var first: Int?
        for i in train.labels.indices where train.labels[i] > 0 && test.labels[i] > 0 {
            overlap += 1
            if first == nil { first = i }
        }
        if let first {
            throw .invalidArgument(
                "train and test maps overlap in \(overlap) pixel(s), first at row \(first / train.width), column \(first % train.width); a pixel may be in one set only")
        }
        self.train = train
        self.test = test
    }

    /// A stratified random split: in each class, `round(trainFraction · n)` pixels train
    /// (at least one while the class has two or more pixels, and at least one left to test), the rest test.
    public static func stratified(_ labels: LabelMap, trainFraction: Double, seed: UInt64) throws(SpectralDataError) -> Split {
        guard trainFraction > 0, trainFraction < 1 else {
            throw .invalidArgument("split.train must be a fraction strictly between 0 and 1, got \(trainFraction)")
        }
        var byClass = [[Int]](repeating: [], count: labels.maxLabel + 1)
        for i in labels.labels.indices where labels.labels[i] > 0 {
            byClass[Int(labels.labels[i])].append(i)
        }
        var rng = SeededRandom(seed: seed)
        var train = LabelMap.empty(height: labels.height, width: labels.width)
        var test = LabelMap.empty(height: labels.height, width: labels.width)
        for (label, pixels) in byClass.enumerated() where label > 0 && !pixels.isEmpty {
            var shuffled = pixels
            rng.shuffle(&shuffled)
            var nTrain = Int((trainFraction * Double(pixels.count)).rounded())
            if pixels.count >= 2 { nTrain = min(max(nTrain, 1), pixels.count - 1) }
            for (k, p) in shuffled.enumerated() {
                if k < nTrain { train.labels[p] = Int32(label) } else { test.labels[p] = Int32(label) }
            }
        }
        return try Split(train: train, test: test)
    }
}
