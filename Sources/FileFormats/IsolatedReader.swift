// IsolatedReader: every HDF5 file that comes from outside the cache (a Keras `.h5`, a model file
// given by path, a `.mat` v7.3) is parsed in a child process — the `hsiflow` binary in a hidden
// reader mode — because libhdf5 1.10 can crash, corrupt memory or allocate without bound on a
// hostile file. The child limits itself (address space from the memory budget, CPU seconds, no
// core file) before it reads a byte, then writes a compact reply to its stdout; the parent reads
// at most the budget from the pipe, decodes it with bounds checks, and turns any signal, limit,
// time-out or garbage into a FileFormatsError naming the file. See Docs/Security.md.
//
// Reply on the child's stdout: the 16-byte magic "HSIFLOW-READER2\n", the header's length and the
// blobs' total length (8-byte little-endian each, so the parent reads the reply straight into one
// buffer of the right size), the header (JSON, `Reply`), then the blobs it lists, back to back.
// Arrays cross in their final (C) order, so the parent copies them once and transposes nothing.
import CHDF5
import Foundation
import NeuralNet
import Tensors

/// Runs HDF5 reads of untrusted files in a resource-limited child process.
public enum IsolatedReader {
    /// The hidden first argument that puts `hsiflow` in reader mode (see `serve`).
    public static let childCommand = "__isolated-read"
    /// The environment variable naming the `hsiflow` executable, for hosts that embed FileFormats.
    public static let executableVariable = "HSIFLOW_BIN"

    // MARK: - Requests and replies

    /// What the parent asks the child to read.
    struct Request: Codable {
        enum Kind: String, Codable { case model, matContents, matArray, matInspection }
        var kind: Kind
        var path: String
        var variable: String?
        var rank: Int?
        /// The memory budget in bytes (the child's address-space limit derives from it).
        var budget: Int
        var cpuSeconds: Int
    }

    /// A FileFormatsError as it crosses the pipe.
    struct Failure: Codable {
        var kind: String
        var path: String
        var reason: String

        init(_ error: FileFormatsError) {
            switch error {
            case .unreadable(let p, let r): (kind, path, reason) = ("unreadable", p, r)
            case .malformed(let p, let r): (kind, path, reason) = ("malformed", p, r)
            case .unexpectedContent(let p, let r): (kind, path, reason) = ("unexpectedContent", p, r)
            case .unwritable(let p, let r): (kind, path, reason) = ("unwritable", p, r)
            }
        }

        var error: FileFormatsError {
            switch kind {
            case "unreadable": return .unreadable(path: path, reason: reason)
            case "unexpectedContent": return .unexpectedContent(path: path, reason: reason)
            case "unwritable": return .unwritable(path: path, reason: reason)
            default: return .malformed(path: path, reason: reason)
            }
        }
    }

    /// A float model: its description and, per layer with parameters, their shapes (one Float32
    /// blob per parameter, in layer order).
    struct FloatModel: Codable {
        var spec: ModelSpec
        var inputShape: [Int]
        var parameterShapes: [[[Int]]]
        var kerasVersion: String?
        var backend: String?
        var hsiflowVersion: String?
        var hasOptimizerWeights: Bool
    }

    /// A quantized model: three blobs per layer (int8 values, Float32 scales, Float32 bias).
    struct QuantizedModel: Codable {
        var spec: ModelSpec
        var inputShape: [Int]
        var bits: Int
        var layers: [String]
        var kernelShapes: [[Int]]
    }

    /// One .mat variable's description; one blob of its bytes in MATLAB's (Fortran) order.
    struct MatArray: Codable {
        var name: String
        var format: String
        var elementType: ElementType
        var shape: [Int]
    }

    struct Reply: Codable {
        var failure: Failure?
        var floatModel: FloatModel?
        var quantizedModel: QuantizedModel?
        var matContents: MatFile.Contents?
        var matArray: MatArray?
        var blobs: [Int] = []
    }

    static let magic = Array("HSIFLOW-READER2\n".utf8)

    // MARK: - Parent side: the reads FileFormats offers

    /// True when HSIFLOW_HDF5_READER=isolated sends every HDF5 file to the child (the Swift
    /// reader off), so a reader zygote pays off.
    public static var everyReadIsolated: Bool { !SwiftHDF5Path.enabled }

