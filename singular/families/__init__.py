"""Closed-form learning coefficients of model families, each with the model it is about.

Every ``family(...)`` returns an :class:`~singular.RLCT` with ``method="formula"`` and the paper in ``source``
and every ``family_model(...)`` builds the :class:`~singular.models.RegressionModel`, so that
each formula can be checked against the symbolic route on small sizes.
"""

from .dln import dln, dln_model, dln_size
from .elementary import normal_crossing, normal_crossing_model, regular, regular_model
from .rrr import rrr, rrr_model, rrr_size
from .tanh import tanh, tanh_ideal, tanh_model, tanh_size

__all__ = [
    "dln",
    "dln_model",
    "dln_size",
    "normal_crossing",
    "normal_crossing_model",
    "regular",
    "regular_model",
    "rrr",
    "rrr_model",
    "rrr_size",
    "tanh",
    "tanh_ideal",
    "tanh_model",
    "tanh_size",
]
