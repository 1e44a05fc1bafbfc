// InspectCommand: `hsiflow inspect FILE` — what a cube or label-map file holds:
// format, variable, shape, element type, value range and, for label maps, pixels per class;
// for a model file (.h5), its layers (ModelInspection).
import ArgumentParser
import FileFormats
import Foundation

/// Shows what an array file holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a cube or label map (.npy, .mat): format, variable, shape, dtype, range, class counts; or a model (.h5): layers, shapes, parameters."
    )

    @Argument(help: "The file to inspect.")
    var file: String

    @Option(help: "The .mat variable to read (default: the only numeric variable, or the only 3-D one).")
    var variable: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var memory: MemoryOption

    func run() throws {
        memory.apply()
        if ModelInspection.extensions.contains(URL(fileURLWithPath: file).pathExtension.lowercased()) {
            let model = try ModelInspection.inspect(path: file)
            print(json ? try model.renderedJSON() : model.renderedText())
            return
        }
        let report = try ArrayInspection.inspect(path: file, variable: variable)
        print(json ? try report.renderedJSON() : report.renderedText())
    }
}

/// What `inspect` found in an array file: a value, rendered as text or JSON.
struct ArrayInspection: Codable, Equatable {
    struct VariableLine: Codable, Equatable {
        var name: String
        var className: String
        var shape: [Int]
    }

    var file: String
    var format: String
    var variable: String?
    var shape: [Int]
    var dtype: String
    var min: Double?
    var max: Double?
    /// For 2-D arrays of whole numbers: pixels per label (index = label).
    var classCounts: [Int]?
    /// For .mat files: every variable in the file.
    var variables: [VariableLine]?

    static func inspect(path: String, variable: String?) throws -> ArrayInspection {
        do throws(FileFormatsError) {
            var listing: [VariableLine]?
            let format: String, name: String?, array: NumericArray
            if path.lowercased().hasSuffix(".mat") {
                // One validation and (v7.3) one isolated reader for the listing and the array.
                let read = try MatFile.inspect(path: path, variable: variable)
                listing = read.contents.variables.map { VariableLine(name: $0.name, className: $0.className, shape: $0.shape) }
                (format, name, array) = ("mat \(read.format)", read.name, read.array)
            } else {
                let loaded = try ArrayFile.read(path: path, variable: variable)
                (format, name, array) = (loaded.format, loaded.variable, loaded.array)
            }
            let range = array.range
            var counts: [Int]?
            if array.shape.count == 2, (range?.min ?? -1) >= 0,
               array.elementType.isInteger || array.doubles().allSatisfy({ $0.rounded() == $0 }) {
                let labels = try array.labelMap(source: path)
                if labels.maxLabel <= 10_000 { counts = labels.classCounts }
            }
            return ArrayInspection(file: path, format: format, variable: name, shape: array.shape,
                                   dtype: array.elementType.rawValue, min: range?.min, max: range?.max,
                                   classCounts: counts, variables: listing)
        } catch {
            throw UserInputError(error.description)
        }
    }

    func renderedText() -> String {
        var lines: [(String, String)] = [("file", file), ("format", format)]
        if let variable { lines.append(("variable", variable)) }
        lines.append(("shape", shape.map(String.init).joined(separator: "×")))
        lines.append(("dtype", dtype))
        if let min, let max { lines.append(("range", "\(Self.number(min)) .. \(Self.number(max))")) }
        var text = lines.map { "\($0.0.padding(toLength: 9, withPad: " ", startingAt: 0)) \($0.1)" }.joined(separator: "\n")
        if let classCounts {
            text += "\nclasses   \(classCounts.dropFirst().filter { $0 > 0 }.count) (label: pixels; 0 = unlabelled)"
            for (label, count) in classCounts.enumerated() where count > 0 {
                text += "\n  \(String(label).leftPadded(5))  \(String(count).leftPadded(7))"
            }
        }
        if let variables, variables.count > 1 {
            text += "\nvariables"
            for v in variables {
                text += "\n  \(v.name)  \(v.className) \(v.shape.map(String.init).joined(separator: "×"))"
            }
        }
        return text
    }

    func renderedJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func number(_ v: Double) -> String {
        v.rounded() == v && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
