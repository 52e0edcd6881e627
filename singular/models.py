"""Statistical models and the function K(w) they induce, exactly (docs/conventions.md#the-learning-setting).

A :class:`RegressionModel` is y = f(x, w) + N(0, σ²·I) with exact parameters, a true
parameter w0 and an input distribution q(x) with exact moments.  Then

    K(w) = E_x[‖f(x, w) − f(x, w0)‖²] / (2σ²),

and the learning coefficient is that of an *ideal* equivalent to K:

* **f polynomial in x.**  f(x, w) − f(x, w0) = Σ_α c_α(w)·x^α per output, so
  K = Σ c^T M c / (2σ²) with the moment matrix M_αβ = E[x^(α+β)].  When M is positive
  definite (checked exactly), λ_min(M)·Σ c_α² <= 2σ²K <= λ_max(M)·Σ c_α², so K ≍ Σ c_α²
  and the coefficient ideal ⟨c_α⟩ has K's (λ, m) (docs/conventions.md#equivalent-divergences; Watanabe 2009, §7.1).
* **Finite input support.**  K = Σ_j q_j ‖f(x_j, w) − f(x_j, w0)‖² / (2σ²) with q_j > 0,
  so the evaluation ideal ⟨f(x_j, w) − f(x_j, w0)⟩ is equivalent to K with no condition.
* **f analytic in x and w** (a·tanh(b·x), say).  f is expanded in w at the point to a
  certified order (:mod:`singular.analytic`); each Taylor coefficient must be a polynomial
  in x, and the x-coefficients of the truncation generate the ideal.  This uses Watanabe's
  standing condition on the model (Watanabe 2009, §6.1, fundamental condition (I)): the
  Taylor remainder in w is bounded by |w − w0|^(N+1) times a function of x with finite
  second moment under q — true for bounded inputs, and for Gaussian inputs when the
  derivatives of f in w grow at most polynomially in x (as for tanh, sin, polynomials).

* **A sum of neurons of one activation** (Σ_h a_h·g(b_h·x), one bounded input, at a point with
  every b_h = 0).  K is equivalent to the polynomial ideal of the first H power sums
  p_k = Σ_h a_h b_h^k along the Taylor progression of g, with no truncation
  (:mod:`singular.neurons`, which states and proves the condition); tried before the expansion.

A :class:`DiscreteModel` gives the probabilities p_i(w) of finitely many outcomes; with every
true probability q_i > 0, K(w) = Σ q_i log(q_i / p_i(w)) = Σ (p_i − q_i)²/(2q_i) + O(‖p − q‖³),
so K ≍ Σ (p_i(w) − q_i)² (Lin 2011, Ch. 1 and 5; Watanabe 2009, §7.2).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import product
from typing import Iterable, Mapping, Sequence

import sympy

from resolution import Budget, UnknownVariable, parse_expression, parse_names, parse_point, parse_rational

from .analytic import is_polynomial, truncate, value_at_origin
from .errors import BadModel, NotATrueParameter, NotVanishing, SingularMomentMatrix
from .neurons import NeuronSum, neuron_sum
from .pipeline import drive, localize
from .reductions import unfold_orthant
from .result import RLCT
from .rlct import budget_of, rlct, within
from .routes.analytic import from_truncation

__all__ = [
    "CoefficientIdeal",
    "DiscreteModel",
    "FiniteSupport",
    "InputDistribution",
    "RegressionModel",
    "StandardNormal",
    "UniformBox",
    "input_distribution",
]


class InputDistribution:
    """An input law q(x) on R^k with exact moments E[x^α]."""

    dim: int

    def moment(self, exponent: Sequence[int]) -> sympy.Rational:
        """E[x^α], exactly."""
        raise NotImplementedError

    def density_integral(self, integrand: sympy.Expr, inputs: Sequence[sympy.Symbol]) -> sympy.Expr:
        """E[integrand] as an unevaluated exact sympy expression."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class StandardNormal(InputDistribution):
    """x ~ N(0, I_k): E[x^α] = ∏ (α_j − 1)!! for even α, else 0.

    Examples
    --------
    >>> StandardNormal(2).moment((4, 2))
    3
    """

    dim: int

    def moment(self, exponent: Sequence[int]) -> sympy.Rational:
        if any(k % 2 for k in exponent):
            return sympy.Integer(0)
        return sympy.Mul(*[sympy.factorial2(k - 1) for k in exponent])

    def density_integral(self, integrand: sympy.Expr, inputs: Sequence[sympy.Symbol]) -> sympy.Expr:
        density = sympy.exp(-sum(x**2 for x in inputs) / 2) / (2 * sympy.pi) ** sympy.Rational(len(inputs), 2)
        return sympy.Integral(integrand * density, *[(x, -sympy.oo, sympy.oo) for x in inputs])

    def __str__(self) -> str:
        return f"N(0, I_{self.dim})"


