#!/usr/bin/env python3
"""Coefficients of nnt's vectorised arcsine (include/nnt/kernels/nngp_ntk.hpp,
asin_over_x_coefficients): asin(x)/x for x² ∈ [0, ½] as a polynomial in t = 4x² − 1, from the
Chebyshev interpolant of degree DEG (default 17) at 40 nodes in 50-digit mpmath, converted to
monomials, with the worst relative error of its double-precision Horner evaluation on 2000 random
points. Run: DEG=17 python3 tests/reference/asin_polynomial.py
"""
import mpmath as mp
mp.mp.dps = 50
# g(z) = asin(sqrt z)/sqrt z on z in [0, 1/2]; t = 4z - 1 in [-1, 1]
def g(t):
    z = (t + 1) / 4
    if z == 0: return mp.mpf(1)
    return mp.asin(mp.sqrt(z)) / mp.sqrt(z)
n = 40
nodes = [mp.cos(mp.pi * (k + mp.mpf(1)/2) / n) for k in range(n)]
vals = [g(x) for x in nodes]
c = []
for j in range(n):
    s = mp.fsum(vals[k] * mp.cos(mp.pi * j * (k + mp.mpf(1)/2) / n) for k in range(n))
    c.append(2 * s / n)
c[0] /= 2

# Chebyshev (degree DEG) -> monomials in t, in mpmath arithmetic
deg = int(__import__("os").environ.get("DEG", 17))
from mpmath import mpf
# T_k monomial coefficients
T = [[mpf(1)], [mpf(0), mpf(1)]]
for k in range(2, deg + 1):
    prev, prev2 = T[k-1], T[k-2]
    new = [mpf(0)] * (k + 1)
    for i, a in enumerate(prev): new[i+1] += 2 * a
    for i, a in enumerate(prev2): new[i] -= a
    T.append(new)
mono = [mpf(0)] * (deg + 1)
for k in range(deg + 1):
    for i, a in enumerate(T[k]): mono[i] += c[k] * a
print("sum|a|", mp.nstr(sum(abs(a) for a in mono), 5))
for a in mono: print(mp.nstr(a, 21) + ",")
# check
import random
worst = 0
for _ in range(2000):
    z = mpf(random.random()) / 2
    t = 4 * z - 1
    # horner in double
    tt = float(t); acc = 0.0
    for a in reversed(mono): acc = acc * tt + float(a)
    x = mp.sqrt(z)
    ref = mp.asin(x) / x if z > 0 else mpf(1)
    worst = max(worst, abs((acc - ref) / ref))
print("worst rel err double", worst)
