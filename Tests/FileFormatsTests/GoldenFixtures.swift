// Reads Fixtures/expected.json, written by reference/make_fileformat_fixtures.py with numpy.
import Foundation
import TestSupport

struct GoldenArray: Decodable {
    let dtype: String
    let shape: [Int]
    let values: [Double]
}

enum Golden {
    static let directory = fixturesDirectory()
    static let expected: [String: GoldenArray] = {
        let url = directory.appendingPathComponent("expected.json")
        guard let data = try? Data(contentsOf: url),
              let decoded = try? JSONDecoder().decode([String: GoldenArray].self, from: data) else {
            fatalError("cannot read \(url.path); run reference/make_fileformat_fixtures.py")
        }
        return decoded
    }()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func bytes(_ name: String) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path(name)) else { fatalError("missing fixture \(name)") }
        return [UInt8](data)
    }
}