@dataclass(frozen=True, slots=True)
class UniformBox(InputDistribution):
    """x uniform on the box ∏ [lower_j, upper_j] (rational bounds).

    Examples
    --------
    >>> UniformBox((-1,), (1,)).moment((2,))
    1/3
    """

    lower: tuple[sympy.Rational, ...]
    upper: tuple[sympy.Rational, ...]

    def __post_init__(self) -> None:
        lower = tuple(parse_rational(v, where="lower bound") for v in self.lower)
        upper = tuple(parse_rational(v, where="upper bound") for v in self.upper)
        if len(lower) != len(upper) or any(a >= b for a, b in zip(lower, upper)):
            raise BadModel("box", (self.lower, self.upper), "need lower < upper in every coordinate")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)

    @property
    def dim(self) -> int:
        return len(self.lower)

    def moment(self, exponent: Sequence[int]) -> sympy.Rational:
        return sympy.Mul(
            *[(b ** (k + 1) - a ** (k + 1)) / ((k + 1) * (b - a)) for a, b, k in zip(self.lower, self.upper, exponent)]
        )

    def density_integral(self, integrand: sympy.Expr, inputs: Sequence[sympy.Symbol]) -> sympy.Expr:
        volume = sympy.Mul(*[b - a for a, b in zip(self.lower, self.upper)])
        return sympy.Integral(integrand / volume, *[(x, a, b) for x, a, b in zip(inputs, self.lower, self.upper)])

    def __str__(self) -> str:
        return " x ".join(f"U[{a}, {b}]" for a, b in zip(self.lower, self.upper))


@dataclass(frozen=True, slots=True)
class FiniteSupport(InputDistribution):
    """x takes the rational points ``points`` with positive rational ``weights`` (summing to 1).

    Examples
    --------
    >>> FiniteSupport(((0,), (1,)), ("1/2", "1/2")).moment((3,))
    1/2
    """

    points: tuple[tuple[sympy.Rational, ...], ...]
    weights: tuple[sympy.Rational, ...]

    def __post_init__(self) -> None:
        points = tuple(tuple(parse_rational(v, where="support point") for v in p) for p in self.points)
        weights = tuple(parse_rational(v, where="weight") for v in self.weights)
        if not points or len(points) != len(weights) or len({len(p) for p in points}) != 1:
            raise BadModel("points", self.points, "give one weight per point, all points of one dimension")
        if any(q <= 0 for q in weights) or sum(weights) != 1:
            raise BadModel("weights", self.weights, "weights must be positive and sum to 1")
        if len(set(points)) != len(points):
            raise BadModel("points", self.points, "support points must be distinct")
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "weights", weights)

    @property
    def dim(self) -> int:
        return len(self.points[0])

    def moment(self, exponent: Sequence[int]) -> sympy.Rational:
        return sum((q * sympy.Mul(*[v**k for v, k in zip(p, exponent)]) for p, q in zip(self.points, self.weights)),
                   sympy.Integer(0))

    def __str__(self) -> str:
        return f"finite support of {len(self.points)} points"


