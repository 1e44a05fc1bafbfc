// HDF5: a thin, checked layer over libhdf5 for what model files need — groups, string attributes
// (variable- or fixed-length, scalar or 1-D) and Float32 datasets. Every id is closed by its owner
// object; every failure becomes a FileFormatsError naming the file and the object. Callers hold
// NativeLibraries' lock for the whole of any use (the Debian libhdf5 is not thread-safe).
import CHDF5
import Foundation

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

    // MARK: Opening

    /// Opens an existing file read-only.
    static func open(_ path: String) throws(FileFormatsError) -> HDF5File {
        hsf_silence_errors()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "it is a directory, not a file") }
        guard H5Fis_hdf5(path) > 0 else {
            throw .malformed(path: path, reason: "not an HDF5 file (no HDF5 signature); a Keras model file is an .h5 saved with model.save(\"model.h5\")")
        }
        try HDF5HeapValidator.check(path: path)
        let id = H5Fopen(path, hsf_f_acc_rdonly(), hsf_p_default())
        let handle = try HDF5Handle.check(id, closer: H5Fclose) {
            .malformed(path: path, reason: "libhdf5 cannot open it (truncated or damaged HDF5 file)")
        }
        return HDF5File(path: path, file: handle)
    }

    /// Creates (truncates) a file for writing.
    /// Writes a new HDF5 file at `path` without ever exposing a half-written one: `body` fills a
    /// temporary file in the same folder (under the native-library lock), which is flushed,
    /// fsynced and renamed into place; on any error the temporary file is removed.
    static func createAtomically(_ path: String, _ body: (HDF5File) throws(FileFormatsError) -> Void) throws(FileFormatsError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: path, reason: "cannot create \(directory.path): \(error.localizedDescription)")
        }
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))").path
        do throws(FileFormatsError) {
            try NativeLibraries.serialized { () throws(FileFormatsError) in
                let h5 = try HDF5File.create(temporary)
                try body(h5)
                guard H5Fflush(h5.file.id, H5F_SCOPE_GLOBAL) >= 0 else { throw .unwritable(path: path, reason: "libhdf5 cannot flush the file") }
            }
            let fd = Glibc.open(temporary, O_RDONLY)
            if fd >= 0 { fsync(fd); Glibc.close(fd) }
            guard Glibc.rename(temporary, path) == 0 else {
                throw FileFormatsError.unwritable(path: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    static func create(_ path: String) throws(FileFormatsError) -> HDF5File {
        hsf_silence_errors()
        let id = H5Fcreate(path, hsf_f_acc_trunc(), hsf_p_default(), hsf_p_default())
        let handle = try HDF5Handle.check(id, closer: H5Fclose) { .unwritable(path: path, reason: "libhdf5 cannot create the file") }
        return HDF5File(path: path, file: handle)
    }

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

    /// A scalar string attribute, nil when absent.
    func string(_ object: HDF5Handle, _ name: String) throws(FileFormatsError) -> String? {
        guard let all = try strings(object, name) else { return nil }
        guard all.count == 1 else {
            throw .unexpectedContent(path: path, reason: "attribute '\(name)' should hold one string, it holds \(all.count)")
        }
        return all[0]
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
