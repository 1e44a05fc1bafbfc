// ReaderZygote: a fork server for the isolated HDF5 reader. Starting a fresh `hsiflow` per read
// costs 25-30 ms (exec and dynamic linking of ~60 libraries); forking a process that already has
// them mapped costs about a millisecond. `start()` is called first thing in `hsiflow`'s main, while
// the process has one thread, and forks the zygote: a single-threaded copy that does nothing but
// wait on a socketpair. Per request it forks a worker (a fork of a single-threaded process is
// safe), which sets the same limits and runs the same reading code as `hsiflow __isolated-read`,
// writing the same reply on a pipe the parent passed along with the request (SCM_RIGHTS).
//
// Zygote to parent, per request: 16-byte messages (tag, value; little-endian Int64s):
//   1 pid — the worker started (the parent SIGKILLs it on its wall time-out);
//   2 raw wait status — the worker ended;
//   3 errno — fork failed.
// The zygote dies with its parent (PR_SET_PDEATHSIG, and it exits at end-of-file on the socket);
// each worker dies with the zygote. When there is no zygote (an xctest host, a process that
// already had threads, a zygote that died) IsolatedReader spawns `hsiflow __isolated-read` instead.
import Foundation

/// The fork server behind IsolatedReader's fast path (see the file comment).
public enum ReaderZygote {
    /// Set to any value to have every read name the way it got its child on stderr (tests, benchmarks).
    public static let traceVariable = "HSIFLOW_READER_TRACE"
    /// Set to any value to turn the zygote off (every read spawns `hsiflow __isolated-read`).
    public static let disableVariable = "HSIFLOW_NO_ZYGOTE"

    /// Test-only, honoured only with HSIFLOW_TEST_KINDS=1: "kill-zygote" has the parent kill the
    /// zygote after each read it served (the next read meets a dead zygote); "stall" has every
    /// worker wait forever before reading, and the wall limit 2 s (the read times out).
    public static let testVariable = "HSIFLOW_TEST_READER"

    static var testMode: String? {
        guard let kinds = getenv("HSIFLOW_TEST_KINDS"), String(cString: kinds) == "1", let mode = getenv(testVariable) else { return nil }
        return String(cString: mode)
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var socket: Int32 = -1
    nonisolated(unsafe) private static var zygote: pid_t = 0
    /// Workers whose whole reply arrived before they ended: the zygote's "ended" message for each
    /// is still to come, ahead of the next request's "started".
    nonisolated(unsafe) private static var owed = 0

    /// The zygote's pid while it is in use, else nil.
    public static var pid: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return socket >= 0 ? zygote : nil
    }

    static var tracing: Bool { getenv(traceVariable) != nil }

    /// Forks the zygote. Call before anything can have started a thread; when the process already
    /// has more than one thread, or HSIFLOW_NO_ZYGOTE is set, nothing is forked and reads spawn.
    @discardableResult
    public static func start() -> Bool {
        guard socket < 0, getenv(disableVariable) == nil else { return false }
        var threads = threadCount()
        if threads > 1, let shutdown = dlsym(nil, "blas_thread_shutdown_") {
            // OpenBLAS (pthreads build) starts its thread pool when it is loaded, before main. Its
            // own fork handler stops the pool the same way; it starts again at the next BLAS call.
            typealias Shutdown = @convention(c) () -> Int32
            _ = unsafeBitCast(shutdown, to: Shutdown.self)()
            // A joined thread can stay listed in /proc/self/task for a moment after pthread_join
            // returns (the kernel wakes the joiner before it removes the task), so a loaded machine
            // may still show the pool: look again for up to 50 ms before giving up on the zygote.
            threads = threadCount()
            var looks = 0
            while threads > 1 && looks < 50 {
                usleep(1_000)
                looks += 1
                threads = threadCount()
            }
        }
        guard threads == 1 else {
            if tracing { trace("hsiflow: reader zygote not started (\(threads) threads)") }
            return false
        }
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else { return false }
        let parent = getpid()
        let child = fork()
        if child == 0 {
            close(fds[0])
            serve(fds[1], parent: parent)
        }
        close(fds[1])
        guard child > 0 else {
            close(fds[0])
            return false
        }
        socket = fds[0]
        zygote = child
        if tracing { trace("hsiflow: reader zygote \(child) started") }
        return true
    }