def input_distribution(spec: str | InputDistribution, dim: int) -> InputDistribution:
    """An input law from a short name: ``"normal"`` or ``"uniform"`` (on [-1, 1]^k).

    Examples
    --------
    >>> input_distribution("uniform", 2)
    UniformBox(lower=(-1, -1), upper=(1, 1))
    """
    if isinstance(spec, InputDistribution):
        if spec.dim != dim:
            raise BadModel("input_dist", str(spec), f"it has dimension {spec.dim}, but the model has {dim} inputs")
        return spec
    if spec == "normal":
        return StandardNormal(dim)
    if spec == "uniform":
        return UniformBox((-1,) * dim, (1,) * dim)
    raise BadModel("input_dist", spec, "choose 'normal' or 'uniform', or pass an InputDistribution")


@dataclass(frozen=True, slots=True)
class CoefficientIdeal:
    """Generators of an ideal equivalent to K at a point, in local coordinates u = w − w_point.

    Attributes
    ----------
    generators : tuple of sympy.Expr
        Functions of the parameters (named like them, meaning the shift from the point).
    polynomial : bool
        True when every generator is a polynomial with rational coefficients (no truncation needed).
    justification : str
        Why K ≍ Σ generators² (the moment matrix, or the evaluation at the support).
    """

    generators: tuple[sympy.Expr, ...]
    polynomial: bool
    justification: str


def _symbols(names: Iterable[str]) -> tuple[sympy.Symbol, ...]:
    return tuple(sympy.Symbol(n) for n in names)


def _point_in(
    params: Sequence[str], at: Mapping[str, object] | str | None, default: Sequence[sympy.Rational]
) -> tuple[sympy.Rational, ...]:
    """The point ``at`` over ``params``; coordinates not named keep their ``default``."""
    given = parse_point(at)
    for name in given:
        if name not in params:
            raise UnknownVariable(name, tuple(params), "the point (not a parameter)")
    return tuple(given.get(n, p) for n, p in zip(params, default))


def _where(params: Sequence[str], point: Sequence[sympy.Rational]) -> str:
    return "(" + ", ".join(f"{n}={p}" for n, p in zip(params, point)) + ")"


