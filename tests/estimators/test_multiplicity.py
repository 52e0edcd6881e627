"""estimate_multiplicity on sweeps of known form, on exact targets of catalog cases, and on bad input."""

import json
import math

import numpy as np
import pytest

from estimators import BadSetting
from estimators.multiplicity import MultiplicityEstimate, estimate_multiplicity

TS = 10 ** np.arange(2.0, 6.01, 0.5)  # 10² … 10⁶, 9 temperatures


def _target(lam, m, ts=TS, shift=0.0, deficit=0.0, gap=0.5):
    """λ(t) = λ − (m − 1)/(log t + shift) − deficit·t^−gap (docs/conventions.md#multiplicity-from-a-temperature-sweep)."""
    return lam - (m - 1) / (np.log(ts) + shift) - deficit * ts**-gap


@pytest.mark.parametrize("m", [1, 2, 3])
def test_the_leading_form_gives_m_and_lambda(m):
    est = estimate_multiplicity(TS, _target(0.5, m), np.full(len(TS), 1e-3))
    assert est.m == m
    assert est.lam == pytest.approx(0.5, abs=1e-6)
    assert est.fits[m - 1].chi2 < 1e-8


@pytest.mark.parametrize("m, shift", [(2, 1.6), (2, 8.0), (3, 2.0)])
def test_a_shifted_logarithm_is_fitted_by_the_shift(m, shift):
    """For m >= 2, λ − (m − 1)/(log t + a): the shift form recovers λ and a, the leading form cannot."""
    est = estimate_multiplicity(TS, _target(0.25, m, shift=shift), np.full(len(TS), 1e-3), max_m=3)
    fit = est.fits[m - 1]
    assert fit.lam == pytest.approx(0.25, abs=1e-5)
    assert fit.shift == pytest.approx(shift, abs=1e-3)
    assert fit.chi2 < 1e-6 < fit.leading_chi2


def test_a_power_deficit_at_m_1_is_fitted_and_m_2_is_not_excluded():
    """λ − b·t^−δ with a small gap looks like m = 2 here: m̂ = 1, λ̂ = λ, not confident."""
    sweep = _target(0.25, 1, deficit=0.15, gap=0.25)  # the size of nc-w1w2^2 at γ = 1: 21% of λ at t = 10²
    est = estimate_multiplicity(TS, sweep, np.full(len(TS), 0.005))
    fit = est.fits[0]
    assert (est.m, est.confident) == (1, False)
    assert fit.lam == pytest.approx(0.25, abs=1e-5)
    assert (fit.deficit, fit.gap) == (pytest.approx(0.15, rel=1e-3), pytest.approx(0.25, abs=1e-4))
    assert not est.fits[1].excluded
    assert est.reason.startswith("m = 2") and "not excluded" in est.reason


def test_a_flat_sweep_with_small_errors_is_confidently_m_1():
    est = estimate_multiplicity(TS, np.full(len(TS), 0.25), np.full(len(TS), 0.002))
    assert (est.m, est.confident) == (1, True)
    assert all(f.excluded for f in est.fits[1:])
    assert est.lam == pytest.approx(0.25)
    assert est.std_err == pytest.approx(0.002 / 3)


def test_noise_as_large_as_the_slope_is_not_confident():
    rng = np.random.default_rng(0)
    s = np.full(len(TS), 0.1)
    for _ in range(20):
        est = estimate_multiplicity(TS, _target(0.5, 2) + rng.normal(0, 0.1, len(TS)), s)
        assert not est.confident
        assert "not excluded" in est.reason


def test_a_sweep_no_m_fits_is_not_confident():
    """λ̂ falling with t (a phase change, or a sampler bias) fits no m."""
    est = estimate_multiplicity(TS, 0.5 - 0.02 * np.log(TS), np.full(len(TS), 0.002))
    assert not est.confident
    assert "no m fits" in est.reason


def test_m_is_chosen_among_the_fits_not_excluded():
    """The leading form prefers m = 1 for a late logarithm (a = 8), but where the corrected fits exclude
    m = 1 (here only with standard errors of 1e-5: a deficit mimics it closely) the answer is m = 2."""
    est = estimate_multiplicity(TS, _target(0.25, 2, shift=8.0), np.full(len(TS), 1e-5), max_m=2)
    assert est.fits[0].leading_chi2 < est.fits[1].leading_chi2
    assert est.fits[0].excluded and est.m == 2


def test_every_corrections_choice_fits_the_leading_form():
    for corrections in ("full", "shift", "power", "none"):
        est = estimate_multiplicity(TS, _target(0.5, 2), np.full(len(TS), 1e-3), corrections=corrections)
        assert (est.m, est.corrections) == (2, corrections)
        assert est.lam == pytest.approx(0.5, abs=1e-5)


def test_max_m_default_and_given():
    s = np.full(len(TS), 1e-3)
    assert estimate_multiplicity(TS, _target(0.5, 1), s).max_m == 3
    assert estimate_multiplicity(TS, _target(2.0, 5), s).max_m == 6  # one past the leading form's best m
    est = estimate_multiplicity(TS, _target(0.5, 2), s, max_m=1)
    assert (est.m, est.max_m, len(est.fits)) == (1, 1, 1)


def test_order_of_the_sweep_does_not_matter():
    y, s = _target(0.5, 2, shift=1.0), np.linspace(1e-3, 3e-3, len(TS))
    a = estimate_multiplicity(TS, y, s)
    b = estimate_multiplicity(TS[::-1], y[::-1], s[::-1])
    assert a.to_dict() == b.to_dict()


