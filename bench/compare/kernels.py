#!/usr/bin/env python3
"""numpy peer of bench/kernels.cpp: the NNGP + NTK Gram of a depth-10 ReLU net (C_w = 2, C_b = 0,
NTK parameterisation) on N inputs in d = 100, double precision, written here as a vectorised,
in-place numpy recursion (one GEMM, then per layer arccos of the clipped cosine, sin θ as
√(1 − cos²θ), no temporaries inside the loop). Runs nnt (bench_kernels --gram-io) and numpy on the
same inputs, alternating, best of `--repeats` each, and prints the speed ratio numpy/nnt, ns per
entry per layer (N² entries, 10 layers) and the largest differences.

  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 bench/compare/kernels.py --threads 1 \
      [--n 4000] [--binary build/bench/bench/bench_kernels]

Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so OpenBLAS picks its best kernel
(scripts/bench does this, and installs libopenblas0-pthread so numpy does not use reference BLAS).
"""
import argparse
import os
import subprocess
import tempfile
import time

import numpy as np

from matrix_io import read_matrix, write_matrix

DEPTH = 10


def relu_nngp_ntk(X, depth, Cw=2.0, Cb=0.0):
    d, N = X.shape
    K = X.T @ X
    K *= Cw / d
    K += Cb
    T = K.copy()
    diag = np.diagonal(K).copy()
    norm = np.empty_like(K)
    c = np.empty_like(K)
    th = np.empty_like(K)
    tmp = np.empty_like(K)
    inv2pi = 1 / (2 * np.pi)
    for _ in range(1, depth):
        r = np.sqrt(diag)
        np.multiply.outer(r, r, out=norm)
        np.divide(K, norm, out=c)
        np.clip(c, -1.0, 1.0, out=c)
        np.arccos(c, out=th)
        np.multiply(c, c, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        np.sqrt(tmp, out=tmp)  # sin θ
        np.subtract(np.pi, th, out=th)  # π − θ
        T *= th
        T *= Cw * inv2pi  # Θ ← C_w E[σ′σ′] Θ
        th *= c
        th += tmp
        th *= norm
        np.multiply(th, Cw * inv2pi, out=K)  # K ← C_w E[σσ] + C_b
        K += Cb
        T += K
        diag = Cw * diag / 2 + Cb
    return K, T


def blas_in_use():
    """The BLAS shared object numpy has loaded (after one GEMM)."""
    a = np.ones((64, 64))
    a @ a
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() or "lapack" in line.lower()}
    return ", ".join(sorted(l for l in libs if l.endswith(".so") or ".so." in l)) or "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--binary", default=os.path.join(os.environ.get("NNT_BENCH_DIR", "build/bench/bench"), "bench_kernels"))
    ap.add_argument("--nnt", help="ignored (Google Benchmark JSON; this script times nnt itself)")
    args = ap.parse_args()
    print(f"numpy {np.__version__}, BLAS: {blas_in_use()}")
    X = np.random.default_rng(0).standard_normal((100, args.n))
    with tempfile.TemporaryDirectory() as tmp:
        xpath = os.path.join(tmp, "X.bin")
        write_matrix(xpath, X)
        nnt_best = numpy_best = float("inf")
        for _ in range(args.repeats):
            out = subprocess.run([args.binary, "--gram-io", xpath, os.path.join(tmp, ""), "--depth", str(DEPTH),
                                  "--threads", str(args.threads)], check=True, capture_output=True, text=True).stdout
            nnt_best = min(nnt_best, float(out.split("nnt_seconds")[1].split()[0]))
            start = time.perf_counter()
            K, T = relu_nngp_ntk(X, DEPTH)
            numpy_best = min(numpy_best, time.perf_counter() - start)
        K_nnt = read_matrix(os.path.join(tmp, "nngp.bin"))
        T_nnt = read_matrix(os.path.join(tmp, "ntk.bin"))
    entries = float(args.n) ** 2 * DEPTH
    print(f"ReLU NNGP+NTK Gram, N = {args.n}, d = 100, depth {DEPTH}, double, {args.threads} thread(s):")
    print(f"  nnt   {nnt_best * 1e3:9.1f} ms  {nnt_best / entries * 1e9:6.2f} ns/entry/layer")
    print(f"  numpy {numpy_best * 1e3:9.1f} ms  {numpy_best / entries * 1e9:6.2f} ns/entry/layer")
    print(f"  speed ratio numpy/nnt = {numpy_best / nnt_best:.2f}")
    print(f"  max |K_nnt − K_numpy| = {np.abs(K_nnt - K).max():.3g} (max |K| = {np.abs(K).max():.3g}), "
          f"max |Θ_nnt − Θ_numpy| = {np.abs(T_nnt - T).max():.3g} (max |Θ| = {np.abs(T).max():.3g})")
    off = ~np.eye(args.n, dtype=bool)
    print(f"  off the diagonal: max |Θ_nnt − Θ_numpy| = {np.abs(T_nnt - T)[off].max():.3g} "
          "(numpy's arccos of the clipped cosine loses ~√ε at the diagonal)")


if __name__ == "__main__":
    main()
