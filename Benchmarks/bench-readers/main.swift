// bench-readers: the cost of reading untrusted HDF5 files safely (Docs/Security.md) against reading
// them with libhdf5 in this process, as HSIFlow did before isolation. Three reads per file: libhdf5
// in process ("before"), the read HSIFlow does now ("now": the Swift HDF5 reader in process, or the
// isolated reader when the Swift reader refuses the file) and the isolated reader alone ("isolated":
// libhdf5 in a child, HSIFLOW_HDF5_READER=isolated). Rounds rotate the order (so a change in the
// shared machine's load hits all alike), the results are checked equal first, and the medians and
// the ratios to "before" are printed. Wall time: a child's work is not in this process's CPU time.
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
print("file                          before ms      now ms  now/before   isolated ms  isolated/before")
/// Runs `body` with the Swift HDF5 reader switched off (every file read in the child).
func isolatedOnly<T>(_ body: () throws -> T) rethrows -> T {
    setenv("HSIFLOW_HDF5_READER", "isolated", 1)
    defer { unsetenv("HSIFLOW_HDF5_READER") }
    return try body()
}
for file in files {
    let isModel = file.lowercased().hasSuffix(".h5")
    // The three reads of one file, each returning a value to compare.
    let reads: [() throws -> String]
    if isModel {
        let current = { "\(try ModelFile.load(path: file).model.layers.map(\.parameters))" }
        reads = [{ "\(try ModelFile.decode(Data(contentsOf: URL(fileURLWithPath: file)), source: file).model.layers.map(\.parameters))" },
                 current, { try isolatedOnly(current) }]
    } else {
        let current = { let a = try MatFile.read(path: file).array; return "\(a.shape) \(a.bytes.hashValue)" }
        reads = [{ let a = try MatFile.readInThisProcess(path: file).array; return "\(a.shape) \(a.bytes.hashValue)" },
                 current, { try isolatedOnly(current) }]
    }
    do {
        let answers = try reads.map { try $0() }
        guard Set(answers).count == 1 else { fail("\(file): the reads differ") }
    } catch {
        fail("\(file): \(error)")
    }
    var times: [[Double]] = [[], [], []]
    for round in 0..<repeats {
        for k in 0..<3 {
            let which = (round + k) % 3
            let start = now()
            _ = try? reads[which]()
            times[which].append(now() - start)
        }
    }
    let (a, b, c) = (median(times[0]) * 1000, median(times[1]) * 1000, median(times[2]) * 1000)
    let name = URL(fileURLWithPath: file).lastPathComponent
    print(name.padding(toLength: max(28, name.count), withPad: " ", startingAt: 0)
          + String(format: " %9.2f %11.2f %11.2f %13.2f %16.2f", a, b, b / a, c, c / a))
}
