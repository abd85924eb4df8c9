#!/usr/bin/env python3
"""Dense check of nnt's matrix-free top Hessian eigenvalue (COURSE-independent target of the MLP
issue: top eigenvalue of a ~10k-parameter MLP Hessian to 1e-6 relative in <= 60 HVPs).

Runs `bench_curvature --dump-hessian FILE` (nnt builds the dense Hessian column by column from
R-operator products and prints its own Lanczos result), loads the matrix with numpy and computes
the largest eigenvalue with LAPACK (scipy.linalg.eigh, dsyevr, subset by index), then prints the
relative difference. Needs python3-numpy and python3-scipy; writes ~1 GB to the given folder.

  python3 bench/compare/curvature_dense.py build/bench/bench_curvature results/bench
"""
import os
import subprocess
import sys
import time

import numpy as np
import scipy.linalg


def main():
    binary, folder = sys.argv[1], sys.argv[2]
    path = os.path.join(folder, "hessian.bin")
    out = subprocess.run([binary, "--dump-hessian", path], check=True, capture_output=True, text=True).stdout
    info = dict(line.split(" ", 1) for line in out.strip().splitlines())
    with open(path, "rb") as f:
        n = int(np.frombuffer(f.read(8), dtype=np.int64)[0])
        H = np.frombuffer(f.read(), dtype=np.float64).reshape(n, n)
    asym = np.abs(H - H.T).max() / np.abs(H).max()
    start = time.perf_counter()
    top = scipy.linalg.eigh(H, eigvals_only=True, subset_by_index=[n - 1, n - 1])[0]
    seconds = time.perf_counter() - start
    os.remove(path)
    ours = float(info["nnt_top_eigenvalue"])
    print(f"parameters {n}, dense asymmetry {asym:.2e}")
    print(f"LAPACK top eigenvalue {top:.15g} ({seconds:.1f} s)")
    print(f"nnt    top eigenvalue {ours:.15g} ({info['nnt_hvps']} HVPs, status {info['status']})")
    print(f"relative difference {abs(ours - top) / abs(top):.2e}")


if __name__ == "__main__":
    main()
