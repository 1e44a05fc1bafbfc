// InputFileHasher: content hashes of input files. Correctness comes from content: a file's
// hash is its bytes' SHA-256. A memo keyed by (path, size, mtime, ctime, inode) only saves
// re-reading a file none of those changed for; a touched file is re-hashed and, if its bytes
// are the same, gives the same hash — so nothing reruns.
public import Foundation
import FileSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What an input file must be: a regular file (a link to one is fine). A FIFO or a device
/// (`/dev/zero`) would make reading it hang or never end, so it is refused before anything reads it.
public enum InputFile {
    /// Why `path` cannot be read as an input ("does not exist", "is a FIFO…"), or nil when it can.
    public static func problem(at path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? "does not exist" : "cannot be read (\(String(cString: strerror(errno))))"
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a folder, not a file"
        case S_IFIFO: return "is a FIFO (named pipe), not a regular file; inputs must be regular files"
        case S_IFCHR, S_IFBLK: return "is a device, not a regular file; inputs must be regular files"
        case S_IFSOCK: return "is a socket, not a regular file; inputs must be regular files"
        default: return "is not a regular file; inputs must be regular files"
        }
    }
}

/// The hash and size of an input file.
public struct FileHash: Sendable, Hashable, Codable {
    public let sha256: String
    public let bytes: Int
}

/// Hashes input files, remembering hashes of unchanged files in a memo file.
public final class InputFileHasher: @unchecked Sendable {
    private struct Entry: Codable {
        let size: Int
        let mtimeNanos: Int64
        let ctimeNanos: Int64
        let inode: UInt64
        let sha256: String
    }

    private let memoURL: URL?
    private var memo: [String: Entry] = [:]
    private var dirty = false
    private let mutex = NSLock()

    /// A hasher whose memo lives in `memoURL` (nil: no memo).
    public init(memoURL: URL?) {
        self.memoURL = memoURL
        if let memoURL, let data = try? Data(contentsOf: memoURL),
           let decoded = try? JSONDecoder().decode([String: Entry].self, from: data) {
            memo = decoded
        }
    }

    /// The content hash of the file at `path` (`resolved` is where it is on disk).
    public func hash(path: String, resolved: String) throws(EngineError) -> FileHash {
        if let problem = InputFile.problem(at: resolved) { throw .unreadableFile(path: path, reason: problem) }
        var info = stat()
        guard stat(resolved, &info) == 0 else {
            throw .unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        let size = Int(info.st_size)
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        let ctime = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        let inode = UInt64(info.st_ino)
        if let e = mutex.withLock({ memo[resolved] }), e.size == size, e.mtimeNanos == mtime, e.ctimeNanos == ctime, e.inode == inode {
            return FileHash(sha256: e.sha256, bytes: size)
        }
        let sha = try hashContent(path: path, resolved: resolved)
        mutex.withLock {
            memo[resolved] = Entry(size: size, mtimeNanos: mtime, ctimeNanos: ctime, inode: inode, sha256: sha)
            dirty = true
        }
        return FileHash(sha256: sha, bytes: size)
    }

    /// Streams the file through SHA-256.
    private func hashContent(path: String, resolved: String) throws(EngineError) -> String {
        guard let handle = FileHandle(forReadingAtPath: resolved) else {
            throw .unreadableFile(path: path, reason: "cannot open")
        }
        defer { try? handle.close() }
        var hasher = IncrementalSHA256()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw .unreadableFile(path: path, reason: error.localizedDescription)
            }
            if chunk.isEmpty { break }
            hasher.update(chunk)
        }
        return hasher.finalizeHex()
    }

    /// Writes the memo back (atomically) if it changed.
    public func save() {
        guard let memoURL else { return }
        let data: Data? = mutex.withLock {
            guard dirty else { return nil }
            dirty = false
            return try? JSONEncoder().encode(memo)
        }
        guard let data else { return }
        try? AtomicFile.write(data, to: memoURL.path)
    }
}
