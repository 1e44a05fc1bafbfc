"""Small hostile input files for HSIFlow's regression tests (issue 17, classes 1-3).

Each file reproduces one way a downloaded file attacked the readers; every one must end in
exit 2 with a message naming the file, never a signal or runaway memory. Written to
Tests/CommandsTests/Fixtures/hostile/ (see HostileInputTests). Files that would be large
(a real zlib bomb) are made at test time instead.

Class 1, HDF5 that crashed libhdf5 in-process (read now in HSIFlow's isolated reader):
  h5_gheap_index_wrong.h5     weight_names' global-heap ID points at another, existing object
  h5_gheap_index_past_end.h5  ... at an object index past the end of the collection
  h5_gheap_object_length_0.h5 the heap object a weight name lives in has length 0
  h5_btree_child_ff.h5        a group B-tree child address set to 0xffffffffffffffff
  h5_local_heap_size.h5       a local heap's data-segment size set to 2^60
  mat73_btree_child_ff.mat    .mat v7.3 whose group B-tree child address is 0xff...
Class 2, hostile model_config:
  cfg_batch_shape_huge.h5     batch_shape [null, 1e9, 1e9, 8]
  cfg_kernel_2p31.h5          Conv2D kernel_size [2^31, 2^31]
  cfg_filters_1e9.h5          Conv2D filters 1e9
  cfg_units_2p40.h5           Dense units 2^40
Class 3, memory amplification:
  h5_vlen_length_ffffffff.h5  a variable-length string attribute whose length field is 0xffffffff
  mat5_inner_ffffffff.mat     a compressed .mat v5 element whose inner tag claims 0xffffffff bytes
  mat5_inflates_past_declared.mat  a compressed element declaring 64 KiB that inflates to 64 MiB
  mat5_zlib_bomb.mat          64 MiB of zeros in 64 KiB (tests give a 16 MiB budget)
  mat73_gzip_bomb.mat         the same as a gzip-chunked v7.3 dataset
  mat73_huge_declared.mat     a .mat v7.3 dataset of 40000 x 40000 doubles (12.8 GB) with no data
  npy_shape_huge.npy          a .npy header declaring (1000000000, 1000000000, 8) over no data

Run with a Python that has numpy and h5py (a venv outside the repository):
  /work/venvs/tf/bin/python reference/hostile_inputs.py
"""
import json
import pathlib
import shutil
import struct
import zlib

import h5py
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ROOT / "Tests/FileFormatsTests/Fixtures"
OUT = ROOT / "Tests/CommandsTests/Fixtures/hostile"
SMALL_MODEL = SOURCES / "hsiflow_small.h5"
V73 = SOURCES / "mat_v73_cube.mat"


def collections(data):
    """(offset, [(index, object offset, size, data offset)]) for every global heap collection."""
    found = []
    at = data.find(b"GCOL\x01\x00\x00\x00")
    while at >= 0:
        size = struct.unpack_from("<Q", data, at + 8)[0]
        objects, p = [], at + 16
        while p + 16 <= at + size:
            index, _, _, length = struct.unpack_from("<HHIQ", data, p)
            if index == 0:
                break
            objects.append((index, p, length, p + 16))
            p += 16 + (length + 7) // 8 * 8
        found.append((at, objects))
        at = data.find(b"GCOL\x01\x00\x00\x00", at + 8)
    return found


def heap_reference(data, text):
    """(offset of the attribute's 16-byte vlen element, collection, index, object offset) of `text`."""
    for at, objects in collections(data):
        for index, p, length, start in objects:
            if data[start:start + length] == text:
                ref = struct.pack("<QI", at, index)
                where = data.find(ref)
                if where >= 4:
                    return where - 4, at, index, p, objects
    raise SystemExit(f"no global heap reference to {text!r}")


def mutate(source, name, edits):
    data = bytearray(source.read_bytes())
    for offset, value in edits(data):
        data[offset:offset + len(value)] = value
    (OUT / name).write_bytes(bytes(data))


