#!/usr/bin/env python3
"""Finds OpenBLAS's fastest GEMM kernel on this machine for the Python peers, by measuring.

OpenBLAS (Debian's DYNAMIC_ARCH build, under numpy and torch) picks a kernel per CPU; on some
AVX-512 Xeons the autodetected one runs sgemm ~7x slower than SkylakeX, which would make the peers
look slower than they are. Each candidate (autodetected, OPENBLAS_CORETYPE=SKYLAKEX, HASWELL) runs
in a subprocess: 1024² sgemm and dgemm in numpy and, when installed, torch, at one thread; each
product is checked against a float64 reference (max relative error ≤ 1e-4 in float32 — the
worst-case bound n·ε_f ≈ 6e-5 for n = 1024 — and ≤ 1e-12 in float64). The fastest correct one
(geometric mean of the GFLOP/s; the autodetected one unless another is ≥ 1.1x faster, the
margin of timing noise here) is printed on the last line of stdout ("auto" or the name) and
recorded with every measurement in --out.

  python3 bench/compare/openblas_kernel.py [--out results/bench/openblas_kernel.json]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

CANDIDATES = ["auto", "SKYLAKEX", "HASWELL"]
N = 1024
TOLERANCE = {"float32": 1e-4, "float64": 1e-12}


def probe():
    """Runs in the child: GFLOP/s and errors of each library's sgemm/dgemm under this env."""
    import numpy as np

    rng = np.random.default_rng(0)
    a64 = rng.standard_normal((N, N))
    b64 = rng.standard_normal((N, N))
    ref = a64 @ b64  # reference for the float32 products (float64 rounding is 1e-9 of their error)
    libraries = {"numpy": lambda a, b: a @ b}
    try:
        import torch

        torch.set_num_threads(1)
        libraries["torch"] = lambda a, b: torch.mm(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    except ImportError:
        pass
    out = {}
    for name, mm in libraries.items():
        for dtype in ("float32", "float64"):
            a, b = a64.astype(dtype), b64.astype(dtype)
            c = mm(a, b)
            best = math.inf
            for _ in range(5):
                t = time.perf_counter()
                c = mm(a, b)
                best = min(best, time.perf_counter() - t)
            # float64 is checked against numpy.einsum (its own loops, not the BLAS) on 64 rows.
            check = ref if dtype == "float32" else np.einsum("ij,jk->ik", a64[:64], b64)
            got = c if dtype == "float32" else c[:64]
            err = float(np.abs(got - check).max() / np.abs(check).max())
            out[f"{name}_{dtype}"] = {"gflops": 2 * N**3 / best / 1e9, "max_rel_error": err}
    print(json.dumps(out))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results/bench/openblas_kernel.json")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe()
        return
    results = {}
    for cand in CANDIDATES:
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        if cand != "auto":
            env["OPENBLAS_CORETYPE"] = cand
        run = subprocess.run([sys.executable, __file__, "--probe"], env=env, capture_output=True, text=True)
        if run.returncode != 0:
            results[cand] = {"error": run.stderr.strip()[-300:]}
            continue
        m = json.loads(run.stdout.strip().splitlines()[-1])
        correct = all(v["max_rel_error"] <= TOLERANCE[k.split("_")[1]] for k, v in m.items())
        score = math.exp(sum(math.log(v["gflops"]) for v in m.values()) / len(m))
        results[cand] = {"measurements": m, "correct": correct, "geomean_gflops": score}
        print(f"OpenBLAS kernel {cand:9s}: " + ", ".join(f"{k} {v['gflops']:.1f} GFLOP/s" for k, v in m.items())
              + ("" if correct else "  (WRONG RESULTS: rejected)"), file=sys.stderr)
    usable = {c: r for c, r in results.items() if r.get("correct")}
    if not usable:
        sys.exit("openblas_kernel.py: no OpenBLAS kernel gave correct GEMM results")
    chosen = max(usable, key=lambda c: usable[c]["geomean_gflops"])
    ratio = usable[chosen]["geomean_gflops"] / usable["auto"]["geomean_gflops"] if "auto" in usable else float("nan")
    if "auto" in usable and ratio < 1.1:  # within timing noise of the autodetected kernel: keep it
        chosen, ratio = "auto", 1.0
    print(f"OpenBLAS kernel for the Python peers: {chosen} ({ratio:.2f}x the autodetected one)", file=sys.stderr)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"chosen": chosen, "speedup_over_auto": ratio, "candidates": results}, f, indent=1)
    print(chosen)


if __name__ == "__main__":
    main()
