// Parallel: data-parallel loops over contiguous blocks on `BLAS.threads` workers, for the element-wise
// and row-wise work around the matrix products (band selection, optimizer steps, convolution transforms).
// Each block touches its own slice, so results do not depend on how the work was split.
import Dispatch

/// Runs `body(range)` over `count` items split into contiguous blocks on `BLAS.threads` worker
/// threads and returns the sum of what the blocks return. There are a few blocks per worker, so a
/// worker slowed down by another process on its core does not hold the others up. The worker
/// count follows `BLAS.threads`, so a runner that shares cores out sets it once for both.
@discardableResult
public func parallelBlocks(count: Int, minimumPerBlock: Int = 256, _ body: (Range<Int>) -> Double) -> Double {
    let workers = max(1, min(BLAS.threads, count / max(1, minimumPerBlock)))
    if workers <= 1 { return body(0..<count) }
    let blocks = min(4 * workers, max(workers, count / max(1, minimumPerBlock)))
    let step = (count + blocks - 1) / blocks
    var partial = [Double](repeating: 0, count: blocks)
    partial.withUnsafeMutableBufferPointer { results in
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox((body, results))
            DispatchQueue.concurrentPerform(iterations: blocks) { b in
                let lo = b * step, hi = min(count, lo + step)
                if lo < hi { box.value.1[b] = box.value.0(lo..<hi) }
            }
        }
    }
    return partial.reduce(0, +)
}

/// Lets a closure that only touches disjoint memory cross into `concurrentPerform`.
public struct UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
