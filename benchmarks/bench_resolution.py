"""Resolution benchmark: the repeated-weight polynomial networks, and a set of degenerate germs.

1. Sergeant-Perthuis, Tsigaridas & Tsukahara (2026), Table 1: the two-parameter network with the
   repeated weight W = [[θ1 + θ2, θ1²], [θ1², θ2²]], activation t ↦ t^r, depth L (L applications of
   W, r-th powers between them), input x = (x1, x2), at θ = 0.  K is taken as the sum of squares of
   the output coefficients (the inputs' moment matrix is the identity), so the answer is
   λ(⟨coefficients⟩)/2 with the ideal resolved by the plane fast path (never expanding K).  Their
   exact SageMath method took 0.05 s to 20 minutes and did not finish (r, L) = (3, 5), (4, 4),
   (4, 5) within an hour; the target here is 10 s a cell.  Each cell is built with FLINT and resolved
   twice, by the toric route and by point blow-ups (the second route), each in its own process with
   a per-cell limit, and reported as not finished beyond it.
2. Degenerate germs in 3-4 variables (reduced-rank regression, tanh networks, coordinate-changed
   sums of squares), timed by the general resolver, each beside its value from the literature.

Run:  python benchmarks/bench_resolution.py [--limit SECONDS] [--cells 3:4,4:3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import pathlib
import sys
import time

import flint
import sympy

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from resolution import resolve  # noqa: E402
from singular import rlct  # noqa: E402

CELLS = [(r, L) for r in (1, 2, 3, 4) for L in (2, 3, 4, 5)]

#: What the paper reports of its own times, as the issue summarises them (per-cell figures were not at hand).
PAPER = {(3, 5): "not finished in 1 h", (4, 4): "not finished in 1 h", (4, 5): "not finished in 1 h"}

DEGENERATE = [
    # (name, K, variables, literature value)
    ("RRR-07 (ab+cd)^2", "(a*b + c*d)^2", "a,b,c,d", "1/2"),
    ("T3-H2 tanh H=2", "(a1*b1 + a2*b2)^2 + (a1*b1^3 + a2*b2^3)^2", "a1,a2,b1,b2", "2/3"),
    ("RRR 2x2 rank 0, H=1", "(a1*b1)^2 + (a1*b2)^2 + (a2*b1)^2 + (a2*b2)^2", "a1,a2,b1,b2", "1"),
    ("image of x^2+y^4+z^6", "(x + y - z)^2 + (y + 2*z)^4 + (x - z + y^2)^6", "x,y,z", "11/12"),
    ("three lines x 2", "(x*y*(x - y))^2 + z^2", "x,y,z", "5/6"),
    ("ND-06 in other coords", "((x+y)*z)^2 + ((x+y)*(y+z))^2 + (z*(y+z))^2", "x,y,z", "3/4"),
]


def network_generators(r: int, depth: int) -> list[dict]:
    """The coefficients (in x) of W σ(W σ(... W x)) as polynomials in θ1, θ2: {(e1, e2): coefficient}.

    Expanded with FLINT (python-flint's fmpq_mpoly), which the resolver also uses over Q.
    """
    ctx = flint.fmpq_mpoly_ctx.get(("t1", "t2", "x1", "x2"), "lex")
    t1, t2, x1, x2 = ctx.gens()
    a, b, c = t1 + t2, t1**2, t2**2
    h = [a * x1 + b * x2, b * x1 + c * x2]
    for _ in range(depth - 1):
        p = [v**r for v in h]
        h = [a * p[0] + b * p[1], b * p[0] + c * p[1]]
    coefficients: dict[tuple, dict] = {}
    for k, out in enumerate(h):
        for (e1, e2, f1, f2), coeff in out.to_dict().items():
            coefficients.setdefault((int(k), int(f1), int(f2)), {})[(int(e1), int(e2))] = sympy.Rational(int(coeff.p), int(coeff.q))
    return list(coefficients.values())


def run_route(r: int, depth: int, plane: str, queue) -> None:
    """Build the cell's ideal and resolve it by one route; put (build s, total s, complete, best, charts, #gens)."""
    start = time.perf_counter()
    generators = network_generators(r, depth)
    built = time.perf_counter() - start
    tree = resolve(generators, ["t1", "t2"], plane=plane)
    queue.put((built, time.perf_counter() - start, tree.complete, tree.minimum(), tree.number_of_nodes(),
               len(generators)))


def timed(r: int, depth: int, plane: str, limit: float):
    """run_route in its own process, stopped after ``limit`` seconds (None when it did not finish)."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=run_route, args=(r, depth, plane, queue))
    process.start()
    process.join(limit)
    if process.is_alive():
        process.terminate()
        process.join()
        return None
    return queue.get()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=float, default=60.0, help="seconds per cell and route (default 60)")
    parser.add_argument("--cells", help="only these cells, e.g. 3:4,4:3")
    args = parser.parse_args()
    cells = CELLS if not args.cells else [tuple(int(v) for v in c.split(":")) for c in args.cells.split(",")]
    print("1. Repeated-weight polynomial networks (Sergeant-Perthuis et al. 2026, Table 1), K = Σ c_α(θ)²")
    print("   main route: toric modification of the Newton polygon (plane fast path); second route: point blow-ups")
    print(f"{'r':>2} {'L':>2} {'generators':>10} {'λ':>8} {'m':>2} {'charts':>6} {'build s':>8} {'total s':>8}"
          f"  {'second route':>14} {'s':>8}  paper")
    for r, depth in cells:
        main_route = timed(r, depth, "toric", args.limit)
        paper = PAPER.get((r, depth), "")
        if main_route is None:
            print(f"{r:>2} {depth:>2}  not finished within {args.limit:.0f} s{'':>40}  {paper}")
            continue
        built, total, complete, best, charts, count = main_route
        value, m = (f"{best[0] / 2}", best[1]) if complete else ("open", "-")
        second = timed(r, depth, "blow-up", args.limit)
        if second is None:
            verdict, seconds = f"> {args.limit:.0f} s", ""
        elif not (second[2] and complete):
            verdict, seconds = "open (budget)", f"{second[1]:8.2f}"
        else:
            verdict, seconds = ("agrees" if second[3][:2] == best[:2] else "DIFFERS"), f"{second[1]:8.2f}"
        print(f"{r:>2} {depth:>2} {count:>10} {value:>8} {m:>2} {charts:>6} {built:8.2f} {total:8.2f}  "
              f"{verdict:>14} {seconds:>8}  {paper}")
    print()
    print("2. Degenerate germs in 3-4 variables (general resolver)")
    print(f"{'case':<24} {'λ':>6} {'m':>2} {'literature':>10} {'charts':>6} {'seconds':>8}")
    for name, text, names, truth in DEGENERATE:
        start = time.perf_counter()
        result = rlct(text, variables=names, method="resolution")
        seconds = time.perf_counter() - start
        mark = "" if result.certified and result.value == sympy.Rational(truth) else ("  <- DIFFERS" if result.certified else "  (uncertified)")
        charts = result.tree.number_of_nodes() if result.tree is not None else 0
        print(f"{name:<24} {str(result.value):>6} {str(result.multiplicity):>2} {truth:>10} {charts:>6} {seconds:8.3f}{mark}")


if __name__ == "__main__":
    main()
