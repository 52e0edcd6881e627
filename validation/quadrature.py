"""The numeric route: integrals against exp(−t·K(w)) by graded quadrature, for models with d <= 3.

Three uses:

- :func:`fit_rlct` checks the catalog independently of :mod:`singular`: it computes
  −log Z(t), Z(t) = ∫ exp(−t·K(w)) φ(w) dw, for t from 10² to 10⁸ (φ uniform on the box w* ± 1/2)
  and fits −log Z(t) = λ·log t − (m − 1)·log log t + c (docs/conventions.md#the-learning-coefficient, the free-energy asymptotics).
- :func:`target_llc` gives the estimator's own target at finite temperature (docs/conventions.md#the-finite-temperature-target):
  λ(nβ, γ) = nβ·E[K] under exp(−nβ·K(w) − (γ/2)‖w − w*‖²), the value an exact sampler of the
  tempered local posterior (with the population K in place of L_n) would report.
- :func:`posterior_moments` gives posterior means and covariances of any observables under the same
  posterior (docs/conventions.md#observables-of-the-local-posterior), hence the exact susceptibilities (:func:`exact_susceptibility`) and
  Bayesian influence functions (:func:`exact_bif`).  :func:`dataset_loss`, :func:`sample_losses` and
  :func:`shifted_loss` build the observables those need; :func:`gaussian_moments` is the second
  route, exact for linear regression and quadratic observables.

The rule.  The integrand exp(−tK) is sharply peaked where K vanishes, with widths down to
t^(−1/(2k)) for t up to 10⁸.  Every coordinate but the last uses a tensor product of Gauss–Legendre
rules on intervals graded geometrically (ratio 2) toward w*_j and toward the box's ends, so any peak
width at those points is resolved.  The last coordinate, for each outer point, is split at w*_j, the
box's ends and the real critical points of K along it (roots of ∂K/∂w_d, for K polynomial), and each
piece is graded toward both ends: a peak of exp(−tK) along the last coordinate sits at a minimum
of K there, so it always lies at a break point.  This resolves zero sets that are not coordinate
subspaces, such as x + y = 0 or x² = y³.  Every graded interval carries a Gauss–Legendre rule.  The
levels and points per interval are set for t up to 10⁸ (48 × 12 for d = 1, 36 × 8 for d = 2, 22 × 5 for
d = 3, about 10⁸ points); when the largest t is smaller, the levels finer than any peak are traded for
more points per interval at about the same count (:func:`_graded_shape`).  At nβ = 100 this makes Z of
resolution-cusp agree with scipy's nquad to 10⁻⁸ (the 36 × 8 rule: 6·10⁻⁷, as its inner integrand near
x = 0, the flat-topped exp(−t·y⁶/2), is steep between break points), and at nβ = 263 λ(nβ, γ) of
newton-x2+y4+z6 agrees to 4·10⁻⁷ with a rule of 22 levels and 8 (outer) and 12 (last coordinate)
points per interval (22 × 5: 4·10⁻⁴).

K comes from :meth:`singular.models.RegressionModel.K` when that is a closed form; otherwise (f not
polynomial in x) K(w) = E_x[(f(x, w) − f(x, w*))²]/(2σ²) by a Gauss rule in x with 64 nodes per
input (Legendre for uniform inputs, Hermite for normal ones; :func:`shifted_loss` describes the rules).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import sympy
from scipy.optimize import minimize, minimize_scalar

from resolution import parse_expression
from singular.models import RegressionModel, StandardNormal, UniformBox

__all__ = ["PosteriorMoments", "QuadratureFit", "dataset_loss", "dataset_target_llc", "empirical_k_function",
           "exact_bif", "exact_susceptibility", "fit_rlct", "gaussian_moments", "k_function", "log_partition",
           "posterior_moments", "sample_losses", "shifted_loss", "target_llc"]

_MAX_D = 3
_RULES = {1: (48, 12), 2: (36, 8), 3: (22, 5)}  # d -> (grading levels, Gauss points per interval) for t <= 10⁸
_T_RULES = 1e8
_CHUNK = 2_000_000  # integrand evaluations held at once
_NODES = 64  # Gauss nodes per input when f is not polynomial in the inputs
_SHIFTS = ("half-line", "large-|x|")
_LOSS = "loss"  # the posterior's own loss, the first observable of every PosteriorMoments


@dataclass(frozen=True)
class KFunction:
    """K(w) for points w of shape (..., d), with the symbolic pieces the rule needs."""

    evaluate: Callable[[np.ndarray], np.ndarray]
    center: np.ndarray
    critical: Callable[[np.ndarray], np.ndarray] | None  # outer points (M, d − 1) -> real roots of ∂K/∂w_d (M, r)


def _check_size(model: RegressionModel) -> None:
    if model.d > _MAX_D:
        raise ValueError(f"the quadrature route handles d <= {_MAX_D} parameters; {model.name} has d = {model.d}")


def _center(model: RegressionModel) -> np.ndarray:
    return np.array([float(v) for v in model.true_params])


def k_function(model: RegressionModel) -> KFunction:
    """K of ``model`` as a vectorized numpy function, centred at the true parameter w*.

    Examples
    --------
    >>> k = k_function(RegressionModel("a*b*x", params="a,b", inputs="x"))
    >>> float(k.evaluate(np.array([2.0, 3.0])))
    18.0
    """
    _check_size(model)
    K = model.K()
    if K.has(sympy.Integral):
        return _rule_loss(model, None)
    return _from_expression(K, [sympy.Symbol(p) for p in model.params], _center(model))


def _from_expression(K: sympy.Expr, w: list[sympy.Symbol], center: np.ndarray) -> KFunction:
    """A :class:`KFunction` of a closed-form K(w); the critical points along the last coordinate
    when K is a polynomial in it."""
    fn = sympy.lambdify(w, K, modules="numpy")

    def evaluate(points: np.ndarray) -> np.ndarray:
        return np.broadcast_to(fn(*np.moveaxis(points, -1, 0)), points.shape[:-1])

    if not K.is_polynomial(w[-1]):
        return KFunction(evaluate, center, None)
    last = sympy.Poly(sympy.diff(K, w[-1]), w[-1])
    coefficient_fns = [sympy.lambdify(w[:-1], c, modules="numpy") for c in last.all_coeffs()]

    def critical(outer: np.ndarray) -> np.ndarray:
        coefficients = np.stack([np.broadcast_to(c(*outer.T), outer.shape[:1]) for c in coefficient_fns], axis=1)
        return _real_roots(coefficients)

    return KFunction(evaluate, center, critical)


def _polynomial_in_inputs(model: RegressionModel) -> bool:
    inputs = [sympy.Symbol(v) for v in model.inputs]
    return not inputs or all(f.is_polynomial(*inputs) for f in model.f)


def _as_data(model: RegressionModel, x, y, weights=None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """x as (n, inputs), y as (n, outputs) and the weights as (n,), checked."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n, k, o = len(x), len(model.inputs), len(model.f)
    if n == 0 or x.size != n * k or y.size != n * o or len(y) != n:
        raise ValueError(f"x of shape {x.shape} and y of shape {y.shape} do not fit {model.name}: pass x of shape "
                         f"(n, {k}) and y of shape (n,) or (n, {o}), n >= 1")
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (n,) or not np.all(np.isfinite(weights)) or not weights.sum() > 0:
            raise ValueError(f"weights of shape {weights.shape}: pass {n} finite weights (one per sample) with a "
                             "positive sum")
    return x.reshape(n, k), y.reshape(n, o), weights


