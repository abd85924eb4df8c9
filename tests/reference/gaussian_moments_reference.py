#!/usr/bin/env python3
"""High-precision Gaussian expectations of activations, written to gaussian_moments_reference.inc.

Single input u ~ N(0, K): E σ(u)², E σ′(u)², E σ(u)σ″(u). Pairs (u, v) ~ N(0, [[k11, k12], [k12, k22]]),
k22 = 0.8 k11, k12 = ρ √(k11 k22): E σ(u)σ(v), E σ′(u)σ′(v) and E (σ(u) − σ(v))² (integrated as a square).
σ: tanh, sigmoid, softplus, gelu = x Φ(x) (exact), silu = x sigmoid(x), erf. mpmath, mp.dps = 30.

Each 1-D integral ∫ g(t) N(t; b, s²) dt over |t − b| ≤ 13 s is composite 16-node Gauss–Legendre on
panels split at b + s·{0, ±2, ±4, ±6, ±9, ±13} (skipped inside feature panels narrower than s) and
at σ's feature points 0, ±t0·r^k out to where σ is affine to 1e-32: t0 = d/3, r = 1.7 for a pole
distance d (tanh π/2, logistic family π); t0 = ½, 1/√8, r = 1.5 for the Gaussian-type gelu and erf.
So σ(√K z) is resolved at any K. Pairs: u = √k11 z1, v = c z1 + s z2 (c = k12/√k11, s² = k22 − c²);
the inner integral is over t = v ~ N(c z1, s²) (σ precomputed on whole feature panels), the outer
over u, folded onto u ≥ 0 by σ(−x) = α σ(x) + β + γ x, with its feature points graded on to 13 √k11:
it also holds σ blurred by the inner Gaussian, whose structure reaches further (without this, erf at
K = 30, ρ = 0.9 was off by 2e-19). Inputs are rounded to their 20 printed digits first, so the values
belong to the printed inputs.

Run: nice -n 10 /usr/bin/python3 tests/reference/gaussian_moments_reference.py   (≈ 35 min CPU)
Writes the .inc next to this file and prints checks: spot values recomputed at dps 40 with 24-node
panels and with v as the outer variable, the erf closed forms, and the root of E_K[gelu gelu″] at
K* = (3 + √17)/2.
"""
import bisect, os, sys, time
from decimal import Decimal
from mpmath import mp, mpf, exp, expm1, log1p, erf, erfc, sqrt, pi, asin, fsum, findroot
from mpmath.libmp import to_str

ACTS = ("tanh", "sigmoid", "softplus", "gelu", "silu", "erf")
REFL = {"tanh": (-1, 0, 0), "erf": (-1, 0, 0), "sigmoid": (-1, 1, 0),  # σ(−x) = α σ(x) + β + γ x
        "softplus": (1, 0, -1), "gelu": (1, 0, -1), "silu": (1, 0, -1)}
FEATURES = {"tanh": ("0.52", "1.7", 37), "sigmoid": ("1.05", "1.7", 74), "softplus": ("1.05", "1.7", 74),
            "silu": ("1.05", "1.7", 78), "gelu": ("0.5", "1.5", 12.5), "erf": ("0.35355339", "1.5", 9)}  # t0, ratio, extent
GAUSS = (-13, -9, -6, -4, -2, 0, 2, 4, 6, 9, 13)
RHOS = ("0.999", "0.9", "0.5", "0", "-0.7")


def k_lists():  # at the working precision
    K1 = [10 ** (mpf(-3) + 6 * mpf(i) / 59) for i in range(60)]
    K1 += [mpf(x) for x in ("0.5", "0.6666", "0.67", "1", "1.3", "2", "2.7", "4", "10", "100")]
    K2 = [10 ** (mpf(-2) + 4 * mpf(i) / 23) for i in range(24)] + [mpf(x) for x in ("0.6666", "1.3", "2.7", "4")]
    return sorted(K1), sorted(K2)


