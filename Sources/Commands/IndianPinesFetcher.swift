// IndianPinesFetcher: gets the real scene onto this machine. It tries the data set's
// university page, then the copy shipped in the tensorly 0.10.0 wheel on PyPI (through pip),
// verifies the decoded arrays by SHA-256 and only then moves the files into place.
import FileFormats
import FileSystem
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct IndianPinesFetcher {
    let directory: String
    let timeout: Double
    let log: (String) -> Void

    static let universityFiles = [
        (IndianPines.cubeFile, "http://www.ehu.eus/ccwintco/uploads/6/67/Indian_pines_corrected.mat"),
        (IndianPines.labelsFile, "http://www.ehu.eus/ccwintco/uploads/c/c4/Indian_pines_gt.mat"),
    ]
    static let wheel = "tensorly==0.10.0"
    static let wheelDataFolder = "tensorly/datasets/data"

    struct Result { var directory: String; var source: String }

    /// Fetches and verifies both files, or throws saying what every source answered.
    func fetch() throws -> Result {
        if let existing = IndianPines.files(in: directory),
           (try? Self.verify(cube: existing.cube, labels: existing.labels))?.isEmpty == true {
            log("already present and verified in \(directory)")
            return Result(directory: directory, source: "already present")
        }
        var attempts: [String] = []
        do {
            try fetchFromUniversity()
            return Result(directory: directory, source: "university site")
        } catch {
            attempts.append("university site: \(error)")
            log("university site failed: \(error)")
        }
        do {
            try fetchFromWheel()
            return Result(directory: directory, source: "PyPI wheel \(Self.wheel)")
        } catch {
            attempts.append("PyPI wheel \(Self.wheel) via pip: \(error)")
        }
        throw WorkFailedError("""
            could not get Indian Pines. Tried:
              - \(attempts.joined(separator: "\n  - "))
            Put Indian_pines_corrected.mat and Indian_pines_gt.mat (or the .npy files) into \(directory) by hand, \
            or run experiments on the synthetic scene (`cube: synthetic` in the experiment file).
            """)
    }

    // MARK: - Sources

    private func fetchFromUniversity() throws {
        let staging = try makeStaging()
        defer { try? FileManager.default.removeItem(atPath: staging) }
        for (name, url) in Self.universityFiles {
            log("downloading \(url)")
            let data = try download(url)
            try data.write(to: URL(fileURLWithPath: (staging as NSString).appendingPathComponent("\(name).mat")))
        }
        try verifyAndInstall(from: staging, ext: "mat")
    }

    private func fetchFromWheel() throws {
        let staging = try makeStaging()
        defer { try? FileManager.default.removeItem(atPath: staging) }
        log("downloading the \(Self.wheel) wheel with pip (it ships Indian Pines as .npy)")
        try run(["python3", "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
                 "--disable-pip-version-check", Self.wheel, "-d", staging])
        let wheels = try FileManager.default.contentsOfDirectory(atPath: staging).filter { $0.hasSuffix(".whl") }
        guard let wheelName = wheels.first else { throw WorkFailedError("pip finished but left no wheel") }
        let extracted = (staging as NSString).appendingPathComponent("unpacked")
        try run(["python3", "-m", "zipfile", "-e", (staging as NSString).appendingPathComponent(wheelName), extracted])
        let dataFolder = (extracted as NSString).appendingPathComponent(Self.wheelDataFolder)
        try verifyAndInstall(from: dataFolder, ext: "npy")
    }

    // MARK: - Verification

    /// Problems with a cube/labels pair (empty when both match the published arrays).
    static func verify(cube: String, labels: String) throws -> [String] {
        var problems: [String] = []
        do throws(FileFormatsError) {
            let c = try ArrayFile.read(path: cube, rank: 3)
            if let m = IndianPines.mismatch(cube: c.array) { problems.append("\(cube): \(m)") }
            let l = try ArrayFile.read(path: labels, rank: 2)
            if let m = IndianPines.mismatch(labels: l.array) { problems.append("\(labels): \(m)") }
        } catch {
            problems.append(error.description)
        }
        return problems
    }

    private func verifyAndInstall(from folder: String, ext: String) throws {
        let cube = (folder as NSString).appendingPathComponent("\(IndianPines.cubeFile).\(ext)")
        let labels = (folder as NSString).appendingPathComponent("\(IndianPines.labelsFile).\(ext)")
        let problems = try Self.verify(cube: cube, labels: labels)
        guard problems.isEmpty else { throw WorkFailedError("downloaded data failed verification: \(problems.joined(separator: "; "))") }
        log("verified cube and ground truth by SHA-256")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for source in [cube, labels] {
            let target = (directory as NSString).appendingPathComponent((source as NSString).lastPathComponent)
            do { try AtomicFile.copy(from: source, to: target) } catch { throw WorkFailedError(error.description) }
        }
        // Whatever the source, the folder also holds the .npy pair, the format the experiments name.
        if ext != "npy" {
            for (source, type) in [(cube, ElementType.uint16), (labels, ElementType.uint8)] {
                let name = ((source as NSString).lastPathComponent as NSString).deletingPathExtension + ".npy"
                do throws(FileFormatsError) {
                    let array = try ArrayFile.read(path: source, rank: type == .uint16 ? 3 : 2).array
                    guard let exact = array.converted(to: type) else { throw .unexpectedContent(path: source, reason: "values do not fit \(type.rawValue)") }
                    try Npy.write(exact, to: (directory as NSString).appendingPathComponent(name))
                } catch {
                    throw WorkFailedError("cannot write \(name): \(error)")
                }
            }
        }
    }

    // MARK: - Plumbing

    private func makeStaging() throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("hsiflow-fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func download(_ address: String) throws -> Data {
        guard let url = URL(string: address) else { throw WorkFailedError("bad URL \(address)") }
        let box = DownloadBox()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 4
        let session = URLSession(configuration: configuration)
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: url) { data, response, error in
            box.set(data: data, status: (response as? HTTPURLResponse)?.statusCode, error: error)
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout * 4 + 5) == .timedOut {
            task.cancel()
            throw WorkFailedError("no answer within \(Int(timeout * 4)) s")
        }
        let (data, status, error) = box.get()
        if let error { throw WorkFailedError(error.localizedDescription) }
        guard let status, (200..<300).contains(status), let data, !data.isEmpty else {
            throw WorkFailedError("HTTP status \(status.map(String.init) ?? "none")")
        }
        return data
    }

    private func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { throw WorkFailedError("cannot start \(arguments[0]): \(error.localizedDescription)") }
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: stderr, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " ")
            throw WorkFailedError("`\(arguments.prefix(4).joined(separator: " ")) …` exited \(process.terminationStatus): \(text)")
        }
    }
}

/// Carries a download's result from URLSession's callback thread.
private final class DownloadBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    private var status: Int?
    private var error: Error?

    func set(data: Data?, status: Int?, error: Error?) {
        lock.lock(); defer { lock.unlock() }
        (self.data, self.status, self.error) = (data, status, error)
    }

    func get() -> (Data?, Int?, Error?) {
        lock.lock(); defer { lock.unlock() }
        return (data, status, error)
    }
}