def empirical_k_function(model: RegressionModel, x: np.ndarray, y: np.ndarray, *,
                         weights: np.ndarray | None = None) -> KFunction:
    """L_n(w) − L_n(w*) of ``model`` on the dataset (x, y), as a vectorized function like :func:`k_function`.

    L_n is the Gaussian NLL (docs/conventions.md#loss-units), averaged over the samples with ``weights`` (default equal;
    any real weights with a positive sum, such as a quadrature rule's, normalized to sum 1).  With
    f(x, w) − f(x, w*) = Σ_α c_α(w)·x^α (f polynomial in the inputs; c_α any closed form in w),
    L_n(w) − L_n(w*) = (1/2σ²)·Σ_outputs [Σ_αβ c_α c_β·mean(x^α x^β) − 2·Σ_α c_α·mean(r·x^α)], with r
    the residuals y − f(x, w*): the data enter through their (weighted) moments only.

    Raises
    ------
    ValueError
        d > 3, f not polynomial in the inputs, or x, y, weights of the wrong shapes.

    Examples
    --------
    >>> model = RegressionModel("a*x", params="a", inputs="x")
    >>> k = empirical_k_function(model, np.array([[1.0], [2.0]]), np.array([1.0, 3.0]))
    >>> float(k.evaluate(np.array([1.0])))  # ((1-1)² + (3-2)²)/4 − (1² + 3²)/4
    -2.25
    """
    _check_size(model)
    if not _polynomial_in_inputs(model):
        raise ValueError(f"{model.name}: f is not polynomial in the inputs, so L_n has no moment form")
    x, y, weights = _as_data(model, x, y, weights)
    w = [sympy.Symbol(p) for p in model.params]
    inputs = [sympy.Symbol(v) for v in model.inputs]
    truth = dict(zip(w, model.true_params))
    total = sympy.Integer(0)
    for k, f in enumerate(model.f):
        f0 = f.xreplace(truth)
        difference = sympy.expand(f - f0)
        terms = sympy.Poly(difference, *inputs).terms() if inputs else [((), difference)]
        columns = [x[:, j] for j in range(x.shape[1])]
        f0_values = np.broadcast_to(sympy.lambdify(inputs, f0, modules="numpy")(*columns), (len(x),))
        residual = y[:, k] - f0_values
        powers = [np.prod([columns[j] ** e for j, e in enumerate(alpha)], axis=0) * np.ones(len(x)) for alpha, _ in terms]
        for (_, ca), pa in zip(terms, powers):
            total += ca * float(np.average(residual * pa, weights=weights)) * -2
            for (_, cb), pb in zip(terms, powers):
                total += ca * cb * float(np.average(pa * pb, weights=weights))
    total = sympy.expand(total / (2 * float(model.sigma) ** 2))
    return _from_expression(total, w, _center(model))


def _real_roots(coefficients: np.ndarray) -> np.ndarray:
    """The real roots of each row's polynomial (coefficients highest degree first), NaN-padded to shape
    (rows, degree).  Found as numpy.roots finds them (eigenvalues of the companion matrix of the polynomial
    stripped of leading and trailing zeros, and a root 0 per trailing zero), for all rows of one shape in one
    batched call."""
    nonzero = coefficients != 0
    last = coefficients.shape[1] - 1
    lead = np.argmax(nonzero, axis=1)
    trail = last - np.argmax(nonzero[:, ::-1], axis=1)
    found = np.full((len(coefficients), last), np.nan)
    present = nonzero.any(axis=1)
    for a, b in set(zip(lead[present].tolist(), trail[present].tolist())):
        rows = np.flatnonzero(present & (lead == a) & (trail == b))
        roots = np.empty((len(rows), 0))
        if b > a:
            companion = np.zeros((len(rows), b - a, b - a))
            companion[:, np.arange(1, b - a), np.arange(b - a - 1)] = 1.0
            companion[:, 0, :] = -coefficients[rows, a + 1:b + 1] / coefficients[rows, a:a + 1]
            roots = np.linalg.eigvals(companion)
        roots = np.concatenate([roots, np.zeros((len(rows), last - b))], axis=1)
        real = np.abs(roots.imag) <= 1e-9 * (1.0 + np.abs(roots))
        found[rows, :roots.shape[1]] = np.where(real, roots.real, np.nan)
    return found


def _outputs(model: RegressionModel) -> list[Callable]:
    """f_o(*inputs, *params) as numpy functions, one per output."""
    symbols = [sympy.Symbol(v) for v in model.inputs] + [sympy.Symbol(p) for p in model.params]
    return [sympy.lambdify(symbols, f, modules="numpy") for f in model.f]


