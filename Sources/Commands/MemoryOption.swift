// MemoryOption: `--max-memory`, shared by the commands that read files (inspect, predict, run,
// stage run). It sets FileFormats' MemoryBudget, the one place that holds the limit on what a
// file may ask HSIFlow to allocate (default 2 GiB, or HSIFLOW_MAX_MEMORY).
import ArgumentParser
import FileFormats

/// The memory budget for what input files ask for.
struct MemoryOption: ParsableArguments {
    @Option(name: .customLong("max-memory"),
            help: ArgumentHelp("The most memory a file may ask for, e.g. 8G or 512M (default: $HSIFLOW_MAX_MEMORY, else 2G).", valueName: "size"))
    var maxMemory: String?

    func validate() throws {
        if let maxMemory, MemoryBudget.parse(maxMemory) == nil {
            throw ValidationError("--max-memory \(maxMemory) is not a size; write bytes or a number with K, M, G or T, e.g. 8G")
        }
    }

    /// Sets the process-wide budget when the option was given.
    func apply() {
        if let maxMemory, let bytes = MemoryBudget.parse(maxMemory) { MemoryBudget.set(bytes) }
    }
}
