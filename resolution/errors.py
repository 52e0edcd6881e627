"""Named exceptions of the geometry engine.

Every exception raised for bad input is a :class:`ValueError` subclass that
carries the offending data, so callers (and the CLI) can report it in one line.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = [
    "BadArgument",
    "BudgetExceeded",
    "FloatCoefficient",
    "GermError",
    "NotAnalytic",
    "NotPolynomial",
    "NotReal",
    "OutsideDomain",
    "ParseError",
    "UnknownFunction",
    "UnknownVariable",
    "ZeroGerm",
]


class GermError(ValueError):
    """Base class: the input cannot be turned into an exact polynomial germ."""


class ParseError(GermError):
    """The text is not a valid expression."""

    def __init__(self, text: str, reason: str):
        self.text = text
        self.reason = reason
        super().__init__(f"could not parse {text!r}: {reason}")


class UnknownFunction(GermError):
    """The expression calls a function the toolkit does not know."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(
            f"unknown function {name!r}; known functions are exp, log, sqrt, sin, cos, tan, "
            "sinh, cosh, tanh, atan"
        )


class NotAnalytic(GermError):
    """The expression uses a function that is not analytic (abs, max, ...), or is not analytic at the point;
    with ``shown=False``, no Taylor expansion could be computed, which does not prove it is not analytic."""

    def __init__(self, name: str, reason: str = "", *, shown: bool = True):
        self.name = name
        claim = "is not analytic" if shown else "could not be expanded as a power series"
        super().__init__(
            f"{name} {claim}{': ' + reason if reason else ''}; learning coefficients are defined for "
            "analytic models (Watanabe 2009, Ch. 6): replace it by an analytic function (e.g. a polynomial or tanh)"
            + ("" if shown else ", or write a removable singularity such as sin(x)/x in closed form")
        )


class FloatCoefficient(GermError):
    """A floating-point number appeared where exact arithmetic is required."""

    def __init__(self, value: str, where: str = "expression"):
        self.value = value
        self.where = where
        try:
            exact = str(Fraction(value))
        except ValueError:
            exact = "p/q"
        super().__init__(
            f"{where} contains the float {value}; exact arithmetic needs an exact number: "
            f"write {exact!r} or sympy.Rational({value!r})"
        )


class NotPolynomial(GermError):
    """The expression is not a polynomial with rational coefficients in the variables."""

    def __init__(self, expr: str, reason: str):
        self.expr = expr
        self.reason = reason
        super().__init__(f"{expr!r} is not a polynomial with rational coefficients: {reason}")


class NotReal(GermError):
    """A coefficient is not a real number (``sympy.I`` in a sympy expression, ``sqrt(-1)`` in text).

    The RLCT is defined for real analytic functions; for complex f the rules that hold for real
    f (a non-zero linear part gives λ = 1, say) are false for |f|: |i·x + y²|² = x² + y⁴.
    """

    def __init__(self, value: object, where: str = "expression"):
        self.value, self.where = value, where
        super().__init__(f"{where} contains the non-real number {value}; learning coefficients are defined for "
                         "real analytic functions: pass the real function, e.g. |f|² = re(f)² + im(f)²")


class BadArgument(GermError):
    """An argument of the wrong type or form (names, points, budgets)."""

    def __init__(self, argument: str, value: object, fix: str):
        self.argument = argument
        self.value = value
        super().__init__(f"{argument}={value!r}: {fix}")


class UnknownVariable(GermError):
    """A name was used that is not among the variables."""

    def __init__(self, name: str, variables: tuple[str, ...], where: str):
        self.name = name
        self.variables = variables
        super().__init__(
            f"{where} names {name!r}, which is not a variable; the variables are "
            f"{', '.join(variables) or '(none)'}"
        )


class OutsideDomain(GermError):
    """The point violates a sign constraint (a coordinate constrained to be >= 0 is negative)."""

    def __init__(self, name: str, value: object):
        self.name = name
        self.value = value
        super().__init__(f"the point has {name}={value} < 0, but {name} is constrained to be >= 0")


class ZeroGerm(GermError):
    """The function is identically zero, so it has no RLCT."""

    def __init__(self, expr: str):
        self.expr = expr
        super().__init__(f"{expr!r} is identically zero; the RLCT of the zero function is undefined")


class BudgetExceeded(RuntimeError):
    """A computation needed more than the budget it was given (not an input error)."""

    def __init__(self, what: str, budget: int):
        self.what = what
        self.budget = budget
        super().__init__(f"{what} exceeds the budget of {budget}")
