"""The geometry engine: exact polynomial germs, Newton polyhedra, torus zero tests.

Pure algebra and convex geometry; it never mentions priors, data or learning.
"""

from .errors import (
    BudgetExceeded,
    FloatCoefficient,
    GermError,
    NotPolynomial,
    OutsideDomain,
    ParseError,
    UnknownFunction,
    UnknownVariable,
    ZeroGerm,
)
from .germ import Germ, format_monomial, germ, parse_expression, parse_point, parse_rational
from .newton import Face, Facet, NewtonDistance, NewtonPolyhedron, minimal_points
from .torus import TorusDecision, torus_critical_free, torus_zero_free

__all__ = [
    "BudgetExceeded",
    "Face",
    "Facet",
    "FloatCoefficient",
    "Germ",
    "GermError",
    "NewtonDistance",
    "NewtonPolyhedron",
    "NotPolynomial",
    "OutsideDomain",
    "ParseError",
    "TorusDecision",
    "UnknownFunction",
    "UnknownVariable",
    "ZeroGerm",
    "format_monomial",
    "germ",
    "minimal_points",
    "parse_expression",
    "parse_point",
    "parse_rational",
    "torus_critical_free",
    "torus_zero_free",
]
