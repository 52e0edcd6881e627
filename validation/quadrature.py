"""The numeric route: Z(t) = ∫ exp(−t·K(w)) φ(w) dw by graded quadrature, for models with d <= 3.

Two uses:

- :func:`fit_rlct` checks the catalog independently of :mod:`singular`: it computes
  −log Z(t) for t from 10² to 10⁸ (φ uniform on the box w* ± 1/2) and fits
  −log Z(t) = λ·log t − (m − 1)·log log t + c (MATH.md §2, the free-energy asymptotics).
- :func:`target_llc` gives the estimator's own target at finite temperature (MATH.md §4):
  λ(nβ, γ) = nβ·E[K] under exp(−nβ·K(w) − (γ/2)‖w − w*‖²), the value an exact sampler of the
  tempered local posterior (with the population K in place of L_n) would report.

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

K comes from :meth:`singular.models.RegressionModel.K` when that is a polynomial; otherwise (an input
law and f not polynomial in x, one input) K(w) = E_x[(f(x, w) − f(x, w*))²]/(2σ²) by a 64-point
Gauss rule in x (Legendre for uniform inputs, Hermite for normal ones).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import sympy
from scipy.optimize import minimize, minimize_scalar

from singular.models import RegressionModel, StandardNormal, UniformBox

__all__ = ["QuadratureFit", "dataset_target_llc", "empirical_k_function", "fit_rlct", "k_function", "log_partition",
           "target_llc"]

_MAX_D = 3
_RULES = {1: (48, 12), 2: (36, 8), 3: (22, 5)}  # d -> (grading levels, Gauss points per interval) for t <= 10⁸
_T_RULES = 1e8
_CHUNK = 2_000_000  # integrand evaluations held at once


@dataclass(frozen=True)
class KFunction:
    """K(w) for points w of shape (..., d), with the symbolic pieces the rule needs."""

    evaluate: Callable[[np.ndarray], np.ndarray]
    center: np.ndarray
    critical: Callable[[np.ndarray], np.ndarray] | None  # outer points (M, d − 1) -> real roots of ∂K/∂w_d (M, r)


def k_function(model: RegressionModel) -> KFunction:
    """K of ``model`` as a vectorized numpy function, centred at the true parameter w*.

    Examples
    --------
    >>> k = k_function(RegressionModel("a*b*x", params="a,b", inputs="x"))
    >>> float(k.evaluate(np.array([2.0, 3.0])))
    18.0
    """
    if model.d > _MAX_D:
        raise ValueError(f"the quadrature route handles d <= {_MAX_D} parameters; {model.name} has d = {model.d}")
    w = [sympy.Symbol(p) for p in model.params]
    center = np.array([float(v) for v in model.true_params])
    K = model.K()
    if K.has(sympy.Integral):
        return KFunction(_expected_square(model), center, None)
    return _from_expression(K, w, center)


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


def empirical_k_function(model: RegressionModel, x: np.ndarray, y: np.ndarray) -> KFunction:
    """L_n(w) − L_n(w*) of ``model`` on the dataset (x, y), as a vectorized function like :func:`k_function`.

    L_n is the Gaussian NLL (MATH.md §1).  With f(x, w) − f(x, w*) = Σ_α c_α(w)·x^α (f polynomial in
    the inputs; c_α any closed form in w),
    L_n(w) − L_n(w*) = (1/2σ²)·Σ_outputs [Σ_αβ c_α c_β·mean(x^α x^β) − 2·Σ_α c_α·mean(r·x^α)], with r
    the residuals y − f(x, w*): the data enter through their moments only.

    Raises
    ------
    ValueError
        d > 3, or f not polynomial in the inputs.

    Examples
    --------
    >>> model = RegressionModel("a*x", params="a", inputs="x")
    >>> k = empirical_k_function(model, np.array([[1.0], [2.0]]), np.array([1.0, 3.0]))
    >>> float(k.evaluate(np.array([1.0])))  # ((1-1)² + (3-2)²)/4 − (1² + 3²)/4
    -2.25
    """
    if model.d > _MAX_D:
        raise ValueError(f"the quadrature route handles d <= {_MAX_D} parameters; {model.name} has d = {model.d}")
    w = [sympy.Symbol(p) for p in model.params]
    inputs = [sympy.Symbol(v) for v in model.inputs]
    truth = dict(zip(w, model.true_params))
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    y = np.asarray(y, dtype=float).reshape(len(x), -1)
    total = sympy.Integer(0)
    for k, f in enumerate(model.f):
        f0 = f.xreplace(truth)
        difference = sympy.expand(f - f0)
        if inputs and not (difference.is_polynomial(*inputs) and f0.is_polynomial(*inputs)):
            raise ValueError(f"{model.name}: f is not polynomial in the inputs, so L_n has no moment form")
        terms = sympy.Poly(difference, *inputs).terms() if inputs else [((), difference)]
        columns = [x[:, j] for j in range(x.shape[1])]
        f0_values = np.broadcast_to(sympy.lambdify(inputs, f0, modules="numpy")(*columns), (len(x),))
        residual = y[:, k] - f0_values
        powers = [np.prod([columns[j] ** e for j, e in enumerate(alpha)], axis=0) * np.ones(len(x)) for alpha, _ in terms]
        for (_, ca), pa in zip(terms, powers):
            total += ca * float((residual * pa).mean()) * -2
            for (_, cb), pb in zip(terms, powers):
                total += ca * cb * float((pa * pb).mean())
    total = sympy.expand(total / (2 * float(model.sigma) ** 2))
    return _from_expression(total, w, np.array([float(v) for v in model.true_params]))


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


def _expected_square(model: RegressionModel) -> Callable[[np.ndarray], np.ndarray]:
    if len(model.inputs) != 1:
        raise ValueError(f"{model.name}: K is not polynomial and the numeric K handles one input only")
    dist = model.input_dist
    if isinstance(dist, UniformBox):
        nodes, weights = np.polynomial.legendre.leggauss(64)
        lo, hi = float(dist.lower[0]), float(dist.upper[0])
        x = lo + (hi - lo) * (nodes + 1) / 2
        weights = weights / 2
    elif isinstance(dist, StandardNormal):
        x, weights = np.polynomial.hermite_e.hermegauss(64)
        weights = weights / math.sqrt(2 * math.pi)
    else:
        raise ValueError(f"{model.name}: no numeric K for the input law {dist!r}")
    symbols = [sympy.Symbol(model.inputs[0])] + [sympy.Symbol(p) for p in model.params]
    fs = [sympy.lambdify(symbols, q, modules="numpy") for q in model.f]
    truth = [np.broadcast_to(f(x, *[float(v) for v in model.true_params]), x.shape) for f in fs]
    scale = 1 / (2 * float(model.sigma) ** 2)

    def evaluate(points: np.ndarray) -> np.ndarray:
        ws = [p[..., None] for p in np.moveaxis(points, -1, 0)]
        total = sum(((f(x, *ws) - t) ** 2) @ weights for f, t in zip(fs, truth))
        return scale * np.broadcast_to(total, points.shape[:-1])

    return evaluate


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


def _integrals(k: KFunction, ts: np.ndarray, lo: np.ndarray, hi: np.ndarray, gamma: float):
    """(Z(t), ∫K·exp(−tK)·ρ) for every t, ρ = exp(−γ/2‖w − w*‖²) on the box [lo, hi]."""
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
    chunk = max(1, _CHUNK // inner_count)
    z, first = np.zeros(len(ts)), np.zeros(len(ts))
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
        for i, t in enumerate(ts):
            e = weight * np.exp(-t * values)
            z[i] += e.sum()
            first[i] += (e * values).sum()
    return z, first


def _inner_breaks(k: KFunction, outer: np.ndarray, lo: float, center: float, hi: float) -> np.ndarray:
    """Sorted break points (rows, P) along the last coordinate: lo, w*_d, hi and the critical points of K inside,
    rows with fewer padded with hi (zero-length pieces)."""
    fixed = np.broadcast_to(np.array([lo, center, hi]), (len(outer), 3))
    if k.critical is None:
        return fixed
    roots = k.critical(outer)
    inside = (roots > lo) & (roots < hi)
    breaks = np.sort(np.concatenate([fixed, np.where(inside, roots, hi)], axis=1), axis=1)
    return breaks[:, :3 + int(inside.sum(axis=1).max(initial=0))]


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
    z, _ = _integrals(k, np.asarray(ts, dtype=float), lo, hi, 0.0)
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
    """λ(nβ, γ) = nβ·E[K] under exp(−nβ·K(w) − (γ/2)‖w − w*‖²) on R^d (MATH.md §4).

    The box is w* ± √(72/γ) (the Gaussian factor is below e^−36 outside it).

    Examples
    --------
    >>> model = RegressionModel("w1*x1 + w2*x2", params="w1,w2", inputs="x1,x2")
    >>> round(target_llc(model, 100.0, 1.0), 6)  # regular: t·(d/2)/(t + γ) = 100/101
    0.990099
    """
    return _tempered_mean(k_function(model), nbeta, localization)


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
    return _tempered_mean(empirical_k_function(model, x, y), nbeta, localization)


def _tempered_mean(k: KFunction, nbeta: float, localization: float) -> float:
    """nβ·E[K] under exp(−nβ·K − (γ/2)‖w − w*‖²) on the box w* ± √(72/γ)."""
    if not localization > 0:
        raise ValueError(f"localization={localization!r}: the target needs γ > 0 (the posterior is not local)")
    radius = math.sqrt(72.0 / localization)
    z, first = _integrals(k, np.array([float(nbeta)]), k.center - radius, k.center + radius, float(localization))
    return float(nbeta * first[0] / z[0])