def test_summary_repr_and_json():
    est = estimate_multiplicity(TS, _target(0.5, 2, shift=1.0), np.full(len(TS), 0.01))
    assert repr(est).startswith("MultiplicityEstimate(m=2, confident=False, lam=0.5")
    text = est.summary()
    assert "chosen" in text and "a = 1" in text and len(text.splitlines()) == 2 + est.max_m + 1
    row = json.loads(json.dumps(est.to_dict(), allow_nan=False))
    assert row["m"] == 2 and len(row["fits"]) == est.max_m and row["fits"][1]["shift"] == pytest.approx(1.0, abs=1e-3)
    assert isinstance(est, MultiplicityEstimate)


@pytest.mark.parametrize("nbetas, values, std_errs, name", [
    ([1e2, 1e3, 1e4], [0.1, 0.2], [0.01] * 3, "values"),
    ([1e2, 1e3, 1e4], [0.1] * 3, [0.01] * 4, "values"),
    ([1e2, 1e3], [0.1] * 2, [0.01] * 2, "nbetas"),
    ([1e2, 1e2, 1e3], [0.1] * 3, [0.01] * 3, "nbetas"),
    ([0.0, 1e3, 1e4], [0.1] * 3, [0.01] * 3, "nbetas"),
    ([-1e2, 1e3, 1e4], [0.1] * 3, [0.01] * 3, "nbetas"),
    ([1e2, 1e3, 1e4], [0.1] * 3, [0.01, 0.0, 0.01], "std_errs"),
    ([1e2, 1e3, 1e4], [0.1] * 3, [0.01, -0.01, 0.01], "std_errs"),
    ([1e2, 1e3, 1e4], [0.1, math.nan, 0.1], [0.01] * 3, "values"),
    ([1e2, math.inf, 1e4], [0.1] * 3, [0.01] * 3, "nbetas"),
    ([1e2, 1e3, 1e4], [0.1] * 3, [0.01, math.nan, 0.01], "std_errs"),
    ([1e2, 1e3, 1e4], ["a", "b", "c"], [0.01] * 3, "values"),
    ([[1e2, 1e3, 1e4]], [0.1] * 3, [0.01] * 3, "nbetas"),
])
def test_bad_sweeps_are_refused_by_name(nbetas, values, std_errs, name):
    with pytest.raises(BadSetting) as info:
        estimate_multiplicity(nbetas, values, std_errs)
    assert info.value.name == name


@pytest.mark.parametrize("option, value", [
    ("max_m", 0), ("max_m", 2.0), ("max_m", True), ("level", 1.0), ("level", 0.0), ("level", math.nan),
    ("corrections", "all"), ("max_shift", -1.0), ("max_shift", math.inf), ("min_gap", 0.0), ("min_gap", 1.0),
])
def test_bad_options_are_refused_by_name(option, value):
    with pytest.raises(BadSetting) as info:
        estimate_multiplicity(TS, _target(0.5, 1), np.full(len(TS), 0.01), **{option: value})
    assert info.value.name == option


@pytest.mark.parametrize("name", ["nc-w1w2", "newton-x6+x2y2+y8", "nc-w1w2^2"])
def test_exact_targets_of_catalog_cases(name):
    """On the exact λ(t, γ = 1) of catalog cases (quadrature), with 1% standard errors: m̂ is the
    catalog's m (from singular, an independent route) and λ̂ is within 2% of λ."""
    from validation.cases import catalog
    from validation.quadrature import target_llc

    case = catalog([name])[0]
    ts = 10 ** np.array([2.0, 3.0, 4.0, 5.0])
    exact = np.array([target_llc(case.model, float(t), 1.0) for t in ts])
    est = estimate_multiplicity(ts, exact, 0.01 * float(case.lam) * np.ones(4), max_m=case.d)
    assert est.m == case.m
    assert est.lam == pytest.approx(float(case.lam), rel=0.02)


def test_no_confidence_outside_what_the_sweep_pins_down():
    """A steady rise with tiny errors fits m = 1 only with the gap at its lower bound (λ̂ = 1.22, far above
    every estimate), and negative estimates mean the chains were not at a minimum: neither is confident."""
    rising = estimate_multiplicity([1e2, 1e3, 1e4, 1e5], [0.2, 0.3, 0.4, 0.5], [0.01] * 4)
    assert not rising.confident and "edge of its range" in rising.reason
    negative = estimate_multiplicity([1e2, 1e3, 1e4, 1e5], [-0.5, -0.4, -0.3, -0.2], [0.01] * 4)
    assert not negative.confident and "not at a minimum" in negative.reason


def test_a_regular_sweep_under_localization_can_be_confident():
    """λ(t, γ) = (d/2)·t/(t + γ) ≈ (d/2)(1 − γ/t) at a regular point (h = 1): the deficit's gap δ = 1 is the
    end of its range but pins λ̂ down; with small errors m = 1 is confident."""
    est = estimate_multiplicity(TS, 0.5 * (1 - 1 / TS), np.full(len(TS), 1e-4))
    assert (est.m, est.confident) == (1, True)
    assert est.fits[0].gap == pytest.approx(1.0, abs=1e-3)
    assert est.lam == pytest.approx(0.5, abs=1e-4)