    /// A model file of either kind: by the Swift reader in this process when it can answer for the
    /// file (SwiftHDF5Path), otherwise in the child.
    static func model(path: String) throws(FileFormatsError) -> SavedModelFile {
        if SwiftHDF5Path.enabled, let read = SwiftHDF5Path.model(path: path) { return read }
        return try isolatedModel(path: path)
    }

    /// A model file of either kind, read in the child.
    static func isolatedModel(path: String) throws(FileFormatsError) -> SavedModelFile {
        let (reply, blobs) = try run(Request(kind: .model, path: path, budget: 0, cpuSeconds: 0))
        if let m = reply.floatModel {
            return .float(try assemble(m, blobs, path: path))
        }
        if let q = reply.quantizedModel {
            return .quantized(try assemble(q, blobs, path: path))
        }
        throw garbage(path, "it answered without a model")
    }

    /// The variables of a .mat v7.3 file, listed in the child.
    static func matContents(path: String) throws(FileFormatsError) -> MatFile.Contents {
        let (reply, _) = try run(Request(kind: .matContents, path: path, budget: 0, cpuSeconds: 0))
        guard let contents = reply.matContents else { throw garbage(path, "it answered without a variable list") }
        return contents
    }

    /// One variable of a .mat v7.3 file, read in the child; C-order bytes.
    static func matArray(path: String, variable: String?, rank: Int?) throws(FileFormatsError) -> (name: String, array: NumericArray, format: String) {
        let (reply, blobs) = try run(Request(kind: .matArray, path: path, variable: variable, rank: rank, budget: 0, cpuSeconds: 0))
        return try array(reply, blobs, path: path)
    }

    /// The variables of a .mat v7.3 file and one of them (`MatFile.inspect`), in one child: one
    /// read and validation of the file, not one per question.
    static func matInspection(path: String, variable: String?) throws(FileFormatsError)
        -> (contents: MatFile.Contents, name: String, array: NumericArray, format: String) {
        let (reply, blobs) = try run(Request(kind: .matInspection, path: path, variable: variable, budget: 0, cpuSeconds: 0))
        guard let contents = reply.matContents else { throw garbage(path, "it answered without a variable list") }
        let read = try array(reply, blobs, path: path)
        return (contents, read.name, read.array, read.format)
    }

    /// The array of a `.matArray` reply, its size checked against its shape.
    static func array(_ reply: Reply, _ blobs: [ArraySlice<UInt8>], path: String) throws(FileFormatsError) -> (name: String, array: NumericArray, format: String) {
        guard let a = reply.matArray, blobs.count == 1 else { throw garbage(path, "it answered without the array") }
        guard let count = MemoryBudget.checkedBytes(a.shape, elementSize: a.elementType.size), count == blobs[0].count else {
            throw garbage(path, "the array's \(blobs[0].count) bytes do not match its shape \(a.shape)")
        }
        return (a.name, NumericArray(elementType: a.elementType, shape: a.shape, bytes: Array(blobs[0])), a.format)
    }

    private static func garbage(_ path: String, _ what: String) -> FileFormatsError {
        .malformed(path: path, reason: "the isolated HDF5 reader gave an unusable answer (\(what)); the file is damaged or crafted")
    }

    static func assemble(_ m: FloatModel, _ blobs: [ArraySlice<UInt8>], path: String) throws(FileFormatsError) -> LoadedModel {
        try KerasConfig.checkBudget(m.spec, inputShape: m.inputShape, path: path)
        var model: Sequential
        do throws(NeuralNetError) { model = try m.spec.build(inputShape: m.inputShape, seed: 0) } catch {
            throw .unexpectedContent(path: path, reason: "its model cannot be built: \(error.description)")
        }
        let withParameters = model.layers.indices.filter { !model.layers[$0].parameterNames.isEmpty }
        guard withParameters.count == m.parameterShapes.count,
              m.parameterShapes.reduce(0, { $0 + $1.count }) == blobs.count else { throw garbage(path, "parameter count") }
        var next = 0
        for (i, shapes) in zip(withParameters, m.parameterShapes) {
            var tensors: [Tensor] = []
            for shape in shapes {
                let values = try floats(blobs[next], shape: shape, path: path)
                next += 1
                tensors.append(Tensor(shape: shape, scalars: values))
            }
            do throws(NeuralNetError) { try model.layers[i].setParameters(tensors) } catch {
                throw .unexpectedContent(path: path, reason: error.description)
            }
        }
        return LoadedModel(model: model, kerasVersion: m.kerasVersion, backend: m.backend,
                           hsiflowVersion: m.hsiflowVersion, hasOptimizerWeights: m.hasOptimizerWeights)
    }