def digits20(x):
    """x rounded to 20 significant digits, as a C++ long double literal."""
    if x == 0: return "0.0000000000000000000e+00L"
    m, e = format(Decimal(to_str(mpf(x)._mpf_, 20)), ".19e").split("e")
    return "%se%+03dL" % (m, int(e))


as_input = lambda x: digits20(x)[:-1]  # an input as printed, and integrated with


def activation(name):
    """x -> (σ, σ′, σ″), accurate for every real x at the current precision."""
    if name == "gelu":
        c, r2 = 1 / sqrt(2 * pi), sqrt(2)
        def f(x):
            P, p = erfc(-x / r2) / 2, c * exp(-x * x / 2)
            return x * P, P + x * p, (2 - x * x) * p
        return f
    if name == "erf":
        c = 2 / sqrt(pi)
        def f(x):
            d = c * exp(-x * x)
            return erf(x), d, -2 * x * d
        return f
    k = 2 if name == "tanh" else 1
    def f(x):  # logistic(k x) = (1 ± th)/2, th = tanh(k|x|/2), d = logistic′(k x)
        em = expm1(-k * abs(x)); r = 1 / (2 + em); th, d = -em * r, (1 + em) * r * r
        sth = th if x >= 0 else -th
        if name == "tanh": return sth, 4 * d, -8 * d * sth
        s = (1 + sth) / 2
        if name == "sigmoid": return s, d, -d * sth
        if name == "softplus": return (x if x > 0 else 0) + log1p(1 + em), s, d
        return x * s, s + x * d, d * (2 - abs(x) * th)  # silu
    return f


