// HDF5: a thin, checked layer over libhdf5 for what model files need — groups, string attributes
// (variable- or fixed-length, scalar or 1-D) and Float32 datasets. Every id is closed by its owner
// object; every failure becomes a FileFormatsError naming the file and the object. Files are opened
// and built in memory (libhdf5's core driver and file images), so models travel as bytes and no
// temporary file is written. Callers hold NativeLibraries' lock for the whole of any use (the
// Debian libhdf5 is not thread-safe).
import CHDF5
import Foundation
import Synchronization

/// An open HDF5 object (file, group, dataset, attribute, dataspace or datatype), closed on release.
final class HDF5Handle {
    let id: hid_t
    private let closer: (hid_t) -> herr_t

    private init(_ id: hid_t, closer: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.closer = closer
    }

    deinit { _ = closer(id) }

    /// Wraps a freshly returned id, or throws `error()` when the call failed (negative id).
    static func check(_ id: hid_t, closer: @escaping (hid_t) -> herr_t, _ error: () -> FileFormatsError) throws(FileFormatsError) -> HDF5Handle {
        guard id >= 0 else { throw error() }
        return HDF5Handle(id, closer: closer)
    }
}

/// Reads and writes the pieces of an HDF5 file; `path` is used in error messages.
struct HDF5File {
    let path: String
    let file: HDF5Handle

    // MARK: Opening and creating (in memory: libhdf5's core driver and file images)

    /// Opens the file at `path` read-only: its bytes are read whole and opened in memory.
    static func open(_ path: String) throws(FileFormatsError) -> HDF5File {
        try open(image: FileAccess.readAll(path), source: path)
    }

    /// Opens the bytes of an HDF5 file read-only, in memory (no file is written); `source` names
    /// them in error messages. Checks the signature and the global heaps before libhdf5 sees them.
    static func open(image: some ContiguousBytes, source: String) throws(FileFormatsError) -> HDF5File {
        hsf_silence_errors()
        let found = image.withUnsafeBytes { HDF5Parser.superblockOffset($0) != nil }
        guard found else {
            throw .malformed(path: source, reason: "not an HDF5 file (no HDF5 signature); a Keras model file is an .h5 saved with model.save(\"model.h5\")")
        }
        try HDF5HeapValidator.check(image, path: source)
        let access = try memoryAccess(source)
        let status = image.withUnsafeBytes { raw in
            // libhdf5 copies the image into its own buffer.
            H5Pset_file_image(access.id, UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count)
        }
        guard status >= 0 else { throw .unreadable(path: source, reason: "libhdf5 cannot take the file's bytes") }
        let id = H5Fopen(memoryName(), hsf_f_acc_rdonly(), access.id)
        let handle = try HDF5Handle.check(id, closer: H5Fclose) {
            .malformed(path: source, reason: "libhdf5 cannot open it (truncated or damaged HDF5 file)")
        }
        return HDF5File(path: source, file: handle)
    }

    /// The bytes of a new HDF5 file that `body` fills, built in memory (under the native-library
    /// lock; no file is written). `source` names the file in error messages. libhdf5 lays the file
    /// out as it would on disk, so the same contents give the same bytes.
    static func image(_ source: String, _ body: (HDF5File) throws(FileFormatsError) -> Void) throws(FileFormatsError) -> [UInt8] {
        try NativeLibraries.serialized { () throws(FileFormatsError) -> [UInt8] in
            hsf_silence_errors()
            let access = try memoryAccess(source)
            let id = H5Fcreate(memoryName(), hsf_f_acc_trunc(), hsf_p_default(), access.id)
            let h5 = HDF5File(path: source, file: try HDF5Handle.check(id, closer: H5Fclose) {
                .unwritable(path: source, reason: "libhdf5 cannot create the file in memory")
            })
            try body(h5)
            guard H5Fflush(h5.file.id, H5F_SCOPE_GLOBAL) >= 0 else { throw .unwritable(path: source, reason: "libhdf5 cannot flush the file") }
            let size = H5Fget_file_image(h5.file.id, nil, 0)
            guard size > 0 else { throw .unwritable(path: source, reason: "libhdf5 cannot give the file's bytes") }
            var bytes = [UInt8](repeating: 0, count: size)
            guard H5Fget_file_image(h5.file.id, &bytes, size) == size else {
                throw .unwritable(path: source, reason: "libhdf5 cannot give the file's bytes")
            }
            return bytes
        }
    }

    /// A file-access property list for the core (memory) driver without a backing file.
    private static func memoryAccess(_ source: String) throws(FileFormatsError) -> HDF5Handle {
        let access = try HDF5Handle.check(H5Pcreate(hsf_p_file_access()), closer: H5Pclose) {
            .unreadable(path: source, reason: "libhdf5 cannot make a file-access property list")
        }
        guard H5Pset_fapl_core(access.id, 1 << 20, false) >= 0 else {
            throw .unreadable(path: source, reason: "libhdf5 cannot select its in-memory driver")
        }
        return access
    }

