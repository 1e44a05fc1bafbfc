"""Writes the HDF5 layouts the Swift HDF5 reader (Sources/FileFormats/HDF5Parser*.swift) is checked
against, each small, into Tests/FileFormatsTests/Fixtures/hdf5/. HDF5ParserTests reads every file
with the Swift reader and with libhdf5 in the isolated reader and expects the same answer, or the
Swift reader's refusal (then the isolated reader's answer stands) for the layouts it leaves to libhdf5.

  /work/venvs/ref/bin/python reference/make_hdf5_variants.py Tests/FileFormatsTests/Fixtures
(needs numpy and h5py; the second argument's hsiflow_small.h5 is the model copied into a new layout)
"""
import os
import struct
import sys

import h5py
import numpy as np

fixtures = sys.argv[1]
out = os.path.join(fixtures, "hdf5")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(17)
MATLAB = {"float64": "double", "float32": "single"}


def mat_header(path):
    with open(path, "r+b") as f:
        f.write(b"MATLAB 7.3 MAT-file, HDF5 schema 1.00 .".ljust(116, b" ") + b"\0" * 8 + struct.pack("<H", 0x0200) + b"IM")


def variable(f, name, array, **options):
    """A MATLAB variable: the array transposed (HDF5 dimensions reversed) with its MATLAB_class."""
    d = f.create_dataset(name, data=np.ascontiguousarray(array.T), **options)
    cls = MATLAB.get(array.dtype.name, array.dtype.name)
    string_type = h5py.h5t.TypeID.copy(h5py.h5t.C_S1)
    string_type.set_size(len(cls) + 1)
    string_type.set_strpad(h5py.h5t.STR_NULLTERM)
    attr = h5py.h5a.create(d.id, b"MATLAB_class", string_type, h5py.h5s.create(h5py.h5s.SCALAR))
    attr.write(np.array(cls.encode() + b"\0", dtype=f"S{len(cls) + 1}"))


def mat(name, variables, libver=None):
    path = os.path.join(out, name)
    kwargs = {"userblock_size": 512}
    if libver:
        kwargs["libver"] = libver
    with h5py.File(path, "w", **kwargs) as f:
        for var_name, array, options in variables:
            variable(f, var_name, array, **options)
    mat_header(path)


cube = rng.integers(0, 9000, size=(7, 6, 5), dtype=np.uint16)
labels = rng.integers(0, 17, size=(7, 6), dtype=np.uint8)
floats = rng.standard_normal((9, 11, 4)).astype(np.float32)

# Read by the Swift reader (answers must equal libhdf5's):
mat("v73_chunked_deflate.mat", [("cube", cube, {"chunks": (2, 3, 4), "compression": "gzip", "compression_opts": 4}),
                                ("gt", labels, {})])
mat("v73_shuffle_deflate.mat", [("x", floats, {"chunks": (3, 4, 2), "compression": "gzip", "shuffle": True})])
mat("v73_chunked_plain.mat", [("x", floats.astype(np.float64), {"chunks": (4, 5, 3)})])
mat("v73_name_order.mat", [("zeta", rng.standard_normal((3, 4)), {}),
                           ("Alpha", rng.integers(-300, 300, size=(2, 3, 4), dtype=np.int16), {}),
                           ("alpha", rng.integers(0, 2**31, size=(2, 5), dtype=np.int32), {}),
                           ("b_2", rng.integers(-2**40, 2**40, size=(3, 2), dtype=np.int64), {})])
# 40 variables: the root group's symbol table spans several symbol nodes under its B-tree.
order = rng.permutation(40)
mat("v73_many_variables.mat", [(f"v{i:02d}", np.full((2, 2), i, dtype=np.uint32), {}) for i in order])
mat("v73_latest.mat", [("cube", cube, {}), ("gt", labels, {})], libver="latest")
# Left to libhdf5 by the Swift reader (it refuses these layouts); answers come from the child:
mat("v73_latest_chunked.mat", [("cube", cube, {"chunks": (2, 3, 4), "compression": "gzip"})], libver="latest")
mat("v73_latest_dense.mat", [(f"w{i:02d}", np.full((2, 3), i, dtype=np.int8), {}) for i in range(12)], libver="latest")
mat("v73_big_endian.mat", [("cube", cube.astype(">u2"), {})])
mat("v73_fletcher.mat", [("cube", cube, {"chunks": (2, 3, 4), "fletcher32": True})])

# A model HSIFlow wrote, copied object by object into the newest HDF5 layout (superblock v3,
# object headers v2, compact links, attribute messages v3), and into a file with a user block.
source = os.path.join(fixtures, "hsiflow_small.h5")
for name, kwargs in [("hsiflow_small_latest.h5", {"libver": "latest"}), ("hsiflow_small_userblock.h5", {"userblock_size": 1024})]:
    with h5py.File(source, "r") as src, h5py.File(os.path.join(out, name), "w", **kwargs) as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for key in src:
            src.copy(src[key], dst, name=key)
print("wrote", sorted(os.listdir(out)))