    /// The threads of this process (/proc/self/task), or 0 when it cannot be read.
    static func threadCount() -> Int {
        guard let directory = opendir("/proc/self/task") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let first = withUnsafeBytes(of: entry.pointee.d_name) { $0[0] }
            if first != UInt8(ascii: ".") { count += 1 }
        }
        return count
    }

    static func trace(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    // MARK: - Parent side

    /// Runs one request (its JSON) in a worker forked by the zygote, reading its reply as
    /// ChildProcess does. Nil when there is no zygote or it died; the caller then spawns.
    static func run(request: String, path: String, outputCap: Int, wallSeconds: Double) -> ChildProcess? {
        lock.lock()
        defer { lock.unlock() }
        guard socket >= 0 else { return nil }
        // The ends of workers that answered in full before they ended (see `collect`): a worker
        // that does not end within its wall time is stuck in a way it cannot be after writing its
        // reply, and the zygote is given up (killing it kills the worker too).
        while owed > 0 {
            guard receive(deadline: now() + wallSeconds)?.tag == 2 else {
                return abandon()
            }
            owed -= 1
        }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(readEnd) }
        // As in ChildProcess: a thread spawning right now may inherit the write end, so the
        // reading never waits for end-of-file, only for the worker's status and a drained pipe.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        let body = Array(request.utf8)
        let sent = sendRequest(body, passing: writeEnd)
        close(writeEnd)
        guard sent, let started = receive(deadline: now() + 10), started.tag == 1 || started.tag == 3 else { return abandon() }
        if started.tag == 3 { return ChildProcess(ending: .spawnFailed(Int32(truncatingIfNeeded: started.value)), output: []) }
        let worker = pid_t(truncatingIfNeeded: started.value)
        if tracing { trace("hsiflow: reading \(path) in zygote worker \(worker)") }
        var lost = false
        let outcome = ChildProcess.collect(
            from: readEnd, outputCap: outputCap, wallSeconds: wallSeconds, statusFD: socket,
            expectedSize: IsolatedReader.announcedSize, returnWhenComplete: true,
            status: {
                guard let message = receive(deadline: nil) else { return nil }
                guard message.tag == 2 else { lost = true; return -1 }
                return Int32(truncatingIfNeeded: message.value)
            },
            lost: {
                if !lost && !alive() { lost = true } // the zygote died (Ctrl-C reaches it too)
                return lost
            },
            stop: {
                kill(worker, SIGKILL)
                if receive(deadline: now() + 10)?.tag != 2 { lost = true }
            })
        if lost { return abandon() }
        if outcome.ending == .answered { owed += 1 }
        if testMode == "kill-zygote" { kill(zygote, SIGKILL) }
        return outcome
    }

    /// Ends the zygote before this process exits, and reaps it. It holds nothing worth a clean
    /// exit, so it is killed at once rather than asked: a zygote busy warming up would only see
    /// the closed socket when done, and the command would wait for it. (Left to PDEATHSIG, an
    /// exited zygote would wait as a zombie until init reaps it, which some container inits do late.)
    /// A worker that answered in full but had not ended is waited for first (through the zygote,
    /// at most a second), so that the zygote reaps it and no worker is left for init either.
    public static func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard socket >= 0 else { return }
        let deadline = now() + 1
        while owed > 0, receive(deadline: deadline)?.tag == 2 { owed -= 1 }
        owed = 0
        close(socket)
        socket = -1
        kill(zygote, SIGKILL)
        var raw: Int32 = 0
        while waitpid(zygote, &raw, 0) < 0 && errno == EINTR {}
    }

    /// Forgets a zygote that no longer answers (it is killed, in case it still runs).
    private static func abandon() -> ChildProcess? {
        if tracing { trace("hsiflow: reader zygote \(zygote) lost; reads spawn from now on") }
        close(socket)
        socket = -1
        owed = 0
        kill(zygote, SIGKILL)
        var raw: Int32 = 0
        while waitpid(zygote, &raw, 0) < 0 && errno == EINTR {}
        return nil
    }

    private static func alive() -> Bool {
        var raw: Int32 = 0
        return waitpid(zygote, &raw, WNOHANG) == 0
    }

    /// The 8-byte length with the pipe's write end attached, then the request.
    private static func sendRequest(_ body: [UInt8], passing fd: Int32) -> Bool {
        var header = le(UInt64(body.count))
        guard sendWithDescriptor(socket, &header, fd) else { return false }
        return writeAll(socket, body)
    }

    /// One 16-byte message from the zygote; nil at end-of-file, on an error, or past the deadline
    /// (nil deadline: only when a whole message is already there, without waiting).
    private static func receive(deadline: Double?) -> (tag: Int64, value: Int64)? {
        var buffer = [UInt8](repeating: 0, count: 16)
        if deadline == nil {
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, 16, Int32(MSG_PEEK | MSG_DONTWAIT)) }
            guard n == 16 else { return nil }
        }
        var got = 0
        while got < 16 {
            if let deadline {
                let left = deadline - now()
                guard left > 0 else { return nil }
                var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, Int32(min(left * 1000, 1000)) + 1) <= 0 { continue }
            }
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress! + got, 16 - got, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            got += n
        }
        return (Int64(bitPattern: fromLE(buffer[0..<8])), Int64(bitPattern: fromLE(buffer[8..<16])))
    }

    // MARK: - Zygote and worker

    private static func serve(_ fd: Int32, parent: pid_t) -> Never {
        dieWithParent()
        guard getppid() == parent else { _exit(0) }
        quietStandardStreams()
        closeDescriptors(except: fd)
        // Warm up at once, while the parent parses its command line: workers then inherit an
        // initialised libhdf5, bound symbols and filled Swift type caches. In steps: a request that
        // arrives meanwhile is served first (by a colder worker), the rest of the warm-up after it.
        // A command that reads nothing does not wait for it (`stop` kills the zygote).
        var warmUpStep: Int? = 0
        func warmUp() {
            guard let step = warmUpStep else { return }
            warmUpStep = IsolatedReader.warmUp(from: step) {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                return poll(&poller, 1, 0) != 0
            }
            if threadCount() != 1 { _exit(0) } // the warm-up started a thread: forking is no longer safe
        }
        warmUp()
        while true {
            var header = [UInt8](repeating: 0, count: 8)
            guard let passed = receiveWithDescriptor(fd, &header) else { _exit(0) }
            let length = Int(truncatingIfNeeded: fromLE(header[0..<8]))
            guard length >= 0, length <= 1 << 20 else { _exit(1) }
            var body = [UInt8](repeating: 0, count: length)
            guard readAll(fd, &body) else { _exit(0) }
            let worker = fork()
            if worker == 0 {
                close(fd)
                work(Array(body), output: passed)
            }
            close(passed)
            guard worker > 0 else {
                guard writeAll(fd, le(3) + le(UInt64(bitPattern: Int64(errno)))) else { _exit(0) }
                continue
            }
            guard writeAll(fd, le(1) + le(UInt64(worker))) else { _exit(0) }
            var raw: Int32 = 0
            while waitpid(worker, &raw, 0) < 0 && errno == EINTR {}
            guard writeAll(fd, le(2) + le(UInt64(UInt32(bitPattern: raw)))) else { _exit(0) }
            warmUp()
        }
    }

    /// A worker: dies with the zygote, default signal handling, the reply on `output` as stdout,
    /// then exactly what `hsiflow __isolated-read` does.
    private static func work(_ request: [UInt8], output: Int32) -> Never {
        dieWithParent()
        for signal in [SIGPIPE, SIGXCPU, SIGXFSZ, SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGTRAP, SIGINT, SIGTERM] {
            _ = Glibc.signal(signal, SIG_DFL)
        }
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        guard dup2(output, 1) == 1 else { _exit(3) }
        close(output)
        if testMode == "stall" { while true { pause() } }
        IsolatedReader.serve([String(decoding: request, as: UTF8.self)])
    }

    private static func dieWithParent() {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        // prctl is variadic in C, which Swift does not import; call it through its address.
        if let symbol = dlsym(nil, "prctl") {
            _ = unsafeBitCast(symbol, to: Prctl.self)(1 /* PR_SET_PDEATHSIG */, UInt(SIGKILL), 0, 0, 0)
        }
    }

    private static func quietStandardStreams() {
        let null = open("/dev/null", O_RDWR)
        guard null >= 0 else { return }
        for target in Int32(0)...2 { dup2(null, target) }
        if null > 2 { close(null) }
    }

    /// Closes everything inherited but the socket, so the zygote holds no one else's pipe open.
    private static func closeDescriptors(except keep: Int32) {
        guard let directory = opendir("/proc/self/fd") else { return }
        var open: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if let fd = Int32(name), fd > 2, fd != keep { open.append(fd) }
        }
        closedir(directory)
        for fd in open { close(fd) }
    }

    // MARK: - Bytes

    private static func le(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }

    private static func fromLE(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
    }

    private static func readAll(_ fd: Int32, _ bytes: inout [UInt8]) -> Bool {
        let count = bytes.count
        return bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < count {
                let n = recv(fd, raw.baseAddress! + offset, count - offset, 0)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
    }

    // SCM_RIGHTS by hand (the CMSG_* macros are not imported): on Linux a cmsghdr is
    // { size_t len; int level; int type; } = 16 bytes, then the descriptor.
    private static let controlSize = 24 // CMSG_SPACE(sizeof(int))
    private static let controlLength = 20 // CMSG_LEN(sizeof(int))

    private static func sendWithDescriptor(_ socket: Int32, _ bytes: inout [UInt8], _ fd: Int32) -> Bool {
        var control = [UInt8](repeating: 0, count: controlSize)
        control.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: controlLength, toByteOffset: 0, as: Int.self)
            raw.storeBytes(of: SOL_SOCKET, toByteOffset: 8, as: Int32.self)
            raw.storeBytes(of: Int32(SCM_RIGHTS), toByteOffset: 12, as: Int32.self)
            raw.storeBytes(of: fd, toByteOffset: 16, as: Int32.self)
        }
        return transfer(&bytes, &control) { sendmsg(socket, &$0, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// One sendmsg or recvmsg (`call`) of `bytes` with `control` as its ancillary data, again after
    /// EINTR; the byte count it returned.
    private static func transfer(_ bytes: inout [UInt8], _ control: inout [UInt8],
                                 _ call: (inout msghdr) -> Int) -> Int {
        let count = bytes.count
        return bytes.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: data.baseAddress, iov_len: count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    while true {
                        let n = call(&message)
                        if n < 0 && errno == EINTR { continue }
                        return n
                    }
                }
            }
        }
    }

    /// Receives `bytes.count` bytes and the descriptor sent with them; nil at end-of-file or without one.
    private static func receiveWithDescriptor(_ socket: Int32, _ bytes: inout [UInt8]) -> Int32? {
        var control = [UInt8](repeating: 0, count: controlSize)
        let received = transfer(&bytes, &control) { recvmsg(socket, &$0, Int32(MSG_WAITALL | MSG_CMSG_CLOEXEC)) }
        guard received == bytes.count else { return nil }
        let (length, level, type, fd) = control.withUnsafeBytes { raw in
            (raw.load(fromByteOffset: 0, as: Int.self), raw.load(fromByteOffset: 8, as: Int32.self),
             raw.load(fromByteOffset: 12, as: Int32.self), raw.load(fromByteOffset: 16, as: Int32.self))
        }
        guard length == controlLength, level == SOL_SOCKET, type == Int32(SCM_RIGHTS), fd >= 0 else { return nil }
        return fd
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
