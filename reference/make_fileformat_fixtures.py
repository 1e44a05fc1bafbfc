#!/usr/bin/env python3
"""Writes the golden .npy and .mat fixtures that FileFormatsTests read back.

Run with numpy, scipy and h5py installed (a virtualenv outside the repo):
    python reference/make_fileformat_fixtures.py Tests/FileFormatsTests/Fixtures
Every array is small and deterministic; expected.json records each file's dtype,
shape and C-order values so the Swift tests compare against what numpy itself wrote.
"""
import json
import os
import sys

import h5py
import numpy as np
import scipy.io as sio

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/FileFormatsTests/Fixtures"
os.makedirs(out, exist_ok=True)
expected = {}


def values_for(dtype, shape):
    n = int(np.prod(shape))
    base = np.arange(n, dtype=np.int64) * 7 - (n * 3 if np.dtype(dtype).kind in "if" else 0)
    if np.dtype(dtype).kind == "f":
        return (base / 4.0).astype(dtype).reshape(shape)
    info = np.iinfo(dtype)
    return np.clip(base, info.min, info.max).astype(dtype).reshape(shape)


def record(name, array):
    expected[name] = {
        "dtype": np.dtype(array.dtype).name,
        "shape": list(array.shape),
        "values": [float(v) for v in np.ascontiguousarray(array).ravel()],
    }


# .npy: every dtype, both byte orders, both memory orders, header versions 1-3.
for code in ["u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f4", "f8"]:
    a = values_for(np.dtype(code), (2, 3, 4))
    for order_name, order in [("c", "C"), ("f", "F")]:
        for endian in ["<", ">"]:
            if code in ("u1", "i1") and endian == ">":
                continue
            arr = np.array(a, dtype=np.dtype(endian + code), order=order)
            tag = "le" if endian == "<" else "be"
            name = f"npy_{code}_{order_name}_{tag}.npy"
            np.save(os.path.join(out, name), arr)
            record(name, a)

for version in [(1, 0), (2, 0), (3, 0)]:
    a = values_for(np.float32, (3, 5))
    name = f"npy_v{version[0]}.npy"
    with open(os.path.join(out, name), "wb") as f:
        np.lib.format.write_array(f, a, version=version)
    record(name, a)

scalar = np.array(3.5, dtype=np.float64)
np.save(os.path.join(out, "npy_scalar.npy"), scalar)
record("npy_scalar.npy", scalar)

# .mat v5: a cube (H×W×B uint16) and a label map, compressed and not; several classes.
cube = (np.arange(4 * 5 * 6, dtype=np.int64).reshape(4, 5, 6) * 13 % 9000 + 955).astype(np.uint16)
labels = (np.arange(4 * 5).reshape(4, 5) % 4).astype(np.uint8)
sio.savemat(os.path.join(out, "mat_v5_cube.mat"), {"cube": cube}, do_compression=False)
record("mat_v5_cube.mat", cube)
sio.savemat(os.path.join(out, "mat_v5_cube_compressed.mat"), {"cube": cube}, do_compression=True)
record("mat_v5_cube_compressed.mat", cube)
sio.savemat(os.path.join(out, "mat_v5_labels_double.mat"), {"gt": labels.astype(np.float64)})
record("mat_v5_labels_double.mat", labels.astype(np.float64))
for t in ["int8", "int16", "int32", "uint32", "int64", "uint64", "float32"]:
    a = values_for(np.dtype(t), (3, 4))
    name = f"mat_v5_{t}.mat"
    sio.savemat(os.path.join(out, name), {"x": a}, do_compression=True)
    record(name, a)
# A file with a cube, a label map and non-numeric company: auto-detection must pick by rank.
sio.savemat(os.path.join(out, "mat_v5_mixed.mat"), {
    "cube": cube, "gt": labels, "note": "made by make_fileformat_fixtures.py",
    "meta": {"sensor": "AVIRIS", "bands": np.array([[200]])}, "cells": np.array([[1.0], [2.0, 3.0]], dtype=object),
}, do_compression=True)
record("mat_v5_mixed.mat#cube", cube)
record("mat_v5_mixed.mat#gt", labels)
# Two cubes: auto-detection must refuse and ask for a name.
sio.savemat(os.path.join(out, "mat_v5_two_cubes.mat"), {"a": cube, "b": cube}, do_compression=True)
# Complex data is refused.
sio.savemat(os.path.join(out, "mat_v5_complex.mat"), {"z": np.array([[1 + 2j, 3 - 1j]])})


# .mat v7.3: HDF5 with a 512-byte user block holding the MATLAB header; MATLAB stores
# arrays transposed (HDF5 dims reversed) and names the class in a MATLAB_class attribute.
def write_v73(path, variables):
    with h5py.File(path, "w", userblock_size=512) as f:
        for name, a in variables.items():
            d = f.create_dataset(name, data=np.ascontiguousarray(a.T))
            name_bytes = (a.dtype.name if a.dtype != np.float64 else "double").encode()
            # MATLAB writes the class as a fixed-length, null-terminated ASCII string.
            string_type = h5py.h5t.C_S1.copy()
            string_type.set_size(len(name_bytes) + 1)
            string_type.set_strpad(h5py.h5t.STR_NULLTERM)
            attr = h5py.h5a.create(d.id, b"MATLAB_class", string_type, h5py.h5s.create(h5py.h5s.SCALAR))
            attr.write(np.array(name_bytes + b"\0", dtype=f"S{len(name_bytes) + 1}"))
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Thu Jan  1 00:00:00 2026 HDF5 schema 1.00 ."
    header = header.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02" + b"IM"
    with open(path, "r+b") as f:
        f.write(header + b"\x00" * (512 - len(header)))


write_v73(os.path.join(out, "mat_v73_cube.mat"), {"cube": cube, "gt": labels})
record("mat_v73_cube.mat#cube", cube)
record("mat_v73_cube.mat#gt", labels)

with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print(f"wrote {len(os.listdir(out))} files to {out}")