    /// A name for an in-memory file, unique so libhdf5 never takes two images for one open file:
    /// the process id and a counter (a UUID would open /dev/urandom in every reader worker).
    private static func memoryName() -> String {
        "hsiflow-memory-\(getpid())-\(memoryFileCount.add(1, ordering: .relaxed).newValue).h5"
    }

    /// In-memory files named so far in this process.
    private static let memoryFileCount = Atomic<Int>(0)

    /// The shape of a dataset, refusing ranks above 8 and more than 2³¹ elements (a damaged file
    /// must not make us allocate absurd buffers).
    func checkedShape(_ dataset: HDF5Handle, _ name: String) throws(FileFormatsError) -> [Int] {
        let space = try HDF5Handle.check(H5Dget_space(dataset.id), closer: H5Sclose) { .malformed(path: path, reason: "'\(name)' has no dataspace") }
        let rank = Int(H5Sget_simple_extent_ndims(space.id))
        guard rank >= 0, rank <= 8 else { throw .malformed(path: path, reason: "'\(name)' has an invalid rank \(rank)") }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        guard H5Sget_simple_extent_dims(space.id, &dims, nil) >= 0 else { throw .malformed(path: path, reason: "'\(name)' has unreadable dimensions") }
        let shape = dims.prefix(rank).map { Int($0) }
        let count = shape.reduce(1, *)
        guard count >= 0, count < 1 << 31 else { throw .malformed(path: path, reason: "'\(name)' is implausibly large (\(shape))") }
        return shape
    }

    // MARK: Groups

