// FlatBufferBuilderTests: tables, vtables, strings, vectors and alignment written by the builder
// read back by the reader (and the TFLite files LiteRT reads are checked in LiteRTInteropTests).
import Testing
@testable import TFLite

@Suite struct FlatBufferBuilderTests {
    /// child {a: int32 = 7, name: string}; root {count: uint32, child: table, values: [int32], bytes: [ubyte] aligned 16, flag: bool}.
    func sample() -> [UInt8] {
        var b = FlatBufferBuilder()
        let name = b.createString("conv1")
        b.startTable()
        b.addField(0, Int32(7))
        b.addField(1, reference: name)
        let child = b.endTable()
        let values = b.createVector([Int32(-1), 5, 5, 30])
        let bytes = b.createBytes([1, 2, 3], alignment: 16)
        b.startTable()
        b.addField(0, UInt32(3))
        b.addField(1, reference: child)
        b.addField(2, reference: values)
        b.addField(4, reference: bytes)
        b.addField(5, true)
        b.addField(6, Int32(0)) // the default: left out
        return b.finished(root: b.endTable(), fileIdentifier: "TEST")
    }

    @Test func fieldsReadBackThroughTheirVtables() throws {
        let r = FlatBufferReader(sample())
        #expect(r.fileIdentifier == "TEST")
        let root = try #require(r.root)
        #expect(r.field(UInt32.self, table: root, id: 0) == 3)
        #expect(r.field(UInt8.self, table: root, id: 5) == 1)
        #expect(r.integers(Int32.self, table: root, id: 2) == [-1, 5, 5, 30])
        #expect(r.integers(UInt8.self, table: root, id: 4) == [1, 2, 3])
        let child = try #require(r.reference(table: root, id: 1))
        #expect(r.field(Int32.self, table: child, id: 0) == 7)
        #expect(r.string(table: child, id: 1) == "conv1")
    }

    @Test func absentAndDefaultFieldsAreLeftOut() throws {
        let r = FlatBufferReader(sample())
        let root = try #require(r.root)
        #expect(r.fieldPosition(table: root, id: 3) == nil)   // never written
        #expect(r.fieldPosition(table: root, id: 6) == nil)   // equal to its default
        #expect(r.field(Int32.self, table: root, id: 6, default: 42) == 42)
        #expect(r.fieldPosition(table: root, id: 40) == nil)  // beyond the vtable
    }

    @Test func valuesAreAlignedFromTheFrontOfTheBuffer() throws {
        let bytes = sample()
        let r = FlatBufferReader(bytes)
        let root = try #require(r.root)
        #expect(bytes.count % 16 == 0)
        #expect(root % 4 == 0)
        let data = try #require(r.reference(table: root, id: 4).flatMap(r.vector(at:)))
        #expect(data.start % 16 == 0)
        let ints = try #require(r.reference(table: root, id: 2).flatMap(r.vector(at:)))
        #expect(ints.start % 4 == 0)
    }

    @Test func stringsEndInNul() throws {
        let bytes = sample()
        let r = FlatBufferReader(bytes)
        let child = try #require(r.root.flatMap { r.reference(table: $0, id: 1) })
        let s = try #require(r.reference(table: child, id: 1).flatMap(r.vector(at:)))
        #expect(s.count == 5)
        #expect(bytes[s.start + s.count] == 0)
    }
}
