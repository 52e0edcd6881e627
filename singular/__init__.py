"""Singular learning theory on top of the geometry engine: exact, certified RLCTs."""

from .errors import NotMonomialPrior, NotVanishing, SingularError, UnknownMethod
from .prior import prior_exponents
from .rlct import RLCT, rlct

__all__ = [
    "RLCT",
    "NotMonomialPrior",
    "NotVanishing",
    "SingularError",
    "UnknownMethod",
    "prior_exponents",
    "rlct",
]
