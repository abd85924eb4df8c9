#!/usr/bin/env python3
"""Reference NNGP/NTK values for tests/kernels/gram.cpp: depth-3 fully connected ReLU (C_w = 2,
C_b = 0.1) and erf (C_w = 1.5, C_b = 0.05) networks in NTK parameterisation, for input pairs in
R^4 including near-duplicates x' = x(1 + 1e-7) + 1e-7·δ. Computed with mpmath at 60 digits from
the naive textbook recursion (arccos of k12/√(k11k22), Williams' arcsin), which is exact in high
precision; inputs are the doubles printed (exactly representable), so the C++ test sees the same
numbers. Prints C++ initialisers; the output is committed in the test.
Run: python3 tests/reference/kernel_reference.py
"""
from mpmath import mp, mpf, acos, asin, sin, cos, pi, sqrt

mp.dps = 60

X = [0.8, -0.3, 1.1, 0.45]
DELTA = [0.3, -0.2, 0.9, -0.5]
OTHER = [-0.2, 0.7, 0.1, 1.3]


def near(x, eps):
    return [float(a * (1 + eps) + eps * d) for a, d in zip(x, DELTA)]


PAIRS = [("generic", X, OTHER), ("near 1e-7", X, near(X, 1e-7)), ("near 1e-5", X, near(X, 1e-5))]


def relu(k11, k22, k12):
    c = k12 / sqrt(k11 * k22)
    t = acos(c)
    ss = sqrt(k11 * k22) / (2 * pi) * (sin(t) + (pi - t) * cos(t))
    dd = (pi - t) / (2 * pi)
    return k11 / 2, k22 / 2, ss, dd, mpf(1) / 2


def erf(k11, k22, k12):
    def e(a, b, c):
        return 2 / pi * asin(2 * c / sqrt((1 + 2 * a) * (1 + 2 * b)))

    def d(a, b, c):
        return 4 / pi / sqrt((1 + 2 * a) * (1 + 2 * b) - 4 * c * c)

    return e(k11, k11, k11), e(k22, k22, k22), e(k11, k22, k12), d(k11, k22, k12), (d(k11, k11, k11), d(k22, k22, k22))


def kernel(x, y, act, Cw, Cb, depth):
    d = len(x)
    x = [mpf(v) for v in x]
    y = [mpf(v) for v in y]
    k11 = Cw * sum(a * a for a in x) / d + Cb
    k22 = Cw * sum(b * b for b in y) / d + Cb
    k12 = Cw * sum(a * b for a, b in zip(x, y)) / d + Cb
    t11, t22, t12 = k11, k22, k12
    for _ in range(depth - 1):
        if act == "relu":
            s11, s22, s12, dd, dself = relu(k11, k22, k12)
            d11 = d22 = dself
        else:
            s11, s22, s12, dd, (d11, d22) = erf(k11, k22, k12)
        k11, k22, k12 = Cw * s11 + Cb, Cw * s22 + Cb, Cw * s12 + Cb
        t11 = k11 + Cw * d11 * t11
        t22 = k22 + Cw * d22 * t22
        t12 = k12 + Cw * dd * t12
    return k12, t12


print("// relu: C_w = 2, C_b = 0.1; erf: C_w = 1.5, C_b = 0.05; depth 3, NTK parameterisation")
for name, x, y in PAIRS:
    r = kernel(x, y, "relu", mpf(2), mpf("0.1"), 3)
    e = kernel(x, y, "erf", mpf("1.5"), mpf("0.05"), 3)
    fx = ", ".join(repr(float(v)) for v in x)
    fy = ", ".join(repr(float(v)) for v in y)
    vals = ", ".join(mp.nstr(v, 20) for v in (*r, *e))
    print(f"    {{{{{fx}}}, {{{fy}}}, {vals}}},  // {name}")
