#!/usr/bin/env python3
"""Reference critical variances K* for tests/kernels/criticality.cpp: the root of
E_K[σ σ″] = 0 (χ∥ = χ⊥ at the fixed point, see include/nnt/kernels/criticality.hpp) for GELU and
SiLU, by mpmath quad + findroot at 30 digits. Run: python3 tests/reference/criticality_reference.py
"""
from mpmath import mp, mpf, quad, exp, sqrt, pi, erf, inf, findroot

mp.dps = 30


def phi(x):
    return exp(-x * x / 2) / sqrt(2 * pi)


def gelu(x):
    return x * (1 + erf(x / sqrt(2))) / 2


def gelu2(x):
    return phi(x) * (2 - x * x)


def silu(x):
    return x / (1 + exp(-x))


def silu2(x):
    s = 1 / (1 + exp(-x))
    return s * (1 - s) * (2 + x * (1 - 2 * s))


def h(f, f2):
    return lambda K: quad(lambda z: f(sqrt(K) * z) * f2(sqrt(K) * z) * phi(z), [-inf, -2, 0, 2, inf])


def moments(f, K):
    return quad(lambda z: f(sqrt(K) * z) ** 2 * phi(z), [-inf, -2, 0, 2, inf])


def derivative_moment(f1, K):
    return quad(lambda z: f1(sqrt(K) * z) ** 2 * phi(z), [-inf, -2, 0, 2, inf])


def gelu1(x):
    return (1 + erf(x / sqrt(2))) / 2 + x * phi(x)


def silu1(x):
    s = 1 / (1 + exp(-x))
    return s * (1 + x * (1 - s))


for name, f, f1, f2, start in [("gelu", gelu, gelu1, gelu2, 3.5), ("silu", silu, silu1, silu2, 14.3)]:
    K = findroot(h(f, f2), mpf(start))
    C_w = 1 / derivative_moment(f1, K)
    C_b = K - C_w * moments(f, K)
    print(name, "K* =", mp.nstr(K, 20), " C_w =", mp.nstr(C_w, 20), " C_b =", mp.nstr(C_b, 20))
