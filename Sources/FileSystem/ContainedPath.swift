// ContainedPath: how HSIFlow touches paths inside a folder it owns (the cache, a results folder)
// without ever following a link out of it. Folders below the root are walked with lstat (or
// openat with O_NOFOLLOW), so a symbolic link planted at `objects/ab`, `tmp` or `figures` is
// refused or removed as a link — never written, listed or emptied through. The root itself may
// be a link (the user chose it); nothing below it may be.
public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Paths below a root folder, handled without following links.
public enum ContainedPath {
    /// What is at a path, the last component not followed.
    public enum Kind: Equatable, Sendable {
        case missing, regular, directory, symbolicLink, other
    }

    /// What to do with a link or a non-folder where a folder belongs.
    public enum Intruder: Sendable {
        /// Remove it (as a link: the place it points at is untouched) and make the folder.
        case replace
        /// Throw, naming it.
        case refuse
    }

    /// What is at `path`, without following a final link.
    public static func kind(_ path: String) -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
    }

    /// A word for a kind, for messages ("a symbolic link", "a FIFO or device").
    public static func describe(_ path: String) -> String {
        switch kind(path) {
        case .missing: return "missing"
        case .regular: return "a file"
        case .directory: return "a folder"
        case .symbolicLink:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " to \($0)" } ?? ""
            return "a symbolic link\(target)"
        case .other: return "a special file (FIFO, socket or device)"
        }
    }

    /// Makes sure `root/components…` is a chain of real folders, creating what is missing.
    /// A link or other non-folder in the way is replaced or refused, as `intruder` says.
    /// Returns the folder's path. The root must exist or be creatable.
    @discardableResult
    public static func prepareFolder(_ components: [String], under root: String,
                                     intruder: Intruder) throws(AtomicWriteError) -> String {
        if kind(root) == .missing {
            do { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) } catch {
                throw AtomicWriteError(path: root, reason: "cannot create it (\(error.localizedDescription))")
            }
        }
        var path = root
        for component in components {
            guard isPlainName(component) else {
                throw AtomicWriteError(path: path + "/" + component, reason: "'\(component)' is not a plain file name", isUnsafePath: true)
            }
            path += "/" + component
            switch kind(path) {
            case .directory: continue
            case .missing: break
            case .regular, .symbolicLink, .other:
                let what = describe(path)
                guard intruder == .replace else {
                    throw AtomicWriteError(path: path, reason: "it is \(what), not a folder; HSIFlow never writes through links or special files in its folders — remove it and try again",
                                           isUnsafePath: true)
                }
                guard remove(path) else {
                    throw AtomicWriteError(path: path, reason: "it is \(what), not a folder, and cannot be removed: \(String(cString: strerror(errno)))")
                }
            }
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw AtomicWriteError(path: path, reason: "cannot create it: \(String(cString: strerror(errno)))")
            }
            guard kind(path) == .directory else {
                throw AtomicWriteError(path: path, reason: "it is \(describe(path)), not a folder", isUnsafePath: true)
            }
        }
        return path
    }

    /// True when every folder between `root` and `path` (both absolute or both relative, `path`
    /// under `root`) is a real folder, not a link, and no component is `..`.
    public static func isContained(_ path: String, in root: String) -> Bool {
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        guard path.hasPrefix(base + "/") else { return false }
        let parts = path.dropFirst(base.count + 1).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, parts.allSatisfy(isPlainName) else { return false }
        var walked = base
        for part in parts.dropLast() {
            walked += "/" + part
            guard kind(walked) == .directory else { return false }
        }
        return true
    }

    /// Removes the entry at `path` without following it: a link or file is unlinked, a folder is
    /// removed with everything in it, its own links unlinked and never entered. True on success
    /// or when nothing is there.
    @discardableResult
    public static func remove(_ path: String) -> Bool {
        switch kind(path) {
        case .missing: return true
        case .directory:
            let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { return false }
            let emptied = emptyFolder(fd)
            return emptied && rmdir(path) == 0
        default:
            return unlink(path) == 0 || errno == ENOENT
        }
    }

    /// Removes `path` only if it is inside `root` with real folders all the way down (see
    /// `isContained`); never follows a link. False when refused or when removing failed.
    @discardableResult
    public static func remove(_ path: String, inside root: String) -> Bool {
        guard isContained(path, in: root) else { return false }
        return remove(path)
    }

    /// Names of the entries in the folder at `path` (none when it is not a real folder: a link
    /// to a folder is not listed through).
    public static func entries(of path: String) -> [String] {
        guard kind(path) == .directory else { return [] }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        return names(inFolder: fd, closing: true)
    }

    /// A name that stays in its folder: not empty, `.` or `..`, and without `/` or NUL.
    public static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(where: { $0 == 0x2F || $0 == 0 })
    }

    // MARK: - Helpers

    /// Removes everything in the open folder `fd` (closing it), descending with O_NOFOLLOW.
    private static func emptyFolder(_ fd: Int32) -> Bool {
        var ok = true
        let dupFD = dup(fd)
        guard dupFD >= 0 else { close(fd); return false }
        for name in names(inFolder: dupFD, closing: true) {
            var info = stat()
            guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if child < 0 || !emptyFolder(child) || unlinkat(fd, name, AT_REMOVEDIR) != 0 { ok = false }
            } else if unlinkat(fd, name, 0) != 0 && errno != ENOENT {
                ok = false
            }
        }
        close(fd)
        return ok
    }

    /// The entry names of the open folder `fd`, without `.` and `..`; the fd is consumed when `closing`.
    private static func names(inFolder fd: Int32, closing: Bool) -> [String] {
        guard let dir = fdopendir(fd) else {
            if closing { close(fd) }
            return []
        }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }
}