class RegressionModel:
    """y = f(x, w) + N(0, σ²·I), with a true parameter w0 and an input law (module docstring).

    Parameters
    ----------
    f : str or sympy.Expr, or a sequence of them (vector output)
        The regression function; analytic in x and w (no abs, max, ...).
    params : names
        The parameters w, in order.
    inputs : names
        The inputs x, in order (may be empty).
    at : mapping or str, optional
        The true parameter w0 (exact rationals; default the origin).
    input_dist : {"normal", "uniform"} or InputDistribution
        The law of x (default standard normal).
    sigma : rational
        The noise standard deviation σ > 0.
    name : str
        A label, e.g. ``"rrr(M=2, N=2, H=1, r=0)"``.

    Examples
    --------
    >>> m = RegressionModel("a*b*x", params="a,b", inputs="x")
    >>> m.K()
    a**2*b**2/2
    >>> m.rlct()
    RLCT(value=1/2, multiplicity=2, method='monomial', certified=True)
    """

    def __init__(
        self,
        f: str | sympy.Expr | Sequence[str | sympy.Expr],
        *,
        params: Iterable[str] | str,
        inputs: Iterable[str] | str = (),
        at: Mapping[str, object] | str | None = None,
        input_dist: str | InputDistribution = "normal",
        sigma: object = 1,
        name: str = "regression",
    ):
        outputs = list(f) if isinstance(f, (list, tuple)) else [f]
        if not outputs:
            raise BadModel("f", f, "give at least one output")
        self.f = tuple(parse_expression(q, where="f") for q in outputs)
        self.params = parse_names(params, argument="params")
        self.inputs = parse_names(inputs, argument="inputs")
        if not self.params:
            raise BadModel("params", params, "the model needs at least one parameter")
        both = sorted(set(self.params) & set(self.inputs))
        if both:
            raise BadModel("inputs", both[0], "a name cannot be both a parameter and an input")
        known = set(self.params) | set(self.inputs)
        for q in self.f:
            extra = sorted({str(s) for s in q.free_symbols} - known)
            if extra:
                raise UnknownVariable(extra[0], tuple(sorted(known)), "f (neither a parameter nor an input)")
        self.true_params = _point_in(self.params, at, [sympy.Integer(0)] * len(self.params))
        self.input_dist = input_distribution(input_dist, len(self.inputs))
        self.sigma = parse_rational(sigma, where="sigma")
        if self.sigma <= 0:
            raise BadModel("sigma", self.sigma, "the noise standard deviation must be positive")
        self.name = name

    def __repr__(self) -> str:
        outputs = ", ".join(str(q) for q in self.f)
        return f"RegressionModel({self.name}: y = [{outputs}] + noise, d={self.d})"

    @property
    def d(self) -> int:
        """The number of parameters."""
        return len(self.params)

    @functools.cached_property
    def _truth(self) -> tuple[sympy.Expr, ...]:
        """f_o(x, w0), through removable singularities (sin(b·x)/(b·x) is 1 at b = 0), computed once."""
        w = _symbols(self.params)
        to_truth = {s: s + p for s, p in zip(w, self.true_params) if p != 0}
        return tuple(value_at_origin(q.xreplace(to_truth), w) for q in self.f)

    def _differences(self, point: Sequence[sympy.Rational]) -> list[sympy.Expr]:
        """g_o(x, u) = f_o(x, point + u) − f_o(x, w0) in local coordinates u (named like w)."""
        shift = {s: s + p for s, p in zip(_symbols(self.params), point) if p != 0}
        return [q.xreplace(shift) - t for q, t in zip(self.f, self._truth)]

    def K(self) -> sympy.Expr:
        """K(w) exactly (docs/conventions.md#the-learning-setting): closed form when f is polynomial in x or the support is finite.

        Otherwise an unevaluated ``sympy.Integral`` over the input density.
        """
        x = _symbols(self.inputs)
        zero = [0] * self.d
        diffs = [sympy.expand(g) for g in self._differences(zero)]
        scale = 1 / (2 * self.sigma**2)
        if isinstance(self.input_dist, FiniteSupport):
            total = sum(
                q * sum(g.xreplace(dict(zip(x, p))) ** 2 for g in diffs)
                for p, q in zip(self.input_dist.points, self.input_dist.weights)
            )
            return sympy.expand(scale * total)
        if all(g.is_polynomial(*x) for g in diffs):
            total = sympy.Integer(0)
            for g in diffs:
                coefficients = sympy.Poly(g, *x).terms() if x else [((), g)]
                for (a, ca), (b, cb) in product(coefficients, repeat=2):
                    total += ca * cb * self.input_dist.moment([i + j for i, j in zip(a, b)])
            return sympy.expand(scale * total)
        return scale * self.input_dist.density_integral(sum(g**2 for g in diffs), x)

    def _check_true(self, diffs: Sequence[sympy.Expr], where: str) -> None:
        w = _symbols(self.params)
        at_point = [value_at_origin(g, w) for g in diffs]
        if isinstance(self.input_dist, FiniteSupport):
            x = _symbols(self.inputs)
            at_point = [g.xreplace(dict(zip(x, p))) for g in at_point for p in self.input_dist.points]
        for residual in at_point:
            if sympy.simplify(residual) != 0:
                raise NotATrueParameter(where, residual)

    def _split_in_x(self, g: sympy.Expr) -> list[sympy.Expr]:
        """The coefficients of g as a polynomial in x, after checking the moment matrix."""
        x = _symbols(self.inputs)
        if not x:
            return [g]
        if not g.is_polynomial(*x):
            raise ValueError(
                f"the coefficient {g} is not a polynomial in the inputs, so its coefficient ideal is not computed "
                "exactly"
            )
        terms = sympy.Poly(g, *x).terms()
        monomials = [a for a, _ in terms]
        matrix = sympy.Matrix(
            len(monomials), len(monomials),
            lambda i, j: self.input_dist.moment([p + q for p, q in zip(monomials[i], monomials[j])]),
        )
        if not matrix.is_positive_definite:
            raise SingularMomentMatrix(int(matrix.rank()), len(monomials), str(self.input_dist))
        return [c for _, c in terms]

    def coefficient_ideal(self, at: Mapping[str, object] | str | None = None) -> CoefficientIdeal:
        """Generators of an ideal equivalent to K near a true parameter (module docstring).

        Parameters
        ----------
        at : mapping or str, optional
            A point of the true set (default w0); coordinates not named are those of w0.

        Raises
        ------
        NotATrueParameter
            K does not vanish at the point.
        SingularMomentMatrix
            f is polynomial in x but its inputs' moment matrix is singular.

        Examples
        --------
        >>> RegressionModel("a*x + b*x**2 + a*b", params="a,b", inputs="x").coefficient_ideal().generators
        (a, b, a*b)
        """
        point = _point_in(self.params, at, self.true_params)
        diffs = self._differences(point)
        self._check_true(diffs, _where(self.params, point))
        return self._ideal(diffs)

    def _evaluations(self, diffs: Sequence[sympy.Expr]) -> list[sympy.Expr]:
        """The differences at the support points of a finite input law."""
        x = _symbols(self.inputs)
        return [g.xreplace(dict(zip(x, p))) for g in diffs for p in self.input_dist.points]

    def _ideal(self, diffs: Sequence[sympy.Expr], *, refused: SingularMomentMatrix | None = None) -> CoefficientIdeal:
        """The coefficient ideal of the differences at a true parameter, or their evaluation ideal on a finite
        support (when f is not polynomial in x, or when the coefficient ideal was ``refused``)."""
        x = _symbols(self.inputs)
        finite = isinstance(self.input_dist, FiniteSupport)
        if refused is not None or (finite and not all(g.is_polynomial(*x) for g in diffs)):
            generators = self._evaluations(diffs)
            why = "finite input support: K is a positive combination of the squared differences at the points"
            if refused is not None:
                why = f"Coefficient ideal refused ({refused}); {why}"
        else:
            if not all(g.is_polynomial(*x) for g in diffs):
                raise ValueError(
                    "f is not polynomial in the inputs: its coefficient ideal exists only after an expansion in w; "
                    "call rlct(), which truncates at a certified order"
                )
            generators = tuple(c for g in diffs for c in self._split_in_x(sympy.expand(g)))
            why = (
                f"f is polynomial in the inputs and the moment matrix of {self.input_dist} over its monomials is "
                "positive definite (checked exactly), so K ≍ Σ c_α²"
            )
        generators = tuple(sorted({sympy.expand(c) for c in generators} - {0}, key=sympy.default_sort_key))
        polynomial = all(is_polynomial(c, _symbols(self.params)) for c in generators)
        return CoefficientIdeal(generators, polynomial, why)

    def rlct(
        self,
        at: Mapping[str, object] | str | None = None,
        *,
        prior: str | None = None,
        nonneg: Iterable[str] | str = (),
        method: str = "auto",
        max_order: int = 8,
        budget: Budget | None = None,
        max_depth: int | None = None,
        max_charts: int | None = None,
        max_terms: int | None = None,
        seconds: float | None = None,
    ) -> RLCT:
        """The learning coefficient (λ, m) of the model at a true parameter.

        Parameters
        ----------
        at : mapping or str, optional
            A point of the true set (default w0).
        prior, nonneg, method, max_order, budget, max_depth, max_charts, max_terms, seconds
            As for :func:`singular.rlct` (``nonneg``: parameters constrained to be >= 0; ``prior`` and ``nonneg``
            are taken at the point, where a factor w_j^h_j with w0_j != 0 is a unit).

        Returns
        -------
        RLCT
            λ of K at the point; the certificate starts with why K ≍ Σ generators².

        Examples
        --------
        >>> RegressionModel("a*tanh(b*x)", params="a,b", inputs="x").rlct()
        RLCT(value=1/2, multiplicity=2, method='monomial', certified=True)
        """
        limits = budget_of(budget, max_depth=max_depth, max_charts=max_charts, max_terms=max_terms, seconds=seconds)
        return within(limits, lambda: self._rlct(at, prior, nonneg, method, max_order, limits))

    def _rlct(self, at: object, prior: object, nonneg: object, method: str, max_order: int, limits: Budget) -> RLCT:
        """:meth:`rlct` under its budget: the differences f(x, w) − f(x, w0) in the parameters w, localized at the
        point by the pipeline (:func:`singular.pipeline.localize`), never here."""
        point = _point_in(self.params, at, self.true_params)
        where = _where(self.params, point)
        self._check_true(self._differences(point), where)
        at_point = dict(zip(self.params, point))
        diffs = self._differences([sympy.Integer(0)] * self.d)
        x = _symbols(self.inputs)
        neurons = self._neurons(diffs, at_point, max_order)
        if neurons is not None:
            result = rlct(list(neurons.generators), variables=self.params, prior=prior, nonneg=nonneg, at=at_point,
                          method=method, max_order=max_order, budget=limits)
            head = f"Model {self.name} at {where}: {neurons.explanation}; ideal ⟨{', '.join(map(str, neurons.generators))}⟩.\n"
            return result.with_note(head)
        if all(g.is_polynomial(*x) for g in diffs) or isinstance(self.input_dist, FiniteSupport):
            try:
                ideal = self._ideal(diffs)
            except SingularMomentMatrix as exc:
                if not isinstance(self.input_dist, FiniteSupport):
                    raise
                ideal = self._ideal(diffs, refused=exc)
            if not ideal.generators:
                raise BadModel("f", self.f, "the model does not depend on its parameters near the point")
            result = rlct(list(ideal.generators), variables=self.params, prior=prior, nonneg=nonneg, at=at_point,
                          method=method, max_order=max_order, budget=limits)
            head = f"Model {self.name} at {where}: {ideal.justification}; ideal ⟨{', '.join(map(str, ideal.generators))}⟩.\n"
            return result.with_note(head)
        w = _symbols(self.params)
        for name in parse_names(nonneg, argument="nonneg"):
            if name not in self.params:
                raise UnknownVariable(name, self.params, "nonneg (not a parameter)")
        diffs, _, prior, note = unfold_orthant(diffs, self.params + self.inputs, prior, at_point, nonneg)
        local = localize(diffs, self.params + self.inputs, prior, at_point, ideal=True)
        cut = truncate(list(local.exprs), w, max_order=max_order, split=self._split_in_x)
        h = local.h[: self.d]
        head = (
            f"Model {self.name} at {where}: f is analytic, not polynomial, in the inputs; f(x, w) − f(x, w0) is "
            "expanded in w and each Taylor coefficient is a polynomial in x whose moment matrix is positive "
            "definite (checked exactly); the remainder is controlled under Watanabe's fundamental condition "
            f"(Watanabe 2009, §6.1).\n{note}"
        )
        return drive(from_truncation(cut, self.params, h, ideal=True, method=method, head=head), method, limits)

    def _neurons(self, diffs: Sequence[sympy.Expr], at: dict[str, sympy.Rational], max_order: int) -> NeuronSum | None:
        """The neuron-sum ideal (:mod:`singular.neurons`) when f is one output, not polynomial in its one input,
        the input law has bounded support, and every slope b_h is 0 at the point; else None."""
        x = _symbols(self.inputs)
        if len(self.f) != 1 or len(x) != 1 or diffs[0].is_polynomial(*x):
            return None
        if not isinstance(self.input_dist, (UniformBox, FiniteSupport)):
            return None
        found = neuron_sum(self.f[0], self.params, self.inputs, self.input_dist.moment, max_order=max_order)
        if found is None or any(at[b] != 0 for b in found.slopes):
            return None
        return found


