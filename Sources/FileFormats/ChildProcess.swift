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
    }

    var ending: Ending
    var output: [UInt8]

    /// Runs `executable arguments…` with the current environment plus `environment`.
    static func run(executable: String, arguments: [String], environment: [String: String],
                    outputCap: Int, wallSeconds: Double) -> ChildProcess {
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
        return collect(from: readEnd, outputCap: outputCap, wallSeconds: wallSeconds,
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
    static func collect(from readEnd: Int32, outputCap: Int, wallSeconds: Double,
                        status: () -> Int32?, lost: () -> Bool, stop: () -> Void) -> ChildProcess {
        let deadline = now() + wallSeconds
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var raw: Int32 = 0
        var exited = false
        while true {
            // Take everything the pipe holds now.
            var drained = false, endOfFile = false
            while true {
                let n = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if n > 0 {
                    guard output.count + n <= outputCap else {
                        stop()
                        return ChildProcess(ending: .outputTooLarge, output: [])
                    }
                    output.append(contentsOf: chunk[0..<n])
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
                if lost() { return ChildProcess(ending: .exited(-1), output: output) }
            }
            guard now() < deadline else {
                stop()
                return ChildProcess(ending: .timedOut, output: [])
            }
            if endOfFile {
                usleep(500) // stdout closed, the child is exiting: poll would return at once
            } else {
                var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                _ = poll(&poller, 1, 20)
            }
        }
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
