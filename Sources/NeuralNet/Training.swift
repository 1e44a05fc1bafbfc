// Training: mini-batch training with a per-epoch shuffle drawn from the seed, progress reported
// through a closure (the Commands layer renders it; this module prints nothing), and a history.
// Same seed, data and BLAS thread count → bit-identical weights.
public import Tensors

/// How to train.
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerSpec
    /// Seeds the per-epoch shuffles.
    public var seed: UInt64
    /// Shuffle the samples before every epoch (Keras' default).
    public var shuffle: Bool
    /// Data-parallel shards per batch: 1 runs each step on one model with BLAS' own threads; S > 1
    /// runs S model replicas on S threads (see `ParallelStep`; set Workers.count to cores / S). Results
    /// are bit-identical for the same seed, S and BLAS thread count; different S round differently.
    public var shards: Int

    public init(epochs: Int = 10, batchSize: Int = 128, optimizer: OptimizerSpec = .adam(), seed: UInt64 = 41,
                shuffle: Bool = true, shards: Int = 1) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.seed = seed
        self.shuffle = shuffle
        self.shards = shards
    }

    private enum CodingKeys: String, CodingKey { case epochs, batchSize, optimizer, seed, shuffle, shards }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(epochs: try c.decode(Int.self, forKey: .epochs), batchSize: try c.decode(Int.self, forKey: .batchSize),
                  optimizer: try c.decode(OptimizerSpec.self, forKey: .optimizer), seed: try c.decode(UInt64.self, forKey: .seed),
                  shuffle: try c.decodeIfPresent(Bool.self, forKey: .shuffle) ?? true,
                  shards: try c.decodeIfPresent(Int.self, forKey: .shards) ?? 1)
    }
}

/// One progress report, sent after every batch.
public struct TrainingProgress: Sendable {
    /// 1-based epoch and batch within it.
    public var epoch: Int, epochs: Int, batch: Int, batches: Int
    /// Mean loss and accuracy over the epoch's batches so far.
    public var loss: Double, accuracy: Double
    /// Samples per second since the run started.
    public var samplesPerSecond: Double
    /// Estimated seconds until the run ends.
    public var secondsRemaining: Double
    /// True for the last batch of an epoch.
    public var epochFinished: Bool { batch == batches }
}

/// Loss and accuracy per epoch.
public struct TrainingHistory: Codable, Equatable, Sendable {
    public var loss: [Double] = []
    public var accuracy: [Double] = []
    /// Wall-clock seconds per epoch.
    public var seconds: [Double] = []
    /// Training samples per second over the whole run.
    public var samplesPerSecond: Double = 0

    public init() {}
}

extension Sequential {
    /// Trains on `inputs` [N, …] with class indices `labels` (0..<outputUnits).
    public mutating func fit(inputs: Tensor, labels: [Int], options: TrainingOptions,
                             progress: ((TrainingProgress) -> Void)? = nil) throws(NeuralNetError) -> TrainingHistory {
        try checkInput(inputs)
        let n = inputs.shape[0]
        guard n > 0 else { throw .invalidArgument("no training samples") }
        guard labels.count == n else { throw .invalidArgument("\(n) training samples but \(labels.count) labels") }
        guard options.epochs >= 0 else { throw .invalidArgument("epochs must be ≥ 0, got \(options.epochs)") }
        guard options.batchSize > 0 else { throw .invalidArgument("batch size must be positive, got \(options.batchSize)") }
        guard options.shards >= 1 else { throw .invalidArgument("shards must be ≥ 1, got \(options.shards)") }
        try options.optimizer.validate()
        let classes = outputUnits
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw .invalidArgument("label \(bad) is outside the model's \(classes) classes (0..<\(classes))")
        }

        var optimizer = options.optimizer.makeOptimizer()
        // Data parallelism; the BLAS thread count is the caller's (process-wide) choice: with S shards,
        // Workers.count = cores / S avoids oversubscription.
        let parallel = options.shards > 1 ? ParallelStep(model: self, shards: options.shards, seed: options.seed) : nil
        var rng = SeededRandom(seed: options.seed)
        var order = Array(0..<n)
        let batches = (n + options.batchSize - 1) / options.batchSize
        var history = TrainingHistory()
        let clock = ContinuousClock()
        let start = clock.now
        var seen = 0
        for epoch in stride(from: 1, through: options.epochs, by: 1) {
            let epochStart = clock.now
            if options.shuffle { rng.shuffle(&order) }
            var lossSum = 0.0, correct = 0, done = 0
            for b in 0..<batches {
                let rows = order[(b * options.batchSize) ..< min((b + 1) * options.batchSize, n)]
                let x = inputs.gathering(rows: rows)
                let y = rows.map { labels[$0] }
                let loss: Float, output: Tensor
                if let parallel {
                    (loss, output) = try parallel.lossAndGradients(&self, x, labels: y)
                } else {
                    (loss, output, _) = try lossAndGradients(x, labels: y, training: true)
                }
                optimizer.step(&self)
                let predicted = output.argmaxRows()
                correct += zip(predicted, y).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
                lossSum += Double(loss) * Double(rows.count)
                done += rows.count
                seen += rows.count
                if let progress {
                    let elapsed = Self.seconds(clock.now - start)
                    let rate = elapsed > 0 ? Double(seen) / elapsed : 0
                    let remaining = Double(options.epochs * n - seen)
                    progress(TrainingProgress(epoch: epoch, epochs: options.epochs, batch: b + 1, batches: batches,
                                              loss: lossSum / Double(done), accuracy: Double(correct) / Double(done),
                                              samplesPerSecond: rate, secondsRemaining: rate > 0 ? remaining / rate : 0))
                }
            }
            history.loss.append(lossSum / Double(n))
            history.accuracy.append(Double(correct) / Double(n))
            history.seconds.append(Self.seconds(clock.now - epochStart))
        }
        let total = Self.seconds(clock.now - start)
        history.samplesPerSecond = total > 0 ? Double(seen) / total : 0
        return history
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
