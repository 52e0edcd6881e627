"""Helpers shared by the family modules: argument checks, formula results, matrix models."""

from __future__ import annotations

from typing import Sequence

import sympy

from ..errors import BadModel
from ..result import RLCT

__all__ = ["check_count", "formula", "identity_block", "matrix_symbols", "names_of"]


def check_count(name: str, value: object, *, minimum: int = 0) -> int:
    """An integer argument >= minimum, or :class:`BadModel`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise BadModel(name, value, f"must be an integer >= {minimum}")
    return value


def formula(value: sympy.Rational, multiplicity: int | None, paper: str, certificate: str) -> RLCT:
    """A certified result from a published closed form: ``method="formula"``, the paper in ``source``."""
    return RLCT.exact(sympy.Rational(value), multiplicity, "formula", certificate, source=paper)


def matrix_symbols(prefix: str, rows: int, cols: int) -> sympy.Matrix:
    """A rows × cols matrix of symbols named ``{prefix}{i}_{j}`` (1-based)."""
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{prefix}{i + 1}_{j + 1}"))


def identity_block(rows: int, cols: int, rank: int) -> sympy.Matrix:
    """The rows × cols matrix with I_rank in its top-left corner and zeros elsewhere."""
    return sympy.Matrix(rows, cols, lambda i, j: 1 if i == j < rank else 0)


def names_of(matrices: Sequence[sympy.Matrix]) -> list[str]:
    """The symbol names of the matrices' entries, row by row."""
    return [str(s) for m in matrices for s in m]
