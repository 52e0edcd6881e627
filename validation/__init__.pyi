# The public names of the bridge and their modules: read by lazy_loader at import time (each module
# is imported on first use of one of its names) and by type checkers and the API reference.

from .benchmark import (
    DEFAULT_ESTIMATORS,
    SUITE_SETTINGS,
    Estimator,
    Extrapolation,
    dataset_reference,
    reference_target,
    run_benchmark,
)
from .calibration import Calibration, calibrate
from .cases import QUICK, Case, Problem, case, catalog
from .cli import main
from .observable_benchmark import ObservableReport, run_observable_benchmark, shifted_inputs
from .plots import draw_tree
from .quadrature import (PosteriorMoments, QuadratureFit, dataset_loss, dataset_target_llc, exact_bif,
                         exact_susceptibility, fit_rlct, gaussian_moments, log_partition, posterior_moments, shifted_loss,
                         target_llc)
from .report import BenchmarkReport, summarize
from .testing import assert_estimator_calibrated
from .cli.tour import TOUR, TourStop, format_tour, run_tour

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
    "ObservableReport",
    "PosteriorMoments",
    "Problem",
    "QuadratureFit",
    "TourStop",
    "assert_estimator_calibrated",
    "calibrate",
    "case",
    "catalog",
    "dataset_loss",
    "dataset_reference",
    "dataset_target_llc",
    "draw_tree",
    "exact_bif",
    "exact_susceptibility",
    "fit_rlct",
    "format_tour",
    "gaussian_moments",
    "log_partition",
    "main",
    "posterior_moments",
    "reference_target",
    "run_benchmark",
    "run_observable_benchmark",
    "run_tour",
    "shifted_inputs",
    "shifted_loss",
    "summarize",
    "target_llc",
]