    static func assemble(_ q: QuantizedModel, _ blobs: [ArraySlice<UInt8>], path: String) throws(FileFormatsError) -> QuantizedModelContents {
        try KerasConfig.checkBudget(q.spec, inputShape: q.inputShape, path: path)
        guard q.layers.count == q.kernelShapes.count, blobs.count == 3 * q.layers.count else { throw garbage(path, "layer count") }
        var layers: [QuantizedLayerContents] = []
        for (i, (name, shape)) in zip(q.layers, q.kernelShapes).enumerated() {
            guard let count = Tensor.checkedCount(of: shape), blobs[3 * i].count == count else { throw garbage(path, "kernel size of \(name)") }
            let values = blobs[3 * i].map { Int8(bitPattern: $0) }
            let scales = try floats(blobs[3 * i + 1], shape: [blobs[3 * i + 1].count / 4], path: path)
            let bias = try floats(blobs[3 * i + 2], shape: [blobs[3 * i + 2].count / 4], path: path)
            layers.append(QuantizedLayerContents(layer: name, kernelShape: shape, values: values, scales: scales, bias: bias))
        }
        return QuantizedModelContents(spec: q.spec, inputShape: q.inputShape, bits: q.bits, layers: layers)
    }

    private static func floats(_ blob: ArraySlice<UInt8>, shape: [Int], path: String) throws(FileFormatsError) -> [Float] {
        guard let count = Tensor.checkedCount(of: shape), let bytes = MemoryBudget.checkedBytes([count], elementSize: 4),
              bytes == blob.count else { throw garbage(path, "a weight of shape \(shape) has \(blob.count) bytes") }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            blob.withUnsafeBytes { raw in
                if let from = raw.baseAddress, let to = buffer.baseAddress, count > 0 { memcpy(to, from, bytes) }
            }
            initialized = count
        }
    }

    // MARK: - Parent side: spawning, limits, decoding

    /// Runs `request` in a child and decodes its reply; a failure reported by the child is thrown.
    static func run(_ request: Request) throws(FileFormatsError) -> (Reply, [ArraySlice<UInt8>]) {
        let path = request.path
        let size = try FileAccess.regularFileSize(path)
        var request = request
        request.budget = MemoryBudget.bytes
        // Ten CPU seconds, plus one per 50 MiB of file; the wall clock gets eight more.
        request.cpuSeconds = 10 + size / (50 << 20)
        let wallSeconds = ReaderZygote.testMode == "stall" ? 2 : Double(request.cpuSeconds + 8)
        guard let json = try? JSONEncoder().encode(request), let argument = String(data: json, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "cannot encode the isolated reader's request")
        }
        // The reply holds at most the budget in data plus a header.
        let cap = request.budget + (64 << 20)
        // Two ways to get a child, one decoding: a worker forked by the zygote when this process
        // has one (see ReaderZygote), else a spawned `hsiflow __isolated-read`.
        var executable = "the reader zygote"
        let outcome: ChildProcess
        if let forked = ReaderZygote.run(request: argument, path: path, outputCap: cap, wallSeconds: wallSeconds) {
            outcome = forked
        } else {
            executable = try locateExecutable(for: path)
            if ReaderZygote.tracing { ReaderZygote.trace("hsiflow: reading \(path) in a spawned \(executable)") }
            outcome = ChildProcess.run(executable: executable, arguments: [childCommand, argument],
                                       environment: ["LIBC_FATAL_STDERR_": "1", "OPENBLAS_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"],
                                       outputCap: cap, wallSeconds: wallSeconds, expectedSize: announcedSize)
        }
        switch outcome.ending {
        case .spawnFailed(let code):
            throw .unreadable(path: path, reason: "cannot start the isolated HDF5 reader \(executable) (\(String(cString: strerror(code)))); set \(executableVariable) to the hsiflow executable")
        case .timedOut:
            throw .malformed(path: path, reason: "reading it took more than \(Int(wallSeconds)) s, so HSIFlow stopped the HDF5 reader; the file is damaged or crafted")
        case .outputTooLarge:
            throw .malformed(path: path, reason: "the HDF5 reader's answer is larger than the memory budget; \(MemoryBudget.raiseHint)")
        case .signalled(let signal):
            throw .malformed(path: path, reason: describe(signal: signal, cpuSeconds: request.cpuSeconds))
        case .exited, .answered:
            let code: Int32
            if case .exited(let status) = outcome.ending { code = status } else { code = 0 }
            guard let decoded = decode(outcome.output) else {
                throw .malformed(path: path, reason: code == 0
                    ? "the isolated HDF5 reader gave an unreadable answer; the file is damaged or crafted"
                    : "the HDF5 reader stopped (exit \(code)) without an answer, most likely out of its memory budget on a damaged or crafted file; \(MemoryBudget.raiseHint)")
            }
            if let failure = decoded.0.failure { throw failure.error }
            return decoded
        }
    }

    private static func describe(signal: Int32, cpuSeconds: Int) -> String {
        switch signal {
        case SIGXCPU, SIGKILL:
            return "reading it used more than \(cpuSeconds) s of CPU, so the HDF5 reader was stopped; the file is damaged or crafted"
        default:
            let name = [SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGFPE: "SIGFPE"][signal] ?? "signal \(signal)"
            return "the HDF5 library crashed on it (\(name)) in HSIFlow's isolated reader: the file is damaged or crafted, or needed more than the memory budget (\(MemoryBudget.describe(MemoryBudget.bytes)); if the file is genuine, raise it with --max-memory or \(MemoryBudget.environmentVariable))"
        }
    }

    /// The whole reply's size as its prefix announces it, once `start` holds the prefix; nil before,
    /// or when it is not a reply's prefix or announces an impossible size (the reading then just
    /// grows its buffer, and `decode` judges the bytes).
    static func announcedSize(_ start: ArraySlice<UInt8>) -> Int? {
        let prefix = magic.count + 16
        guard start.count >= prefix, start.prefix(magic.count).elementsEqual(magic) else { return nil }
        let base = start.startIndex + magic.count
        var header: UInt64 = 0, blobs: UInt64 = 0
        for i in 0..<8 {
            header |= UInt64(start[base + i]) << (8 * UInt64(i))
            blobs |= UInt64(start[base + 8 + i]) << (8 * UInt64(i))
        }
        guard header <= 64 << 20, blobs <= 1 << 50 else { return nil }
        return prefix + Int(header) + Int(blobs)
    }

    /// The header and blobs of a reply, or nil when the bytes are not one (bounds-checked throughout).
    static func decode(_ bytes: [UInt8]) -> (Reply, [ArraySlice<UInt8>])? {
        let prefix = magic.count + 16
        guard bytes.count >= prefix, bytes[0..<magic.count].elementsEqual(magic) else { return nil }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[magic.count + i]) << (8 * UInt64(i)) }
        guard length <= UInt64(bytes.count - prefix), length <= 64 << 20 else { return nil }
        let headerEnd = prefix + Int(length)
        guard let reply = try? JSONDecoder().decode(Reply.self, from: Data(bytes[prefix..<headerEnd])) else { return nil }
        var blobs: [ArraySlice<UInt8>] = []
        var offset = headerEnd
        for size in reply.blobs {
            guard size >= 0, size <= bytes.count - offset else { return nil }
            blobs.append(bytes[offset ..< offset + size])
            offset += size
        }
        guard offset == bytes.count else { return nil }
        return (reply, blobs)
    }

    /// The `hsiflow` executable: HSIFLOW_BIN, else this process when it is hsiflow, else the
    /// `hsiflow` beside the running executable (a test bundle or benchmark in .build/release).
    static func locateExecutable(for path: String) throws(FileFormatsError) -> String {
        let fm = FileManager.default
        if let named = ProcessInfo.processInfo.environment[executableVariable], !named.isEmpty {
            guard fm.isExecutableFile(atPath: named) else {
                throw .unreadable(path: path, reason: "\(executableVariable)=\(named) is not an executable file; it must name the hsiflow binary that reads HDF5 files in isolation")
            }
            return named
        }
        let me = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
        let url = URL(fileURLWithPath: me)
        if url.lastPathComponent == "hsiflow", fm.isExecutableFile(atPath: me) { return me }
        let sibling = url.deletingLastPathComponent().appendingPathComponent("hsiflow").path
        if fm.isExecutableFile(atPath: sibling) { return sibling }
        throw .unreadable(path: path, reason: "HSIFlow reads HDF5 files in an isolated hsiflow process, and no hsiflow executable was found beside \(me); set \(executableVariable) to it")
    }

    // MARK: - Child side

    /// Reader mode: limits this process, performs the request in `arguments[0]`, writes the reply
    /// to stdout and exits 0 (a crash or a limit ends it with a signal instead, which the parent reports).
    public static func serve(_ arguments: [String]) -> Never {
        guard let text = arguments.first, let request = try? JSONDecoder().decode(Request.self, from: Data(text.utf8)) else {
            FileHandle.standardError.write(Data("hsiflow \(childCommand) is internal: HSIFlow uses it to read HDF5 files in isolation\n".utf8))
            exit(2)
        }
        MemoryBudget.set(request.budget)
        limitResources(budget: request.budget, cpuSeconds: request.cpuSeconds)
        let (reply, blobs) = answer(request)
        let header = (try? JSONEncoder().encode(reply)).map { [UInt8]($0) } ?? []
        var prefix = magic
        let total = blobs.reduce(0) { $0 + $1.count }
        for i in 0..<8 { prefix.append(UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64(i)))) }
        for i in 0..<8 { prefix.append(UInt8(truncatingIfNeeded: UInt64(total) >> (8 * UInt64(i)))) }
        // Raw writes, nothing buffered: _exit skips the atexit work (libhdf5's shutdown) for nothing.
        guard writeAll(prefix), writeAll(header) else { _exit(3) }
        for blob in blobs { guard writeAll(blob) else { _exit(3) } }
        _exit(0)
    }

    /// The reply to `request` and its blobs; `modelBytes`, when given, stand for the file's bytes.
    static func answer(_ request: Request, modelBytes: [UInt8]? = nil) -> (Reply, [[UInt8]]) {
        var reply = Reply()
        var blobs: [[UInt8]] = []
        do throws(FileFormatsError) {
            switch request.kind {
            case .model:
                let bytes: [UInt8]
                if let modelBytes { bytes = modelBytes } else { bytes = try FileAccess.readAll(request.path) }
                if QuantizedModelFile.isQuantized(bytes) {
                    let q = try QuantizedModelFile.decode(bytes, source: request.path)
                    reply.quantizedModel = QuantizedModel(spec: q.spec, inputShape: q.inputShape, bits: q.bits,
                                                          layers: q.layers.map(\.layer), kernelShapes: q.layers.map(\.kernelShape))
                    for layer in q.layers {
                        blobs.append(layer.values.map { UInt8(bitPattern: $0) })
                        blobs.append(layer.scales.withUnsafeBytes { Array($0) })
                        blobs.append(layer.bias.withUnsafeBytes { Array($0) })
                    }
                } else {
                    let loaded = try ModelFile.decode(bytes, source: request.path)
                    let model = loaded.model
                    let withParameters = model.layers.filter { !$0.parameterNames.isEmpty }
                    reply.floatModel = FloatModel(spec: ModelSpec(name: model.name, layers: model.layers.map(\.spec)),
                                                  inputShape: model.inputShape,
                                                  parameterShapes: withParameters.map { $0.parameters.map(\.shape) },
                                                  kerasVersion: loaded.kerasVersion, backend: loaded.backend,
                                                  hsiflowVersion: loaded.hsiflowVersion, hasOptimizerWeights: loaded.hasOptimizerWeights)
                    for layer in withParameters {
                        for tensor in layer.parameters { blobs.append(tensor.scalars.withUnsafeBytes { Array($0) }) }
                    }
                }
            case .matContents:
                reply.matContents = try MatFile.contentsInProcess(path: request.path)
            case .matArray, .matInspection:
                let read = try MatFile.readFortranOrder(path: request.path, variable: request.variable, rank: request.rank,
                                                        rankFromListing: request.kind == .matInspection)
                if request.kind == .matInspection { reply.matContents = MatFile.Contents(format: read.format, variables: read.listing) }
                let elementType = read.variable.elementType ?? .uint8
                reply.matArray = MatArray(name: read.variable.name, format: read.format,
                                          elementType: elementType, shape: read.variable.shape)
                // MATLAB stores arrays column-major; the parent takes C order as it comes.
                blobs.append(Layout.fortranToC(read.bytes, shape: read.variable.shape, elementSize: elementType.size))
            }
        } catch {
            reply = Reply(failure: Failure(error))
            blobs = []
        }
        reply.blobs = blobs.map(\.count)
        return (reply, blobs)
    }

    /// Runs the reader once on a small model HSIFlow writes itself, in the zygote: libhdf5's
    /// initialisation, lazy symbol binding and the Swift runtime's type caches are then done once,
    /// not in every worker. Trusted bytes only; no file is touched. In steps, from `step` on: it
    /// stops before a step when `interrupted()` says a request is waiting (that worker is served
    /// cold rather than late), and returns the step to resume from (nil when done).
    static func warmUp(from step: Int = 0, interrupted: () -> Bool = { false }) -> Int? {
        let steps: [() -> Void] = [
            { _ = H5open(); _ = mappedBytes(); _ = FileManager.default },
            {
                let request = Request(kind: .model, path: "warm-up", budget: MemoryBudget.bytes, cpuSeconds: 10)
                if let json = try? JSONEncoder().encode(request) { _ = try? JSONDecoder().decode(Request.self, from: json) }
            },
            {
                let spec = ModelSpec(name: "warm-up", layers: [
                    .conv2D(filters: 2, kernel: [3, 3], padding: .valid, activation: .relu, name: "conv"),
                    .flatten(name: "flatten"),
                    .dense(units: 2, activation: .softmax, name: "predictions"),
                ])
                guard let model = try? spec.build(inputShape: [3, 3, 2], seed: 0),
                      let bytes = try? ModelFile.encode(model) else { return }
                let request = Request(kind: .model, path: "warm-up", budget: MemoryBudget.bytes, cpuSeconds: 10)
                let (reply, _) = answer(request, modelBytes: [UInt8](bytes))
                _ = try? JSONEncoder().encode(reply)
            },
        ]
        for index in step ..< steps.count {
            if interrupted() { return index }
            steps[index]()
        }
        return nil
    }

    /// Sets RLIMIT_CORE 0, RLIMIT_CPU and RLIMIT_AS (what is mapped now plus the budget and a
    /// margin for the reader's own buffers), never above a limit already in force.
    private static func limitResources(budget: Int, cpuSeconds: Int) {
        func set(_ resource: __rlimit_resource, soft: rlim_t, hard: rlim_t) {
            var current = rlimit()
            guard getrlimit(Int32(resource.rawValue), &current) == 0 else { return }
            let newHard = min(hard, current.rlim_max)
            var next = rlimit(rlim_cur: min(soft, newHard), rlim_max: newHard)
            _ = setrlimit(Int32(resource.rawValue), &next)
        }
        set(RLIMIT_CORE, soft: 0, hard: 0)
        set(RLIMIT_CPU, soft: rlim_t(cpuSeconds), hard: rlim_t(cpuSeconds + 2))
        let space = rlim_t(mappedBytes()) + rlim_t(budget) + rlim_t(256 << 20)
        set(RLIMIT_AS, soft: space, hard: space)
    }

    /// The process's virtual size now (/proc/self/statm), or 1 GiB when it cannot be read.
    static func mappedBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").first.flatMap({ Int($0) }) else { return 1 << 30 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func writeAll(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                guard let base = raw.baseAddress else { return false }
                let n = write(1, base + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
    }
}

/// A model file of either kind HSIFlow reads: a float Keras-layout model or a quantized one.
public enum SavedModelFile: Sendable {
    case float(LoadedModel)
    case quantized(QuantizedModelContents)

    /// Reads the model file at `path` in the isolated reader (one child process whatever its kind).
    public static func load(path: String) throws(FileFormatsError) -> SavedModelFile {
        try IsolatedReader.model(path: path)
    }
}
