"""The .bin matrix format bench_kernels reads and writes (--gram-io, --ntk-io): int64 rows,
int64 cols, then rows·cols float64 in column-major order."""
import struct

import numpy as np


def write_matrix(path, M):
    M = np.asfortranarray(np.asarray(M, dtype=np.float64))
    if M.ndim == 1:
        M = M.reshape(-1, 1)
    with open(path, "wb") as f:
        f.write(struct.pack("<qq", *M.shape))
        f.write(M.tobytes(order="F"))


def read_matrix(path):
    with open(path, "rb") as f:
        r, c = struct.unpack("<qq", f.read(16))
        return np.frombuffer(f.read(), dtype=np.float64).reshape((r, c), order="F")
