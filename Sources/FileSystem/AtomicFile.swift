// AtomicFile: the one way HSIFlow writes a file. The bytes go to a temporary file (beside the
// target, or in a folder the caller names on the same filesystem), which is fsynced, renamed over
// the target, and then the target's folder is fsynced so the rename itself survives a crash.
// A killed writer leaves the old file or the new one under the real name, never half of one.
public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file could not be written; `reason` is the operating system's word for why.
public struct AtomicWriteError: Error, Equatable, CustomStringConvertible, LocalizedError, Sendable {
    public let path: String
    public let reason: String
    /// True when the write was refused because the path leads through a link or special file
    /// (ContainedPath), not because the system failed it.
    public let isUnsafePath: Bool

    public init(path: String, reason: String, isUnsafePath: Bool = false) {
        self.path = path
        self.reason = reason
        self.isUnsafePath = isUnsafePath
    }

    public var description: String { "cannot write \(path): \(reason)" }
    public var errorDescription: String? { description }
}

/// Writes whole files atomically and durably.
public enum AtomicFile {
    /// Writes `bytes` to `path`: temporary file → fsync → rename → fsync of the folder. Missing
    /// folders are created. The temporary file goes in `temporaryDirectory` when given (it must be
    /// on the same filesystem, as a cache's own tmp/ folder is), else beside the target.
    public static func write(_ bytes: some ContiguousBytes, to path: String,
                             temporaryDirectory: String? = nil) throws(AtomicWriteError) {
        let target = URL(fileURLWithPath: path)
        let directory = target.deletingLastPathComponent().path
        try makeDirectory(directory, for: path)
        let temporary = (temporaryDirectory ?? directory)
            + "/.\(target.lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0 ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicWriteError(path: path, reason: "cannot create \(temporary): \(lastError())") }
        var failure: String? = bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let n = Foundation.write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return lastError()
                }
                offset += n
            }
            return nil
        }
        if failure == nil, fsync(fd) != 0 { failure = lastError() }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 { failure = lastError() }
        if let failure {
            unlink(temporary)
            throw AtomicWriteError(path: path, reason: failure)
        }
        try syncDirectory(directory, for: path)
    }

    /// Copies the file at `source` to `path` atomically (read whole, then `write`).
    public static func copy(from source: String, to path: String) throws(AtomicWriteError) {
        guard let data = FileManager.default.contents(atPath: source) else {
            throw AtomicWriteError(path: path, reason: "cannot read \(source)")
        }
        try write(data, to: path)
    }

    // MARK: - Helpers

    /// Creates `directory` (and its parents) unless it exists.
    private static func makeDirectory(_ directory: String, for path: String) throws(AtomicWriteError) {
        if mkdir(directory, 0o755) == 0 || errno == EEXIST { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw AtomicWriteError(path: path, reason: "cannot create \(directory): \(error.localizedDescription)")
        }
    }

    /// fsyncs a folder so a rename into it is durable. Filesystems that cannot sync a folder
    /// (EINVAL) are accepted: there the rename is as durable as the filesystem makes it.
    private static func syncDirectory(_ directory: String, for path: String) throws(AtomicWriteError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicWriteError(path: path, reason: "cannot open \(directory) to sync it: \(lastError())") }
        defer { close(fd) }
        if fsync(fd) != 0, errno != EINVAL {
            throw AtomicWriteError(path: path, reason: "cannot sync \(directory): \(lastError())")
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
