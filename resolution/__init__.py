"""The geometry engine: exact polynomial germs, Newton polyhedra, torus zero tests, resolution trees.

Pure algebra and convex geometry; it never mentions priors, data or learning.
"""

from .errors import (
    BadArgument,
    BudgetExceeded,
    FloatCoefficient,
    GermError,
    NotAnalytic,
    NotPolynomial,
    NotReal,
    OutsideDomain,
    ParseError,
    UnknownFunction,
    UnknownVariable,
    ZeroGerm,
)
from .germ import Germ, format_monomial, germ, parse_expression, parse_names, parse_point, parse_rational
from .chart import Chart, LocalThreshold, initial_chart
from .budget import Budget, WallClockExceeded, wall_clock
from .newton import Face, Facet, NewtonDistance, NewtonPolyhedron, minimal_points
from .torus import TorusDecision, torus_critical_free, torus_zero_free
from .tree import ResolutionTree, resolve, tree_to_dict, tree_to_dot
from .weighted import weighted_initial_threshold

__all__ = [
    "BadArgument",
    "Budget",
    "BudgetExceeded",
    "Chart",
    "Face",
    "Facet",
    "FloatCoefficient",
    "Germ",
    "GermError",
    "LocalThreshold",
    "NewtonDistance",
    "NewtonPolyhedron",
    "NotAnalytic",
    "NotPolynomial",
    "NotReal",
    "OutsideDomain",
    "ParseError",
    "ResolutionTree",
    "TorusDecision",
    "UnknownFunction",
    "UnknownVariable",
    "WallClockExceeded",
    "ZeroGerm",
    "format_monomial",
    "germ",
    "initial_chart",
    "minimal_points",
    "parse_expression",
    "parse_names",
    "parse_point",
    "parse_rational",
    "resolve",
    "torus_critical_free",
    "torus_zero_free",
    "tree_to_dict",
    "tree_to_dot",
    "wall_clock",
    "weighted_initial_threshold",
]
