// bench-readers: the cost of reading untrusted HDF5 files in the isolated reader (a child hsiflow,
// Docs/Security.md) against reading them in this process, as HSIFlow did before. For each file,
// rounds alternate the two (so a change in the shared machine's load hits both alike), the results
// are checked equal first, and the medians and their ratio are printed. Wall time: the child's work
// is not in this process's CPU time.
//
//   swift run -c release bench-readers [--repeats 30] MODEL.h5|CUBE.mat ...
//   (finds the hsiflow binary beside itself, or HSIFLOW_BIN)
// Like hsiflow, it starts the reader zygote first thing, so "isolated" is a forked zygote worker;
// with HSIFLOW_NO_ZYGOTE=1 it is a spawned `hsiflow __isolated-read` instead.
import FileFormats
import Foundation

let zygote = ReaderZygote.start()

var repeats = 30
var files: [String] = []
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let word = arguments.next() {
    if word == "--repeats", let n = arguments.next().flatMap({ Int($0) }), n > 0 { repeats = n; continue }
    guard !word.hasPrefix("-") else {
        FileHandle.standardError.write(Data("usage: bench-readers [--repeats N] MODEL.h5|CUBE.mat ...\n".utf8))
        exit(2)
    }
    files.append(word)
}
if files.isEmpty {
    FileHandle.standardError.write(Data("usage: bench-readers [--repeats N] MODEL.h5|CUBE.mat ...\n".utf8))
    exit(2)
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func fail(_ message: String) -> Never {
    print("FAIL: \(message)")
    exit(1)
}

print("isolated reads: \(zygote ? "forked by the reader zygote" : "spawned hsiflow __isolated-read")")
print("file                          in-process ms   isolated ms   ratio")
for file in files {
    let isModel = file.lowercased().hasSuffix(".h5")
    // The two reads of one file, each returning a value to compare.
    let inProcess: () throws -> String, isolated: () throws -> String
    if isModel {
        inProcess = { "\(try ModelFile.decode(Data(contentsOf: URL(fileURLWithPath: file)), source: file).model.layers.map(\.parameters))" }
        isolated = { "\(try ModelFile.load(path: file).model.layers.map(\.parameters))" }
    } else {
        inProcess = { let a = try MatFile.readInThisProcess(path: file).array; return "\(a.shape) \(a.bytes.hashValue)" }
        isolated = { let a = try MatFile.read(path: file).array; return "\(a.shape) \(a.bytes.hashValue)" }
    }
    do {
        guard try inProcess() == isolated() else { fail("\(file): the two reads differ") }
    } catch {
        fail("\(file): \(error)")
    }
    var old: [Double] = [], new: [Double] = []
    for round in 0..<repeats {
        for first in [round % 2 == 0, round % 2 != 0] {
            let start = now()
            _ = try? (first ? inProcess() : isolated())
            let elapsed = now() - start
            if first { old.append(elapsed) } else { new.append(elapsed) }
        }
    }
    let (a, b) = (median(old) * 1000, median(new) * 1000)
    let name = URL(fileURLWithPath: file).lastPathComponent
    print(name.padding(toLength: max(28, name.count), withPad: " ", startingAt: 0) + String(format: " %13.2f %13.2f %7.2f", a, b, b / a))
}
