// Opens a report in a real browser (headless Chromium) and takes a screenshot: the page must
// render without console errors. Skipped, saying so, where Chromium is not installed.
import Foundation
import Testing
import TestSupport
@testable import Report

enum Browser {
    static let executable: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

@Suite(.enabled(if: Browser.executable != nil, "Chromium is not installed (apt-get install chromium): browser test skipped"))
struct BrowserTests {
    @Test func reportRendersInHeadlessChromiumWithoutConsoleErrors() throws {
        let dir = try makeTemporaryDirectory("hsiflow-browser")
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("report.html")
        try Data(ReportPageTests.page.utf8).write(to: page)
        let screenshot = dir.appendingPathComponent("shot.png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Browser.executable))
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                             "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
                             "--screenshot=\(screenshot.path)", "--window-size=1200,1600", page.absoluteString]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "chromium exited \(process.terminationStatus): \(log.suffix(500))")
        let consoleErrors = log.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        #expect(consoleErrors.isEmpty, "\(consoleErrors)")
        let png = try #require(FileManager.default.contents(atPath: screenshot.path))
        #expect(png.count > 10_000, "the screenshot should show a rendered page")
        #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
    }
}
