"""Named exceptions of the learning-theory layer (all :class:`ValueError` subclasses)."""

from __future__ import annotations

from resolution import BadArgument

__all__ = [
    "BadModel",
    "NotATrueParameter",
    "NotMonomialPrior",
    "NotVanishing",
    "SingularError",
    "SingularMomentMatrix",
    "UnknownMethod",
]


class SingularError(ValueError):
    """Base class for bad input to :mod:`singular`."""


class NotMonomialPrior(SingularError):
    """The prior is not a positive constant times a monomial."""

    def __init__(self, prior: str, reason: str):
        self.prior = prior
        self.reason = reason
        super().__init__(
            f"prior={prior!r} is not a monomial times a positive constant ({reason}); pass e.g. 'x**2*y'"
        )


class NotVanishing(SingularError):
    """The function does not vanish at the point, so its RLCT there is not defined."""

    def __init__(self, value: object, point: str):
        self.value = value
        self.point = point
        super().__init__(
            f"f does not vanish at {point} (its value there is {value}); the RLCT is taken at a zero of f: "
            "pass --at / at= a point where f = 0"
        )


class UnknownMethod(SingularError):
    """The method name is not one of the known ones."""

    def __init__(self, method: str, known: tuple[str, ...]):
        self.method = method
        super().__init__(f"method={method!r} is unknown; choose one of {', '.join(known)}")


class BadModel(BadArgument, SingularError):
    """A model specification that does not make sense (sizes, ranks, names, sigma): a
    :class:`resolution.BadArgument` that is also a :class:`SingularError`."""


class NotATrueParameter(SingularError):
    """The point is not in the true set W0 = {w : K(w) = 0}."""

    def __init__(self, point: str, residual: object):
        self.point = point
        self.residual = residual
        super().__init__(
            f"{point} is not a true parameter: f(x, w) - f(x, w0) = {residual} is not zero, so K > 0 there; "
            "the learning coefficient is taken at a point where the model equals the truth"
        )


class SingularMomentMatrix(SingularError):
    """The inputs' moment matrix is singular, so K is not equivalent to the sum of squared coefficients."""

    def __init__(self, rank: int, size: int, distribution: str):
        self.rank = rank
        self.size = size
        super().__init__(
            f"the moment matrix of the input distribution {distribution} over the {size} input monomials of the "
            f"model has rank {rank} < {size}: K is not equivalent to the sum of squared coefficients (some "
            "directions in w are invisible to these inputs); use more support points, or ask for the RLCT, "
            "which then uses the evaluation ideal"
        )