def _per_sample(model: RegressionModel, x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """w of shape (..., d) -> ℓ_i(w) − ℓ_i(w*) of shape (..., n), for checked x (n, inputs) and y (n, outputs).

    (y − f)² − (y − f*)² is evaluated as (f* − f)·(2(y − f*) + (f* − f)): no cancellation near w*.
    """
    fs = _outputs(model)
    columns = [x[:, j] for j in range(x.shape[1])]
    truth = [np.broadcast_to(f(*columns, *_center(model)), (len(x),)) for f in fs]
    residuals = [2 * (target - t) for target, t in zip(y.T, truth)]
    scale = 1 / (2 * float(model.sigma) ** 2)

    def evaluate(points: np.ndarray) -> np.ndarray:
        ws = [p[..., None] for p in np.moveaxis(points, -1, 0)]
        total = None
        for f, t, residual in zip(fs, truth, residuals):
            change = t - f(*columns, *ws)
            term = change + residual
            term *= change
            total = term if total is None else total + term
        total *= scale
        return np.broadcast_to(total, points.shape[:-1] + (len(x),))

    return evaluate


def _direct_loss(model: RegressionModel, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None) -> KFunction:
    """The weighted average of the per-sample losses, evaluated sample by sample (f not polynomial in x)."""
    losses = _per_sample(model, x, y)
    p = np.full(len(x), 1 / len(x)) if weights is None else weights / weights.sum()
    block = max(1, _CHUNK // len(p))

    def evaluate(points: np.ndarray) -> np.ndarray:
        flat = points.reshape(-1, points.shape[-1])
        out = np.empty(len(flat))
        for start in range(0, len(flat), block):
            out[start:start + block] = losses(flat[start:start + block]) @ p
        return out.reshape(points.shape[:-1])

    return KFunction(evaluate, _center(model), None)


def _weighted_loss(model: RegressionModel, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None) -> KFunction:
    if _polynomial_in_inputs(model):
        return empirical_k_function(model, x, y, weights=weights)
    return _direct_loss(model, x, y, weights)


def _input_degrees(model: RegressionModel) -> tuple[int, ...] | None:
    """Per input x_j, the degree in x_j of Σ_o (f_o(x, w) − f_o(x, w*))²; None when f is not polynomial in x."""
    if not _polynomial_in_inputs(model):
        return None
    truth = {sympy.Symbol(p): v for p, v in zip(model.params, model.true_params)}
    differences = [sympy.expand(f - f.xreplace(truth)) for f in model.f]
    return tuple(2 * max(int(sympy.degree(g, sympy.Symbol(v))) if g != 0 else 0 for g in differences)
                 for v in model.inputs)


def _marginal_rule(dist, j: int, count: int, half: bool) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights (summing to 1) of a rule for input j of ``dist``, exact for polynomials of
    degree <= 2·count − 1; ``half`` restricts the input to x_j > 0 (:func:`shifted_loss`)."""
    if isinstance(dist, StandardNormal):
        x, v = np.polynomial.hermite_e.hermegauss(count)
        v = v / math.sqrt(2 * math.pi)
        if not half:
            return x, v
        u, c = np.polynomial.laguerre.laggauss(count // 2 + 1)
        r = np.sqrt(2 * u)
        c = c / (r * math.sqrt(2 * math.pi))
        return np.concatenate([x, r, -r]), np.concatenate([v, c, -c])
    if isinstance(dist, UniformBox):
        lo, hi = float(dist.lower[j]), float(dist.upper[j])
        if half:
            if hi <= 0:
                raise ValueError(f"shift='half-line': input {j} is uniform on [{lo:g}, {hi:g}], which has no x > 0")
            lo = max(lo, 0.0)
        x, v = np.polynomial.legendre.leggauss(count)
        return lo + (hi - lo) * (x + 1) / 2, v / 2
    raise ValueError(f"no Gauss rule for the input law {dist}; the quadrature route knows StandardNormal and "
                     "UniformBox")


def _input_rule(model: RegressionModel, shift: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (N, inputs) and weights (N,) summing to 1 of the tensor Gauss rule for q, or for q' of ``shift``."""
    if shift is not None and shift not in _SHIFTS:
        raise ValueError(f"shift={shift!r}: choose one of {', '.join(map(repr, _SHIFTS))}")
    if shift is not None and not model.inputs:
        raise ValueError(f"shift={shift!r}: {model.name} has no inputs to shift")
    degrees = _input_degrees(model)
    rules = []
    for j in range(len(model.inputs)):
        degree = None if degrees is None else degrees[j] + (2 if shift == "large-|x|" and j == 0 else 0)
        count = _NODES if degree is None else degree // 2 + 1
        rules.append(_marginal_rule(model.input_dist, j, count, shift == "half-line" and j == 0))
    nodes = np.stack([g.ravel() for g in np.meshgrid(*[r[0] for r in rules], indexing="ij")], axis=-1)
    weights = np.prod(np.stack([g.ravel() for g in np.meshgrid(*[r[1] for r in rules], indexing="ij")]), axis=0)
    if shift == "large-|x|":
        weights = weights * nodes[:, 0] ** 2
    return nodes, weights / weights.sum()


def _rule_loss(model: RegressionModel, shift: str | None) -> KFunction:
    """E_q[(f(x, w) − f(x, w*))²]/(2σ²) (q shifted by ``shift``) as the loss of the input rule's weighted nodes
    with noise-free outputs y = f(x, w*)."""
    nodes, weights = _input_rule(model, shift)
    columns = [nodes[:, j] for j in range(nodes.shape[1])]
    y = np.stack([np.broadcast_to(f(*columns, *_center(model)), (len(nodes),)) for f in _outputs(model)], axis=1)
    return _weighted_loss(model, nodes, y, weights)


def dataset_loss(model: RegressionModel, x: np.ndarray, y: np.ndarray, *,
                 weights: np.ndarray | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """The observable L(w) − L(w*): the (weighted) average over the dataset (x, y) of the per-sample
    Gaussian NLL differences [(y − f(x, w))² − (y − f(x, w*))²]/(2σ²) (docs/conventions.md#loss-units, #observables-of-the-local-posterior).

    Parameters
    ----------
    model : RegressionModel
    x, y : ndarray
        Inputs of shape (n, inputs) (or (n,) for one input) and outputs of shape (n,) or (n, outputs).
    weights : ndarray of shape (n,), optional
        Sample weights (default equal), normalized to sum 1; any finite reals with a positive sum (a
        quadrature rule's may be negative).

    Returns
    -------
    callable
        w of shape (..., d) -> L(w) − L(w*) of shape (...), in nats.  Where f is polynomial in the
        inputs it is the moment form of :func:`empirical_k_function` (any n); otherwise it evaluates
        every sample at every w (cost ∝ n: meant for small probe sets).

    Raises
    ------
    ValueError
        x, y or weights of the wrong shapes; d > 3 with f polynomial in x.

    Examples
    --------
    >>> model = RegressionModel("a*x", params="a", inputs="x")
    >>> loss = dataset_loss(model, np.array([1.0, 2.0]), np.array([1.0, 3.0]), weights=np.array([3.0, 1.0]))
    >>> float(loss(np.array([1.0])))  # (3·((1-1)² − 1²) + ((3-2)² − 3²))/(4·2)
    -1.375
    """
    x, y, weights = _as_data(model, x, y, weights)
    return _weighted_loss(model, x, y, weights).evaluate


def sample_losses(model: RegressionModel, x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The observable (ℓ_1(w) − ℓ_1(w*), …, ℓ_P(w) − ℓ_P(w*)) of P probe samples, ℓ_i the Gaussian NLL of
    sample i (docs/conventions.md#observables-of-the-local-posterior): ℓ_i(w) − ℓ_i(w*) = [(y_i − f(x_i, w))² − (y_i − f(x_i, w*))²]/(2σ²).

    Parameters
    ----------
    model : RegressionModel
    x, y : ndarray
        P probe inputs of shape (P, inputs) (or (P,)) and outputs of shape (P,) or (P, outputs).

    Returns
    -------
    callable
        w of shape (..., d) -> losses of shape (..., P), in nats.

    Raises
    ------
    ValueError
        x or y of the wrong shapes.

    Examples
    --------
    >>> model = RegressionModel("a*x", params="a", inputs="x")
    >>> sample_losses(model, np.array([1.0, 2.0]), np.array([1.0, 3.0]))(np.array([1.0]))
    array([-0.5, -4. ])
    """
    x, y, _ = _as_data(model, x, y)
    return _per_sample(model, x, y)


def shifted_loss(model: RegressionModel, shift: str) -> Callable[[np.ndarray], np.ndarray]:
    """The observable K'(w) = E_q'[(f(x, w) − f(x, w*))²]/(2σ²): the population loss under a shifted input law q'.

    The outputs are taken noise-free, y = f(x, w*): the noise adds the constant log(σ√(2π)) + 1/2 to
    the loss under any q', which no covariance (hence no susceptibility, docs/conventions.md#susceptibility) sees.

    Parameters
    ----------
    model : RegressionModel
        Inputs StandardNormal or UniformBox (1 to 3 of them).
    shift : {"half-line", "large-|x|"}
        ``"half-line"``: the first input restricted to x_1 > 0, q'(x) = q(x)·1{x_1 > 0}/q(x_1 > 0).
        ``"large-|x|"``: q'(x) = x_1²·q(x)/E_q[x_1²].

    Returns
    -------
    callable
        w of shape (..., d) -> K'(w) of shape (...), in nats; K'(w*) = 0.

    Raises
    ------
    ValueError
        An unknown shift, a model with no inputs, an input law with no rule, a uniform first input with no
        x_1 > 0, or d > 3 with f polynomial in x.

    Notes
    -----
    K' is the loss of a weighted "dataset": the nodes of a tensor product of one-dimensional Gauss rules,
    with their weights.  Gauss–Hermite for a standard normal input and Gauss–Legendre for a uniform one;
    a rule with c nodes integrates polynomials of degree <= 2c − 1 exactly (Gauss quadrature; nodes and
    weights by Golub & Welsch 1969, Math. Comp. 23, as numpy computes them), so for
    f polynomial in x, c = D_j/2 + 1 nodes per input (D_j the degree in x_j of (f − f*)², plus 2 on x_1
    for the x_1² weight) make K' exact up to rounding, and it is kept in the moment form of
    :func:`empirical_k_function`; otherwise c = 64 per input (exact to degree 127) and every node is
    evaluated at every w.

    The half-normal x_1 | x_1 > 0 has no classical Gauss rule.  Split g = g_e + g_o into even and odd
    parts: E[g | x_1 > 0] = E_N[g] + √(2/π)·∫_0^∞ g_o(x) e^{−x²/2} dx, and with u = x²/2 the last integral
    is ∫_0^∞ (g_o(√(2u))/√(2u)) e^{−u} du, whose integrand is a polynomial in u of degree (deg g − 1)/2 when
    g is a polynomial (g_o(x)/x is even).  So c Gauss–Hermite nodes plus the ± pairs of c//2 + 1
    Gauss–Laguerre nodes x = ±√(2u_k) (weights ±W_k/(x·√(2π))) are exact to degree 2c − 1, like the
    Hermite rule on the full line, and converge as fast for analytic f.  Its weights are signed; a fine
    Gauss–Legendre split of [0, ∞) would keep them positive, but only approximately at every degree.

    Examples
    --------
    One input, K = w²/2: under x² q(x)/E[x²], E'[x²] = E[x⁴] = 3, so K' = 3w²/2; the half-line keeps E[x²] = 1.

    >>> model = RegressionModel("w*x", params="w", inputs="x")
    >>> round(float(shifted_loss(model, "large-|x|")(np.array([1.0]))), 12)
    1.5
    >>> round(float(shifted_loss(model, "half-line")(np.array([1.0]))), 12)
    0.5
    """
    return _rule_loss(model, shift).evaluate


def _graded_rule(levels: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights on [0, 1], Gauss–Legendre on [2^−(j+1), 2^−j] (j < levels) and [0, 2^−levels]."""
    x, v = np.polynomial.legendre.leggauss(order)
    x, v = (x + 1) / 2, v / 2
    edges = [2.0**-j for j in range(levels + 1)] + [0.0]
    nodes = np.concatenate([lo + (hi - lo) * x for hi, lo in zip(edges[:-1], edges[1:])])
    weights = np.concatenate([(hi - lo) * v for hi, lo in zip(edges[:-1], edges[1:])])
    return nodes, weights


def _graded_shape(d: int, t: float) -> tuple[int, int]:
    """(levels, Gauss points per interval) of the graded rule for integrands exp(−s·K) with s <= t.

    ``_RULES`` holds them for t = 10⁸.  A peak at a break point where K ≈ c·u^(2k) has width (t·c)^(−1/(2k)),
    never below (t·c)^(−1/2) once t·c > 1, so each factor 4 by which t falls short of 10⁸ makes the finest
    level useless; those levels' nodes go to more points per interval instead.
    """
    levels, order = _RULES[d]
    fewer = min(math.floor(math.log2(_T_RULES / max(t, 1.0)) / 2), levels - 4)
    return levels - fewer, max(order, (levels + 1) * order // (levels - fewer + 1))


def _split_rule(breaks: np.ndarray, rule: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Nodes/weights for sorted break points of shape (..., P): every piece graded toward both ends."""
    r, v = rule
    p, q = breaks[..., :-1, None], breaks[..., 1:, None]
    half = (q - p) / 2
    nodes = np.concatenate([p + half * r, q - half * r], axis=-1)
    weights = np.concatenate([half * v, half * v], axis=-1)
    shape = breaks.shape[:-1] + (-1,)
    return nodes.reshape(shape), weights.reshape(shape)


def _integrals(k: KFunction, ts: np.ndarray, lo: np.ndarray, hi: np.ndarray, gamma: float,
               observe: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None, width: int = 0):
    """Z(t) = Σ e, Σ e·v and Σ e·v vᵀ for every t, e = exp(−tK)·ρ times the rule's weights, ρ = exp(−γ/2‖w − w*‖²)
    on the box [lo, hi], and v = observe(points of shape (N, d), K at them (N,)) of shape (N, width).

    Returns z (T,), first (T, width) and second (T, width, width)."""
    d = len(k.center)
    rule = _graded_rule(*_graded_shape(d, float(np.max(ts))))
    axes = [_split_rule(np.array([lo[j], k.center[j], hi[j]]), rule) for j in range(d - 1)]
    if axes:
        grids = np.meshgrid(*[a[0] for a in axes], indexing="ij")
        outer = np.stack([g.ravel() for g in grids], axis=1)
        outer_w = np.prod(np.stack(np.meshgrid(*[a[1] for a in axes], indexing="ij")), axis=0).ravel()
    else:
        outer, outer_w = np.zeros((1, 0)), np.ones(1)
    inner_count = (3 + 8) * 2 * len(rule[0])
    chunk = max(1, _CHUNK // (inner_count * (1 + width)))
    z, first, second = np.zeros(len(ts)), np.zeros((len(ts), width)), np.zeros((len(ts), width, width))
    for start in range(0, len(outer), chunk):
        pts, pw = outer[start:start + chunk], outer_w[start:start + chunk]
        breaks = _inner_breaks(k, pts, lo[-1], k.center[-1], hi[-1])
        nodes, weights = _split_rule(breaks, rule)
        points = np.concatenate([np.broadcast_to(pts[:, None, :], nodes.shape + (d - 1,)), nodes[..., None]], axis=-1)
        values = k.evaluate(points)
        weight = weights * pw[:, None]
        if gamma > 0:
            weight = weight * np.exp(-0.5 * gamma * np.sum((points - k.center) ** 2, axis=-1))
        values, weight = values.ravel(), weight.ravel()
        v = observe(points.reshape(-1, d), values) if observe is not None else np.empty((len(values), 0))
        for i, t in enumerate(ts):
            e = weight * np.exp(-t * values)
            weighted = v * e[:, None]
            z[i] += e.sum()
            first[i] += weighted.sum(axis=0)
            second[i] += weighted.T @ v
    return z, first, second


def _inner_breaks(k: KFunction, outer: np.ndarray, lo: float, center: float, hi: float) -> np.ndarray:
    """Sorted distinct break points (rows, P) along the last coordinate: lo, w*_d, hi and the critical points of
    K inside (a multiple root once), rows with fewer padded with hi (zero-length pieces)."""
    fixed = np.broadcast_to(np.array([lo, center, hi]), (len(outer), 3))
    if k.critical is None:
        return fixed
    roots = k.critical(outer)
    breaks = np.sort(np.concatenate([fixed, np.where((roots > lo) & (roots < hi), roots, hi)], axis=1), axis=1)
    repeated = np.zeros(breaks.shape, dtype=bool)
    repeated[:, 1:] = breaks[:, 1:] == breaks[:, :-1]
    breaks = np.sort(np.where(repeated, hi, breaks), axis=1)
    return breaks[:, :int((~repeated).sum(axis=1).max())]


def log_partition(model: RegressionModel, ts: Sequence[float], *, half_width: float = 0.5) -> np.ndarray:
    """log Z(t) = log ∫ exp(−t·K(w)) φ(w) dw, φ uniform on the box w* ± ``half_width``, for each t.

    Examples
    --------
    >>> model = RegressionModel("w*x", params="w", inputs="x")  # K = w²/2: Z(t) ≈ √(2π/t)
    >>> z = np.exp(log_partition(model, [1e4]))[0]
    >>> bool(abs(z - math.sqrt(2 * math.pi / 1e4)) < 1e-10)
    True
    """
    k = k_function(model)
    lo, hi = k.center - half_width, k.center + half_width
    z, _, _ = _integrals(k, np.asarray(ts, dtype=float), lo, hi, 0.0)
    return np.log(z / (2 * half_width) ** len(k.center))


@dataclass(frozen=True)
class QuadratureFit:
    """λ and m fitted to Z(t) by quadrature (see :func:`fit_rlct`).

    ``residual`` is the root-mean-square relative misfit of the chosen form; ``next_exponent`` the
    fitted exponent μ of the correction term (None when one term sufficed); ``slopes`` the local
    slopes −d log Z / d log t between consecutive t, which approach λ (from below when m > 1).
    """

    lam: float
    m: int
    next_exponent: float | None
    residual: float
    ts: tuple[float, ...]
    log_z: tuple[float, ...]
    slopes: tuple[float, ...]


_GAP = 0.02  # the correction's exponent exceeds λ by at least this much


def _misfit(ts: np.ndarray, z: np.ndarray, lam: float, mu: float | None, m: int) -> tuple[float, float]:
    """(relative rms misfit, share of the leading terms in Z at the largest t) of the best linear fit
    Z ≈ t^−λ·(c_0 + c_1 log t + … + c_(m−1) log^(m−1) t) + b·t^−μ."""
    log_t = np.log(ts)
    leading = [ts**-lam * log_t**k for k in range(m)]
    columns = leading + ([ts**-mu] if mu is not None else [])
    design = np.stack(columns, axis=1) / z[:, None]
    coef, *_ = np.linalg.lstsq(design, np.ones_like(z), rcond=None)
    share = float(design[-1, :m] @ coef[:m])
    return float(np.sqrt(np.mean((design @ coef - 1) ** 2))), share


def _fit_m(ts: np.ndarray, z: np.ndarray, m: int, guess: float) -> tuple[float, float, float | None]:
    """(misfit, λ, μ) for one multiplicity: a leading term alone, or with one power correction."""
    one = minimize_scalar(lambda lam: _misfit(ts, z, lam, None, m)[0], bounds=(0.5 * guess, 2 * guess + 0.1),
                          method="bounded", options={"xatol": 1e-10})
    best = (float(one.fun), float(one.x), None)
    for start in guess * np.array([0.9, 1.0, 1.1, 1.25]):
        for gap in (0.05, 0.25, 0.5, 1.0):
            def objective(p):
                misfit, share = _misfit(ts, z, abs(p[0]), abs(p[0]) + _GAP + p[1] ** 2, m)
                return misfit if share >= 0.5 else 1.0 + misfit
            r = minimize(objective, [start, math.sqrt(gap)], method="Nelder-Mead",
                         options={"xatol": 1e-9, "fatol": 1e-16, "maxiter": 2000})
            if r.fun < best[0]:
                best = (float(r.fun), abs(float(r.x[0])), abs(float(r.x[0])) + _GAP + float(r.x[1]) ** 2)
    return best


def fit_rlct(model: RegressionModel, ts: Sequence[float] | None = None, *, half_width: float = 1.0) -> QuadratureFit:
    """Fit (λ, m) to Z(t) by quadrature, t from 10² to 10⁸ by default (25 values).

    The form is the start of the asymptotic expansion of Z (Watanabe 2009, Thm 6.7 and §4):
    Z(t) ≈ t^−λ·P(log t) + b·t^−μ with P a polynomial of degree m − 1 and μ > λ the next pole;
    then −log Z = λ log t − (m − 1) log log t + c + o(1).  For each m in 1..d the exponents are
    fitted by variable projection (the coefficients by linear least squares on the relative misfit)
    and the leading terms must carry at least half of Z at the largest t.  The smallest m whose
    misfit is within 4× the best wins.

    Examples
    --------
    >>> fit = fit_rlct(RegressionModel("a*b**2*x", params="a,b", inputs="x"))
    >>> fit.m, abs(fit.lam - 0.25) < 0.005
    (1, True)
    """
    ts = np.logspace(2, 8, 25) if ts is None else np.asarray(ts, dtype=float)
    log_z = log_partition(model, ts, half_width=half_width)
    z = np.exp(log_z - log_z[0])
    slopes = -np.diff(log_z) / np.diff(np.log(ts))
    fits = {m: _fit_m(ts, z, m, float(slopes[-1]) + (m - 1) / math.log(ts[-1])) for m in range(1, model.d + 1)}
    floor = min(f[0] for f in fits.values())
    m = min(m for m, f in fits.items() if f[0] <= 4 * floor)
    misfit, lam, mu = fits[m]
    return QuadratureFit(lam, m, mu, misfit, tuple(map(float, ts)), tuple(map(float, log_z)),
                         tuple(map(float, slopes)))


def target_llc(model: RegressionModel, nbeta: float, localization: float) -> float:
    """λ(nβ, γ) = nβ·E[K] under exp(−nβ·K(w) − (γ/2)‖w − w*‖²) on R^d (docs/conventions.md#the-finite-temperature-target).

    The mean of the observable K itself: nβ·``posterior_moments(model, nbeta, localization, {}).mean_of("loss")``.
    The box is w* ± √(72/γ) (the Gaussian factor is below e^−36 outside it).

    Examples
    --------
    >>> model = RegressionModel("w1*x1 + w2*x2", params="w1,w2", inputs="x1,x2")
    >>> round(target_llc(model, 100.0, 1.0), 6)  # regular: t·(d/2)/(t + γ) = 100/101
    0.990099
    """
    return nbeta * posterior_moments(model, nbeta, localization, {}).mean_of(_LOSS)


def dataset_target_llc(model: RegressionModel, x: np.ndarray, y: np.ndarray, nbeta: float, localization: float) -> float:
    """λ_n(nβ, γ) = nβ·E[L_n − L_n(w*)] under exp(−nβ·(L_n − L_n(w*)) − (γ/2)‖w − w*‖²) for the dataset (x, y).

    The value an exact sampler of the tempered local posterior reports on *this* dataset: it differs
    from :func:`target_llc` (K in place of L_n) by the data's noise, which moves the minimum of
    L_n off w* (for a regular model by about −d/(2 log n) on average at nβ = n/log n).

    Examples
    --------
    Least squares y = a·x + noise at its least-squares a* (so w* is the minimum): t·h/(2(t·h + γ)).

    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((200, 1)); y = 0.5 * x[:, 0] + rng.standard_normal(200)
    >>> a = float(x[:, 0] @ y / (x[:, 0] @ x[:, 0]))
    >>> model = RegressionModel("a*x", params="a", inputs="x", at=f"a={sympy.Rational(a).limit_denominator(10**12)}")
    >>> h = float((x[:, 0] ** 2).mean())
    >>> abs(dataset_target_llc(model, x, y, 50.0, 1.0) - 50 * h / (2 * (50 * h + 1))) < 1e-6
    True
    """
    return nbeta * posterior_moments(model, nbeta, localization, {}, data=(x, y)).mean_of(_LOSS)


@dataclass(frozen=True, eq=False)
class PosteriorMoments:
    """Posterior means and covariances of named observables φ(w) (see :func:`posterior_moments`).

    Attributes
    ----------
    names : tuple of str
        The observables, ``"loss"`` first: the posterior's own loss (K, or L_n − L_n(w*) on the data).
    slices : tuple of slice
        Where each observable's components sit in ``mean`` and ``covariance``.
    shapes : tuple of tuple of int
        Each observable's shape: () for a scalar, (k,) for a vector.
    mean : ndarray of shape (total,)
        ⟨φ⟩ of every component, in the observables' units.
    covariance : ndarray of shape (total, total)
        Cov(φ_a, φ_b) of every pair of components.
    nbeta, localization : float
        nβ and γ of the posterior p(w) ∝ exp(−nβ·L(w) − (γ/2)‖w − w*‖²).
    method : str
        ``"quadrature"`` (:func:`posterior_moments`) or ``"gaussian"`` (:func:`gaussian_moments`).
    """

    names: tuple[str, ...]
    slices: tuple[slice, ...]
    shapes: tuple[tuple[int, ...], ...]
    mean: np.ndarray
    covariance: np.ndarray
    nbeta: float
    localization: float
    method: str

    def __repr__(self) -> str:
        return (f"PosteriorMoments(method={self.method!r}, nbeta={self.nbeta:g}, localization={self.localization:g}, "
                f"names={self.names!r})")

    def _part(self, name: str) -> tuple[slice, tuple[int, ...]]:
        if name not in self.names:
            raise ValueError(f"observable {name!r} is not among {self.names}")
        i = self.names.index(name)
        return self.slices[i], self.shapes[i]

    def mean_of(self, name: str) -> float | np.ndarray:
        """⟨φ⟩ of the observable ``name``: a float, or an array of its shape (k,)."""
        where, shape = self._part(name)
        return _shaped(self.mean[where], shape)

    def cov(self, a: str, b: str) -> float | np.ndarray:
        """Cov(φ_a, φ_b): a float for two scalars, else an array of shape shape(a) + shape(b)."""
        (where_a, shape_a), (where_b, shape_b) = self._part(a), self._part(b)
        return _shaped(self.covariance[where_a, where_b], shape_a + shape_b)

    def susceptibility(self, observable: str, shifted: str) -> float | np.ndarray:
        """χ(φ; q') = −nβ·Cov(φ, L' − L) (docs/conventions.md#susceptibility), φ = ``observable``, L' = ``shifted`` (a scalar
        observable: the loss under q'), L = ``"loss"``; shaped like φ.  See :func:`exact_susceptibility`."""
        if self._part(shifted)[1] != ():
            raise ValueError(f"shifted={shifted!r} must name a scalar observable (the loss L' under q')")
        return -self.nbeta * (self.cov(observable, shifted) - self.cov(observable, _LOSS))

    def bif(self, samples: str, observable: str, *, form: str = "covariance") -> float | np.ndarray:
        """BIF(i, φ) = −Cov(ℓ_i, φ) (Kreer et al. 2025), ℓ = ``samples``, φ = ``observable``; ``form="correlation"``
        divides by the two standard deviations.  Shape shape(samples) + shape(φ).  See :func:`exact_bif`."""
        if form not in ("covariance", "correlation"):
            raise ValueError(f"form={form!r}: choose 'covariance' or 'correlation'")
        (where_a, shape_a), (where_b, shape_b) = self._part(samples), self._part(observable)
        block = -self.covariance[where_a, where_b]
        if form == "correlation":
            sd = np.sqrt(np.diag(self.covariance))
            block = block / np.outer(sd[where_a], sd[where_b])
        return _shaped(block, shape_a + shape_b)


def _shaped(values: np.ndarray, shape: tuple[int, ...]) -> float | np.ndarray:
    return float(values.reshape(())) if shape == () else values.reshape(shape)


def _check_temperature(nbeta: float, localization: float) -> None:
    if not localization > 0:
        raise ValueError(f"localization={localization!r}: the target needs γ > 0 (the posterior is not local)")
    if not (nbeta > 0 and math.isfinite(nbeta)):
        raise ValueError(f"nbeta={nbeta!r}: pass a positive, finite n·β")


def _slices(shapes: Sequence[tuple[int, ...]]) -> tuple[slice, ...]:
    ends = np.cumsum([math.prod(s) for s in shapes])
    return tuple(slice(int(end - math.prod(s)), int(end)) for s, end in zip(shapes, ends))


def posterior_moments(model: RegressionModel, nbeta: float, localization: float,
                      observables: Mapping[str, Callable[[np.ndarray], np.ndarray]], *,
                      data: tuple[np.ndarray, np.ndarray] | None = None) -> PosteriorMoments:
    """Exact posterior means and covariances of observables under the local tempered posterior (docs/conventions.md#observables-of-the-local-posterior),
    p(w) ∝ exp(−nβ·L(w) − (γ/2)‖w − w*‖²), L = K (population) or L_n − L_n(w*) on ``data``, for d <= 3.

    Parameters
    ----------
    model : RegressionModel
        d <= 3 parameters; w* is its true parameter.
    nbeta, localization : float
        nβ > 0 (e.g. n/log n, docs/conventions.md#the-local-tempered-posterior) and γ > 0.
    observables : mapping of str to callable
        name -> φ, a vectorized function of points w of shape (..., d) returning (...) (a scalar
        observable) or (..., k) (a vector one), e.g. :func:`dataset_loss`, :func:`sample_losses`,
        :func:`shifted_loss`.  The name ``"loss"`` is taken: the posterior's own L is always included.
    data : (x, y), optional
        A dataset (x of shape (n, inputs), y of shape (n,) or (n, outputs)): L is then its L_n − L_n(w*)
        in the moment form of :func:`empirical_k_function` (f must be polynomial in the inputs).

    Returns
    -------
    PosteriorMoments
        ``method="quadrature"``; ``mean_of("loss")·nβ`` is :func:`target_llc` (or :func:`dataset_target_llc`).

    Raises
    ------
    ValueError
        d > 3, γ <= 0, nβ not positive and finite, an observable named ``"loss"``, an observable whose value
        is not of shape (...) or (..., k), or data that f, not polynomial in x, has no moment form for.

    Notes
    -----
    ⟨φ⟩ and Cov(φ, ψ) are ratios of the integrals ∫ {1, φ, φψ} exp(−nβL − (γ/2)‖w − w*‖²) dw over the box
    w* ± √(72/γ) (docs/conventions.md#exact-values-at-finite-temperature), computed by the rule of the module docstring, the one of :func:`target_llc`, in
    one pass over its points (chunked) that accumulates Σe, Σe·v and Σe·vvᵀ over all components v at once.
    Every component is shifted by its value at w* before it is accumulated (Cov is unchanged), so that a
    covariance far smaller than the observable's values is not lost to cancellation.  The cost is that of
    the rule (about 1.4·10⁶ points for d = 2 and 10⁸ for d = 3) times that of evaluating the observables.

    Examples
    --------
    Linear regression, K = w²/2: the posterior is N(0, 1/(nβ + γ)).

    >>> model = RegressionModel("w*x", params="w", inputs="x")
    >>> moments = posterior_moments(model, 100.0, 1.0, {"w": lambda w: w[..., 0], "w, w²": lambda w: w ** [1, 2]})
    >>> moments
    PosteriorMoments(method='quadrature', nbeta=100, localization=1, names=('loss', 'w', 'w, w²'))
    >>> round(moments.cov("w", "w") * 101, 9), abs(moments.cov("w", "w, w²") * 101).round(9)
    (1.0, array([1., 0.]))
    """
    k = k_function(model) if data is None else empirical_k_function(model, *data)
    return _moments(k, nbeta, localization, observables)


def _moments(k: KFunction, nbeta: float, localization: float,
             observables: Mapping[str, Callable[[np.ndarray], np.ndarray]]) -> PosteriorMoments:
    _check_temperature(nbeta, localization)
    if _LOSS in observables:
        raise ValueError(f"the observable name {_LOSS!r} is taken by the posterior's own loss; rename it")
    names = (_LOSS, *observables)
    at_center = [np.asarray(k.evaluate(k.center), dtype=float)]
    at_center += [np.asarray(fn(k.center), dtype=float) for fn in observables.values()]
    for name, value in zip(names, at_center):
        if value.ndim > 1:
            raise ValueError(f"observable {name!r} has shape {value.shape} at w*; it must be a scalar or a vector")
    shapes = tuple(value.shape for value in at_center)
    shift = np.concatenate([value.ravel() for value in at_center])

    slices = _slices(shapes)

    def observe(points: np.ndarray, values: np.ndarray) -> np.ndarray:
        stacked = np.empty((len(points), len(shift)))
        stacked[:, 0] = values
        for name, fn, shape, where in zip(names[1:], observables.values(), shapes[1:], slices[1:]):
            value = np.asarray(fn(points), dtype=float)
            if value.shape != (len(points),) + shape:
                raise ValueError(f"observable {name!r} maps points of shape {points.shape} to shape {value.shape}; "
                                 f"it must map (..., d) to (...) + {shape}, as at w*")
            stacked[:, where] = value.reshape(len(points), -1)
        stacked -= shift
        return stacked

    radius = math.sqrt(72.0 / localization)
    z, first, second = _integrals(k, np.array([float(nbeta)]), k.center - radius, k.center + radius,
                                  float(localization), observe, len(shift))
    mean = first[0] / z[0]
    covariance = second[0] / z[0] - np.outer(mean, mean)
    return PosteriorMoments(names, slices, shapes, shift + mean, (covariance + covariance.T) / 2, float(nbeta),
                            float(localization), "quadrature")


def exact_susceptibility(model: RegressionModel, nbeta: float, localization: float,
                         observable: Callable[[np.ndarray], np.ndarray], shifted: Callable[[np.ndarray], np.ndarray],
                         *, data: tuple[np.ndarray, np.ndarray] | None = None) -> float | np.ndarray:
    """The exact susceptibility χ(φ; q') = d⟨φ⟩/dh at h = 0 = −nβ·Cov(φ, L' − L) (docs/conventions.md#susceptibility), for d <= 3.

    Shifting the data distribution from q toward q' by h replaces nβ·L by nβ·[(1 − h)·L + h·L'] in the
    local posterior of :func:`posterior_moments`; L is K (or L_n − L_n(w*) on ``data``), L' the loss under q'.

    Parameters
    ----------
    model, nbeta, localization, data
        As in :func:`posterior_moments`.
    observable : callable
        φ: points (..., d) -> (...) or (..., k).
    shifted : callable
        L': points (..., d) -> (...), e.g. :func:`shifted_loss` or :func:`dataset_loss` on a probe set
        (constants do not matter).

    Returns
    -------
    float or ndarray of shape (k,)
        χ, in the units of φ (per unit h).

    Raises
    ------
    ValueError
        As :func:`posterior_moments`, or L' not scalar.

    Notes
    -----
    Conventions differ (docs/conventions.md#susceptibility): Baker et al. (2025, "Structural inference with susceptibilities",
    arXiv 2504.18274, App. C.4) derive χ as this derivative; devinterp 2.x's ``susceptibilities()``
    reports −Cov(φ, ℓ − L) without the factor nβ, i.e. χ/nβ here (with ℓ the probe's loss).  A value
    from one convention is compared with the other only after that factor.

    Examples
    --------
    K = w²/2 and K' = 3w²/2 (``"large-|x|"``), so L' − L = w²; φ = w²: χ = −nβ·Var(w²) = −2nβ/(nβ + γ)².

    >>> model = RegressionModel("w*x", params="w", inputs="x")
    >>> chi = exact_susceptibility(model, 100.0, 1.0, lambda w: w[..., 0] ** 2, shifted_loss(model, "large-|x|"))
    >>> round(chi, 9), round(-200 / 101**2, 9)
    (-0.019605921, -0.019605921)
    """
    moments = posterior_moments(model, nbeta, localization, {"observable": observable, "shifted": shifted}, data=data)
    return moments.susceptibility("observable", "shifted")


def exact_bif(model: RegressionModel, nbeta: float, localization: float, samples: Callable[[np.ndarray], np.ndarray],
              observable: Callable[[np.ndarray], np.ndarray], *, data: tuple[np.ndarray, np.ndarray] | None = None,
              form: str = "covariance") -> float | np.ndarray:
    """The exact Bayesian influence functions BIF(i, φ) = −Cov(ℓ_i, φ) (Kreer et al. 2025, arXiv 2509.26544;
    docs/conventions.md#bayesian-influence-function) of probe samples i on an observable φ, for d <= 3.

    Parameters
    ----------
    model, nbeta, localization, data
        As in :func:`posterior_moments`.
    samples : callable
        The per-sample losses ℓ_i: points (..., d) -> (..., P), e.g. :func:`sample_losses`.
    observable : callable
        φ: points (..., d) -> (...) or (..., k).
    form : {"covariance", "correlation"}
        ``"correlation"`` divides −Cov(ℓ_i, φ) by the standard deviations of ℓ_i and φ.

    Returns
    -------
    ndarray of shape (P,) or (P, k)
        In units of ℓ times those of φ (covariance form), or between −1 and 1 (correlation form).

    Raises
    ------
    ValueError
        As :func:`posterior_moments`, or an unknown ``form``.

    Examples
    --------
    K = w²/2, one probe (x, y) = (1, 1): ℓ(w) − ℓ(0) = w²/2 − w; φ = w: BIF = Var(w) = 1/(nβ + γ), and its
    correlation form is 1/√(1 + 1/(2(nβ + γ))).

    >>> model = RegressionModel("w*x", params="w", inputs="x")
    >>> probe = sample_losses(model, np.array([1.0]), np.array([1.0]))
    >>> (exact_bif(model, 100.0, 1.0, probe, lambda w: w[..., 0]) * 101).round(9)
    array([1.])
    >>> correlation = exact_bif(model, 100.0, 1.0, probe, lambda w: w[..., 0], form="correlation")
    >>> round(float(correlation[0]), 9), round(1 / math.sqrt(1 + 1 / 202), 9)
    (0.997533905, 0.997533905)
    """
    moments = posterior_moments(model, nbeta, localization, {"samples": samples, "observable": observable}, data=data)
    return moments.bif("samples", "observable", form=form)


def gaussian_moments(model: RegressionModel, nbeta: float, localization: float,
                     observables: Mapping[str, str | sympy.Expr | Sequence[str | sympy.Expr]], *,
                     data: tuple[np.ndarray, np.ndarray] | None = None) -> PosteriorMoments:
    """Posterior means and covariances of quadratic observables in closed form, where the posterior is Gaussian.

    The second route to :func:`posterior_moments`, sharing none of its code.  When f is affine in the
    parameters (linear regression, the ``regular-*`` cases), K and L_n are quadratic in u = w − w*, so the
    local posterior exp(−nβ·L − (γ/2)‖u‖²) on R^d is exactly N(μ, Σ) (docs/conventions.md#regular-points-a-closed-form, "Regular points", with no
    higher-order terms); quadratic observables then have closed-form moments.

    Parameters
    ----------
    model : RegressionModel
        f affine in the parameters (any d).
    nbeta, localization : float
        nβ > 0 and γ > 0.
    observables : mapping of str to expression or sequence of expressions
        name -> a polynomial of degree <= 2 in the model's parameters (text or sympy, exact coefficients:
        ``sympy.Rational(v)`` converts a float exactly), or a sequence of them (a vector observable).
    data : (x, y), optional
        As in :func:`posterior_moments`: L = L_n − L_n(w*) on these data instead of K.

    Returns
    -------
    PosteriorMoments
        ``method="gaussian"``, with ``"loss"`` (K or L_n − L_n(w*)) first, like :func:`posterior_moments`.

    Raises
    ------
    ValueError
        f not affine in the parameters, K not in closed form, γ <= 0, nβ not positive and finite, an
        observable named ``"loss"``, or one that is not a polynomial of degree <= 2 in the parameters.

    Notes
    -----
    With L(w) = uᵀA_L u + b_Lᵀu (A_L = H/2, the Hessian of K from sympy; for data, f − f* = Σ_j φ_j(x)·u_j
    gives A_L = ΦᵀΦ/(2nσ²) and b_L = −Φᵀr/(nσ²), r = y − f(x, w*)), the posterior precision is
    P = nβH + γI, Σ = P⁻¹ and μ = −nβ·Σb_L.  For q_i(u) = uᵀA_i u + b_iᵀu + c_i (A_i symmetric),
    E q_i = tr(A_iΣ) + μᵀA_iμ + b_iᵀμ + c_i and
    Cov(q_i, q_j) = 2·tr(A_iΣA_jΣ) + (2A_iμ + b_i)ᵀΣ(2A_jμ + b_j): write q_i(u) = (u − μ)ᵀA_i(u − μ) +
    (2A_iμ + b_i)ᵀ(u − μ) + q_i(μ); the odd moments of the centred Gaussian vanish, and Isserlis' theorem
    (Isserlis 1918, Biometrika 12) gives Cov((u − μ)ᵀA_i(u − μ), (u − μ)ᵀA_j(u − μ)) = 2·tr(A_iΣA_jΣ)
    (Petersen & Pedersen, *The Matrix Cookbook*, 2012, §8.2.2, for the variance).

    Examples
    --------
    K = w²/2: N(0, 1/(nβ + γ)), so Var(w²) = 2/(nβ + γ)² and E[K] = 1/(2(nβ + γ)).

    >>> model = RegressionModel("w*x", params="w", inputs="x")
    >>> moments = gaussian_moments(model, 100.0, 1.0, {"w²": "w**2"})
    >>> round(moments.cov("w²", "w²") * 101**2, 12), round(moments.mean_of("loss") * 202, 12)
    (2.0, 1.0)
    """
    _check_temperature(nbeta, localization)
    if _LOSS in observables:
        raise ValueError(f"the observable name {_LOSS!r} is taken by the posterior's own loss; rename it")
    w = [sympy.Symbol(p) for p in model.params]
    to_u = {s: s + c for s, c in zip(w, model.true_params)}  # w = w* + u, u named like w
    for f in model.f:
        if not f.is_polynomial(*w) or sympy.Poly(f, *w).total_degree() > 1:
            raise ValueError(f"{model.name}: f = {f} is not affine in the parameters, so the posterior is not "
                             "Gaussian; use posterior_moments")
    if data is None:
        K = model.K()
        if K.has(sympy.Integral):
            raise ValueError(f"{model.name}: K has no closed form (f is not polynomial in the inputs)")
        forms = [_quadratic(K, w, to_u, _LOSS)]
    else:
        forms = [_data_quadratic(model, w, to_u, *_as_data(model, *data)[:2])]
    names, shapes = [_LOSS], [()]
    for name, spec in observables.items():
        parts = [spec] if isinstance(spec, (str, sympy.Basic)) else list(spec)
        forms += [_quadratic(parse_expression(q, where=f"observable {name!r}"), w, to_u, name) for q in parts]
        names.append(name)
        shapes.append(() if isinstance(spec, (str, sympy.Basic)) else (len(parts),))
    A = np.stack([a for a, _, _ in forms])
    b = np.stack([v for _, v, _ in forms])
    c = np.array([s for _, _, s in forms])
    precision = 2 * nbeta * A[0] + localization * np.eye(len(w))
    sigma = np.linalg.inv(precision)
    mu = -nbeta * np.linalg.solve(precision, b[0])
    mean = np.einsum("mij,ji->m", A, sigma) + np.einsum("i,mij,j->m", mu, A, mu) + b @ mu + c
    a_sigma = A @ sigma
    g = 2 * A @ mu + b
    covariance = 2 * np.einsum("apq,bqp->ab", a_sigma, a_sigma) + g @ sigma @ g.T
    return PosteriorMoments(tuple(names), _slices(shapes), tuple(shapes), mean, (covariance + covariance.T) / 2,
                            float(nbeta), float(localization), "gaussian")


def _quadratic(expr: sympy.Expr, w: list[sympy.Symbol], to_u: dict, name: str) -> tuple[np.ndarray, np.ndarray, float]:
    """(A, b, c) with expr = uᵀAu + bᵀu + c in u = w − w* (A symmetric), from the exact polynomial."""
    extra = sorted(str(s) for s in expr.free_symbols - set(w))
    if extra:
        raise ValueError(f"observable {name!r}: {', '.join(extra)} are not parameters of the model")
    shifted = sympy.expand(expr.xreplace(to_u))
    if not shifted.is_polynomial(*w) or sympy.Poly(shifted, *w).total_degree() > 2:
        raise ValueError(f"observable {name!r} = {expr} is not a polynomial of degree <= 2 in the parameters")
    d = len(w)
    A, b, c = np.zeros((d, d)), np.zeros(d), 0.0
    for exponents, coefficient in sympy.Poly(shifted, *w).terms():
        index = [j for j, e in enumerate(exponents) for _ in range(e)]
        if not index:
            c += float(coefficient)
        elif len(index) == 1:
            b[index[0]] += float(coefficient)
        else:
            A[index[0], index[1]] += float(coefficient) / 2
            A[index[1], index[0]] += float(coefficient) / 2
    return A, b, c


def _data_quadratic(model: RegressionModel, w: list[sympy.Symbol], to_u: dict, x: np.ndarray,
                    y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(A, b, 0) with L_n(w) − L_n(w*) = uᵀAu + bᵀu for f affine in w: the design matrix Φ_ij = φ_j(x_i)
    comes from the coefficients of f(x, w* + u) in u."""
    inputs = [sympy.Symbol(v) for v in model.inputs]
    columns = [x[:, j] for j in range(x.shape[1])]
    n, scale = len(x), 1 / float(model.sigma) ** 2

    def at_data(expr: sympy.Expr) -> np.ndarray:
        return np.broadcast_to(sympy.lambdify(inputs, expr, modules="numpy")(*columns), (n,)).astype(float)

    A, b = np.zeros((len(w), len(w))), np.zeros(len(w))
    for f, target in zip(model.f, y.T):
        poly = sympy.Poly(sympy.expand(f.xreplace(to_u)), *w)
        design = np.stack([at_data(poly.coeff_monomial(s)) for s in w], axis=1)
        residual = target - at_data(poly.coeff_monomial(1))
        A += scale * design.T @ design / (2 * n)
        b -= scale * design.T @ residual / n
    return A, b, 0.0
