#!/usr/bin/env python3
"""Independent reference for tests/core/random.cpp.

Re-implements std::mt19937_64 (the C++ standard's definition: Matsumoto & Nishimura's MT19937-64
with the standard's seeding) and nnt's documented transforms (uniform = (bits >> 11)·2⁻⁵³,
Marsaglia polar normal, one bit per Rademacher draw, splitmix64 stream seeds) in plain Python,
and prints the values the C++ test checks. Run: python3 tests/reference/random_reference.py
"""
import math

MASK = (1 << 64) - 1


class MT19937_64:
    n, m = 312, 156
    a = 0xB5026F5AA96619E9
    upper, lower = 0xFFFFFFFF80000000, 0x7FFFFFFF

    def __init__(self, seed):
        self.mt = [0] * self.n
        self.mt[0] = seed & MASK
        for i in range(1, self.n):
            prev = self.mt[i - 1]
            self.mt[i] = (6364136223846793005 * (prev ^ (prev >> 62)) + i) & MASK
        self.index = self.n

    def twist(self):
        for i in range(self.n):
            x = (self.mt[i] & self.upper) | (self.mt[(i + 1) % self.n] & self.lower)
            xa = x >> 1
            if x & 1:
                xa ^= self.a
            self.mt[i] = self.mt[(i + self.m) % self.n] ^ xa
        self.index = 0

    def __call__(self):
        if self.index >= self.n:
            self.twist()
        y = self.mt[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y & MASK


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def stream_seed(seed, task):
    return splitmix64(seed ^ splitmix64(task))


class Generator:
    def __init__(self, seed):
        self.engine = MT19937_64(seed)
        self.spare = None
        self.buffer, self.left = 0, 0

    def uniform(self):
        return (self.engine() >> 11) * 2.0 ** -53

    def normal(self):
        if self.spare is not None:
            s, self.spare = self.spare, None
            return s
        while True:
            u = 2.0 * self.uniform() - 1.0
            v = 2.0 * self.uniform() - 1.0
            s = u * u + v * v
            if 0.0 < s < 1.0:
                break
        f = math.sqrt(-2.0 * math.log(s) / s)
        self.spare = v * f
        return u * f

    def rademacher(self):
        if self.left == 0:
            self.buffer, self.left = self.engine(), 64
        bit = self.buffer & 1
        self.buffer >>= 1
        self.left -= 1
        return 1 if bit else -1


if __name__ == "__main__":
    e = MT19937_64(5489)
    for _ in range(9999):
        e()
    print("mt19937_64 default seed, 10000th output:", e(), "(standard: 9981545732273789042)")
    g = Generator(42)
    print("seed 42 uniforms:", [repr(g.uniform()) for _ in range(3)])
    g = Generator(42)
    print("seed 42 normals:", [repr(g.normal()) for _ in range(5)])
    g = Generator(42)
    print("seed 42 rademacher x70:", "".join("+" if g.rademacher() > 0 else "-" for _ in range(70)))
    print("stream_seed(42, 0..2):", [stream_seed(42, t) for t in range(3)])
    g = Generator(stream_seed(42, 7))
    print("stream (42, 7) uniform:", repr(g.uniform()))
