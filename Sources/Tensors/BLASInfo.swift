// BLASInfo: which OpenBLAS this process linked and which kernel it picked for this CPU at
// load time. Read-only facts for the run manifest, so that "same key, different bytes" can
// be traced to a library build or a kernel; nothing here changes how BLAS computes.
import CBLAS

extension BLAS {
    /// OpenBLAS' build configuration, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64`.
    public static var configuration: String {
        guard let text = openblas_get_config() else { return "unknown" }
        return String(cString: text).trimmingWhitespace
    }

    /// The kernel family OpenBLAS dispatches to on this machine, e.g. `Haswell` or `SkylakeX`.
    public static var coreName: String {
        guard let text = openblas_get_corename() else { return "unknown" }
        return String(cString: text).trimmingWhitespace
    }
}

private extension String {
    /// Without leading and trailing spaces or newlines (OpenBLAS pads some of its strings).
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
