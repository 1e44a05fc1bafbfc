// SwiftHDF5Path: untrusted HDF5 files (model files, .mat v7.3) read in this process by the Swift
// reader (HDF5Parser) when it can; nil whenever it refuses, is unsure or the file's content is
// wrong in any way, and the caller then reads the file in the isolated reader (libhdf5 in a child
// process), which gives the authoritative answer or error. The fast path therefore never decides an
// error message and never answers for a file the Swift reader does not fully understand.
import Foundation
import Tensors

enum SwiftHDF5Path {
    /// Set to "isolated" to read every HDF5 file in the child (libhdf5), skipping the Swift reader.
    static let environmentVariable = "HSIFLOW_HDF5_READER"

    static var enabled: Bool { getenv(environmentVariable).map { String(cString: $0) } != "isolated" }

    /// The bytes of the regular file at `path` when they fit the memory budget and its global
    /// heaps pass the check the isolated reader makes too (HDF5HeapValidator), so both readers
    /// refuse the same damaged heaps.
    private static func bytes(_ path: String) -> [UInt8]? {
        guard let size = try? FileAccess.regularFileSize(path), size <= MemoryBudget.bytes,
              let bytes = try? FileAccess.readAll(path) else { return nil }
        do throws(FileFormatsError) { try HDF5HeapValidator.check(bytes, path: path) } catch {
            return refused(path, error.description)
        }
        return bytes
    }

    // MARK: Model files

    /// A model file of either kind, or nil when the Swift reader cannot answer for it.
    static func model(path: String) -> SavedModelFile? {
        guard let bytes = bytes(path) else { return nil }
        do throws(FileFormatsError) {
            let h5 = try HDF5Parser(bytes: bytes, path: path)
            let read: SavedModelFile
            if h5.hasAttribute(h5.rootObject, "quantization") {
                read = .quantized(try QuantizedModelFile.decode(from: h5))
            } else {
                read = .float(try ModelFile.decode(from: h5))
            }
            if let damage = h5.damage { return refused(path, damage) }
            return answered(path, read)
        } catch {
            return refused(path, error.description)
        }
    }

    /// Says (with HSIFLOW_READER_TRACE set) which reader answered for `path`.
    private static func answered<T>(_ path: String, _ value: T) -> T {
        if ReaderZygote.tracing { ReaderZygote.trace("hsiflow: read \(path) in this process (Swift HDF5 reader)") }
        return value
    }

    private static func refused<T>(_ path: String, _ reason: String) -> T? {
        if ReaderZygote.tracing { ReaderZygote.trace("hsiflow: read \(path): the Swift HDF5 reader left it to the isolated reader (\(reason))") }
        return nil
    }

    // MARK: MATLAB v7.3

    /// What a v7.3 file holds, and optionally one variable (C order), or nil when the Swift reader
    /// cannot answer for the file. `name`, `rank` and `rankFromListing` choose as MatFile does.
    static func mat(path: String, variable name: String?, rank: Int?, read: Bool, rankFromListing: Bool = false)
        -> (contents: MatFile.Contents, variable: MatFile.Variable?, array: NumericArray?)? {
        guard let bytes = bytes(path) else { return nil }
        if let problem = MatFile.v73HeaderProblem(bytes) { return refused(path, problem) }
        let h5: HDF5Parser
        let listing: [(variable: MatFile.Variable, object: HDF5Parser.Object)]
        do throws(FileFormatsError) {
            h5 = try HDF5Parser(bytes: bytes, path: path)
            listing = try h5.guarded { () throws(HDF5Parser.Refusal) in try variables(h5) }
        } catch {
            return refused(path, error.description)
        }
        let contents = MatFile.Contents(format: "v7.3 (HDF5)", variables: listing.map(\.variable))
        guard read else { return answered(path, (contents, nil, nil)) }
        let wanted = rankFromListing && name == nil ? MatFile.inspectionRank(contents.variables) : rank
        let chosen: MatFile.Variable
        let data: ArraySlice<UInt8>
        do throws(FileFormatsError) {
            chosen = try MatFile.choose(contents.variables, name: name, rank: wanted, path: path)
            guard let type = chosen.elementType, let count = Tensor.checkedCount(of: chosen.shape), count <= MatFile.maxElements,
                  let size = MemoryBudget.checkedBytes(chosen.shape, elementSize: type.size), size <= MemoryBudget.bytes,
                  let object = listing.first(where: { $0.variable.name == chosen.name })?.object else {
                return refused(path, "variable '\(chosen.name)' is not one it reads")
            }
            data = try h5.guarded { () throws(HDF5Parser.Refusal) in try h5.dataset(object, what: chosen.name).bytes }
            guard data.count == size else { return refused(path, "variable '\(chosen.name)' has the wrong number of bytes") }
        } catch {
            return refused(path, error.description)
        }
        let type = chosen.elementType ?? .uint8
        // The HDF5 dimensions are MATLAB's reversed: the bytes are the array in Fortran order.
        let cOrder = Layout.fortranToC(data, shape: chosen.shape, elementSize: type.size)
        return answered(path, (contents, chosen, NumericArray(elementType: type, shape: chosen.shape, bytes: cOrder)))
    }

    /// The variables of a v7.3 file in name order (as libmatio lists them). Only plain real numeric
    /// arrays are answered for: a group (struct, cell), a reference folder ("#refs#"), a sparse,
    /// empty, logical, character or complex variable, or a type that does not match its class is a
    /// refusal, left to libmatio in the child.
    private static func variables(_ h5: HDF5Parser) throws(HDF5Parser.Refusal) -> [(variable: MatFile.Variable, object: HDF5Parser.Object)] {
        let links = try h5.links(of: h5.root).sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var found: [(MatFile.Variable, HDF5Parser.Object)] = []
        for link in links {
            guard !link.name.hasPrefix("#") else { throw HDF5Parser.Refusal(reason: "a MATLAB reference folder") }
            let object = try h5.object(at: link.address)
            guard object.first(.layout) != nil else { throw HDF5Parser.Refusal(reason: "a variable that is not a plain dataset") }
            let attributes = try h5.attributes(of: object)
            guard attributes.allSatisfy({ ["MATLAB_class"].contains($0.name) }),
                  let classAttribute = attributes.first, classAttribute.type.kind == .fixedString,
                  let className = try h5.strings(classAttribute).first, classAttribute.space.points == 1 else {
                throw HDF5Parser.Refusal(reason: "a variable with MATLAB attributes other than its class")
            }
            // The layout and filters too: a variable listed here is one this reader can read.
            let described = try h5.describeDataset(object, what: link.name)
            let type = described.type, dims = described.dims
            guard let elementType = numericType(className), !type.bigEndian, type.size == elementType.size,
                  type.kind == (elementType.isInteger ? .integer(signed: signed(elementType)) : .float),
                  dims.count >= 2 else {
                throw HDF5Parser.Refusal(reason: "a variable whose class and type do not match")
            }
            found.append((MatFile.Variable(name: link.name, className: className, shape: dims.reversed(), isComplex: false,
                                           elementType: elementType), object))
        }
        return found
    }

    private static func numericType(_ className: String) -> ElementType? {
        switch className {
        case "double": return .float64
        case "single": return .float32
        case "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64": return ElementType(rawValue: className)
        default: return nil
        }
    }

    private static func signed(_ type: ElementType) -> Bool {
        [.int8, .int16, .int32, .int64].contains(type)
    }
}
