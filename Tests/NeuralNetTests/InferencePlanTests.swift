// InferencePlanTests: the low-latency plan computes the model's function — at every small batch
// size (matrix–vector products at batch 1, single-thread products, planned buffers reused across
// calls and batch sizes), with a 1×1 and a "same" convolution, and cao's shape — and hands larger
// batches to the model's own forward pass unchanged (the same bits). Products cut in two and shared
// with the helper thread are the same bits on one thread or two.
import Testing
import TestSupport
import Tensors
@testable import NeuralNet

@Suite struct InferencePlanTests {
    static func smallModel() throws -> Sequential {
        try ModelSpec(name: "small", layers: [
            .conv2D(filters: 6, kernel: [3, 3], padding: .same, activation: .relu, name: "c1"),
            .conv2D(filters: 5, kernel: [1, 1], activation: .relu, name: "c2"),
            .conv2D(filters: 4, kernel: [3, 3], activation: .linear, name: "c3"),
            .flatten(name: "f"),
            .dense(units: 7, activation: .relu, name: "d1"),
            .dense(units: 3, activation: .softmax, name: "out"),
        ]).build(inputShape: [5, 5, 3], seed: 4)
    }

    @Test func smallBatchesComputeTheModelsFunction() throws {
        try BLASConfiguration.exclusively {
            for model in [try Self.smallModel(), try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 23], seed: 8)] {
                var plan = InferencePlan(model)
                var reference = model
                // Batch sizes in an order that reuses and replaces the planned buffers.
                for n in [1, 3, 1, InferencePlan.smallBatchLimit, 2, 1] {
                    let x = seededTensor([n] + model.inputShape, seed: UInt64(10 + n))
                    let got = plan.infer(x), expected = reference.forward(x, training: false)
                    #expect(got.shape == expected.shape)
                    #expect(maxAbsDifference(got.scalars, expected.scalars) < 1e-5, "\(model.name) batch \(n)")
                }
            }
        }
    }

    @Test func largeBatchesAreTheModelsOwnPass() throws {
        try BLASConfiguration.exclusively {
            let model = try ModelSpec.cao(classes: 4).build(inputShape: [5, 5, 11], seed: 2)
            var plan = InferencePlan(model)
            var reference = model
            let x = seededTensor([InferencePlan.smallBatchLimit + 5, 5, 5, 11], seed: 3)
            #expect(plan.infer(x).scalars == reference.forward(x, training: false).scalars)
            #expect(try plan.predict(x, batchSize: 64).scalars == reference.predict(x, batchSize: 64).scalars)
        }
    }

    // cao at 5×5×23: conv1's product (9 × 207 × 300 at batch 1) is above the split size, so it is cut
    // in two column blocks shared with the helper thread at 2 workers and run in turn at 1: the same
    // bits either way, and the latency record says the threads the calls used.
    @Test func splitProductsAreTheSameBitsOnOneOrTwoThreads() throws {
        try BLASConfiguration.exclusively {
            let model = try ModelSpec.cao(classes: 5).build(inputShape: [5, 5, 23], seed: 6)
            #expect(InferencePlan.columnBlocks(rows: 9, inner: 207, columns: 300) == 2)
            let previous = Workers.count
            defer { Workers.count = previous }
            var results: [Int: [[Float]]] = [:]
            for workers in [1, 2] {
                Workers.count = workers
                var plan = InferencePlan(model)
                #expect(plan.threads(batchSize: 1) == workers)
                #expect(plan.threads(batchSize: InferencePlan.smallBatchLimit + 1) == workers)
                // Many calls in a row: the helper is spinning, parked, or late, in turn.
                results[workers] = (0..<40).map { i in
                    plan.infer(seededTensor([1 + i % 3] + model.inputShape, seed: UInt64(i))).scalars
                }
                let sample = seededTensor([8] + model.inputShape, seed: 99)
                #expect(Latency.measure(&plan, sample: sample, batchSize: 1, threads: workers, warmup: 1, repeats: 3).threads == workers)
            }
            #expect(results[1] == results[2])
            var reference = model
            let x = seededTensor([1] + model.inputShape, seed: 0)
            #expect(maxAbsDifference(results[2]?[0] ?? [], reference.forward(x, training: false).scalars) < 1e-5)
        }
    }

    // A small model (no product above the split size) runs on the calling thread: its record says 1.
    @Test func smallProductsRecordOneThread() throws {
        let previous = Workers.count
        defer { Workers.count = previous }
        Workers.count = 2
        let plan = InferencePlan(try Self.smallModel())
        #expect(plan.threads(batchSize: 1) == 1)
    }
}
