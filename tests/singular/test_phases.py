"""Bayesian phase crossings against the Lambert-W closed form and the sign of the log odds."""

import math

import pytest
import sympy
from scipy.special import lambertw

from singular import BadModel, Phase, compare_phases, free_energy
from singular.families import rrr


@pytest.mark.parametrize("d_loss, d_lam", [(0.2, 2), (0.01, 3), (1e-4, 0.5), (0.05, 10)])
def test_the_crossing_solves_n_dl_equals_dlam_log_n(d_loss, d_lam):
    """With m = 1, n·ΔL = Δλ·log n has the root n = −(Δλ/ΔL)·W₋₁(−ΔL/Δλ) above e."""
    closed = float((-(d_lam / d_loss) * lambertw(-d_loss / d_lam, -1)).real)
    cmp = compare_phases(Phase("accurate", 0.1, 1 + d_lam), Phase("simple", 0.1 + d_loss, 1))
    assert cmp.critical_n == pytest.approx(closed, rel=1e-9)
    assert cmp.preferred == ("simple", "accurate")
    assert cmp.log_odds(closed / 2) < 0 < cmp.log_odds(closed * 2)


def test_a_phase_better_in_both_always_wins():
    cmp = compare_phases(Phase("good", 0.1, 1), Phase("bad", 0.2, 2))
    assert cmp.crossings == () and cmp.critical_n is None and cmp.preferred == ("good",)


def test_multiplicity_delays_the_switch():
    plain = compare_phases(Phase("a", 0.1, 3), Phase("b", 0.11, 2)).critical_n
    with_m = compare_phases(Phase("a", 0.1, 3), Phase("b", 0.11, 2, m=2)).critical_n
    # b gains −log log n from m = 2, so a must wait longer
    assert with_m > plain
    n = with_m
    assert (0.1 * n + 3 * math.log(n)) == pytest.approx(0.11 * n + 2 * math.log(n) - math.log(math.log(n)), rel=1e-9)


def test_an_rlct_carries_its_multiplicity():
    value = rrr(3, 3, 2, 0)
    phase = Phase("rrr", 0.0, value)
    assert phase.lam == value.value and phase.m == value.multiplicity
    assert free_energy(phase, 100.0) == pytest.approx(float(value.value) * math.log(100) - (phase.m - 1) * math.log(math.log(100)))


@pytest.mark.parametrize("kwargs", [dict(loss=float("nan"), lam=1), dict(loss=0, lam=-1), dict(loss=0, lam=1, m=0),
                                    dict(loss=0, lam=sympy.Rational(1, 2), m=1.5)])
def test_bad_phases_are_named(kwargs):
    with pytest.raises(BadModel):
        Phase("x", **kwargs)


def test_same_names_and_small_n_are_refused():
    with pytest.raises(BadModel):
        compare_phases(Phase("a", 0, 1), Phase("a", 1, 0))
    with pytest.raises(BadModel):
        free_energy(Phase("a", 0, 1), 2.0)


def test_equal_losses_never_cross():
    # Issue 19, item 12: with L_a = L_b the free-energy gap is Δλ·log n − Δm·log log n; a rounded
    # n·L_a − n·L_b made thousands of "crossings" near n ≈ 3·10¹⁸.
    cmp = compare_phases(Phase("x", 0.1, 1), Phase("y", 0.1, 2))
    assert cmp.crossings == () and cmp.preferred == ("x",)
    cmp = compare_phases(Phase("x", sympy.Rational(1, 10), 1, m=1), Phase("y", sympy.Rational(1, 10), 1, m=2))
    assert cmp.crossings == () and cmp.preferred == ("y",)   # lower F_n by log log n
    assert compare_phases(Phase("x", 0.3, 2), Phase("y", 0.3, 2)).preferred == ("x = y",)


def test_nearly_equal_losses_cross_once_where_the_closed_form_says():
    # ΔL = 1e-12, Δλ = 1, m = 1: n = −(Δλ/ΔL)·W₋₁(−ΔL/Δλ), computed from the exact loss difference.
    d_loss = float(sympy.Rational(0.1 + 1e-12) - sympy.Rational(0.1))
    closed = float((-(1 / d_loss) * lambertw(-d_loss, -1)).real)
    cmp = compare_phases(Phase("accurate", 0.1, 2), Phase("simple", 0.1 + 1e-12, 1))
    assert len(cmp.crossings) == 1 and cmp.critical_n == pytest.approx(closed, rel=1e-9)
