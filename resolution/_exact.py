"""Exact rational linear algebra over :class:`fractions.Fraction` (internal).

Small dense systems only: ranks, solutions and integer kernels for the
polyhedral code.  Python's ``Fraction`` is used rather than sympy matrices
because these loops are hot and the matrices are tiny.
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd, lcm
from typing import Sequence


def row_echelon(rows: Sequence[Sequence[int | Fraction]]) -> tuple[list[list[Fraction]], list[int]]:
    """Reduced row echelon form and pivot columns of ``rows`` (exact)."""
    matrix = [[Fraction(v) for v in row] for row in rows]
    pivots: list[int] = []
    if not matrix:
        return matrix, pivots
    ncols = len(matrix[0])
    r = 0
    for c in range(ncols):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][c] != 0), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        inv = 1 / matrix[r][c]
        matrix[r] = [v * inv for v in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][c] != 0:
                factor = matrix[i][c]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[r])]
        pivots.append(c)
        r += 1
        if r == len(matrix):
            break
    return matrix[:r], pivots


def rank(rows: Sequence[Sequence[int | Fraction]]) -> int:
    """Exact rank of a matrix given by its rows."""
    return len(row_echelon(rows)[1])


def affine_dimension(points: Sequence[Sequence[int]], directions: Sequence[Sequence[int]] = ()) -> int:
    """Dimension of ``aff(points) + span(directions)`` (``points`` non-empty)."""
    base = points[0]
    rows = [[p - q for p, q in zip(point, base)] for point in points[1:]]
    return rank(rows + [list(v) for v in directions])


def primitive_kernel_vector(rows: Sequence[Sequence[int]], ncols: int) -> tuple[int, ...] | None:
    """The primitive integer vector spanning the kernel of ``rows``, if it is one-dimensional."""
    echelon, pivots = row_echelon(rows) if rows else ([], [])
    free = [c for c in range(ncols) if c not in pivots]
    if len(free) != 1:
        return None
    (f,) = free
    vector = [Fraction(0)] * ncols
    vector[f] = Fraction(1)
    for row, p in zip(echelon, pivots):
        vector[p] = -row[f]
    scale = lcm(*(v.denominator for v in vector))
    ints = [int(v * scale) for v in vector]
    g = gcd(*ints)
    return tuple(v // g for v in ints)

