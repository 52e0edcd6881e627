"""Numeric estimation of the local learning coefficient (LLC) in torch.

Samplers are pure transitions (:mod:`estimators.sgld`, :mod:`estimators.sghmc`,
:mod:`estimators.mala`) driven by :func:`estimate_llc` (:mod:`estimators.llc`), which runs the chains
as one vectorized computation over any ``torch.nn.Module``, chooses its own step size, batch size and
chain length (:mod:`estimators.tuning`) and judges its own answer (:mod:`estimators.trust`) in an
:class:`LLCEstimate` (:mod:`estimators.results`); :func:`llc_trajectory` repeats it over the
checkpoints of a training run and :func:`find_transitions` looks for change points in the result
(:mod:`estimators.changepoints`).  Observables at the draws give susceptibilities and Bayesian
influence functions (:mod:`estimators.observables`), and a temperature sweep
(:mod:`estimators.temperature`) the multiplicity (:mod:`estimators.multiplicity`).  This package
imports neither :mod:`singular` nor :mod:`resolution` (nor sympy).
"""

from .changepoints import Transition, find_transitions
from .curvature import HessianSpectrum, MinimumCheck, distance_to_minimum, gradient_noise, hessian_spectrum
from .diagnostics import TrendTest, ess, llc_from_losses, rhat, trend_test
from .errors import BadData, BadSetting, EstimatorError, LLCWarning
from .heads import attention_head_masks
from .llc import estimate_llc
from .losses import cross_entropy_nll, default_nbeta, gaussian_nll
from .multiplicity import MultiplicityEstimate, MultiplicityFit, estimate_multiplicity
from .observables import (ObservableDraws, ObservableEstimate, average_loss, bayesian_influence, model_function,
                          sample_losses, susceptibility)
from .plots import plot_observables
from .results import WAIC, Diagnostics, Divergence, LLCConfig, LLCEstimate, Richardson
from .rowlog import RowLog
from .samplers import MALA, SGHMC, SGLD, RMSPropSGLD
from .temperature import NBetaSweep, extrapolate_llc, nbeta_sweep
from .trajectory import Trajectory, llc_trajectory
from .trust import Check, Trust
from .tuning import bias_index, predicted_bias

__all__ = [
    "BadData",
    "BadSetting",
    "Check",
    "Diagnostics",
    "Divergence",
    "EstimatorError",
    "HessianSpectrum",
    "LLCConfig",
    "LLCEstimate",
    "LLCWarning",
    "MALA",
    "MinimumCheck",
    "MultiplicityEstimate",
    "MultiplicityFit",
    "NBetaSweep",
    "ObservableDraws",
    "ObservableEstimate",
    "RMSPropSGLD",
    "Richardson",
    "RowLog",
    "SGHMC",
    "SGLD",
    "Trajectory",
    "Transition",
    "TrendTest",
    "Trust",
    "WAIC",
    "attention_head_masks",
    "average_loss",
    "bayesian_influence",
    "bias_index",
    "cross_entropy_nll",
    "default_nbeta",
    "distance_to_minimum",
    "ess",
    "estimate_llc",
    "estimate_multiplicity",
    "extrapolate_llc",
    "find_transitions",
    "gaussian_nll",
    "gradient_noise",
    "hessian_spectrum",
    "llc_from_losses",
    "llc_trajectory",
    "model_function",
    "nbeta_sweep",
    "plot_observables",
    "predicted_bias",
    "rhat",
    "sample_losses",
    "susceptibility",
    "trend_test",
]