def gauss_legendre(n):  # n even
    xs, ws = [], []
    for k in range(1, n // 2 + 1):  # positive nodes by Newton, then mirrored (exactly symmetric rule)
        x = mp.cos(pi * (k - mpf(1) / 4) / (n + mpf(1) / 2))
        for _ in range(100):
            p0, p1 = mpf(1), x
            for j in range(2, n + 1): p0, p1 = p1, ((2 * j - 1) * x * p1 - (j - 1) * p0) / j
            dp = n * (x * p1 - p0) / (x * x - 1); dx = p1 / dp; x -= dx
            if abs(dx) < mpf(2) ** (-mp.prec - 4): break
        xs += [x, -x]; ws += [2 / ((1 - x * x) * dp * dp)] * 2
    return xs, ws


class Quadrature:
    def __init__(self, dps, n):
        mp.dps = dps
        self.n, self.gl, self.f, self.feat, self.fixed = n, gauss_legendre(n), {}, {}, {}
        for a in ACTS:
            self.f[a] = activation(a)
            t0, ratio, extent = FEATURES[a]; pts = [mpf(0), mpf(t0)]
            while pts[-1] < extent: pts.append(pts[-1] * mpf(ratio))
            self.feat[a] = pts = sorted(set(pts + [-p for p in pts]))
            self.fixed[a] = {(p, q): self.panel(a, p, q) for p, q in zip(pts, pts[1:])}

    def panel(self, a, p, q):
        h, mid, f = (q - p) / 2, (q + p) / 2, self.f[a]
        T = [mid + h * x for x in self.gl[0]]
        return T, [h * w for w in self.gl[1]], [f(t) for t in T]

    def rule(self, a, b, s, lo, hi, outer=False):
        """Nodes t, weights w and σ's: ∑ w g(t) ≈ ∫ g(t) exp(−(t−b)²/2s²) dt over [b + lo s, b + hi s]."""
        F = self.feat[a]; tl, th = b + lo * s, b + hi * s
        if outer:  # the outer integrand also holds σ blurred by the inner Gaussian: grade out to the end
            F = list(F)
            while F[-1] < th: F.append(F[-1] * mpf(FEATURES[a][1]))
        f = F[bisect.bisect_right(F, tl):bisect.bisect_left(F, th)]
        pts = set(f)
        for g in GAUSS:  # skipped inside feature panels narrower than s, which resolve the Gaussian anyway
            if lo <= g <= hi:
                x = b + g * s; i = bisect.bisect_left(f, x)
                if g in (lo, hi) or not 0 < i < len(f) or f[i] - f[i - 1] > s: pts.add(x)
        pts = sorted(pts); T, W, V = [], [], []
        c = -1 / (2 * s * s)
        for p, q in zip(pts, pts[1:]):
            if (p, q) in self.fixed[a]: Tp, Wp, Vp = self.fixed[a][p, q]
            else: Tp, Wp, Vp = self.panel(a, p, q)
            T += Tp; V += Vp; W += [w * exp(c * (t - b) * (t - b)) for t, w in zip(Tp, Wp)]
        return T, W, V


def single(Q, a, K):
    s = sqrt(K); T, W, V = Q.rule(a, 0, s, -13, 13); nrm = 1 / (s * sqrt(2 * pi))
    return [nrm * fsum(w * x[0] * x[0] for w, x in zip(W, V)), nrm * fsum(w * x[1] * x[1] for w, x in zip(W, V)),
            nrm * fsum(w * x[0] * x[2] for w, x in zip(W, V))]


def pair(Q, a, k11, k22, k12):
    al, be, ga = REFL[a]
    s1 = sqrt(k11); s = sqrt(k22 - k12 * k12 / k11); lam = k12 / k11  # inner mean c z1 = lam u
    T1, W1, V1 = Q.rule(a, 0, s1, 0, 13, outer=True); nrm = 1 / (s * sqrt(2 * pi))
    ss, dd, dist = [], [], []
    for u, w1, (su, du, _) in zip(T1, W1, V1):
        b = lam * u
        T, W, V = Q.rule(a, b, s, -13, 13)
        Es = nrm * fsum(w * x[0] for w, x in zip(W, V)); Ed = nrm * fsum(w * x[1] for w, x in zip(W, V))
        q = fsum(w * d * d for w, d in zip(W, [su - x[0] for x in V]))
        if ga: k = su - u; q += fsum(w * d * d for w, d in zip(W, [k - x[0] + t for t, x in zip(T, V)]))
        else: q *= 2
        ss.append(w1 * (su * Es + (al * su + be + ga * u) * (al * Es + be + ga * b)))
        dd.append(w1 * (du * Ed + (al * du + ga) * (al * Ed + ga)))
        dist.append(w1 * nrm * q)
    n1 = 1 / (s1 * sqrt(2 * pi))
    return [n1 * fsum(ss), n1 * fsum(dd), n1 * fsum(dist)]


def rel(x, y):
    return abs(x - y) / abs(y) if y else abs(x - y)


def erf_closed_form(k11, k22, k12):
    """E erf(u)erf(v), E erf′(u)erf′(v) and E (erf u − erf v)² (Williams 1997)."""
    g = lambda x, y, z: 2 / pi * asin(2 * z / sqrt((1 + 2 * x) * (1 + 2 * y)))
    return (g(k11, k22, k12), 4 / pi / sqrt((1 + 2 * k11) * (1 + 2 * k22) - 4 * k12 ** 2),
            g(k11, k11, k11) + g(k22, k22, k22) - 2 * g(k11, k22, k12))


def main():
    t0 = time.process_time()
    Q = Quadrature(30, 16)
    K1, K2 = k_lists()
    singles = [(a, as_input(K)) for a in ACTS for K in K1]
    pairs, rho_of = [], {}
    for a in ACTS:
        for K in K2:
            k11 = as_input(K); k22 = as_input(mpf("0.8") * mpf(k11))
            for r in RHOS:
                pairs.append((a, k11, k22, as_input(mpf(r) * sqrt(mpf(k11) * mpf(k22))))); rho_of[pairs[-1]] = r
    S = {row: single(Q, row[0], mpf(row[1])) for row in singles}
    P = {}
    for i, row in enumerate(pairs):
        P[row] = pair(Q, row[0], *map(mpf, row[1:]))
        if i % 20 == 19: print("pairs %d/%d, %.0f s" % (i + 1, len(pairs), time.process_time() - t0), file=sys.stderr)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "gaussian_moments_reference.inc"), "w") as fh:
        fh.write("// generated by tests/reference/gaussian_moments_reference.py (mpmath, dps 30): do not edit\n")
        for title, macro, table in (("single-input: {activation, K, E σ², E σ′², E σσ″}", "SINGLE", S),
                                    ("pairs: {activation, k11, k22, k12, E σσ, E σ′σ′, E (σu − σv)²}", "PAIR", P)):
            fh.write("// %s\n#define NNT_GAUSSIAN_%s_REFERENCE \\\n" % (title, macro))
            rows = ['  {"%s", %s}' % (r[0], ", ".join(digits20(mpf(x)) for x in r[1:] + tuple(v))) for r, v in table.items()]
            fh.write(", \\\n".join(rows) + "\n")
    print("tables: %d single rows, %d pair rows, %.0f s CPU" % (len(S), len(P), time.process_time() - t0))

    e1 = e2 = 0  # erf closed forms
    for (a, K), got in S.items():
        if a == "erf":
            K = mpf(K); ex = (2 / pi * asin(2 * K / (1 + 2 * K)), 4 / pi / sqrt(1 + 4 * K),
                              -8 * K / (pi * (1 + 2 * K) * sqrt(1 + 4 * K)))
            e1 = max([e1] + [rel(x, y) for x, y in zip(got, ex)])
    for row, got in P.items():
        if row[0] == "erf": e2 = max([e2] + [rel(x, y) for x, y in zip(got, erf_closed_form(*map(mpf, row[1:])))])
    print("erf closed forms: max rel error single %s, pairs %s" % (mp.nstr(e1, 3), mp.nstr(e2, 3)))

    h = lambda K: single(Q, "gelu", K)[2]  # GELU: E_K[σσ″] changes sign at K* = (3 + √17)/2
    ks, root = (3 + sqrt(17)) / 2, findroot(h, (mpf("3.5"), mpf("3.6")), solver="secant")
    print("gelu E σσ″ at K*(1 ∓ 1e-9): %s, %s; root %s, (3+√17)/2 = %s" % (
        mp.nstr(h(ks * (1 - mpf(10) ** -9)), 5), mp.nstr(h(ks * (1 + mpf(10) ** -9)), 5), mp.nstr(root, 22), mp.nstr(ks, 22)))

    # spot checks: recompute at dps 40 with 24-node panels
    spot_s = [r for r in singles if r[1] in (as_input(K1[0]), as_input(K1[-1]), as_input(mpf("2.7")))]
    spot_k = [(as_input(K2[i]), r) for i, r in ((-1, "0.999"), (-1, "-0.7"), (-4, "0.9"), (0, "0.5"))]
    spot_k.append((as_input(mpf("1.3")), "0.9"))
    spot_p = [r for r in pairs if (r[1], rho_of[r]) in spot_k]
    Q40, worst = Quadrature(40, 24), {}
    def note(kind, got, ref):
        for j, (x, y) in enumerate(zip(got, ref)): worst[kind, j] = max(worst.get((kind, j), 0), rel(x, y))
    for r in spot_s: note("single, dps 40", S[r], single(Q40, r[0], mpf(r[1])))
    for r in spot_p: note("pair, dps 40", P[r], pair(Q40, r[0], *map(mpf, r[1:])))
    Q = Quadrature(30, 16)  # and the pairs again with v as the outer variable (other panels and nodes)
    for r in spot_p: note("pair, v outer", P[r], pair(Q, r[0], mpf(r[2]), mpf(r[1]), mpf(r[3])))
    print("spot checks (%d single, %d pair rows), max rel diff per quantity:" % (len(spot_s), len(spot_p)))
    for k, v in worst.items(): print("  %s, quantity %d: %s" % (k[0], k[1], mp.nstr(v, 3)))
    print("total %.0f s CPU" % (time.process_time() - t0))


if __name__ == "__main__":
    main()
