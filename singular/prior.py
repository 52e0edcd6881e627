"""Priors of the form (positive constant) × monomial.

docs/conventions.md#the-learning-coefficient: the prior φ must be positive near the point, or a monomial w^h
times a function positive there.  Such a prior enters the Newton route as the
weight τ = h + 1 and the normal-crossing formula as the exponents h.
"""

from __future__ import annotations

from typing import Sequence

import sympy

from resolution import parse_expression
from resolution.errors import UnknownVariable

from .errors import NotMonomialPrior

__all__ = ["prior_exponents"]


def prior_exponents(prior: object, variables: Sequence[str]) -> tuple[int, ...]:
    """The exponent vector h of a prior c·w^h (c > 0 rational), in ``variables`` order.

    Parameters
    ----------
    prior : str or sympy.Expr or None
        ``None``, ``"1"`` or any positive rational constant means a positive prior.
    variables : sequence of str

    Returns
    -------
    tuple of int

    Raises
    ------
    NotMonomialPrior
        A sum, a negative constant, a non-integer power, a function.
    resolution.errors.UnknownVariable
        A name that is not a variable.

    Examples
    --------
    >>> prior_exponents("3*x**2*y", ["x", "y", "z"])
    (2, 1, 0)
    >>> prior_exponents("x + y", ["x", "y"])
    Traceback (most recent call last):
    ...
    singular.errors.NotMonomialPrior: prior='x + y' is not a monomial times a positive constant (a sum of several terms); pass e.g. 'x**2*y'
    """
    if prior is None:
        return (0,) * len(variables)
    text = prior if isinstance(prior, str) else str(prior)
    expr = parse_expression(prior, where="prior")
    for symbol in sorted(expr.free_symbols, key=str):
        if str(symbol) not in variables:
            raise UnknownVariable(str(symbol), tuple(variables), "the prior")
    if isinstance(expr, sympy.Add):
        raise NotMonomialPrior(text, "a sum of several terms")
    coefficient, factors = expr.as_coeff_mul()
    if not isinstance(coefficient, sympy.Rational) or coefficient <= 0:
        raise NotMonomialPrior(text, f"the constant {coefficient} is not positive")
    exponents = dict.fromkeys(variables, 0)
    for factor in factors:
        base, power = factor.as_base_exp()
        if not isinstance(base, sympy.Symbol):
            raise NotMonomialPrior(text, f"the factor {factor} is not a power of a variable")
        if not (isinstance(power, sympy.Integer) and power >= 0):
            raise NotMonomialPrior(text, f"the power {power} of {base} is not a non-negative integer")
        exponents[str(base)] += int(power)
    return tuple(exponents[v] for v in variables)

