// BLASConfiguration: tests that change the worker count (Workers.count), or that need it to stay put
// (bit-identical training), take this lock, since Swift Testing runs suites in parallel.
import Foundation
public import Tensors

/// Serializes tests around the process-wide worker count.
public enum BLASConfiguration {
    private static let lock = NSRecursiveLock()

    /// Runs `body` while no other test changes `Workers.count`; restores the count afterwards.
    public static func exclusively<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        let saved = Workers.count
        defer { Workers.count = saved; lock.unlock() }
        return try body()
    }
}
