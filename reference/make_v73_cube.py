"""Writes a cube (.npy) as a MATLAB v7.3 (HDF5) .mat file, as MATLAB lays it out: the array
transposed (HDF5 dimensions reversed), its class in a MATLAB_class attribute, a 512-byte header.
Used to measure reading a real v7.3 cube (bench-readers, Docs/Security.md):
  /work/venvs/tf/bin/python reference/make_v73_cube.py $HSIFLOW_DATA/indian_pines/Indian_pines_corrected.npy /tmp/indian_pines_v73.mat
"""
import struct
import sys

import h5py
import numpy as np

source, target = sys.argv[1], sys.argv[2]
cube = np.load(source)
matlab_class = {"float64": "double", "float32": "single"}.get(cube.dtype.name, cube.dtype.name)
with h5py.File(target, "w", userblock_size=512) as f:
    d = f.create_dataset("indian_pines_corrected", data=np.ascontiguousarray(cube.T))
    string_type = h5py.h5t.TypeID.copy(h5py.h5t.C_S1)
    string_type.set_size(len(matlab_class) + 1)
    string_type.set_strpad(h5py.h5t.STR_NULLTERM)
    attr = h5py.h5a.create(d.id, b"MATLAB_class", string_type, h5py.h5s.create(h5py.h5s.SCALAR))
    attr.write(np.array(matlab_class.encode() + b"\0", dtype=f"S{len(matlab_class) + 1}"))
with open(target, "r+b") as f:
    f.write(b"MATLAB 7.3 MAT-file, HDF5 schema 1.00 .".ljust(116, b" ") + b"\0" * 8 + struct.pack("<H", 0x0200) + b"IM")
print(target, cube.shape, cube.dtype)
