#!/usr/bin/env python3
"""PyTorch peer of BM_empirical_ntk in bench/kernels.cpp: the empirical NTK Θ = J Jᵀ of a tanh MLP
64→512→512→1 (standard parameterisation, W ~ N(0, 1/n_in), b = 0.1·N(0, 1)) on N = 256 inputs,
float32, by PyTorch's best route here: functorch vmap(jacrev) per-example Jacobians contracted with
einsum (the "Jacobian contraction" method of neural-tangents / the functorch NTK tutorial). Writes
the same weights and inputs for nnt (bench_kernels --ntk-io), times both (best of 5), prints the
ratio torch/nnt and the largest difference.

  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 bench/compare/empirical_ntk.py --threads 1

Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so OpenBLAS picks its best kernel.
"""
import argparse
import os
import subprocess
import tempfile
import time

import numpy as np

import torch
from functorch import jacrev, make_functional, vmap

from matrix_io import read_matrix, write_matrix

WIDTHS = [64, 512, 512, 1]
N = 256


def best_time(fn, repeats=5):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--binary", default=os.path.join(os.environ.get("NNT_BENCH_DIR", "build/bench/bench"), "bench_kernels"))
    ap.add_argument("--nnt", help="ignored (Google Benchmark JSON; this script times nnt itself)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(0)
    layers = []
    for n_in, n_out in zip(WIDTHS[:-1], WIDTHS[1:]):
        lin = torch.nn.Linear(n_in, n_out)
        with torch.no_grad():
            lin.weight.copy_(torch.randn(n_out, n_in, generator=g) / n_in ** 0.5)
            lin.bias.copy_(0.1 * torch.randn(n_out, generator=g))
        layers.append(lin)
    model = torch.nn.Sequential(layers[0], torch.nn.Tanh(), layers[1], torch.nn.Tanh(), layers[2])
    X = torch.randn(N, WIDTHS[0], generator=g)  # torch: examples in rows
    fnet, params = make_functional(model)

    def single(params, x):
        return fnet(params, x.unsqueeze(0)).squeeze(0)

    def torch_ntk():
        jac = vmap(jacrev(single), (None, 0))(params, X)
        jac = [j.flatten(2) for j in jac]  # N × k × p_l
        return sum(torch.einsum("Naf,Mbf->NMab", j, j) for j in jac).squeeze(-1).squeeze(-1)

    with torch.no_grad():
        theta_torch = torch_ntk().double().numpy()
    torch_seconds = best_time(torch_ntk)

    with tempfile.TemporaryDirectory() as tmp:
        write_matrix(os.path.join(tmp, "X.bin"), X.double().numpy().T)
        for l, lin in enumerate(layers):
            write_matrix(os.path.join(tmp, f"W{l}.bin"), lin.weight.detach().double().numpy())
            write_matrix(os.path.join(tmp, f"b{l}.bin"), lin.bias.detach().double().numpy())
        out = subprocess.run([args.binary, "--ntk-io", tmp, "--threads", str(args.threads)], check=True,
                             capture_output=True, text=True).stdout
        nnt_seconds = float(out.split("nnt_seconds")[1].split()[0])
        theta_nnt = read_matrix(os.path.join(tmp, "theta.bin"))
    print(f"empirical NTK, MLP {'-'.join(map(str, WIDTHS))} tanh, N = {N}, float32, {args.threads} thread(s), torch {torch.__version__}:")
    print(f"  nnt (structured)         {nnt_seconds * 1e3:9.2f} ms")
    print(f"  torch (vmap(jacrev)+einsum) {torch_seconds * 1e3:9.2f} ms")
    print(f"  speed ratio torch/nnt = {torch_seconds / nnt_seconds:.1f}")
    diff = np.abs(theta_nnt - theta_torch).max()
    print(f"  max |Θ_nnt − Θ_torch| = {diff:.3g} (max |Θ| = {np.abs(theta_torch).max():.3g}; float32 rounding)")


if __name__ == "__main__":
    main()
