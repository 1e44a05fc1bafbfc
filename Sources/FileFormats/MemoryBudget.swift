// MemoryBudget: the one limit on what a file may ask HSIFlow to allocate — an array's bytes, a
// model's parameters, a decompressed variable, the isolated reader's address space. Default 2 GiB
// (less when the process already runs under a smaller address-space limit); raised with
// `--max-memory` on the commands that read files or the HSIFLOW_MAX_MEMORY environment variable.
import Foundation
import Tensors

/// The allocation budget for anything a file asks for, and checked size arithmetic against it.
public enum MemoryBudget {
    /// The default budget: 2 GiB.
    public static let defaultBytes = 2 << 30
    /// The environment variable that sets the budget (bytes, or a size such as "8G" or "512M").
    public static let environmentVariable = "HSIFLOW_MAX_MEMORY"

    nonisolated(unsafe) private static var explicit: Int?
    private static let lock = NSLock()

    /// The budget in bytes now: `--max-memory` if a command set it, else HSIFLOW_MAX_MEMORY, else
    /// the default, never more than half an address-space limit the process runs under.
    public static var bytes: Int {
        lock.lock()
        let set = explicit
        lock.unlock()
        if let set { return set }
        if let text = ProcessInfo.processInfo.environment[environmentVariable], let value = parse(text) { return value }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max, limit.rlim_cur / 2 < rlim_t(defaultBytes) {
            return Int(limit.rlim_cur / 2)
        }
        return defaultBytes
    }

    /// Sets the budget for this process (a command's `--max-memory`); nil returns to the default.
    public static func set(_ bytes: Int?) {
        lock.lock()
        explicit = bytes
        lock.unlock()
    }

    /// Bytes from "1073741824", "512M", "8G", "1.5GB", "64k" (binary units); nil when not a positive size.
    public static func parse(_ text: String) -> Int? {
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        if digits.hasSuffix("I") { digits.removeLast() }
        let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        var scale = 1.0
        if let last = digits.last, let unit = units[last] {
            scale = unit
            digits.removeLast()
        }
        guard let number = Double(digits), number.isFinite, number > 0 else { return nil }
        let value = number * scale
        guard value >= 1, value < Double(Int.max / 2) else { return nil }
        return Int(value)
    }

    /// "2.0 GiB", "512 MiB", "4096 bytes".
    public static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 30 { return String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }
        if bytes >= 1 << 20 { return "\(bytes >> 20) MiB" }
        return "\(bytes) bytes"
    }

    /// What to say after "over the memory budget": the limit and how to raise it.
    public static var raiseHint: String {
        "the memory budget is \(describe(bytes)); if the file is genuine, raise it with --max-memory or \(environmentVariable)"
    }

    /// Throws unless `bytes` (nil: the arithmetic overflowed) fits the budget; `what` names the request.
    public static func check(_ bytes: Int?, _ what: String, path: String) throws(FileFormatsError) {
        guard let bytes else {
            throw .malformed(path: path, reason: "\(what) is too large to compute (its sizes overflow 64-bit arithmetic)")
        }
        guard bytes >= 0 else { throw .malformed(path: path, reason: "\(what) has a negative size") }
        let budget = Self.bytes
        guard bytes <= budget else {
            throw .malformed(path: path, reason: "\(what) needs \(describe(bytes)), over the budget; \(raiseHint)")
        }
    }

    /// The product of `factors` times `elementSize`, nil on overflow or a negative factor.
    public static func checkedBytes(_ factors: [Int], elementSize: Int = 1) -> Int? {
        Tensor.checkedCount(of: factors + [elementSize])
    }
}
