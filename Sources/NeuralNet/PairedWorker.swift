// PairedWorker: one long-lived helper thread that takes half of a small product off the calling
// thread (InferencePlan at batch ≤ 8). Waking a parked thread costs tens of µs, as much as the
// product it would share, so the helper spins for a while after each job and parks only when
// none has come (spin, then park). The caller takes blocks from the same counter as the helper:
// when the helper is parked, busy with another caller or descheduled by the load, the caller
// simply computes every block itself, so nothing ever waits on a thread that is not running.
// How the work is cut into blocks is decided by the caller from the work's size alone; which
// thread computes a block never changes its bits.
import Foundation
import Synchronization

final class PairedWorker: @unchecked Sendable {
    /// The process's one helper, started on first use.
    static let shared = PairedWorker()

    /// Spin iterations (each a few ns) the helper waits for the next job before it parks:
    /// about 50–100 µs, longer than the gap between the layers of a call and between back-to-back calls.
    private static let spinIterations = 20_000

    private let busy = Atomic<Bool>(false)       // one caller at a time; others run alone
    private let posted = Atomic<Int>(0)          // jobs posted (the helper's generation)
    private let parked = Atomic<Int>(0)          // 1 while the helper sleeps on `wake`
    // generation << 32 | blocks << 16 | next block: a block is claimed by one compare-exchange,
    // and only within the job it belongs to (a helper late for a finished job claims nothing).
    private let ticket = Atomic<Int>(0)
    private let doneBlocks = Atomic<Int>(0)      // blocks of the current job finished by the helper
    private let helped = Atomic<Int>(0)          // blocks the helper has computed, all jobs
    private let shared = Atomic<Int>(0)          // blocks of jobs offered to the helper, all jobs

    /// Blocks the helper computed, of those offered to it so far (hsiflow-bench prints it: on a
    /// loaded machine the caller computes most of them itself).
    var helpedBlocks: (helper: Int, offered: Int) { (helped.load(ordering: .relaxed), shared.load(ordering: .relaxed)) }
    private let wake = DispatchSemaphore(value: 0)
    private var job: ((Int) -> Void)?            // written only while no block of it can be claimed

    private init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "hsiflow-inference-helper"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Claims the next block of job `generation`, or nil when it has none left (or is not current).
    private func claim(_ generation: Int) -> Int? {
        var t = ticket.load(ordering: .acquiring)
        while true {
            guard t >> 32 == generation, t & 0xFFFF < (t >> 16) & 0xFFFF else { return nil }
            let (exchanged, now) = ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiringAndReleasing)
            if exchanged { return t & 0xFFFF }
            t = now
        }
    }

    /// Runs `body(b)` for b in 0..<`count` (count < 65,536), each exactly once, on this thread and
    /// (when it is free) the helper; returns when all have finished.
    func run(blocks count: Int, _ body: (Int) -> Void) {
        guard count > 1, count < 0x10000,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for b in 0..<count { body(b) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            job = body
            shared.add(count, ordering: .relaxed)
            doneBlocks.store(0, ordering: .relaxed)
            let generation = (posted.load(ordering: .relaxed) + 1) & 0x7FFF_FFFF
            ticket.store(generation << 32 | count << 16, ordering: .releasing)
            posted.store(generation, ordering: .sequentiallyConsistent)
            if parked.exchange(0, ordering: .sequentiallyConsistent) == 1 { wake.signal() }
            var mine = 0
            while let b = claim(generation) {
                body(b)
                mine += 1
            }
            // Every block is claimed; the helper's are running: wait for them.
            var spins = 0
            while mine + doneBlocks.load(ordering: .acquiring) < count {
                spins += 1
                if spins > 1_000 { sched_yield() }
            }
            job = nil
        }
    }

    private func loop() {
        var seen = 0
        while true {
            var spins = 0
            while posted.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < Self.spinIterations { continue }
                parked.store(1, ordering: .sequentiallyConsistent)
                if posted.load(ordering: .sequentiallyConsistent) != seen {
                    // A job came while parking: if its poster already cleared `parked`, it signals; take that signal.
                    if parked.exchange(0, ordering: .sequentiallyConsistent) == 0 { wake.wait() }
                } else {
                    wake.wait()
                }
                spins = 0
            }
            seen = posted.load(ordering: .acquiring)
            var finished = 0
            while let b = claim(seen) {
                job?(b)  // set before the job's ticket was published, cleared only after its blocks finish
                finished += 1
            }
            if finished > 0 {
                helped.add(finished, ordering: .relaxed)
                doneBlocks.add(finished, ordering: .releasing)
            }
        }
    }
}
