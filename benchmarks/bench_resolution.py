"""Resolution benchmark: the repeated-weight polynomial networks, and a set of degenerate germs.

1. Sergeant-Perthuis, Tsigaridas & Tsukahara (2026), Table 1: the two-parameter network with the
   repeated weight W = [[θ1 + θ2, θ1²], [θ1², θ2²]], activation t ↦ t^r, depth L (L applications of
   W, r-th powers between them), input x = (x1, x2), at θ = 0.  K is taken as the sum of squares of
   the output coefficients (the inputs' moment matrix is the identity), so λ(K) = λ(I)/2 for the
   ideal I of the coefficients.  Their exact SageMath method took 0.05 s to 20 minutes and did not
   finish (r, L) = (3, 5), (4, 4), (4, 5) within an hour; the target here is 10 s a cell.

   In the coordinates t = θ1, s = θ1 + θ2 (a linear change of determinant 1) with weights (1, 2),
   W = W0 + (terms of weighted degree > 2), W0 = [[s, t²], [t², t²]], and the output is
   y = W0·(… W0·(W0·x)^r …)^r + (terms of degree > 2N), N = 1 + r + … + r^(L−1) (see
   :func:`initial_forms`).  Three routes, each in its own process with a per-cell limit:

   * **certificate** — the initial forms of all the generators (by evaluating x, below) have no
     common real zero off the origin, so λ(I) = 3/(2N), m = 1
     (:func:`resolution.weighted_initial_threshold`); the terms of degree > 2N are never built;
   * **toric** — the ideal J of those initial forms resolved by the plane fast path; J has I's
     (λ, m) by the same certificate (I ≡ J modulo terms of degree > 2N).  J is given by the first
     N + 1 forms when they span all forms of degree 2N (:func:`spanning_forms`; "gens": all/these);
   * **blow-up** — the same generators of J resolved by point blow-ups only (the general resolver);
   * **full** — the whole coefficient ideal in θ, untruncated (expanded with FLINT, 4 variables),
     by the toric route: the old route, reported where it finishes within the limit.

   The output is homogeneous of degree D = r^(L−1) in x, so its x-coefficient ideal equals the
   ideal of its values at x = (1, τ), τ = 0, …, D (the Vandermonde matrix of distinct τ is
   invertible over Q): 2(D + 1) polynomials in (t, s), each weighted homogeneous of degree 2N,
   kept as univariate integer polynomials φ (form = t^(2N)·φ(s/t²)).
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

from resolution import resolve, weighted_initial_threshold  # noqa: E402
from singular import rlct  # noqa: E402

CELLS = [(r, L) for r in (1, 2, 3, 4) for L in (2, 3, 4, 5)]

#: What the paper reports of its own times, as the issue summarises them (per-cell figures were not at hand).
PAPER = {(3, 5): "not finished in 1 h", (4, 4): "not finished in 1 h", (4, 5): "not finished in 1 h"}

#: Weights of the coordinates (t, s) = (θ1, θ1 + θ2).
WEIGHTS = (1, 2)

DEGENERATE = [
    # (name, K, variables, literature value)
    ("RRR-07 (ab+cd)^2", "(a*b + c*d)^2", "a,b,c,d", "1/2"),
    ("T3-H2 tanh H=2", "(a1*b1 + a2*b2)^2 + (a1*b1^3 + a2*b2^3)^2", "a1,a2,b1,b2", "2/3"),
    ("RRR 2x2 rank 0, H=1", "(a1*b1)^2 + (a1*b2)^2 + (a2*b1)^2 + (a2*b2)^2", "a1,a2,b1,b2", "1"),
    ("image of x^2+y^4+z^6", "(x + y - z)^2 + (y + 2*z)^4 + (x - z + y^2)^6", "x,y,z", "11/12"),
    ("three lines x 2", "(x*y*(x - y))^2 + z^2", "x,y,z", "5/6"),
    ("ND-06 in other coords", "((x+y)*z)^2 + ((x+y)*(y+z))^2 + (z*(y+z))^2", "x,y,z", "3/4"),
]


def network_coefficients(r: int, depth: int) -> dict[tuple[int, int, int], dict]:
    """The coefficients of x1^f1·x2^f2 in output k of W σ(W σ(... W x)) as polynomials in θ1, θ2:
    {(k, f1, f2): {(e1, e2): integer}}.

    The whole ideal, untruncated, expanded in four variables with FLINT (python-flint's fmpz_mpoly).
    """
    ctx = flint.fmpz_mpoly_ctx.get(("t1", "t2", "x1", "x2"), "lex")
    t1, t2, x1, x2 = ctx.gens()
    a, b, c = t1 + t2, t1**2, t2**2
    h = [a * x1 + b * x2, b * x1 + c * x2]
    for _ in range(depth - 1):
        p = [v**r for v in h]
        h = [a * p[0] + b * p[1], b * p[0] + c * p[1]]
    coefficients: dict[tuple, dict] = {}
    for k, out in enumerate(h):
        for (e1, e2, f1, f2), coeff in out.to_dict().items():
            coefficients.setdefault((k, int(f1), int(f2)), {})[(int(e1), int(e2))] = int(coeff)
    return coefficients


def initial_forms(r: int, depth: int) -> tuple[list[dict], int]:
    """The weighted initial forms (weights (1, 2) on t = θ1, s = θ1 + θ2) of the network's values
    y_k(θ; 1, τ), τ = 0, …, r^(L−1), k = 0, 1 (in that order), and their degree 2N:
    ({(a, b): integer} for t^a·s^b, 2N).

    With a = s, b = t², c = (s − t)² = t² − 2ts + s², W = W0 + (degree > 2), W0 = [[s, t²], [t², t²]].
    If every term of h has degree ≥ o and h0 is its degree-o part, then h^r ≡ h0^r and
    W·h^r ≡ W0·h0^r modulo terms of degree > 2 + r·o (a product's lowest terms are the products of
    the factors' lowest terms), so the degree-2N part of y is the W0-network's output (possibly 0
    for a component).  Every quantity is weighted homogeneous: f = t^d·φ(s/t²) is kept as φ.
    """
    z = flint.fmpz_poly([0, 1])
    forms = []
    for tau in range(r ** (depth - 1) + 1):
        h = [z + tau, flint.fmpz_poly([1 + tau])]  # W0·(1, τ): s + τt² and t² + τt², degree 2
        degree = 2
        for _ in range(depth - 1):
            p = [v**r for v in h]
            degree = 2 + r * degree
            h = [z * p[0] + p[1], p[0] + p[1]]  # W0·p: s·p1 + t²·p2 and t²·p1 + t²·p2
        forms.extend({(degree - 2 * k, k): int(c) for k, c in enumerate(v.coeffs()) if c} for v in h)
    return forms, degree


#: A prime for the rank test of :func:`spanning_forms`.
PRIME = 2**61 - 1


def spanning_forms(forms: list[dict], degree: int) -> list[dict]:
    """The first N + 1 forms (2N = ``degree``) if they span every form of that degree, else all ``forms``.

    The forms of weighted degree 2N (weights (1, 2)) are a Q-space with basis t^(2N−2k)·s^k,
    k = 0, …, N.  If the first N + 1 forms' coefficient matrix is invertible modulo a prime, its
    determinant is not 0, so they span that space; then they generate the same ideal as all the forms
    (each form is a Q-combination of them).  The test is exact and only ever answers "spans".
    """
    n = degree // 2 + 1
    if len(forms) < n:
        return forms
    entries = [forms[j].get((degree - 2 * k, k), 0) % PRIME for k in range(n) for j in range(n)]
    return forms[:n] if flint.nmod_mat(n, n, entries, PRIME).rank() == n else forms


def run_route(r: int, depth: int, route: str, queue) -> None:
    """One route for one cell; put (wall seconds, (λ(I), m) or None, #generators, CPU seconds of the process)."""
    start, cpu = time.perf_counter(), time.process_time()
    if route == "full":
        generators = list(network_coefficients(r, depth).values())
        tree = resolve(generators, ["t1", "t2"])
        best = tree.minimum()[:2] if tree.complete else None
    else:
        generators, degree = initial_forms(r, depth)
        if route == "certificate":
            found = weighted_initial_threshold(generators, WEIGHTS, degree)
            best = (found.value, found.multiplicity) if found is not None else None
        else:
            generators = spanning_forms(generators, degree)
            tree = resolve(generators, ["t", "s"], plane=route)
            best = tree.minimum()[:2] if tree.complete else None
    queue.put((time.perf_counter() - start, best, len(generators), time.process_time() - cpu))


def timed(r: int, depth: int, route: str, limit: float):
    """run_route in its own process, stopped after ``limit`` seconds (None when it did not finish)."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=run_route, args=(r, depth, route, queue))
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
    print("   λ, m: the certificate's (initial forms of all generators without common real zero); toric and blow-up:")
    print("   the ideal of those forms resolved; full: the untruncated ideal in θ (toric).  Seconds: wall/CPU of the")
    print("   route's process, building included (CPU ≈ wall on an idle machine; the wall clock is what the limit cuts).")
    print(f"{'r':>2} {'L':>2} {'gens':>7} {'λ(K)':>8} {'m':>2} {'cert s':>9}  {'toric':>17}  {'blow-up':>17}  "
          f"{'full':>17}  paper")
    for r, depth in cells:
        results = {route: timed(r, depth, route, args.limit) for route in ("certificate", "toric", "blow-up", "full")}
        certificate = results["certificate"]
        reference = certificate[1] if certificate is not None else None
        if reference is not None:
            used = results["toric"][2] if results["toric"] is not None else "-"
            value, m, count = f"{reference[0] / 2}", reference[1], f"{certificate[2]}/{used}"
            seconds = f"{certificate[0]:4.1f}/{certificate[3]:4.1f}"
        else:
            value, m, count = "open", "-", "-"
            seconds = "  none" if certificate is not None else f"> {args.limit:.0f}"

        def verdict(result) -> str:
            if result is None:
                return f"> {args.limit:.0f} s"
            if result[1] is None:
                return f"open {result[0]:5.1f}/{result[3]:4.1f}"
            if reference is None:
                return f"{result[1][0] / 2} {result[0]:5.1f}/{result[3]:4.1f}"
            return f"{'agrees' if result[1] == reference else 'DIFFERS'} {result[0]:5.1f}/{result[3]:4.1f}"

        print(f"{r:>2} {depth:>2} {count:>7} {value:>8} {m:>2} {seconds:>9}  {verdict(results['toric']):>17}  "
              f"{verdict(results['blow-up']):>17}  {verdict(results['full']):>17}  {PAPER.get((r, depth), '')}")
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
