"""The bridge: ground truth meets numerics.

The catalog of exact cases (:mod:`validation.cases`), the numeric quadrature route
(:mod:`validation.quadrature`), the benchmark and its report (:mod:`validation.benchmark`),
calibration (:mod:`validation.calibration`), hypothesis strategies (:mod:`validation.strategies`),
a pytest helper (:mod:`validation.testing`), the tour, tree drawings and the CLI.
"""

from .benchmark import (
    DEFAULT_ESTIMATORS,
    SUITE_SETTINGS,
    BenchmarkReport,
    Estimator,
    Extrapolation,
    dataset_reference,
    reference_target,
    run_benchmark,
    summarize,
)
from .calibration import Calibration, calibrate
from .cases import QUICK, Case, Problem, case, catalog
from .cli import main
from .quadrature import QuadratureFit, dataset_target_llc, fit_rlct, log_partition, target_llc
from .testing import assert_estimator_calibrated
from .tour import TOUR, TourStop, format_tour, run_tour
from .treeplot import draw_tree

__all__ = [
    "DEFAULT_ESTIMATORS",
    "QUICK",
    "SUITE_SETTINGS",
    "TOUR",
    "BenchmarkReport",
    "Calibration",
    "Case",
    "Estimator",
    "Extrapolation",
    "Problem",
    "QuadratureFit",
    "TourStop",
    "assert_estimator_calibrated",
    "calibrate",
    "case",
    "catalog",
    "dataset_reference",
    "dataset_target_llc",
    "draw_tree",
    "fit_rlct",
    "format_tour",
    "log_partition",
    "main",
    "reference_target",
    "run_benchmark",
    "run_tour",
    "summarize",
    "target_llc",
]