    /// True when `name` (a path relative to `parent`) names an existing link, checking each component.
    func exists(_ parent: HDF5Handle, _ name: String) -> Bool {
        var prefix = ""
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += prefix.isEmpty ? String(part) : "/\(part)"
            guard H5Lexists(parent.id, prefix, hsf_p_default()) > 0 else { return false }
        }
        return !prefix.isEmpty
    }

    func openGroup(_ parent: HDF5Handle, _ name: String) throws(FileFormatsError) -> HDF5Handle {
        guard exists(parent, name) else { throw .unexpectedContent(path: path, reason: "group '\(name)' is missing") }
        return try HDF5Handle.check(H5Gopen2(parent.id, name, hsf_p_default()), closer: H5Gclose) {
            .malformed(path: path, reason: "'\(name)' is not a readable group")
        }
    }

    func createGroup(_ parent: HDF5Handle, _ name: String) throws(FileFormatsError) -> HDF5Handle {
        // No modification times: the same model always gives the same bytes.
        let plist = hsf_untimed_group_create()
        defer { if plist >= 0 { H5Pclose(plist) } }
        return try HDF5Handle.check(H5Gcreate2(parent.id, name, hsf_p_default(), plist, hsf_p_default()), closer: H5Gclose) {
            .unwritable(path: path, reason: "cannot create group '\(name)'")
        }
    }

    // MARK: String attributes

    func hasAttribute(_ object: HDF5Handle, _ name: String) -> Bool { H5Aexists(object.id, name) > 0 }

    /// The strings of a string attribute (a scalar gives one). An empty numeric array (what h5py
    /// writes for an empty list) gives []. Nil when the attribute is absent.
    func strings(_ object: HDF5Handle, _ name: String) throws(FileFormatsError) -> [String]? {
        guard hasAttribute(object, name) else { return nil }
        let what = "attribute '\(name)'"
        let attribute = try HDF5Handle.check(H5Aopen(object.id, name, hsf_p_default()), closer: H5Aclose) {
            .malformed(path: path, reason: "\(what) cannot be opened")
        }
        let type = try HDF5Handle.check(H5Aget_type(attribute.id), closer: H5Tclose) { .malformed(path: path, reason: "\(what) has no type") }
        let space = try HDF5Handle.check(H5Aget_space(attribute.id), closer: H5Sclose) { .malformed(path: path, reason: "\(what) has no dataspace") }
        let points = Int(H5Sget_simple_extent_npoints(space.id))
        guard points >= 0 else { throw .malformed(path: path, reason: "\(what) has an invalid dataspace") }
        guard H5Tget_class(type.id) == H5T_STRING else {
            if points == 0 { return [] }
            throw .unexpectedContent(path: path, reason: "\(what) should hold text, it holds another type")
        }
        if points == 0 { return [] }
        let memory = try HDF5Handle.check(H5Tcopy(type.id), closer: H5Tclose) { .malformed(path: path, reason: "\(what): bad string type") }
        if H5Tis_variable_str(type.id) > 0 {
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: points)
            guard H5Aread(attribute.id, memory.id, &pointers) >= 0 else {
                throw .malformed(path: path, reason: "\(what) cannot be read")
            }
            let values = pointers.map { $0.map { String(cString: $0) } ?? "" }
            _ = H5Dvlen_reclaim(memory.id, space.id, hsf_p_default(), &pointers)
            return values
        }
        let size = H5Tget_size(type.id)
        guard size > 0, size < 1 << 26, points < 1 << 20 else {
            throw .malformed(path: path, reason: "\(what) has an implausible size (\(points) × \(size) bytes)")
        }
        var bytes = [UInt8](repeating: 0, count: points * size)
        guard H5Aread(attribute.id, memory.id, &bytes) >= 0 else { throw .malformed(path: path, reason: "\(what) cannot be read") }
        return (0..<points).map { i in
            let chunk = bytes[(i * size) ..< ((i + 1) * size)]
            let end = chunk.firstIndex(of: 0) ?? chunk.endIndex
            return String(decoding: chunk[chunk.startIndex ..< end], as: UTF8.self)
        }
    }

    /// Writes a variable-length UTF-8 string attribute: a scalar when `scalar`, else a 1-D array.
    func writeStrings(_ object: HDF5Handle, _ name: String, _ values: [String], scalar: Bool) throws(FileFormatsError) {
        let type = try HDF5Handle.check(H5Tcopy(hsf_c_s1()), closer: H5Tclose) { .unwritable(path: path, reason: "cannot make a string type") }
        guard H5Tset_size(type.id, hsf_variable()) >= 0, H5Tset_cset(type.id, H5T_CSET_UTF8) >= 0 else {
            throw .unwritable(path: path, reason: "cannot make a UTF-8 string type")
        }
        var dims = [hsize_t(values.count)]
        let spaceID = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        let space = try HDF5Handle.check(spaceID, closer: H5Sclose) { .unwritable(path: path, reason: "cannot make a dataspace for '\(name)'") }
        let attribute = try HDF5Handle.check(H5Acreate2(object.id, name, type.id, space.id, hsf_p_default(), hsf_p_default()),
                                             closer: H5Aclose) { .unwritable(path: path, reason: "cannot create attribute '\(name)'") }
        // Keep C copies alive during the write.
        let cStrings = values.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
        if pointers.isEmpty { pointers = [nil] }
        guard H5Awrite(attribute.id, type.id, &pointers) >= 0 else {
            throw .unwritable(path: path, reason: "cannot write attribute '\(name)'")
        }
    }

    // MARK: Float datasets

    /// The shape and Float32 values of the dataset at `name` (relative to `parent`).
    func floats(_ parent: HDF5Handle, _ name: String) throws(FileFormatsError) -> (shape: [Int], values: [Float]) {
        guard exists(parent, name) else { throw .unexpectedContent(path: path, reason: "weight dataset '\(name)' is missing") }
        let dataset = try HDF5Handle.check(H5Dopen2(parent.id, name, hsf_p_default()), closer: H5Dclose) {
            .malformed(path: path, reason: "'\(name)' is not a readable dataset")
        }
        let type = try HDF5Handle.check(H5Dget_type(dataset.id), closer: H5Tclose) { .malformed(path: path, reason: "'\(name)' has no type") }
        guard H5Tget_class(type.id) == H5T_FLOAT else {
            throw .unexpectedContent(path: path, reason: "weight dataset '\(name)' is not floating point")
        }
        let shape = try checkedShape(dataset, name)
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        if count > 0 {
            guard H5Dread(dataset.id, hsf_native_float(), hsf_s_all(), hsf_s_all(), hsf_p_default(), &values) >= 0 else {
                throw .malformed(path: path, reason: "the data of '\(name)' cannot be read (damaged file?)")
            }
        }
        return (shape, values)
    }

    /// Writes a Float32 dataset `name` under `parent`.
    func writeFloats(_ parent: HDF5Handle, _ name: String, shape: [Int], values: [Float]) throws(FileFormatsError) {
        var dims = shape.map { hsize_t($0) }
        let space = try HDF5Handle.check(H5Screate_simple(Int32(shape.count), &dims, nil), closer: H5Sclose) {
            .unwritable(path: path, reason: "cannot make a dataspace for '\(name)'")
        }
        let plist = hsf_untimed_dataset_create()
        defer { if plist >= 0 { H5Pclose(plist) } }
        let dataset = try HDF5Handle.check(H5Dcreate2(parent.id, name, hsf_native_float(), space.id, hsf_p_default(), plist, hsf_p_default()),
                                           closer: H5Dclose) { .unwritable(path: path, reason: "cannot create dataset '\(name)'") }
        guard H5Dwrite(dataset.id, hsf_native_float(), hsf_s_all(), hsf_s_all(), hsf_p_default(), values) >= 0 else {
            throw .unwritable(path: path, reason: "cannot write dataset '\(name)'")
        }
    }
}
