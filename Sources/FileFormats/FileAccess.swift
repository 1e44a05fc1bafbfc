// FileAccess: whole-file reads, and FileFormats' door to the one atomic writer (FileSystem's
// AtomicFile), so a crash mid-write never leaves a half-written file under the final name.
import FileSystem
public import Foundation

/// Reading whole files and writing them atomically; shared by every module that writes files.
public enum FileAccess {
    /// Bytes of a regular file, with an error naming the path when it is missing or not a file.
    /// Read straight into the array with read(2) (no intermediate Data, no zero-fill), so a large
    /// file costs one pass over its pages.
    static func readAll(_ path: String) throws(FileFormatsError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR: throw .unreadable(path: path, reason: "no such file")
            case EISDIR: throw .unreadable(path: path, reason: "it is a directory, not a file")
            default: throw .unreadable(path: path, reason: "permission denied or not readable")
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .unreadable(path: path, reason: "it is a directory, not a file")
        default: throw .unreadable(path: path, reason: "it is not a regular file (a FIFO, socket or device); HSIFlow reads regular files only")
        }
        // One byte more than the size shows the end was reached; a file that grew is read on.
        var bytes: [UInt8] = []
        var capacity = Int(info.st_size) + 1
        while true {
            var failure: Int32 = 0
            let previous = bytes
            bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                guard let base = buffer.baseAddress else { return }
                previous.withUnsafeBufferPointer { if let from = $0.baseAddress { memcpy(base, from, $0.count) } }
                initialized = previous.count
                while initialized < capacity {
                    let n = read(fd, base + initialized, capacity - initialized)
                    if n > 0 { initialized += n; continue }
                    if n == 0 { return }
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
            }
            if failure != 0 { throw .unreadable(path: path, reason: String(cString: strerror(failure))) }
            if bytes.count < capacity { return bytes }
            capacity *= 2
        }
    }

    /// The size of the regular file at `path`; a missing file, a folder, a FIFO or a device is an
    /// error naming the path (reading a FIFO or /dev/zero would never end).
    static func regularFileSize(_ path: String) throws(FileFormatsError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .unreadable(path: path, reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno)))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return Int(info.st_size)
        case S_IFDIR: throw .unreadable(path: path, reason: "it is a directory, not a file")
        default: throw .unreadable(path: path, reason: "it is not a regular file (a FIFO, socket or device); HSIFlow reads regular files only")
        }
    }

    /// The first `count` bytes of the regular file at `path` (fewer when it is shorter).
    static func readPrefix(_ path: String, count: Int) throws(FileFormatsError) -> [UInt8] {
        _ = try regularFileSize(path)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(path: path, reason: "permission denied or not readable")
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// Writes `bytes` to `path` atomically and durably (AtomicFile: temporary file, fsync, rename,
    /// fsync of the folder), with the failure as a FileFormatsError.
    public static func writeAtomically(_ bytes: some ContiguousBytes, to path: String) throws(FileFormatsError) {
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw .unwritable(path: path, reason: error.reason)
        }
    }
}
