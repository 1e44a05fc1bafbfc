// TerminalFacts: what progress output needs to know about where it is written — whether a file
// descriptor is a terminal, and the terminal's size (TIOCGWINSZ, else $COLUMNS/$LINES).
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum TerminalFacts {
    /// True when `fd` is a terminal.
    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Columns and rows of the terminal on `fd`: the kernel's window size, else $COLUMNS and
    /// $LINES, else 80 × 24.
    static func size(_ fd: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) -> (columns: Int, rows: Int) {
        var window = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0 {
            return (Int(window.ws_col), window.ws_row > 0 ? Int(window.ws_row) : 24)
        }
        let columns = environment["COLUMNS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 80
        let rows = environment["LINES"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 24
        return (columns, rows)
    }
}
