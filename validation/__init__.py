"""The bridge: ground truth meets numerics.

The catalog of exact cases (:mod:`validation.cases`), the numeric quadrature route
(:mod:`validation.quadrature`: also exact posterior moments, susceptibilities and BIFs), the
benchmark and its report (:mod:`validation.benchmark`), the observables benchmark
(:mod:`validation.observable_benchmark`),
calibration (:mod:`validation.calibration`), hypothesis strategies (:mod:`validation.strategies`),
a pytest helper (:mod:`validation.testing`), the tour, tree drawings and the CLI.
"""

import importlib

#: Each module of the bridge and the public names it defines.  A module is imported on the first use
#: of one of its names, so that the command line (``validation.cli``), whose exact commands need
#: neither torch nor scipy.stats, starts without them.
_EXPORTS = {
    "benchmark": ("DEFAULT_ESTIMATORS", "SUITE_SETTINGS", "BenchmarkReport", "Estimator", "Extrapolation",
                  "dataset_reference", "reference_target", "run_benchmark", "summarize"),
    "calibration": ("Calibration", "calibrate"),
    "cases": ("QUICK", "Case", "Problem", "case", "catalog"),
    "cli": ("main",),
    "observable_benchmark": ("ObservableReport", "run_observable_benchmark", "shifted_inputs"),
    "quadrature": ("PosteriorMoments", "QuadratureFit", "dataset_loss", "dataset_target_llc", "exact_bif",
                   "exact_susceptibility", "fit_rlct", "gaussian_moments", "log_partition", "posterior_moments",
                   "shifted_loss", "target_llc"),
    "testing": ("assert_estimator_calibrated",),
    "tour": ("TOUR", "TourStop", "format_tour", "run_tour"),
    "treeplot": ("draw_tree",),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    """A public name, imported from its module on first use (PEP 562)."""
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
