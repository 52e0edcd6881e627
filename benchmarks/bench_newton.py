"""Seconds per `rlct` call on random sums of positive even-exponent monomials.

Each germ is Newton non-degenerate, so `rlct` certifies it through the exact
LP route.  Baseline, measured in the same run on the same supports: the
floating-point Newton-distance LP solved by HiGHS (scipy.optimize.linprog),
which is what an inexact tool would do.  Columns: the whole `rlct` call
(parsing, exact polynomial, exact LP, τ-face, certificate), the exact LP alone
(`NewtonPolyhedron.distance`), the float LP, and the two ratios to it.

Targets on a 2-core machine: d=8, N=100 under 1 s; d=12, N=500 under 10 s.

Run: python benchmarks/bench_newton.py [--repeats 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import random
import time

import numpy as np
from scipy.optimize import linprog

from resolution import NewtonPolyhedron, germ
from singular import rlct

TARGETS = {(8, 100): 1.0, (12, 500): 10.0}


def random_germ_text(d: int, n: int, rng: random.Random) -> str:
    """A sum of n distinct monomials with even exponents and coefficients 1..9, vanishing at 0.

    Exponents are 2·k with k uniform in 0..K, K large enough for n distinct monomials (K = 4 from d = 4 on).
    """
    names = [f"w{j + 1}" for j in range(d)]
    top = max(4, math.ceil((2 * n) ** (1 / d)))
    exponents: set[tuple[int, ...]] = set()
    while len(exponents) < n:
        e = tuple(2 * rng.randint(0, top) for _ in range(d))
        if any(e):
            exponents.add(e)
    return " + ".join(
        f"{rng.randint(1, 9)}*" + "*".join(f"{v}^{k}" for v, k in zip(names, e) if k) for e in sorted(exponents)
    )


def float_newton_distance(points: list[tuple[int, ...]]) -> float:
    """The baseline: min t s.t. sum mu_i a_i <= t·1, sum mu = 1, mu >= 0, by HiGHS in floating point."""
    a = np.array(points, dtype=float)
    n, d = a.shape
    res = linprog(
        c=np.r_[np.zeros(n), 1.0],
        A_ub=np.c_[a.T, -np.ones(d)],
        b_ub=np.zeros(d),
        A_eq=np.r_[np.ones(n), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * (n + 1),
        method="highs",
    )
    return float(res.fun)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="germs per (d, N)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{'d':>3} {'N':>4} {'minimal':>8} {'rlct s/call':>12} {'exact LP s':>11} {'float LP s':>11} "
          f"{'rlct/float':>11} {'LP exact/float':>15} {'target':>7}  check")
    for d in (2, 4, 8, 12):
        for n in (10, 100, 500):
            rng = random.Random(hash((args.seed, d, n)) & 0xFFFFFFFF)
            exact_s = float_s = lp_s = 0.0
            minimal = 0
            agree = True
            for _ in range(args.repeats):
                text = random_germ_text(d, n, rng)
                t = time.perf_counter()
                result = rlct(text)
                exact_s += time.perf_counter() - t
                polyhedron = NewtonPolyhedron(germ(text).support)
                t = time.perf_counter()
                polyhedron.distance()
                lp_s += time.perf_counter() - t
                points = list(polyhedron.points)
                minimal += len(points)
                t = time.perf_counter()
                approx = float_newton_distance(points)
                float_s += time.perf_counter() - t
                agree &= result.certified and abs(1 / float(result.value) - approx) < 1e-7
            k = args.repeats
            target = TARGETS.get((d, n))
            verdict = "" if target is None else ("met" if exact_s / k < target else "MISSED")
            print(f"{d:>3} {n:>4} {minimal / k:>8.0f} {exact_s / k:>12.4f} {lp_s / k:>11.4f} {float_s / k:>11.4f} "
                  f"{exact_s / float_s:>11.1f} {lp_s / float_s:>15.1f} "
                  f"{'' if target is None else f'<{target:g}s':>7}  {'agrees' if agree else 'DISAGREES'} {verdict}")


if __name__ == "__main__":
    main()
