// TerminalFactsTests: a descriptor that is no terminal is told apart, and its size falls back to
// $COLUMNS/$LINES, then to 80 × 24.
import Foundation
import Testing
@testable import Commands

@Suite struct TerminalFactsTests {
    @Test func aPipeIsNoTerminalAndItsSizeComesFromTheEnvironment() throws {
        let pipe = Pipe()
        let fd = pipe.fileHandleForWriting.fileDescriptor
        #expect(!TerminalFacts.isTerminal(fd))
        let sized = TerminalFacts.size(fd, environment: ["COLUMNS": "40", "LINES": "12"])
        #expect(sized.columns == 40 && sized.rows == 12)
        let fallback = TerminalFacts.size(fd, environment: ["COLUMNS": "wide"])
        #expect(fallback.columns == 80 && fallback.rows == 24)
    }
}
