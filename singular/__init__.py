"""Singular learning theory on top of the geometry engine: exact, certified RLCTs of functions and models."""

from . import families
from .analytic import Truncation, truncate
from .errors import (
    BadModel,
    NotATrueParameter,
    NotMonomialPrior,
    NotVanishing,
    SingularError,
    SingularMomentMatrix,
    UnknownMethod,
)
from .models import (
    CoefficientIdeal,
    DiscreteModel,
    FiniteSupport,
    InputDistribution,
    RegressionModel,
    StandardNormal,
    UniformBox,
)
from .phases import Phase, PhaseComparison, compare_phases, free_energy
from .prior import prior_exponents
from .result import RLCT
from .rlct import Budget, rlct

__all__ = [
    "RLCT",
    "Budget",
    "BadModel",
    "CoefficientIdeal",
    "DiscreteModel",
    "FiniteSupport",
    "InputDistribution",
    "NotATrueParameter",
    "NotMonomialPrior",
    "NotVanishing",
    "Phase",
    "PhaseComparison",
    "RegressionModel",
    "SingularError",
    "SingularMomentMatrix",
    "StandardNormal",
    "Truncation",
    "UniformBox",
    "UnknownMethod",
    "compare_phases",
    "families",
    "free_energy",
    "prior_exponents",
    "rlct",
    "truncate",
]