class DiscreteModel:
    """A model of finitely many outcomes with probabilities p_i(w) (module docstring).

    Parameters
    ----------
    probabilities : sequence of str or sympy.Expr
        p_1(w), …, p_k(w); they must sum to 1 identically.
    params : names
    at : mapping or str, optional
        The true parameter w0 (default the origin); every p_i(w0) must be positive.

    Examples
    --------
    >>> coin = DiscreteModel(["t*p + (1-t)*s", "t*(1-p) + (1-t)*(1-s)"], params="t,p,s", at="t=1/2,p=1/2,s=1/2")
    >>> coin.rlct()
    RLCT(value=1/2, multiplicity=1, method='smooth elimination', certified=True)
    """

    def __init__(
        self,
        probabilities: Sequence[str | sympy.Expr],
        *,
        params: Iterable[str] | str,
        at: Mapping[str, object] | str | None = None,
        name: str = "discrete",
    ):
        self.probabilities = tuple(parse_expression(p, where="probability") for p in probabilities)
        self.params = parse_names(params, argument="params")
        if len(self.probabilities) < 2:
            raise BadModel("probabilities", probabilities, "a discrete model needs at least two outcomes")
        for p in self.probabilities:
            extra = sorted({str(s) for s in p.free_symbols} - set(self.params))
            if extra:
                raise UnknownVariable(extra[0], self.params, "a probability")
        if sympy.simplify(sum(self.probabilities) - 1) != 0:
            raise BadModel("probabilities", probabilities, "they do not sum to 1 identically in w")
        self.true_params = _point_in(self.params, at, [sympy.Integer(0)] * len(self.params))
        subs = dict(zip(_symbols(self.params), self.true_params))
        self.truth = tuple(sympy.simplify(p.xreplace(subs)) for p in self.probabilities)
        for i, q in enumerate(self.truth):
            if not q.is_positive:
                raise BadModel(
                    "at", _where(self.params, self.true_params),
                    f"the true probability of outcome {i + 1} is {q}; every true probability must be positive "
                    "(K ≍ Σ (p_i − q_i)² needs q in the interior of the simplex)",
                )
        self.name = name

    def __repr__(self) -> str:
        return f"DiscreteModel({self.name}: {len(self.probabilities)} outcomes, d={self.d})"

    @property
    def d(self) -> int:
        """The number of parameters."""
        return len(self.params)

    def K(self) -> sympy.Expr:
        """K(w) = Σ q_i log(q_i / p_i(w)), exactly."""
        return sum(q * sympy.log(q / p) for q, p in zip(self.truth, self.probabilities))

    def rlct(
        self,
        at: Mapping[str, object] | str | None = None,
        *,
        prior: str | None = None,
        nonneg: Iterable[str] | str = (),
        method: str = "auto",
        max_order: int = 8,
        budget: Budget | None = None,
        seconds: float | None = None,
    ) -> RLCT:
        """(λ, m) at a true parameter, from the ideal ⟨p_i(w) − q_i⟩.

        ``nonneg`` names parameters constrained to be >= 0 (mixture weights on the simplex's
        boundary, say); ``prior``, ``method``, ``max_order``, ``budget`` and ``seconds`` are as for
        :func:`singular.rlct`.

        Examples
        --------
        >>> mix = DiscreteModel(["(1 - a)/2 + a*b", "(1 + a)/2 - a*b"], params="a,b", at="a=0,b=1")
        >>> mix.rlct(nonneg="a")     # K ≍ a²/4 on a >= 0: a = s² gives s⁴ with prior |s|, λ = 2/4
        RLCT(value=1/2, multiplicity=1, method='monomial', certified=True)
        """
        point = _point_in(self.params, at, self.true_params)
        generators = [sympy.expand(p - q) for p, q in zip(self.probabilities, self.truth)]
        generators = [g for g in generators if g != 0]
        try:
            result = rlct(generators, variables=self.params, prior=prior, nonneg=nonneg, method=method,
                          at=dict(zip(self.params, point)), max_order=max_order, budget=budget, seconds=seconds)
        except NotVanishing as exc:
            raise NotATrueParameter(_where(self.params, point), exc.value) from None
        head = (
            f"Model {self.name} at {_where(self.params, point)}: every true probability is positive, so "
            "K ≍ Σ (p_i(w) − q_i)² (second-order expansion of the Kullback-Leibler divergence).\n"
        )
        return result.with_note(head)

