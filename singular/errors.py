"""Named exceptions of the learning-theory layer (all :class:`ValueError` subclasses)."""

from __future__ import annotations

__all__ = ["NotMonomialPrior", "NotVanishing", "SingularError", "UnknownMethod"]


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
