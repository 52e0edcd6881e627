"""Posterior moments of observables by quadrature (the exact χ and BIF targets, docs/conventions.md#observables-of-the-local-posterior) against
independent routes: the Gaussian closed form on linear regression, scipy's nquad on singular cases,
and the shifted losses against exact moments (sympy) and scipy's quad."""

import functools
import math
import warnings

import numpy as np
import pytest
import sympy
from scipy import integrate, special

from singular.models import RegressionModel, StandardNormal
from validation.cases import case
from validation.quadrature import (dataset_loss, gaussian_moments, posterior_moments, sample_losses, shifted_loss,
                                   target_llc)

N = 2000
NBETA = N / math.log(N)  # the benchmark's nβ at n = 2000


def _data(name: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return tuple(t.numpy() for t in case(name).build(n, seed=seed).data)


def _symbolic_losses(model: RegressionModel, x: np.ndarray, y: np.ndarray) -> list[sympy.Expr]:
    """ℓ_i(w) − ℓ_i(w*) as exact polynomials in w (every float converted exactly)."""
    inputs = [sympy.Symbol(v) for v in model.inputs]
    truth = {sympy.Symbol(p): v for p, v in zip(model.params, model.true_params)}
    losses = []
    for xi, yi in zip(x.reshape(len(x), -1), y.reshape(len(x), -1)):
        at = dict(zip(inputs, map(sympy.Rational, xi)))
        total = sympy.Integer(0)
        for f, target in zip(model.f, map(sympy.Rational, yi)):
            fi = f.xreplace(at)
            total += ((target - fi) ** 2 - (target - fi.xreplace(truth)) ** 2) / (2 * model.sigma**2)
        losses.append(sympy.expand(total))
    return losses


def _exact_shifted_loss(model: RegressionModel, shift: str) -> sympy.Expr:
    """K' = E_q'[(f − f*)²]/(2σ²) from the exact moments of q' (sympy integrals against each input's density)."""
    s = sympy.Symbol("s", real=True)

    @functools.cache
    def moment(j: int, power: int) -> sympy.Expr:
        dist = model.input_dist
        if isinstance(dist, StandardNormal):
            density, lo, hi = sympy.exp(-s**2 / 2) / sympy.sqrt(2 * sympy.pi), -sympy.oo, sympy.oo
        else:
            lo, hi = dist.lower[j], dist.upper[j]
            density = 1 / (hi - lo)
        if j == 0 and shift == "half-line":
            lo = 0
            density = density / sympy.integrate(density, (s, lo, hi))
        if j == 0 and shift == "large-|x|":
            density = s**2 * density / sympy.integrate(s**2 * density, (s, lo, hi))
        return sympy.integrate(s**power * density, (s, lo, hi))

    inputs = [sympy.Symbol(v) for v in model.inputs]
    truth = {sympy.Symbol(p): v for p, v in zip(model.params, model.true_params)}
    square = sympy.expand(sum((f - f.xreplace(truth)) ** 2 for f in model.f) / (2 * model.sigma**2))
    terms = sympy.Poly(square, *inputs).terms()
    return sum((c * sympy.Mul(*[moment(j, e) for j, e in enumerate(a)]) for a, c in terms), sympy.Integer(0))


@pytest.mark.parametrize("name", ["regular-1", "regular-2", pytest.param("regular-3", marks=pytest.mark.slow)])
@pytest.mark.parametrize("on_data", [False, True], ids=["K", "L_n"])
def test_quadrature_agrees_with_the_gaussian_closed_form(name, on_data):
    # regular-3 by quadrature: about 90 s each on a shared machine
    model = case(name).model
    data = _data(name, N, 0) if on_data else None
    x_probe, y_probe = _data(name, 8, 1)
    x_set, y_set = _data(name, 50, 2)
    numeric = posterior_moments(model, NBETA, 1.0, {
        "samples": sample_losses(model, x_probe, y_probe),
        "probe set": dataset_loss(model, x_set, y_set),
        "large-|x|": shifted_loss(model, "large-|x|"),
    }, data=data)
    exact = gaussian_moments(model, NBETA, 1.0, {
        "samples": _symbolic_losses(model, x_probe, y_probe),
        "probe set": sympy.Add(*_symbolic_losses(model, x_set, y_set)) / len(x_set),
        "large-|x|": _exact_shifted_loss(model, "large-|x|"),
    }, data=data)
    assert numeric.mean_of("loss") == pytest.approx(exact.mean_of("loss"), rel=1e-6)
    for shifted in ("large-|x|", "probe set"):
        np.testing.assert_allclose(numeric.susceptibility("samples", shifted), exact.susceptibility("samples", shifted),
                                   rtol=1e-6)
    for form in ("covariance", "correlation"):
        np.testing.assert_allclose(numeric.bif("samples", "probe set", form=form),
                                   exact.bif("samples", "probe set", form=form), rtol=1e-6)


def test_the_gaussian_route_is_the_regular_target():
    # K = Σ w_i²/2: λ(nβ, γ) = nβ·E[K] = nβ·d/(2(nβ + γ)) (docs/conventions.md#the-finite-temperature-target)
    moments = gaussian_moments(case("regular-2").model, 50.0, 2.0, {})
    assert 50.0 * moments.mean_of("loss") == pytest.approx(50.0 / 52.0, rel=1e-12)
    assert target_llc(case("regular-2").model, 50.0, 2.0) == pytest.approx(50.0 / 52.0, rel=1e-9)


# Singular d = 2 cases with one input, f = g(w)·x, σ = 1, so K = g²/2; two probe samples (x_i, y_i) have
# ℓ_i(w) − ℓ_i(w*) = (g²x_i² − 2y_i·g·x_i)/2.
_G = {"nc-w1w2^2": lambda a, b: a * b * b, "resolution-cusp": lambda a, b: a * a - b**3}
_VALLEY = {"nc-w1w2^2": lambda a: [0.0], "resolution-cusp": lambda a: [0.0, math.cbrt(a * a)]}  # g = 0 along b
_PROBES = (np.array([0.8, -1.3]), np.array([0.3, -0.6]))
_PROBE_SET = (np.array([0.5, 1.7, -0.9]), np.array([0.4, 1.1, 0.2]))


@pytest.mark.parametrize("name, shift", [("nc-w1w2^2", "large-|x|"), ("resolution-cusp", "probe set")])
def test_quadrature_agrees_with_nquad_on_singular_cases(name, shift):
    t, gamma, radius = 100.0, 1.0, math.sqrt(72.0)
    g = _G[name]
    (x1, x2), (y1, y2) = _PROBES
    if shift == "large-|x|":  # E'[x²] = E[x⁴] = 3: L' = 3K
        def shifted_value(G):
            return 3 * G * G / 2
    else:
        xs, ys = _PROBE_SET
        m2, mxy = float(np.mean(xs * xs)), float(np.mean(xs * ys))

        def shifted_value(G):
            return (G * G * m2 - 2 * G * mxy) / 2

    def loss_1(G):
        return (G * G * x1 * x1 - 2 * y1 * G * x1) / 2

    def loss_2(G):
        return (G * G * x2 * x2 - 2 * y2 * G * x2) / 2

    integrands = {
        "1": lambda G: 1.0, "l1": loss_1, "l2": loss_2, "l1 l2": lambda G: loss_1(G) * loss_2(G),
        "L'": shifted_value, "l1 L'": lambda G: loss_1(G) * shifted_value(G),
        "D": lambda G: shifted_value(G) - G * G / 2, "l1 D": lambda G: loss_1(G) * (shifted_value(G) - G * G / 2),
    }
    inner = {"limit": 200, "epsabs": 0.0, "epsrel": 1e-11}
    integral = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, fn in integrands.items():
            def integrand(b, a):
                G = g(a, b)
                return fn(G) * math.exp(-t * G * G / 2 - gamma * (a * a + b * b) / 2)
            integral[key] = integrate.nquad(integrand, [[-radius, radius], [-radius, radius]],
                                            opts=[lambda a: {**inner, "points": _VALLEY[name](a)},
                                                  {**inner, "points": [0.0]}])[0]
    E = {key: value / integral["1"] for key, value in integral.items()}

    model = case(name).model
    shifted = shifted_loss(model, shift) if shift == "large-|x|" else dataset_loss(model, *_PROBE_SET)
    moments = posterior_moments(model, t, gamma, {"samples": sample_losses(model, *_PROBES), "shifted": shifted})
    assert moments.mean_of("samples")[0] == pytest.approx(E["l1"], rel=1e-6)
    assert moments.cov("samples", "samples")[0, 1] == pytest.approx(E["l1 l2"] - E["l1"] * E["l2"], rel=1e-6)
    assert moments.bif("samples", "shifted")[0] == pytest.approx(-(E["l1 L'"] - E["l1"] * E["L'"]), rel=1e-6)
    assert moments.susceptibility("samples", "shifted")[0] == pytest.approx(-t * (E["l1 D"] - E["l1"] * E["D"]),
                                                                            rel=1e-6)


@pytest.mark.parametrize("model", [
    RegressionModel("a*x1 + b*x1**2 + a*b*x1**3*x2**2", params="a,b", inputs="x1,x2", at="a=1/2"),
    RegressionModel("a*x + b*x**2", params="a,b", inputs="x", input_dist="uniform"),
], ids=["normal inputs", "uniform input"])
@pytest.mark.parametrize("shift", ["half-line", "large-|x|"])
def test_shifted_loss_of_a_polynomial_model_is_exact(model, shift):
    # the half-line's odd moments (x1³, x1⁵) enter through the cross terms of (f − f*)²
    exact = sympy.lambdify([sympy.Symbol(p) for p in model.params], _exact_shifted_loss(model, shift), "numpy")
    points = np.random.default_rng(0).uniform(-2, 2, size=(6, model.d))
    np.testing.assert_allclose(shifted_loss(model, shift)(points), exact(*points.T), rtol=1e-12)


def test_shifted_loss_of_tanh_matches_scipy_quad():
    model = case("tanh-1").model  # a·tanh(b·x), x ~ U[−1, 1]: q'(x) = 1 on [0, 1], or (3/2)·x² on [−1, 1]
    points = np.array([[0.7, 1.3], [-1.1, 2.5], [0.3, -4.0]])

    def expected(a, b, shift):
        if shift == "half-line":
            return integrate.quad(lambda x: (a * math.tanh(b * x)) ** 2 / 2, 0, 1, epsabs=0, epsrel=1e-13)[0]
        return integrate.quad(lambda x: 1.5 * x * x * (a * math.tanh(b * x)) ** 2 / 2, -1, 1, epsabs=0,
                              epsrel=1e-13)[0]

    for shift in ("half-line", "large-|x|"):
        np.testing.assert_allclose(shifted_loss(model, shift)(points), [expected(a, b, shift) for a, b in points],
                                   rtol=1e-12)


def test_shifted_loss_of_a_normal_input_exponential_matches_the_closed_form():
    # a(e^{bx} − 1), x ~ N(0, 1): E[e^{cx} | x > 0] = 2e^{c²/2}Φ(c) and E[x²e^{cx}] = (1 + c²)e^{c²/2}
    model = case("analytic-a(exp(bx)-1)").model
    points = np.array([[0.7, 0.4], [-1.2, 1.1], [0.5, -0.8]])

    def expected(a, b, shift):
        if shift == "half-line":
            moment = lambda c: 2 * math.exp(c * c / 2) * special.ndtr(c)  # noqa: E731
        else:
            moment = lambda c: (1 + c * c) * math.exp(c * c / 2)  # noqa: E731
        return a * a * (moment(2 * b) - 2 * moment(b) + moment(0)) / 2

    for shift in ("half-line", "large-|x|"):
        np.testing.assert_allclose(shifted_loss(model, shift)(points), [expected(a, b, shift) for a, b in points],
                                   rtol=1e-10)


def test_bad_arguments_are_clear_errors():
    model = case("regular-1").model
    with pytest.raises(ValueError, match="choose one of"):
        shifted_loss(model, "left")
    with pytest.raises(ValueError, match="'loss' is taken"):
        posterior_moments(model, 10.0, 1.0, {"loss": lambda w: w[..., 0]})
    with pytest.raises(ValueError, match="maps points of shape"):
        posterior_moments(model, 10.0, 1.0, {"constant": lambda w: np.zeros(3)})
    with pytest.raises(ValueError, match="do not fit"):
        sample_losses(model, np.zeros((4, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="not affine"):
        gaussian_moments(case("nc-w1w2").model, 10.0, 1.0, {})
    with pytest.raises(ValueError, match="degree <= 2"):
        gaussian_moments(model, 10.0, 1.0, {"cubic": "w1**3"})
    with pytest.raises(ValueError, match="nbeta"):
        posterior_moments(model, 0.0, 1.0, {})
