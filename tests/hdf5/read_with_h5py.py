#!/usr/bin/env python3
"""h5py reads the cross Gram that tests/hdf5/gram_file.cpp wrote with write_kernel_gram_hdf5:
shape (M, N) as numpy sees it, f[name][i, j] = K(a_i, b_j) as kernel_gram computed it (written
as text by the same test), the kernel attribute, float64. An independent reader of the layout.

  read_with_h5py.py FILE.h5 EXPECTED.txt     (exit 77 = skipped: python3-h5py missing)
"""
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:
    print(f"skipped: {e} (install python3-h5py)")
    sys.exit(77)

path, expected_path = sys.argv[1], sys.argv[2]
rows = np.loadtxt(expected_path)
i, j, value = rows[:, 0].astype(int), rows[:, 1].astype(int), rows[:, 2]
m, n = i.max() + 1, j.max() + 1
with h5py.File(path, "r") as f:
    d = f["cross"]
    assert d.shape == (m, n), f"cross: expected shape {(m, n)}, got {d.shape}"
    assert d.dtype == np.float64, f"cross: expected float64, got {d.dtype}"
    kind = d.attrs["kernel"]
    kind = kind.decode() if isinstance(kind, bytes) else str(kind)
    assert kind == "ntk", f"cross.attrs['kernel']: expected 'ntk', got {kind!r}"
    K = d[...]
    # Same formulas, differently blocked input-Gram GEMMs: 64 ε of the largest entry.
    err = np.abs(K[i, j] - value).max()
    tol = 64 * np.finfo(np.float64).eps * np.abs(value).max()
    assert err <= tol, f"cross: expected kernel_gram's entries within {tol:.1e}, got {err:.1e}"
    assert f["cross_nngp"].attrs["kernel"] in (b"nngp", "nngp")
print(f"h5py read cross {K.shape}: max |K - kernel_gram| = {err:.1e} (≤ {tol:.1e})")
