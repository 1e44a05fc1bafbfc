// ChildProcess: starts one child with posix_spawn (stdin and stderr on /dev/null, stdout on a
// pipe), reads at most `outputCap` bytes of its stdout before a wall-clock deadline, and reports
// how it ended. Used by IsolatedReader only; a child that overruns is killed with SIGKILL.
import Foundation

/// One run of a child process and what came of it.
struct ChildProcess {
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case outputTooLarge
        case spawnFailed(Int32)
        /// The whole output the child announced has arrived; its end was not waited for (the
        /// caller that asked for this collects the child's status later).
        case answered
    }

    var ending: Ending
    var output: [UInt8]

    /// Runs `executable arguments…` with the current environment plus `environment`.
    static func run(executable: String, arguments: [String], environment: [String: String],
                    outputCap: Int, wallSeconds: Double,
                    expectedSize: (ArraySlice<UInt8>) -> Int? = { _ in nil }) -> ChildProcess {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return ChildProcess(ending: .spawnFailed(errno), output: []) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        // Close-on-exec for both ends (the dup onto the child's stdout clears it there). Another
        // thread may spawn between pipe() and here and inherit the write end, so the reading below
        // never waits for end-of-file: it stops when the child has exited and the pipe is drained.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        // Signals at their defaults and none blocked in the child, whatever this process set.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGXCPU, SIGXFSZ, SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGTRAP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(writeEnd)
        guard status == 0 else {
            close(readEnd)
            return ChildProcess(ending: .spawnFailed(status), output: [])
        }
        defer { close(readEnd) }

        var waitFailed = false
        return collect(from: readEnd, outputCap: outputCap, wallSeconds: wallSeconds, expectedSize: expectedSize,
                       status: {
                           var raw: Int32 = 0
                           let got = waitpid(pid, &raw, WNOHANG)
                           if got < 0 && errno != EINTR { waitFailed = true }
                           return got == pid ? raw : nil
                       },
                       lost: { waitFailed },
                       stop: {
                           kill(pid, SIGKILL)
                           reap(pid)
                       })
    }

    /// Reads a child's stdout from `readEnd` (non-blocking) until the child has ended and the pipe
    /// is drained, at most `outputCap` bytes and within `wallSeconds`. `status` gives the child's
    /// raw wait status once it has ended (nil while it runs), `lost` says the child can no longer
    /// be waited for, `stop` kills it and waits for it. Shared by the spawned and the zygote reader.
    /// `statusFD`, when given, becomes readable when `status` has news (the zygote's socket), so the
    /// wait sleeps on both descriptors and wakes at once. `expectedSize`, given the first bytes read,
    /// may announce the whole output's size, so it is read straight into one buffer of that size;
    /// with `returnWhenComplete`, reaching that size ends the reading (`.answered`) without waiting
    /// for the child to exit, which for a forked worker (the kernel unmapping a copy of a large
    /// process) takes longer than the read itself.
    static func collect(from readEnd: Int32, outputCap: Int, wallSeconds: Double, statusFD: Int32? = nil,
                        expectedSize: (ArraySlice<UInt8>) -> Int? = { _ in nil }, returnWhenComplete: Bool = false,
                        status: () -> Int32?, lost: () -> Bool, stop: () -> Void) -> ChildProcess {
        let deadline = now() + wallSeconds
        // Read straight into `output`'s storage: `filled` bytes are the child's, the rest is room.
        var output = [UInt8](repeating: 0, count: min(outputCap, 64 << 10))
        var filled = 0
        var sized = false
        var announced: Int?
        var raw: Int32 = 0
        var exited = false
        while true {
            // Take everything the pipe holds now.
            var drained = false, endOfFile = false
            while true {
                if filled == output.count {
                    guard output.count < outputCap else {
                        // Full at the cap: one more byte means the answer is too large.
                        var probe: UInt8 = 0
                        let n = read(readEnd, &probe, 1)
                        if n > 0 {
                            stop()
                            return ChildProcess(ending: .outputTooLarge, output: [])
                        }
                        if n < 0 && errno == EINTR { continue }
                        endOfFile = n == 0
                        drained = true
                        break
                    }
                    output.append(contentsOf: repeatElement(0, count: min(output.count, outputCap - output.count)))
                }
                let n = output.withUnsafeMutableBytes { read(readEnd, $0.baseAddress! + filled, $0.count - filled) }
                if n > 0 {
                    filled += n
                    if !sized, let size = expectedSize(output[0..<filled]) {
                        sized = true
                        announced = size
                        if size > output.count {
                            guard size <= outputCap else {
                                stop()
                                return ChildProcess(ending: .outputTooLarge, output: [])
                            }
                            // One buffer of the announced size, not zero-filled: `read` fills it,
                            // and only the `filled` bytes are ever looked at.
                            let start = output
                            output = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                                start.withUnsafeBytes { from in
                                    if let to = buffer.baseAddress, let base = from.baseAddress { memcpy(to, base, filled) }
                                }
                                initialized = size
                            }
                        }
                    }
                    if returnWhenComplete, !exited, let announced, filled == announced {
                        output.removeLast(output.count - filled)
                        return ChildProcess(ending: .answered, output: output)
                    }
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                endOfFile = n == 0
                drained = true // 0: end of file; EAGAIN: empty for now
                break
            }
            if exited && drained { break }
            if !exited {
                if let ended = status() { raw = ended; exited = true; continue } // drain once more: it wrote all it will
                if lost() { return ChildProcess(ending: .exited(-1), output: Array(output[0..<filled])) }
            }
            let left = deadline - now()
            guard left > 0 else {
                stop()
                return ChildProcess(ending: .timedOut, output: [])
            }
            // Sleep until there is output or news of the child (or, without a status descriptor,
            // at most 20 ms, since the spawned child's end is only seen by waitpid).
            var pollers: [pollfd] = []
            if !endOfFile { pollers.append(pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)) }
            if let statusFD { pollers.append(pollfd(fd: statusFD, events: Int16(POLLIN), revents: 0)) }
            if pollers.isEmpty {
                usleep(500) // stdout closed, the spawned child is exiting: poll would return at once
            } else {
                let cap = statusFD == nil ? 20.0 : 1000.0
                _ = poll(&pollers, nfds_t(pollers.count), Int32(min(left * 1000, cap)) + 1)
            }
        }
        if filled < output.count { output.removeLast(output.count - filled) }
        // The wait status: low 7 bits the terminating signal (0 when it exited), next 8 the exit code.
        let signal = raw & 0x7f
        return ChildProcess(ending: signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signal), output: output)
    }

    /// Waits for a child that was just sent SIGKILL.
    private static func reap(_ pid: pid_t) {
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
