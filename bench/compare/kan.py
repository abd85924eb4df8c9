#!/usr/bin/env python3
"""PyTorch peer of bench/kan.cpp: one training step (forward, MSE loss, backward) of a KAN
[64,64,64,1], G = 5, k = 3, batch 1024, in the efficient-KAN formulation (written here after
Blealtan's efficient-kan): every layer evaluates all G + k B-spline bases of every input by the
Cox–de Boor recursion on a dense (batch, n_in, G + 2k) tensor, then one linear map of the flattened
bases plus a linear map of silu(x). Times the step (best of 10) at the given thread count and
measures the peak resident-set increase of the steps, each side in its own process (nnt:
bench_kan --kan-step), and prints the ratios. Peak RSS is read as VmHWM from /proc/self/status on
both sides: getrusage's ru_maxrss survives execve, so a child started from a larger parent cannot see
its own increase.

  OMP_NUM_THREADS=1 python3 bench/compare/kan.py --threads 1

Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so OpenBLAS picks its best kernel.
"""
import argparse
import json
import os
import subprocess
import sys
import time

WIDTHS = [64, 64, 64, 1]
G, K, BATCH = 5, 3, 1024


def peak_rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def torch_step(dtype, threads):
    """Runs in a child process: prints seconds and the peak RSS increase (KiB) of the steps."""
    import torch

    torch.set_num_threads(threads)

    class KANLinear(torch.nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            h = 2.0 / G
            grid = torch.arange(-K, G + K + 1, dtype=dtype) * h - 1.0
            self.register_buffer("grid", grid.expand(n_in, -1).contiguous())
            self.base_weight = torch.nn.Parameter(torch.randn(n_out, n_in, dtype=dtype) / n_in ** 0.5)
            self.spline_weight = torch.nn.Parameter(0.1 / G * torch.randn(n_out, n_in, G + K, dtype=dtype))
            self.spline_scaler = torch.nn.Parameter(torch.ones(n_out, n_in, dtype=dtype))

        def b_splines(self, x):
            g = self.grid
            x = x.unsqueeze(-1)
            bases = ((x >= g[:, :-1]) & (x < g[:, 1:])).to(x.dtype)
            for k in range(1, K + 1):
                bases = (x - g[:, : -(k + 1)]) / (g[:, k:-1] - g[:, : -(k + 1)]) * bases[:, :, :-1] + (
                    g[:, k + 1 :] - x
                ) / (g[:, k + 1 :] - g[:, 1:(-k)]) * bases[:, :, 1:]
            return bases

        def forward(self, x):
            base = torch.nn.functional.linear(torch.nn.functional.silu(x), self.base_weight)
            scaled = self.spline_weight * self.spline_scaler.unsqueeze(-1)
            spline = torch.nn.functional.linear(self.b_splines(x).reshape(x.shape[0], -1), scaled.reshape(scaled.shape[0], -1))
            return base + spline

    torch.manual_seed(0)
    model = torch.nn.Sequential(*[KANLinear(a, b) for a, b in zip(WIDTHS[:-1], WIDTHS[1:])])
    X = 0.5 * torch.randn(BATCH, WIDTHS[0], dtype=dtype)
    Y = torch.randn(BATCH, WIDTHS[-1], dtype=dtype)

    def step():
        model.zero_grad(set_to_none=True)
        loss = 0.5 * ((model(X) - Y) ** 2).sum() / BATCH
        loss.backward()

    before = peak_rss_kib()
    best = float("inf")
    for _ in range(10):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    after = peak_rss_kib()
    print(json.dumps({"seconds": best, "step_rss_kib": after - before}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--binary", default=os.path.join(os.environ.get("NNT_BENCH_DIR", "build/bench/bench"), "bench_kan"))
    ap.add_argument("--nnt", help="ignored (Google Benchmark JSON; this script times nnt itself)")
    ap.add_argument("--child", choices=["float", "double"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        import torch

        torch_step(torch.float32 if args.child == "float" else torch.float64, args.threads)
        return
    import torch

    print(f"KAN {WIDTHS}, G = {G}, k = {K}, batch {BATCH}, forward + backward, {args.threads} thread(s), torch {torch.__version__}:")
    for kind in ("float", "double"):
        nnt_out = subprocess.run([args.binary, "--kan-step", kind, "--threads", str(args.threads)], check=True,
                                 capture_output=True, text=True).stdout
        nnt = dict(line.split() for line in nnt_out.strip().splitlines())
        child = subprocess.run([sys.executable, __file__, "--child", kind, "--threads", str(args.threads)], check=True,
                               capture_output=True, text=True).stdout
        t = json.loads(child)
        nnt_s, nnt_rss = float(nnt["nnt_seconds"]), int(nnt["nnt_step_rss_kib"])
        print(f"  {kind:6s} nnt {nnt_s * 1e3:7.2f} ms, torch (efficient-KAN) {t['seconds'] * 1e3:7.2f} ms, "
              f"speed ratio torch/nnt = {t['seconds'] / nnt_s:.2f}; peak RSS increase during the steps: "
              f"nnt {nnt_rss / 1024:.1f} MiB, torch {t['step_rss_kib'] / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
