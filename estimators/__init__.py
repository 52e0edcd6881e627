"""Numeric estimation of the local learning coefficient (LLC) in torch.

Samplers are pure transitions (:mod:`estimators.sgld`, :mod:`estimators.sghmc`,
:mod:`estimators.mala`) driven by :func:`estimate_llc`, which runs the chains as one vectorized
computation over any ``torch.nn.Module``; :func:`llc_trajectory` repeats it over the checkpoints of a
training run and :func:`find_transitions` looks for change points in the result.  This package imports neither :mod:`singular` nor
:mod:`resolution` (nor sympy).
"""

from .diagnostics import TrendTest, ess, llc_from_losses, rhat, trend_test
from .errors import BadData, BadSetting, EstimatorError
from .llc import (
    Diagnostics,
    Divergence,
    LLCConfig,
    LLCEstimate,
    NBetaSweep,
    WAIC,
    estimate_llc,
    extrapolate_llc,
    nbeta_sweep,
)
from .losses import cross_entropy_nll, default_nbeta, gaussian_nll
from .records import RowLog
from .samplers import MALA, SGHMC, SGLD, RMSPropSGLD
from .trajectory import Trajectory, llc_trajectory, plot_observables
from .transitions import Transition, find_transitions

__all__ = [
    "BadData",
    "BadSetting",
    "Diagnostics",
    "Divergence",
    "EstimatorError",
    "LLCConfig",
    "LLCEstimate",
    "MALA",
    "NBetaSweep",
    "RMSPropSGLD",
    "RowLog",
    "SGHMC",
    "SGLD",
    "Trajectory",
    "Transition",
    "TrendTest",
    "WAIC",
    "cross_entropy_nll",
    "default_nbeta",
    "ess",
    "estimate_llc",
    "extrapolate_llc",
    "find_transitions",
    "gaussian_nll",
    "llc_from_losses",
    "llc_trajectory",
    "nbeta_sweep",
    "plot_observables",
    "rhat",
    "trend_test",
]
