// ComparisonBrowserTests: the comparison page in headless Chromium at 1280 px has no horizontal
// overflow, even with nine runs and long lists of differences. The test copy of the page adds an
// inline script that writes the document's scroll width into the DOM (the shipped page has none).
import Foundation
import PipelineModel
import Testing
import TestSupport
@testable import Report

@Suite(.enabled(if: Browser.executable != nil, "Chromium is not installed (apt-get install chromium): browser test skipped"))
struct ComparisonBrowserTests {
    /// Nine runs with other epochs, one of them of another experiment with other stages: wide tables, long differences.
    static func wideComparison() -> Comparison {
        var runs = (0..<9).map { i in
            (manifest: studyManifest(seed: 41 + i, shift: Double(i) / 200, epochs: 10 + i), path: "results/a-rather-long-folder-name-\(i)/manifest.json")
        }
        runs[8].manifest.experiment.name = "another-experiment"
        runs[8].manifest.stages.removeAll { $0.kind == "visualize" }
        for i in runs[8].manifest.stages.indices { runs[8].manifest.stages[i].params["note"] = .string(String(repeating: "wide ", count: 30)) }
        return Comparison(runs)
    }

    /// scrollWidth and clientWidth of the page's root in Chromium at `width` px.
    private func widths(of html: String, width: Int) throws -> (scroll: Int, client: Int) {
        let dir = try makeTemporaryDirectory("hsiflow-compare-browser")
        defer { try? FileManager.default.removeItem(at: dir) }
        let probe = "<script>document.body.setAttribute('data-widths', document.documentElement.scrollWidth + ' ' + document.documentElement.clientWidth)</script>"
        let page = dir.appendingPathComponent("comparison.html")
        try Data(html.replacingOccurrences(of: "</body>", with: probe + "</body>").utf8).write(to: page)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Browser.executable))
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
                             "--window-size=\(width),900", "--dump-dom", page.absoluteString]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let range = try #require(dom.range(of: "data-widths=\""), "no widths in the dumped DOM")
        let numbers = dom[range.upperBound...].prefix { $0 != "\"" }.split(separator: " ").compactMap { Int($0) }
        try #require(numbers.count == 2)
        return (numbers[0], numbers[1])
    }

    @Test func theWidestComparisonPageDoesNotOverflowAt1280Pixels() throws {
        let c = Self.wideComparison()
        #expect(c.mode == .settings)
        for html in [ComparisonPage(comparison: c).html(), ComparisonPage(comparison: ComparisonTests.seeds()).html()] {
            #expect(!html.contains("<script"))
            let (scroll, client) = try widths(of: html, width: 1280)
            #expect(client > 1000)
            #expect(scroll <= client, "the page is \(scroll) px wide in a \(client) px window")
        }
    }
}
