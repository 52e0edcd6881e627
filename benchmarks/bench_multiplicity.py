"""The multiplicity m from a temperature sweep, checked against the exact finite-temperature targets.

For each catalog case the exact target λ(t, γ) = t·E[K] under exp(−tK − (γ/2)‖w − w*‖²)
(:func:`validation.quadrature.target_llc`, docs/conventions.md#the-finite-temperature-target) is computed on a grid of t = nβ; then
:func:`estimators.multiplicity.estimate_multiplicity` is run, for each of its ``corrections``,

- on the exact values, with standard errors s = rel·λ: m̂ and whether it says "confident";
- on the exact values plus N(0, s²) noise, over ``--seeds`` draws: the fraction of draws with m̂ = m,
  with "confident" and m̂ ≠ m (must stay near 0), and with "confident" and m̂ = m.

The first table shows the evidence for the corrections: the deficit λ − λ(t, γ) at the smallest and the
largest t in % of λ; the free slope c of λ − c/log t (m − 1 if the leading form were exact) and the λ
that form extrapolates to (the form of :func:`estimators.extrapolate_llc`); and, from the "full" fit
at the true m, the shift a (m >= 2: λ − (m − 1)/(log t + a)) or the gap δ of the deficit b·t^−δ
(m = 1), with that fit's λ̂.  The exact m is used only to pick that row; the catalog's m comes from
:mod:`singular` (an independent route).

Run (pins one thread):

    python benchmarks/bench_multiplicity.py                  # 23 d <= 2 cases, γ = 1: 4 min
    python benchmarks/bench_multiplicity.py --cases all      # every d <= 3 case (hours: polynets, d = 3)
    python benchmarks/bench_multiplicity.py --localization 0.01 --exponents 2,3,4,5

The default case list leaves out the polynomial networks, the non-polynomial (tanh, analytic) cases
and d = 3, whose quadrature costs 5-90 s per temperature.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads; shared machines

import argparse
import math
import sys
import time

import numpy as np

from estimators.multiplicity import CORRECTIONS, estimate_multiplicity
from validation.cases import catalog
from validation.quadrature import target_llc

SLOW_FAMILIES = ("polynomial network", "tanh network", "analytic")


def _cases(which: str):
    if which == "default":
        return [c for c in catalog() if c.d <= 2 and c.family not in SLOW_FAMILIES]
    if which == "all":
        return [c for c in catalog() if c.d <= 3]
    return list(catalog(which.split(",")))


def _evidence(case, ts: np.ndarray, exact: np.ndarray, rel: float) -> str:
    lam = float(case.lam)
    deficit = 100 * (lam - exact) / lam
    slope, free = np.polyfit(1 / np.log(ts), exact, 1)  # λ − c/log t with c free: extrapolate_llc's form
    fit = estimate_multiplicity(ts, exact, rel * lam * np.ones_like(exact)).fits[case.m - 1]
    shape = f"a = {fit.shift:5.2f}" if fit.shift is not None else (
        f"δ = {fit.gap:5.2f}" if fit.gap is not None else "b = 0    ")
    return (f"{deficit[0]:7.1f}% {deficit[-1]:7.1f}%  c = {-slope:5.2f} λ/λ−1 = {free / lam - 1:+.3f}  "
            f"{shape}  λ̂/λ−1 = {fit.lam / lam - 1:+.3f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default="default", help="'default', 'all' (d <= 3) or comma-separated names")
    parser.add_argument("--localization", type=float, nargs="+", default=[1.0], help="γ values (> 0)")
    parser.add_argument("--exponents", default="2,2.5,3,3.5,4,4.5,5", help="log10 of the sweep's nβ values")
    parser.add_argument("--noise", type=float, nargs="+", default=[0.03, 0.05], help="s.e. as a fraction of λ")
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--level", type=float, default=0.99)
    args = parser.parse_args(argv)
    ts = 10 ** np.array([float(e) for e in args.exponents.split(",")])
    cases = _cases(args.cases)
    start = time.time()
    print(f"sweep nβ = {', '.join(f'{t:.3g}' for t in ts)}; {len(cases)} cases; level {args.level}; "
          f"{args.seeds} noise seeds per case")
    for gamma in args.localization:
        rows = []
        print(f"\n== γ = {gamma:g}: exact targets λ(t, γ) and the evidence for the corrections")
        print(f"{'case':28s} {'d':>1} {'λ':>7} {'m':>1}  {'deficit at':>8} {'t_min, t_max':>8}  "
              "free slope and its λ         'full' fit at the true m")
        for case in cases:
            exact = np.array([target_llc(case.model, float(t), gamma) for t in ts])
            if not np.all(np.isfinite(exact)):
                print(f"{case.name:28s} non-finite quadrature at γ = {gamma:g}; left out")
                continue
            print(f"{case.name:28s} {case.d:>1} {float(case.lam):7.4f} {case.m:>1}  "
                  f"{_evidence(case, ts, exact, args.noise[0])}", flush=True)
            rows.append((case, exact))
        for rel in args.noise:
            _noise_table(rows, ts, rel, args.seeds, args.level)
        print(f"\n(elapsed {time.time() - start:.0f} s)")
    return 0


def _noise_table(rows, ts: np.ndarray, rel: float, seeds: int, level: float) -> None:
    """Per case and corrections: m̂ on the exact values (* = confident) and, under noise, % correct /
    % confident-and-wrong / % confident-and-right; then the totals."""
    print(f"\n-- s.e. = {100 * rel:g}% of λ; per corrections: m̂ exact (* confident) | % correct, "
          "% confident & wrong, % confident & right")
    print(f"{'case':28s} {'m':>1}  " + "  ".join(f"{c:^22s}" for c in CORRECTIONS))
    totals = {c: np.zeros(4) for c in CORRECTIONS}
    worst = {c: 0.0 for c in CORRECTIONS}
    lam_errors = {c: [] for c in CORRECTIONS}
    for index, (case, exact) in enumerate(rows):
        lam = float(case.lam)
        s = rel * lam * np.ones_like(exact)
        rng = np.random.default_rng([index, int(1000 * rel)])
        noisy = exact + rng.standard_normal((seeds, len(ts))) * s
        cells = []
        for corrections in CORRECTIONS:
            clean = estimate_multiplicity(ts, exact, s, level=level, corrections=corrections)
            draws = [estimate_multiplicity(ts, y, s, level=level, corrections=corrections) for y in noisy]
            right = np.array([e.m == case.m for e in draws])
            sure = np.array([e.confident for e in draws])
            lam_errors[corrections].append(np.median([abs(e.lam / lam - 1) for e in draws]))
            totals[corrections] += [clean.m == case.m, right.mean(), (sure & ~right).mean(), (sure & right).mean()]
            worst[corrections] = max(worst[corrections], (sure & ~right).mean())
            cells.append(f"{clean.m}{'*' if clean.confident else ' '} {100 * right.mean():3.0f} "
                         f"{100 * (sure & ~right).mean():4.1f} {100 * (sure & right).mean():3.0f}")
        print(f"{case.name:28s} {case.m:>1}  " + "  ".join(f"{c:^22s}" for c in cells), flush=True)
    n = len(rows)
    print(f"\n{'corrections':12s} {'exact m̂ right':>14} {'noisy right':>12} {'confident & wrong':>18} "
          f"{'(worst case)':>12} {'confident & right':>18} {'|λ̂/λ−1|':>9}")
    for corrections, (exact_right, right, wrong_sure, right_sure) in totals.items():
        print(f"{corrections:12s} {int(exact_right):>8d}/{n:<5d} {right / n:>12.3f} {wrong_sure / n:>18.4f} "
              f"{worst[corrections]:>12.3f} {right_sure / n:>18.3f} {np.median(lam_errors[corrections]):>9.3f}")
    print("(fractions are means over cases of the per-case fractions of noise draws; |λ̂/λ−1| is the median "
          "over cases of each case's median)")


if __name__ == "__main__":
    sys.exit(main())
