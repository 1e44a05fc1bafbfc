// NativeLibraries: one lock around every call into libmatio and libhdf5. Debian's HDF5 is the
// serial (not thread-safe) build and libmatio keeps global state, while tests and parallel
// stages call FileFormats from many threads; every HDF5 or matio call goes through here.
import Foundation

/// Serializes calls into the C libraries that are not thread-safe (libhdf5, libmatio).
public enum NativeLibraries {
    private static let lock = NSRecursiveLock()

    /// Runs `body` while holding the native-library lock (re-entrant).
    public static func serialized<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
