// LatencyTests: what the one latency routine does, counted on a fake model (never on wall time):
// warm-up calls untimed, every repeat timed without a budget, and with a spent budget exactly the
// minimum repeats; calls the caller already timed count towards both; the statistics say how many
// calls they were taken over.
import Testing
import TestSupport
import Tensors
@testable import NeuralNet

@Suite struct LatencyTests {
    /// Counts its calls and the batch sizes it saw; outputs zeros.
    struct CountingModel: InferenceModel {
        var name: String { "counting" }
        var inputShape: [Int] { [3] }
        var outputUnits: Int { 2 }
        var calls = 0
        var batchSizes: Set<Int> = []
        mutating func infer(_ x: Tensor) -> Tensor {
            calls += 1
            batchSizes.insert(x.shape[0])
            return Tensor(shape: [x.shape[0], 2], scalars: [Float](repeating: 0, count: x.shape[0] * 2))
        }
    }

    @Test func withoutABudgetEveryRepeatIsTimed() {
        var model = CountingModel()
        let stats = Latency.measure(&model, sample: seededTensor([20, 3], seed: 1), batchSize: 4, threads: 1, warmup: 3, repeats: 17)
        #expect(model.calls == 20 && stats.repeats == 17 && stats.batchSize == 4 && stats.threads == 1)
        #expect(model.batchSizes == [4])
        #expect(stats.p10Microseconds <= stats.medianMicroseconds && stats.medianMicroseconds <= stats.p90Microseconds)
    }

    @Test func aSpentBudgetStopsAtTheMinimumRepeats() {
        var model = CountingModel()
        let stats = Latency.measure(&model, sample: seededTensor([20, 3], seed: 1), batchSize: 1, threads: 1, warmup: 2,
                                    repeats: 300, budget: .zero, minimumRepeats: 12)
        #expect(model.calls == 14 && stats.repeats == 12)
    }

    @Test func aBudgetNeverSpentLeavesEveryRepeat() {
        var model = CountingModel()
        let stats = Latency.measure(&model, sample: seededTensor([8, 3], seed: 1), batchSize: 2, threads: 1, warmup: 0,
                                    repeats: 40, budget: .seconds(3600), minimumRepeats: 5)
        #expect(model.calls == 40 && stats.repeats == 40)
    }

    @Test func callsAlreadyTimedCountAndOnlyTheMissingOnesAreMade() {
        var model = CountingModel()
        let timed: [Double] = [5, 1, 3, 2, 4]
        let stats = Latency.measure(&model, sample: seededTensor([8, 3], seed: 1), batchSize: 2, threads: 1, warmup: 0,
                                    repeats: 7, alreadyTimed: timed)
        #expect(model.calls == 2 && stats.repeats == 7)
        // Enough calls already: none is made, and the statistics are those calls'.
        var idle = CountingModel()
        let given = Latency.measure(&idle, sample: seededTensor([8, 3], seed: 1), batchSize: 2, threads: 1, warmup: 0,
                                    repeats: 4, alreadyTimed: timed)
        #expect(idle.calls == 0 && given.repeats == 5)
        #expect(given.medianMicroseconds == 3 && given.p10Microseconds == 1 && given.p90Microseconds == 5)
        // A budget the timed calls already spent stops at the minimum repeats.
        var budgeted = CountingModel()
        let spent = Latency.measure(&budgeted, sample: seededTensor([8, 3], seed: 1), batchSize: 2, threads: 1, warmup: 0,
                                    repeats: 40, budget: .microseconds(1), minimumRepeats: 6, alreadyTimed: timed)
        #expect(budgeted.calls == 1 && spent.repeats == 6)
    }
}
