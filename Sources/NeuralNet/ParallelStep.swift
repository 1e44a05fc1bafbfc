// ParallelStep: one training step split across threads by data parallelism. The batch is cut into
// S contiguous shards; S model replicas (sharing the weights) run forward and backward at the same
// time (each best with single-threaded BLAS), and their gradients are combined in shard order,
// g = Σ_s (n_s / N)·g_s — the gradient of the mean loss over the batch. Fixed S → bit-identical runs.
import Foundation
public import Tensors

/// The raw replica and result buffers, handed to the worker threads; each thread touches only index s.
private struct Shared: @unchecked Sendable {
    let replicas: UnsafeMutablePointer<Sequential>
    let results: UnsafeMutablePointer<Result<(loss: Float, output: Tensor), NeuralNetError>?>
}

/// Runs training steps on `shards` threads; keep one per model for the length of a training run.
public final class ParallelStep: @unchecked Sendable {
    public let shards: Int
    // One replica per shard, in raw memory so the threads mutate distinct elements without sharing an Array.
    private let replicas: UnsafeMutablePointer<Sequential>
    private let results: UnsafeMutablePointer<Result<(loss: Float, output: Tensor), NeuralNetError>?>

    /// Replicas of `model` for `shards` threads (at least 1); dropout layers get distinct mask streams from `seed`.
    public init(model: Sequential, shards: Int, seed: UInt64) {
        self.shards = max(1, shards)
        replicas = .allocate(capacity: self.shards)
        results = .allocate(capacity: self.shards)
        for s in 0..<self.shards {
            var replica = model
            for i in replica.layers.indices {
                if var dropout = replica.layers[i] as? Dropout {
                    dropout.reseed(seed &+ UInt64(s) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(i))
                    replica.layers[i] = dropout
                }
            }
            (replicas + s).initialize(to: replica)
            (results + s).initialize(to: nil)
        }
    }

    deinit {
        replicas.deinitialize(count: shards)
        replicas.deallocate()
        results.deinitialize(count: shards)
        results.deallocate()
    }

    /// Forward and backward of `x` (N samples) with `labels` on all shards; leaves the combined
    /// gradients in `model`'s layers and returns the mean loss and the model output [N, classes].
    /// BLAS' thread count is left alone: set `Workers.count` to cores / shards to avoid oversubscription.
    public func lossAndGradients(_ model: inout Sequential, _ x: Tensor, labels: [Int], training: Bool = true) throws(NeuralNetError)
        -> (loss: Float, output: Tensor) {
        try model.checkInput(x)
        let n = x.shape[0]
        guard labels.count == n else { throw .invalidArgument("\(n) samples but \(labels.count) labels") }
        let used = min(shards, n)
        if used <= 1 {
            let r = try model.lossAndGradients(x, labels: labels, training: training)
            return (r.loss, r.output)
        }
        let bounds = (0...used).map { $0 * n / used }
        // Every replica starts from the model's current weights (shared storage, no copy).
        for s in 0..<used {
            for i in model.layers.indices where !model.layers[i].parameterNames.isEmpty {
                try replicas[s].layers[i].setParameters(model.layers[i].parameters)
            }
        }
        let shared = Shared(replicas: replicas, results: results)
        // Each shard is one worker: its products and loops stay on its own thread.
        DispatchQueue.concurrentPerform(iterations: used) { s in Workers.asWorker {
            let (replicas, results) = (shared.replicas, shared.results)
            let rows = bounds[s] ..< bounds[s + 1]
            let xs = x.slicing(rows: rows)
            do {
                let r = try replicas[s].lossAndGradients(xs, labels: Array(labels[rows]), training: training)
                results[s] = .success((r.loss, r.output))
            } catch let error as NeuralNetError {
                results[s] = .failure(error)
            } catch {
                results[s] = .failure(.invalidArgument("\(error)"))
            }
        } }
        var loss: Float = 0
        var output: [Float] = []
        output.reserveCapacity(n * model.outputUnits)
        for s in 0..<used {
            guard let result = results[s] else { throw .invalidArgument("shard \(s) produced no result") }
            results[s] = nil
            let r = try result.get()
            loss += r.loss * Float(bounds[s + 1] - bounds[s]) / Float(n)
            output.append(contentsOf: r.output.scalars)
        }
        // g = Σ_s (n_s / N)·g_s, summed in shard order.
        for i in model.layers.indices where !model.layers[i].parameterNames.isEmpty {
            var combined: [Tensor] = []
            for p in model.layers[i].parameterNames.indices {
                var sum = [Float](repeating: 0, count: replicas[0].layers[i].gradients[p].count)
                for s in 0..<used {
                    let w = Float(bounds[s + 1] - bounds[s]) / Float(n)
                    replicas[s].layers[i].gradients[p].scalars.withUnsafeBufferPointer { g in
                        for k in 0..<sum.count { sum[k] += w * g[k] }
                    }
                }
                combined.append(Tensor(shape: replicas[0].layers[i].gradients[p].shape, scalars: sum))
            }
            model.layers[i].setGradients(combined)
        }
        // The replicas still share the weight storage, so the optimizer's first write copies it once
        // (a memcpy of the parameters per step, small beside the products).
        return (loss, Tensor(shape: [n, model.outputUnits], scalars: output))
    }
}
