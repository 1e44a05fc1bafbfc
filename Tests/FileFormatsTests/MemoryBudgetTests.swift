// The memory budget: sizes parsed as written, checked arithmetic that reports overflow instead of
// trapping, and refusals that name the limit and how to raise it.
import Foundation
import NeuralNet
import Testing
@testable import FileFormats

@Suite struct MemoryBudgetTests {
    @Test func sizesParseWithBinaryUnits() {
        #expect(MemoryBudget.parse("1073741824") == 1 << 30)
        #expect(MemoryBudget.parse("512M") == 512 << 20)
        #expect(MemoryBudget.parse("8G") == 8 << 30)
        #expect(MemoryBudget.parse("8GiB") == 8 << 30)
        #expect(MemoryBudget.parse("1.5g") == 3 << 29)
        #expect(MemoryBudget.parse("64k") == 64 << 10)
        for bad in ["", "lots", "-1G", "0", "1e400", "G", "nanM"] { #expect(MemoryBudget.parse(bad) == nil, "\(bad)") }
    }

    @Test func checkedBytesReportsOverflowAndNegativeExtents() {
        #expect(MemoryBudget.checkedBytes([2, 3, 4], elementSize: 8) == 192)
        #expect(MemoryBudget.checkedBytes([], elementSize: 4) == 4)
        #expect(MemoryBudget.checkedBytes([1_000_000_000, 1_000_000_000, 8], elementSize: 4) == nil)
        #expect(MemoryBudget.checkedBytes([Int.max / 2, 3]) == nil)
        #expect(MemoryBudget.checkedBytes([4, -1]) == nil)
    }

    @Test func aRequestOverTheBudgetNamesTheLimitAndHowToRaiseIt() throws {
        let budget = MemoryBudget.bytes
        try MemoryBudget.check(budget, "all of it", path: "f.mat")
        do {
            try MemoryBudget.check(budget + 1, "variable 'cube'", path: "f.mat")
            Issue.record("one byte over the budget was accepted")
        } catch {
            #expect(error.description.contains("f.mat") && error.description.contains("variable 'cube'"))
            #expect(error.description.contains("--max-memory") && error.description.contains(MemoryBudget.environmentVariable))
        }
        #expect(throws: FileFormatsError.self) { try MemoryBudget.check(nil, "a shape", path: "f.h5") }
    }

    @Test(arguments: [
        (#"{"batch_shape": [null, 1e9, 1e9, 8]}"#, "conv"),
        (#"{"batch_shape": [null, 3, 3, 5]}"#, "kernel2^31"),
        (#"{"batch_shape": [null, 3, 3, 5]}"#, "filters1e9"),
        (#"{"batch_shape": [null, 3, 3, 5]}"#, "units2^40"),
    ])
    func hostileModelConfigsAreErrorsNotTraps(input: String, variant: String) {
        let conv: String
        switch variant {
        case "kernel2^31": conv = #"{"filters": 4, "kernel_size": [2147483648, 2147483648], "padding": "same"}"#
        case "filters1e9": conv = #"{"filters": 1000000000, "kernel_size": [3, 3]}"#
        default: conv = #"{"filters": 4, "kernel_size": [3, 3]}"#
        }
        let units = variant == "units2^40" ? "1099511627776" : "3"
        let config = """
        {"class_name": "Sequential", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "config": \(input)},
          {"class_name": "Conv2D", "config": \(conv)},
          {"class_name": "Flatten", "config": {}},
          {"class_name": "Dense", "config": {"units": \(units)}}]}}
        """
        #expect(throws: FileFormatsError.self, "\(variant)") { try KerasConfig.parse(config, path: "hostile.h5") }
    }

    @Test func aModelWithinTheBudgetParses() throws {
        let config = """
        {"class_name": "Sequential", "config": {"name": "m", "layers": [
          {"class_name": "InputLayer", "config": {"batch_shape": [null, 5, 5, 200]}},
          {"class_name": "Conv2D", "config": {"filters": 300, "kernel_size": [3, 3]}},
          {"class_name": "Flatten", "config": {}},
          {"class_name": "Dense", "config": {"units": 9}}]}}
        """
        let (spec, shape) = try KerasConfig.parse(config, path: "ok.h5")
        #expect(shape == [5, 5, 200])
        let sizes = try spec.checkedSizes(inputShape: shape)
        #expect(sizes.parameters == 3 * 3 * 200 * 300 + 300 + 3 * 3 * 300 * 9 + 9)
        #expect(sizes.largestActivation == 5 * 5 * 200)
    }
}
