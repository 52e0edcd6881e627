"""An exact rational simplex method (internal).

Newton distances and τ-faces are linear programs whose answers must be exact
rationals.  Floating-point solvers (HiGHS in scipy) return rounded vertices,
and an exact LP library with binary wheels for every platform is not on PyPI,
so this module solves the small programs that arise here exactly, over
:class:`fractions.Fraction`: dense tableau, Dantzig's rule with a switch to
Bland's rule after a run of degenerate pivots (which rules out cycling; Bland
1977, *Math. Oper. Res.* 2:103-107), two phases when no starting basis is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

_DEGENERATE_RUN = 25


@dataclass(frozen=True, slots=True)
class LPSolution:
    """An optimal basic solution of ``min c·x, A x = b, x >= 0``."""

    value: Fraction
    x: tuple[Fraction, ...]
    basis: tuple[int, ...]
    reduced_costs: tuple[Fraction, ...]


class Unbounded(ArithmeticError):
    """The program has no finite minimum."""


def _pivot(tableau: list[list[Fraction]], cost: list[Fraction], r: int, c: int) -> None:
    row = tableau[r]
    inv = 1 / row[c]
    nonzero = [k for k, v in enumerate(row) if v != 0]
    for k in nonzero:
        row[k] *= inv
    for other in (*tableau[:r], *tableau[r + 1 :], cost):
        factor = other[c]
        if factor != 0:
            for k in nonzero:
                other[k] -= factor * row[k]


def _canonicalize(tableau: list[list[Fraction]], cost: list[Fraction], basis: Sequence[int]) -> list[int]:
    """Pivot ``basis`` into the tableau; return the basic column of each row."""
    row_basis: list[int | None] = [None] * len(tableau)
    for col in basis:
        r = next(
            (i for i, row in enumerate(tableau) if row_basis[i] is None and row[col] != 0),
            None,
        )
        if r is None:
            raise ValueError("the given basis is singular")
        _pivot(tableau, cost, r, col)
        row_basis[r] = col
    if any(b is None for b in row_basis):
        raise ValueError("the given basis is too small")
    return row_basis  # type: ignore[return-value]


def _iterate(tableau: list[list[Fraction]], cost: list[Fraction], row_basis: list[int], ncols: int) -> None:
    degenerate = 0
    while True:
        candidates = [j for j in range(ncols) if cost[j] < 0]
        if not candidates:
            return
        if degenerate >= _DEGENERATE_RUN:
            entering = candidates[0]
        else:
            entering = min(candidates, key=lambda j: cost[j])
        best: tuple[Fraction, int, int] | None = None
        for i, row in enumerate(tableau):
            a = row[entering]
            if a > 0:
                key = (row[-1] / a, row_basis[i], i)
                if best is None or key < best:
                    best = key
        if best is None:
            raise Unbounded("the linear program is unbounded")
        ratio, _, r = best
        degenerate = degenerate + 1 if ratio == 0 else 0
        _pivot(tableau, cost, r, entering)
        row_basis[r] = entering


def _cost_row(tableau: list[list[Fraction]], row_basis: list[int], c: Sequence[Fraction]) -> list[Fraction]:
    cost = [Fraction(v) for v in c] + [Fraction(0)]
    for row, b in zip(tableau, row_basis):
        factor = cost[b]
        if factor != 0:
            cost = [u - factor * v for u, v in zip(cost, row)]
    return cost


def minimize(
    c: Sequence[int | Fraction],
    rows: Sequence[Sequence[int | Fraction]],
    rhs: Sequence[int | Fraction],
    *,
    basis: Sequence[int] | None = None,
) -> LPSolution | None:
    """Minimize ``c·x`` subject to ``rows·x = rhs`` and ``x >= 0``, exactly.

    ``basis`` (optional) names columns forming a feasible basis; without it a
    first phase finds one.  Returns ``None`` when the program is infeasible
    and raises :class:`Unbounded` when it has no finite minimum.
    """
    n = len(c)
    tableau = [[Fraction(v) for v in row] + [Fraction(b)] for row, b in zip(rows, rhs)]
    if basis is None:
        for row in tableau:
            if row[-1] < 0:
                row[:] = [-v for v in row]
        m = len(tableau)
        for i, row in enumerate(tableau):
            row[n:n] = [Fraction(int(i == k)) for k in range(m)]
        artificial_cost = [Fraction(0)] * n + [Fraction(1)] * m
        row_basis = list(range(n, n + m))
        cost = _cost_row(tableau, row_basis, artificial_cost)
        _iterate(tableau, cost, row_basis, n + m)
        if cost[-1] != 0:
            return None
        scratch = [Fraction(0)] * (n + m + 1)
        for i in reversed(range(len(tableau))):
            if row_basis[i] >= n:  # an artificial left in the basis at level zero
                col = next((j for j in range(n) if tableau[i][j] != 0), None)
                if col is None:  # the row is a combination of the others
                    del tableau[i], row_basis[i]
                else:
                    _pivot(tableau, scratch, i, col)
                    row_basis[i] = col
        for row in tableau:
            del row[n : n + m]
    else:
        dummy = [Fraction(0)] * (n + 1)
        row_basis = _canonicalize(tableau, dummy, basis)
        if any(row[-1] < 0 for row in tableau):
            raise ValueError("the given basis is not feasible")
    cost = _cost_row(tableau, row_basis, [Fraction(v) for v in c])
    _iterate(tableau, cost, row_basis, n)
    x = [Fraction(0)] * n
    for row, b in zip(tableau, row_basis):
        x[b] = row[-1]
    return LPSolution(
        value=-cost[-1],
        x=tuple(x),
        basis=tuple(row_basis),
        reduced_costs=tuple(cost[:n]),
    )
