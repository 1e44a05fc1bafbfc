// The `hsiflow` executable: everything lives in the Commands module.
import Commands

CommandLineEntry.main()
