// Parallel: the worker threads HSIFlow computes on, and loops over fixed-size blocks on them.
// The rule that keeps results bit-identical at any thread count: how work is cut into blocks is
// a function of the work alone (count and block size), never of the worker count, and partial
// results are combined in block order. Workers only decide who computes which block, and when.
import Dispatch
import Foundation
import Synchronization

/// The process-wide number of threads HSIFlow's parallel loops and matrix products run on.
public enum Workers {
    private static let configured = Atomic<Int>(ProcessInfo.processInfo.activeProcessorCount)

    /// Threads for the parallel loops and the split BLAS products (at least 1; default: all cores).
    /// Changing it changes speed only: every result is the same bits at 1, 2, 3 or 4 workers.
    public static var count: Int {
        get { configured.load(ordering: .relaxed) }
        set { configured.store(max(1, newValue), ordering: .relaxed) }
    }

    /// True on a thread that is running a block of a parallel loop: nested loops and products then
    /// run their blocks in order on that thread instead of asking for more threads.
    static var insideParallelRegion: Bool { pthread_getspecific(regionKey) != nil }

    static func enterParallelRegion() { pthread_setspecific(regionKey, UnsafeRawPointer(bitPattern: 1)) }
    static func leaveParallelRegion() { pthread_setspecific(regionKey, nil) }

    /// Runs `body` as one worker of a parallel region the caller made itself (e.g. one thread per
    /// data-parallel shard): loops and products inside it run on this thread alone.
    public static func asWorker<T>(_ body: () throws -> T) rethrows -> T {
        let outer = insideParallelRegion
        if !outer { enterParallelRegion() }
        defer { if !outer { leaveParallelRegion() } }
        return try body()
    }
}

/// Marks the threads inside a parallel loop (thread-local, set and cleared around each block run).
private let regionKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// Runs `body(range)` over 0..<`count` cut into blocks of `blockSize` items (the last one shorter)
/// on up to `Workers.count` threads, and returns the sum of what the blocks return, added in block
/// order. The blocks do not depend on the worker count, so neither does the result, as long as
/// each block's own work is deterministic. Blocks are handed out one at a time, so a worker slowed
/// down by another process does not hold the others up.
@discardableResult
public func parallelBlocks(count: Int, blockSize: Int, _ body: (Range<Int>) -> Double) -> Double {
    guard count > 0 else { return 0 }
    let size = max(1, blockSize)
    let blocks = (count + size - 1) / size
    let workers = Workers.insideParallelRegion ? 1 : min(Workers.count, blocks)
    if workers <= 1 {
        var total = 0.0
        for b in 0..<blocks { total += body(b * size ..< min(count, (b + 1) * size)) }
        return total
    }
    var partial = [Double](repeating: 0, count: blocks)
    let next = Atomic<Int>(0)
    partial.withUnsafeMutableBufferPointer { results in
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox((body, results))
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                Workers.enterParallelRegion()
                defer { Workers.leaveParallelRegion() }
                while true {
                    let b = next.add(1, ordering: .relaxed).oldValue
                    guard b < blocks else { break }
                    box.value.1[b] = box.value.0(b * size ..< min(count, (b + 1) * size))
                }
            }
        }
    }
    // In block order, whatever order the blocks finished in.
    var total = 0.0
    for value in partial { total += value }
    return total
}

/// Runs `body(i)` for every i in 0..<`count` on up to `Workers.count` threads (one item per block).
public func parallelFor(count: Int, _ body: (Int) -> Void) {
    parallelBlocks(count: count, blockSize: 1) { range in
        for i in range { body(i) }
        return 0
    }
}

/// Lets a closure that only touches disjoint memory cross into `concurrentPerform`.
public struct UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
