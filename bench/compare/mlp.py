#!/usr/bin/env python3
"""PyTorch peer of bench/mlp.cpp: the same nets (tanh hidden layers, MSE with nnt's ½·mean
convention, float32, batch 128), gradient by autograd and Hessian-vector product by double
backward, timed at a fixed thread count. Prints milliseconds per call and, when nnt's Google
Benchmark JSON is given, the ratio nnt/torch for each.

  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 bench/compare/mlp.py --threads 1 \
      [--nnt results/bench/mlp-t1.json]

Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so OpenBLAS picks its best kernel
(scripts/bench does this for this command only).
"""
import argparse
import json
import time

import torch

NETS = {0: [784, 512, 512, 10], 1: [64, 512, 512, 1]}


def make(widths, batch, seed=0):
    g = torch.Generator().manual_seed(seed)
    params = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        params.append((torch.randn(n_out, n_in, generator=g) / n_in ** 0.5).requires_grad_())
        params.append(torch.zeros(n_out).requires_grad_())
    X = torch.randn(widths[0], batch, generator=g)
    Y = torch.randn(widths[-1], batch, generator=g)
    return params, X, Y


def loss_fn(params, X, Y):
    a = X
    L = len(params) // 2
    for l in range(L):
        z = params[2 * l] @ a + params[2 * l + 1][:, None]
        a = torch.tanh(z) if l + 1 < L else z
    return 0.5 * ((a - Y) ** 2).sum() / X.shape[1]


def best_time(fn, min_seconds=1.0, repeats=5):
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds / repeats:
                break
        best = min(best, elapsed / n)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--nnt", help="nnt Google Benchmark JSON (bench_mlp) to compare against")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    nnt = {}
    if args.nnt:
        for b in json.load(open(args.nnt))["benchmarks"]:
            unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
            nnt[b["name"].replace("/manual_time", "")] = b["real_time"] * unit
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, BLAS: "
          f"{'openblas' if 'openblas' in torch.__config__.show().lower() else 'see torch.__config__'}")
    print(f"{'benchmark':<22} {'torch ms':>10} {'nnt ms':>10} {'nnt/torch':>10}")
    for which, widths in NETS.items():
        params, X, Y = make(widths, 128)
        v = [torch.randn_like(p) for p in params]

        def gradient():
            return torch.autograd.grad(loss_fn(params, X, Y), params)

        def hvp():
            g = torch.autograd.grad(loss_fn(params, X, Y), params, create_graph=True)
            dot = sum((gi * vi).sum() for gi, vi in zip(g, v))
            return torch.autograd.grad(dot, params)

        def forward():
            with torch.no_grad():
                return loss_fn(params, X, Y)

        for name, fn in (("forward", forward), ("gradient", gradient), ("hvp", hvp)):
            t = best_time(fn)
            key = f"BM_{name}/{which}"
            n = nnt.get(key)
            ratio = f"{n / t:10.2f}" if n else f"{'-':>10}"
            nms = f"{n * 1e3:10.3f}" if n else f"{'-':>10}"
            print(f"{key:<22} {t * 1e3:10.3f} {nms} {ratio}")


if __name__ == "__main__":
    main()
