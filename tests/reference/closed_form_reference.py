#!/usr/bin/env python3
"""Reference values for tests/kernels/closed_form.cpp, computed with mpmath at 50 digits from the
*naive* textbook formulas (arccos of k12/√(k11k22), E σ(u)² + E σ(v)² − 2E σ(u)σ(v)), which are
exact in high precision. Inputs: pairs of vectors x, x' in R³ with k = xᵀx'/3 (C_w = 1, d = 3) and
dist = ‖x − x'‖²/3, including near-duplicates x' = x + ε·δ. Prints C++ initialisers; the output is
committed in the test. Run: python3 tests/reference/closed_form_reference.py
"""
from mpmath import mp, mpf, acos, asin, sin, cos, pi, sqrt

mp.dps = 50

CASES = [
    ("generic", [1.0, 0.5, -0.3], [0.2, -1.1, 0.7]),
    ("near-duplicate 1e-7", [1.0, 0.5, -0.3], None),
    ("near-duplicate 1e-4", [0.4, -2.0, 1.5], None),
    ("anti-aligned", [1.0, 0.5, -0.3], [-1.0, -0.5, 0.3]),
]
DELTA = [0.3, -0.2, 0.9]


def pair(x, y):
    x = [mpf(v) for v in x]
    y = [mpf(v) for v in y]
    k11 = sum(a * a for a in x) / 3
    k22 = sum(b * b for b in y) / 3
    k12 = sum(a * b for a, b in zip(x, y)) / 3
    dist = sum((a - b) ** 2 for a, b in zip(x, y)) / 3
    return k11, k22, k12, dist


def relu(k11, k22, k12):
    th = acos(k12 / sqrt(k11 * k22))
    ss12 = sqrt(k11 * k22) / (2 * pi) * (sin(th) + (pi - th) * cos(th))
    return ss12, k11 / 2, k22 / 2, (pi - th) / (2 * pi)


def erf_k(k11, k22, k12):
    ss12 = 2 / pi * asin(2 * k12 / sqrt((1 + 2 * k11) * (1 + 2 * k22)))
    ss11 = 2 / pi * asin(2 * k11 / (1 + 2 * k11))
    ss22 = 2 / pi * asin(2 * k22 / (1 + 2 * k22))
    dd = 4 / pi / sqrt((1 + 2 * k11) * (1 + 2 * k22) - 4 * k12 ** 2)
    return ss12, ss11, ss22, dd


for name, x, y in CASES:
    if y is None:
        eps = mpf(name.split()[-1])
        # x' = x + ε·δ with x' rounded to double, as the C++ test builds it
        y = [float(mpf(a) + eps * mpf(d)) for a, d in zip(x, DELTA)]
    k11, k22, k12, dist = pair(x, y)
    r = relu(k11, k22, k12)
    e = erf_k(k11, k22, k12)
    rd = r[1] + r[2] - 2 * r[0]
    ed = e[1] + e[2] - 2 * e[0]
    print(f"// {name}: x = {x}, x' = {[repr(v) for v in y]}")
    print("{{" + ", ".join(repr(float(v)) for v in x) + "}, {" + ", ".join(repr(float(v)) for v in y) + "}, "
          f"{mp.nstr(r[0], 20)}, {mp.nstr(rd, 20)}, {mp.nstr(r[3], 20)}, {mp.nstr(e[0], 20)}, {mp.nstr(ed, 20)}, {mp.nstr(e[3], 20)}}},")