def write_config(name, change):
    target = OUT / name
    shutil.copy(SMALL_MODEL, target)
    with h5py.File(target, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        change(config["config"]["layers"])
        f.attrs["model_config"] = json.dumps(config)


def first_tree_child(data, start=0):
    """Offset of the first child address of the first v1 B-tree node ("TREE") at or after start."""
    at = data.find(b"TREE", start)
    node_type = data[at + 4]
    key = 8 if node_type == 0 else None
    if key is None:  # chunk B-tree: key = chunk size (4) + filter mask (4) + 8 per dimension + 8
        raise SystemExit("expected a group B-tree")
    return at + 24 + key


def mat_v5(elements):
    header = b"MATLAB 5.0 MAT-file, hostile test input".ljust(116, b" ") + b"\0" * 8 + struct.pack("<H", 0x0100) + b"IM"
    return header + b"".join(elements)


def matrix(name, values):
    """A miMATRIX element for a double array (column-major)."""
    def element(kind, payload):
        padded = payload + b"\0" * (-len(payload) % 8)
        return struct.pack("<II", kind, len(payload)) + padded
    flags = element(6, struct.pack("<II", 6, 0))  # mxDOUBLE_CLASS
    dims = element(5, struct.pack("<ii", *values.shape))
    body = flags + dims + element(1, name.encode()) + element(9, values.astype("<f8").tobytes(order="F"))
    return struct.pack("<II", 14, len(body)) + body


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    model = SMALL_MODEL.read_bytes()

    # Class 1: global heap IDs in attribute data.
    # weight_names of layer conv2d: read by every model load (layer_names is not).
    vlen, _, index, _, objects = heap_reference(model, b"custom/conv2d/kernel")
    other = next(i for i, *_ in objects if i != index)
    mutate(SMALL_MODEL, "h5_gheap_index_wrong.h5", lambda d: [(vlen + 12, struct.pack("<I", other))])
    mutate(SMALL_MODEL, "h5_gheap_index_past_end.h5", lambda d: [(vlen + 12, struct.pack("<I", 0xFFFF))])
    _, _, _, obj, _ = heap_reference(model, b"custom/conv2d/kernel")
    mutate(SMALL_MODEL, "h5_gheap_object_length_0.h5", lambda d: [(obj + 8, struct.pack("<Q", 0))])
    # Class 3: the vlen element's own length field.
    mutate(SMALL_MODEL, "h5_vlen_length_ffffffff.h5", lambda d: [(vlen, struct.pack("<I", 0xFFFFFFFF))])
    # Class 1: B-tree child address and local heap size.
    mutate(SMALL_MODEL, "h5_btree_child_ff.h5", lambda d: [(first_tree_child(d), b"\xff" * 8)])
    heap = model.find(b"HEAP")
    mutate(SMALL_MODEL, "h5_local_heap_size.h5", lambda d: [(heap + 8, struct.pack("<Q", 1 << 60))])
    mutate(V73, "mat73_btree_child_ff.mat", lambda d: [(first_tree_child(d), b"\xff" * 8)])

    # Class 2: model_config.
    write_config("cfg_batch_shape_huge.h5", lambda layers: layers[0]["config"].update(batch_shape=[None, 1e9, 1e9, 8]))
    write_config("cfg_kernel_2p31.h5", lambda layers: layers[1]["config"].update(kernel_size=[2**31, 2**31]))
    write_config("cfg_filters_1e9.h5", lambda layers: layers[1]["config"].update(filters=10**9))
    write_config("cfg_units_2p40.h5", lambda layers: layers[3]["config"].update(units=2**40))

    # Class 3: .mat v5 compression.
    inner = matrix("cube", np.zeros((4, 4)))
    claims = struct.pack("<II", 14, 0xFFFFFFFF) + inner[8:]
    packed = zlib.compress(claims, 9)
    (OUT / "mat5_inner_ffffffff.mat").write_bytes(mat_v5([struct.pack("<II", 15, len(packed)) + packed]))
    body = matrix("cube", np.zeros((2, 4096)))  # 64 KiB declared ...
    stream = zlib.compressobj(9)
    big = stream.compress(body) + stream.compress(b"\0" * (64 << 20)) + stream.flush()  # ... 64 MiB inflated
    (OUT / "mat5_inflates_past_declared.mat").write_bytes(mat_v5([struct.pack("<II", 15, len(big)) + big]))

    # Class 3: honest bombs, small here (64 MiB of zeros in about 64 KiB), refused under a 16 MiB budget.
    bomb = zlib.compress(matrix("cube", np.zeros((2, 4 << 20))), 9)
    (OUT / "mat5_zlib_bomb.mat").write_bytes(mat_v5([struct.pack("<II", 15, len(bomb)) + bomb]))
    with h5py.File(OUT / "mat73_gzip_bomb.mat", "w", userblock_size=512) as f:
        d = f.create_dataset("cube", data=np.zeros((4 << 20, 2)), chunks=(1 << 17, 2), compression="gzip", compression_opts=9)
        string_type = h5py.h5t.TypeID.copy(h5py.h5t.C_S1)
        string_type.set_size(7)
        string_type.set_strpad(h5py.h5t.STR_NULLTERM)
        attr = h5py.h5a.create(d.id, b"MATLAB_class", string_type, h5py.h5s.create(h5py.h5s.SCALAR))
        attr.write(np.array(b"double\0", dtype="S7"))
    with open(OUT / "mat73_gzip_bomb.mat", "r+b") as f:
        f.write(b"MATLAB 7.3 MAT-file, hostile test input".ljust(116, b" ") + b"\0" * 8 + struct.pack("<H", 0x0200) + b"IM")

    # Class 3: a v7.3 dataset that declares 12.8 GB and stores nothing (unwritten chunks read as fill).
    target = OUT / "mat73_huge_declared.mat"
    with h5py.File(target, "w", userblock_size=512) as f:
        d = f.create_dataset("cube", shape=(40000, 40000), dtype="<f8", chunks=(1000, 1000), compression="gzip")
        string_type = h5py.h5t.TypeID.copy(h5py.h5t.C_S1)
        string_type.set_size(7)
        string_type.set_strpad(h5py.h5t.STR_NULLTERM)
        attr = h5py.h5a.create(d.id, b"MATLAB_class", string_type, h5py.h5s.create(h5py.h5s.SCALAR))
        attr.write(np.array(b"double\0", dtype="S7"))
    header = b"MATLAB 7.3 MAT-file, hostile test input".ljust(116, b" ") + b"\0" * 8 + struct.pack("<H", 0x0200) + b"IM"
    with open(target, "r+b") as f:
        f.write(header)

    # Class 3: .npy header shape.
    text = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000000, 8), }"
    text += " " * (-(len(text) + 11) % 64) + "\n"
    (OUT / "npy_shape_huge.npy").write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode())

    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>9}  {path.name}")


if __name__ == "__main__":
    main()
