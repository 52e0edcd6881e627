"""Each package's public names are pinned, so the API changes only on purpose."""

import importlib

import pytest

PUBLIC = {
    "resolution": {
        "BadArgument", "Budget", "BudgetExceeded", "Face", "WallClockExceeded", "wall_clock", "Facet", "FloatCoefficient", "Germ", "GermError", "NewtonDistance",
        "NewtonPolyhedron", "NotAnalytic", "NotPolynomial", "NotReal", "OutsideDomain", "ParseError", "TorusDecision", "UnknownFunction",
        "UnknownVariable", "ZeroGerm", "format_monomial", "germ", "minimal_points", "parse_expression", "parse_names", "parse_point",
        "parse_rational", "torus_critical_free", "torus_zero_free",
        "Chart", "LocalThreshold", "ResolutionTree", "initial_chart", "resolve", "tree_to_dict", "tree_to_dot",
        "weighted_initial_threshold",
    },
    "singular": {
        "RLCT", "Budget", "NotMonomialPrior", "NotVanishing", "SingularError", "UnknownMethod",
        "prior_exponents", "rlct",
        "BadModel", "CoefficientIdeal", "DiscreteModel", "FiniteSupport", "InputDistribution", "NotATrueParameter",
        "RegressionModel", "SingularMomentMatrix", "StandardNormal", "Truncation", "UniformBox", "families",
        "truncate", "Phase", "PhaseComparison", "compare_phases", "free_energy",
    },
    "singular.families": {
        "dln", "dln_model", "dln_size", "normal_crossing", "normal_crossing_model", "regular", "regular_model",
        "rrr", "rrr_model", "rrr_size", "tanh", "tanh_ideal", "tanh_model", "tanh_size",
    },
    "estimators": {
        "BadData", "BadSetting", "Diagnostics", "Divergence", "EstimatorError", "LLCConfig", "LLCEstimate", "MALA",
        "NBetaSweep", "RMSPropSGLD", "SGHMC", "SGLD", "TrendTest", "WAIC", "cross_entropy_nll", "default_nbeta",
        "ess", "estimate_llc", "extrapolate_llc", "gaussian_nll", "llc_from_losses", "nbeta_sweep", "rhat", "trend_test",
        "RowLog", "Trajectory", "Transition", "find_transitions", "llc_trajectory", "plot_observables",
        "Check", "HessianSpectrum", "LLCWarning", "MinimumCheck", "Richardson", "Trust", "bias_index",
        "distance_to_minimum", "gradient_noise", "hessian_spectrum", "predicted_bias", "attention_head_masks",
        "ObservableDraws", "ObservableEstimate", "average_loss", "bayesian_influence", "model_function", "sample_losses",
        "susceptibility", "MultiplicityEstimate", "MultiplicityFit", "estimate_multiplicity",
    },
    "validation": {
        "DEFAULT_ESTIMATORS", "QUICK", "TOUR", "BenchmarkReport", "Calibration", "Case", "Estimator", "Extrapolation",
        "Problem", "QuadratureFit", "TourStop", "assert_estimator_calibrated", "calibrate", "case", "catalog",
        "reference_target",
        "draw_tree", "fit_rlct", "format_tour", "log_partition", "main", "run_benchmark", "run_tour", "summarize",
        "target_llc", "dataset_target_llc", "dataset_reference", "SUITE_SETTINGS",
        "ObservableReport", "run_observable_benchmark", "shifted_inputs", "PosteriorMoments", "dataset_loss",
        "exact_bif", "exact_susceptibility", "gaussian_moments", "posterior_moments", "shifted_loss",
    },
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_public_names_are_pinned(package):
    module = importlib.import_module(package)
    assert set(module.__all__) == PUBLIC[package]
    for name in module.__all__:
        assert hasattr(module, name), name


def test_input_errors_are_value_errors():
    from resolution import GermError
    from estimators import EstimatorError
    from singular import SingularError

    assert all(issubclass(error, ValueError) for error in (GermError, SingularError, EstimatorError))
