"""The quadrature route against closed forms and an independent integrator (scipy's nquad)."""

import math
import warnings

import numpy as np
import pytest
from scipy import integrate

from singular.models import RegressionModel
from validation.cases import case
from validation.quadrature import fit_rlct, k_function, log_partition, target_llc


@pytest.mark.parametrize("d", [1, 2, pytest.param(3, marks=pytest.mark.slow)])  # d = 3: 47 s
def test_target_of_a_regular_model_is_the_gaussian_formula(d):
    # K = Σ w_i²/2 under exp(−tK − γ|w|²/2): E[w_i²] = 1/(t + γ), so t·E[K] = t·d/(2(t + γ))
    model = RegressionModel(" + ".join(f"w{i}*x{i}" for i in range(d)), params=[f"w{i}" for i in range(d)],
                            inputs=[f"x{i}" for i in range(d)])
    for t, gamma in [(50.0, 1.0), (1000.0, 5.0)]:
        assert target_llc(model, t, gamma) == pytest.approx(t * d / (2 * (t + gamma)), rel=1e-5)


def test_target_agrees_with_scipy_on_a_singular_case():
    t, gamma = 145.0, 1.0

    def integrand(b, a, power):
        k = a * a * b**4 / 2
        return k**power * math.exp(-t * k - gamma * (a * a + b * b) / 2)

    opts = {"limit": 200, "points": [0.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z = integrate.nquad(lambda b, a: integrand(b, a, 0), [[-9, 9], [-9, 9]], opts=[opts, opts])[0]
        m = integrate.nquad(lambda b, a: integrand(b, a, 1), [[-9, 9], [-9, 9]], opts=[opts, opts])[0]
    assert target_llc(case("nc-w1w2^2").model, t, gamma) == pytest.approx(t * m / z, rel=1e-6)


def test_target_tends_to_lambda_from_below_when_m_is_two():
    model = case("nc-w1w2").model  # λ = 1/2, m = 2
    values = [target_llc(model, t, 1.0) for t in (1e2, 1e4, 1e6)]
    assert values[0] < values[1] < values[2] < 0.5


def test_log_partition_of_a_gaussian_is_exact():
    model = RegressionModel("w*x", params="w", inputs="x")
    t = np.array([1e2, 1e5, 1e8])
    expected = np.log(np.array([math.sqrt(2 * math.pi / s) * math.erf(0.5 * math.sqrt(s / 2)) for s in t]))
    assert np.allclose(log_partition(model, t), expected, atol=1e-9)


def test_numeric_k_matches_the_exact_k_for_an_analytic_model():
    # a*sin(b x) with x ~ U[−1, 1]: K = a²/4·(1 − sin(2b)/(2b)) in closed form
    k = k_function(case("analytic-a*sin(bx)-uniform").model)
    a, b = 0.7, 1.3
    assert float(k.evaluate(np.array([a, b]))) == pytest.approx(a * a / 4 * (1 - math.sin(2 * b) / (2 * b)), rel=1e-12)


def test_fit_reports_the_slopes_approaching_lambda():
    fit = fit_rlct(RegressionModel("a*b**3*x", params="a,b", inputs="x"))
    assert abs(fit.slopes[-1] - 1 / 6) < 0.01 and fit.m == 1


def test_too_many_parameters_is_a_clear_error():
    with pytest.raises(ValueError, match="d <= 3"):
        k_function(case("rrr-112-r0").model)
    with pytest.raises(ValueError, match="γ > 0"):
        target_llc(case("nc-w").model, 100.0, 0.0)
