"""The catalog of ground-truth cases: models whose learning coefficient (λ, m) is known exactly.

Each :class:`Case` is a regression model y = f(x, w) + N(0, 1) at a true parameter w*, with its
exact λ (a ``sympy.Rational``) and multiplicity m computed by :mod:`singular` when the catalog is
built, how :mod:`singular` obtained them, the literature value where one exists, and the
*second route* that confirms them independently:

- ``"formula"``: a closed-form family of :mod:`singular.families` (a theorem from a paper) when
  the exact value came from the symbolic route, or
- ``"symbolic"``: the symbolic route (Newton polyhedra, resolution) when it came from a formula, or
- ``"numeric"``: the quadrature fit of :mod:`validation.quadrature` (d <= 3).

The tests run every case's second route and compare.  A case also knows how to become a numeric
problem: :meth:`Case.build` returns the torch module at w*, a seeded dataset and the loss.

The sum-of-squares cases use one standard normal input per generator: f = Σ g_i(w)·u_i gives
K(w) = Σ g_i(w)²/2 (docs/conventions.md#the-learning-setting), so their RLCT is that of the polynomial Σ g_i².

Examples
--------
>>> c = case("nc-w1w2^2")
>>> c.lam, c.m, c.d
(1/4, 1, 2)
>>> len(catalog()) >= 40
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

import sympy
import torch

from singular import RLCT
from singular.families import dln, dln_model, normal_crossing, regular, regular_model, rrr, rrr_model, tanh, tanh_model
from singular.models import RegressionModel

from .torch_bridge import regression_data, regression_module

__all__ = ["Case", "Problem", "QUICK", "case", "catalog", "suite"]

_LAU = "Lau, Furman, Wang, Murfet, Wei (2023), arXiv:2308.12108, 2-D normal-crossing table"
_LIN = "Lin (2011), PhD thesis, UC Berkeley, Prop. 3.7 (monomial RLCT)"
_WATANABE = "Watanabe (2009), Algebraic Geometry and Statistical Learning Theory"
_AW = "Aoyagi & Watanabe (2005), Neural Networks 18, Main Theorem"
_AOYAGI = "Aoyagi (2024), Thm 1 (as used by Furman & Lau 2024)"
_SPT = "Sergeant-Perthuis, Tsigaridas & Tsukahara (2026)"


@dataclass(frozen=True)
class Problem:
    """A case made numeric: the module at w*, a dataset of size n drawn with ``seed``, and its loss.

    ``w_star`` maps parameter names to their values at w* (the module starts there).
    """

    case: Case
    module: torch.nn.Module
    data: tuple[torch.Tensor, torch.Tensor]
    loss_fn: Callable
    w_star: dict[str, float]
    n: int
    seed: int


@dataclass(frozen=True)
class Case:
    """One ground-truth case (module docstring).

    Attributes
    ----------
    name, family : str
        A short unique name and the family ("normal crossing", "polynomial network", "newton",
        "resolution", "regular", "reduced-rank regression", "deep linear network", "tanh network",
        "analytic").
    model : singular.models.RegressionModel
        y = f(x, w) + N(0, 1); its ``true_params`` are w*.
    lam, m : sympy.Rational, int
        The exact learning coefficient and multiplicity, from :mod:`singular`.
    method : str
        How :mod:`singular` obtained them (``"monomial"``, ``"newton"``, ``"resolution"``,
        ``"formula"``, ...: :data:`singular.result.METHODS`; a formula's paper is in ``source``).
    source : str
        The paper and theorem, or the agreeing routes.
    route : {"formula", "symbolic", "numeric"}
        The independent second route that confirms (λ, m).
    literature : sympy.Rational or None
        A value printed in the literature, where one exists (checked against ``lam``).
    """

    name: str
    family: str
    model: RegressionModel = field(repr=False, compare=False)
    lam: sympy.Rational
    m: int
    method: str
    source: str
    route: str
    literature: sympy.Rational | None = None

    @property
    def d(self) -> int:
        """The number of parameters."""
        return self.model.d

    @property
    def w_star(self) -> dict[str, float]:
        """The true parameter as floats, by name."""
        return {name: float(v) for name, v in zip(self.model.params, self.model.true_params)}

    def second_route(self) -> RLCT:
        """(λ, m) by the second route when it is ``"formula"`` or ``"symbolic"`` (the numeric route is
        :func:`validation.quadrature.fit_rlct`).

        Examples
        --------
        >>> case("rrr-221-r0").second_route().value == case("rrr-221-r0").lam
        True
        """
        second = _SPECS[self.name].second
        if second is None:
            raise ValueError(f"case {self.name}: its second route is {self.route!r}, see validation.quadrature")
        return second()

    def build(self, n: int = 10_000, *, seed: int = 0, dtype: torch.dtype = torch.float64) -> Problem:
        """The torch module at w*, n samples (X, Y) drawn with ``seed``, and the Gaussian NLL.

        Examples
        --------
        >>> p = case("regular-2").build(100, seed=1)
        >>> p.data[0].shape, sorted(p.w_star)
        (torch.Size([100, 2]), ['w1', 'w2'])
        """
        x, y, loss_fn = regression_data(self.model, n, seed=seed, dtype=dtype)
        module = regression_module(self.model, dtype=dtype)
        return Problem(self, module, (x, y), loss_fn, self.w_star, n, seed)


@dataclass(frozen=True)
class _Spec:
    name: str
    family: str
    model: Callable[[], RegressionModel]
    exact: Callable[[RegressionModel], RLCT]
    route: str
    second: Callable[[], RLCT] | None
    source: str
    literature: str | None = None


def _symbolic(model: RegressionModel) -> RLCT:
    return model.rlct()


def _monomial(name, family, powers, *, literature=None, source=_LIN):
    """f = (Π w_j^k_j)·x: K = Π w_j^(2k_j)/2, a normal crossing; second route the formula."""
    w = [sympy.Symbol(f"w{j + 1}") for j in range(len(powers))]
    f = sympy.Mul(*[s**k for s, k in zip(w, powers)]) * sympy.Symbol("x")
    params = [str(s) for s in w]
    return _Spec(name, family, lambda: RegressionModel(f, params=params, inputs="x", name=name), _symbolic,
                 "formula", lambda: normal_crossing([2 * k for k in powers]), source, literature)


def _sum_of_squares(name, family, generators, params, *, source, literature=None):
    """f = Σ g_i(w)·u_i with u ~ N(0, I): K = Σ g_i²/2."""
    gens = [sympy.sympify(g) for g in generators]
    u = [sympy.Symbol(f"u{i + 1}") for i in range(len(gens))]
    f = sum(g * s for g, s in zip(gens, u))
    inputs = [str(s) for s in u]
    return _Spec(name, family, lambda: RegressionModel(f, params=params, inputs=inputs, name=name), _symbolic,
                 "numeric", None, source, literature)


def _polynet(r: int, depth: int) -> RegressionModel:
    """y = W σ(W σ(⋯ W x)) with the repeated weight W = [[θ1 + θ2, θ1²], [θ1², θ2²]], σ(t) = t^r,
    L = ``depth`` applications of W, x ~ N(0, I_2), at θ = 0 (Sergeant-Perthuis et al. 2026, Table 1)."""
    t1, t2, x1, x2 = sympy.symbols("t1 t2 x1 x2")
    a, b, c = t1 + t2, t1**2, t2**2
    h = [a * x1 + b * x2, b * x1 + c * x2]
    for _ in range(depth - 1):
        p = [v**r for v in h]
        h = [a * p[0] + b * p[1], b * p[0] + c * p[1]]
    return RegressionModel([sympy.expand(q) for q in h], params="t1,t2", inputs="x1,x2",
                           name=f"polynet(r={r}, L={depth})")


def _family(name, family, model, closed_form, *, symbolic_second, source, literature=None):
    """A closed-form family: exact from the formula (second route symbolic), or the reverse."""
    if symbolic_second:
        return _Spec(name, family, model, lambda _m: closed_form(), "symbolic", lambda: model().rlct(), source,
                     literature)
    return _Spec(name, family, model, _symbolic, "formula", closed_form, source, literature)


_GT = "shared ground truth"
_SPECS_LIST = [
    # normal crossings (Lin 2011 Prop. 3.7; docs/conventions.md#normal-crossing)
    _monomial("nc-w", "normal crossing", [1], literature="1/2", source=f"{_LIN}; regular 1-D ({_GT} NC-01)"),
    _monomial("nc-w1w2", "normal crossing", [1, 1], literature="1/2", source=f"{_LIN} ({_GT} NC-02)"),
    _monomial("nc-w1w2w3", "normal crossing", [1, 1, 1]),
    _monomial("nc-w1w2^2", "normal crossing", [1, 2], literature="1/4", source=f"{_LAU} ({_GT} NC-03)"),
    _monomial("nc-w1w2^3", "normal crossing", [1, 3], literature="1/6", source=f"{_LAU} ({_GT} NC-04)"),
    _monomial("nc-w1^2w2^2", "normal crossing", [2, 2], literature="1/4", source=f"{_LAU} ({_GT} NC-05)"),
    _monomial("nc-w1^3w2^3", "normal crossing", [3, 3], literature="1/6", source=f"{_LAU} ({_GT} NC-06)"),
    _monomial("nc-w1^2w2^3", "normal crossing", [2, 3], literature="1/6", source=f"{_LAU} ({_GT} NC-07)"),
    _monomial("nc-w1w2^4", "normal crossing", [1, 4]),
    _monomial("nc-w1w2w3^2", "normal crossing", [1, 1, 2]),
    _monomial("nc-w1w2^2w3^2", "normal crossing", [1, 2, 2]),
    _monomial("nc-w1^2w2^4", "normal crossing", [2, 4]),
    _monomial("nc-w1w2^5", "normal crossing", [1, 5]),
    # the repeated-weight polynomial networks of Sergeant-Perthuis, Tsigaridas & Tsukahara (2026)
    *[_Spec(f"polynet-r{r}-L{depth}", "polynomial network", functools.partial(_polynet, r, depth), _symbolic,
            "numeric", None, f"{_SPT}, network (r={r}, L={depth}); exact by resolution")
      for r, depth in [(1, 2), (2, 2), (1, 3), (3, 2), (2, 3)]],
    # regular models (λ = d/2)
    *[_family(f"regular-{d}", "regular", functools.partial(regular_model, d), functools.partial(regular, d),
              symbolic_second=False, source=f"{_WATANABE}, §1.4 (regular: d/2)") for d in (1, 2, 3, 5)],
    # non-degenerate Newton polyhedra (Varchenko 1976; Lin 2011 Thm 4.2)
    _sum_of_squares("newton-y4+x6", "newton", ["y**2", "x**3"], ["x", "y"], literature="5/12",
                    source=f"Varchenko (1976) ({_GT} ND-02)"),
    _sum_of_squares("newton-x6+x2y2+y8", "newton", ["x**3", "x*y", "y**4"], ["x", "y"], literature="1/2",
                    source=f"Varchenko (1976) ({_GT} ND-04)"),
    _sum_of_squares("newton-x4+x2y2+y4", "newton", ["x**2", "x*y", "y**2"], ["x", "y"], literature="1/2",
                    source=f"Varchenko (1976) ({_GT} ND-12)"),
    _sum_of_squares("newton-x2+y4", "newton", ["x", "y**2"], ["x", "y"], source="Varchenko (1976); Newton distance"),
    _sum_of_squares("newton-x2+y6", "newton", ["x", "y**3"], ["x", "y"], source="Varchenko (1976); Newton distance"),
    _sum_of_squares("newton-xy-pairs", "newton", ["x*y", "x*z", "y*z"], ["x", "y", "z"], literature="3/4",
                    source=f"Varchenko (1976) ({_GT} ND-06)"),
    _sum_of_squares("newton-a2+b2c2", "newton", ["a", "b*c"], ["a", "b", "c"], literature="1",
                    source=f"Varchenko (1976) ({_GT} ND-16)"),
    _sum_of_squares("newton-x2+y4+z6", "newton", ["x", "y**2", "z**3"], ["x", "y", "z"],
                    source="Varchenko (1976); Newton distance"),
    # degenerate: the Newton bound is not certified, resolution (or a coordinate change) is needed
    _sum_of_squares("resolution-(x+y)^2", "resolution", ["x + y"], ["x", "y"], literature="1/2",
                    source=f"docs/conventions.md#newton-polyhedra ({_GT} DG-01)"),
    _sum_of_squares("resolution-(y-x^2)^2", "resolution", ["y - x**2"], ["x", "y"], literature="1/2",
                    source=f"smooth zero set ({_GT} DG-02)"),
    _sum_of_squares("resolution-(x+y)^2+y^4", "resolution", ["x + y", "y**2"], ["x", "y"], literature="3/4",
                    source=f"coordinate change u = x + y ({_GT} DG-04)"),
    _sum_of_squares("resolution-cusp", "resolution", ["x**2 - y**3"], ["x", "y"], literature="5/12",
                    source=f"cusp x^2 - y^3: rlct 5/6, squared 5/12 (docs/conventions.md#sign-changing-functions; {_GT} DG-05)"),
    _sum_of_squares("resolution-llc-toy", "resolution", ["(w1 - 1)*(w1**2 + w2**2)**2"], ["w1", "w2"],
                    literature="1/4", source=f"Lau et al. (2023) toy potential ({_GT} LLC-01)"),
    _sum_of_squares("resolution-(x+y)^2+z^2", "resolution", ["x + y", "z"], ["x", "y", "z"],
                    source="smooth zero set of codimension 2: λ = 1"),
    # reduced-rank regression (Aoyagi & Watanabe 2005): exact from the formula, confirmed symbolically
    *[_family(f"rrr-{M}{N}{H}-r{r}", "reduced-rank regression", functools.partial(rrr_model, M, N, H, r),
              functools.partial(rrr, M, N, H, r), symbolic_second=True, source=_AW,
              literature={(1, 1, 2, 0): "1/2"}.get((M, N, H, r)))
      for M, N, H, r in [(1, 1, 2, 0), (2, 2, 1, 0), (2, 2, 2, 1), (2, 3, 1, 0)]],
    # deep linear networks (Aoyagi 2024)
    *[_family(f"dln-{'-'.join(map(str, widths))}-r{r}", "deep linear network", functools.partial(dln_model, widths, r),
              functools.partial(dln, widths, r), symbolic_second=True, source=_AOYAGI,
              literature={(1, 1, 1): "1/2"}.get(tuple(widths)))
      for widths, r in [([1, 1, 1], 0), ([1, 2, 1], 0), ([2, 1, 2], 0), ([2, 2, 2], 1)]],
    # one-hidden-layer tanh networks fitting 0 (Aoyagi & Watanabe 2005; Watanabe 2009 ch. 7)
    _family("tanh-1", "tanh network", functools.partial(tanh_model, 1), functools.partial(tanh, 1),
            symbolic_second=True, literature="1/2", source=f"{_AW}; {_WATANABE}, ch. 7 ({_GT} T3-H1)"),
    # analytic, not polynomial, in the parameters or inputs: truncation with a certified remainder
    _Spec("analytic-a(exp(bx)-1)", "analytic",
          lambda: RegressionModel("a*(exp(b*x) - 1)", params="a,b", inputs="x", name="analytic-a(exp(bx)-1)"),
          _symbolic, "numeric", None, "Taylor in x: coefficients a·b^k, ideal ⟨ab⟩ (Watanabe 2009 §6.1)"),
    _Spec("analytic-sin(w1w2^2)x", "analytic",
          lambda: RegressionModel("sin(w1*w2**2)*x", params="w1,w2", inputs="x", name="analytic-sin(w1w2^2)x"),
          _symbolic, "numeric", None, "sin(u) = u·(unit): K ≍ w1^2 w2^4 (Watanabe 2009 §6.1)"),
    _Spec("analytic-a*sin(bx)-uniform", "analytic",
          lambda: RegressionModel("a*sin(b*x)", params="a,b", inputs="x", input_dist="uniform",
                                  name="analytic-a*sin(bx)-uniform"),
          _symbolic, "numeric", None, "sin network with one unit, x ~ U[-1, 1]: ideal ⟨ab⟩"),
]
_SPECS = {spec.name: spec for spec in _SPECS_LIST}

QUICK = (
    "nc-w1w2^2", "polynet-r2-L2", "nc-w1^2w2^2", "nc-w1w2^4", "regular-2", "newton-x2+y4", "newton-x4+x2y2+y4",
    "resolution-(x+y)^2", "resolution-cusp", "tanh-1", "resolution-llc-toy", "dln-1-1-1-r0",
)
"""The quick suite: 12 cases with d <= 3 (their estimator target is a quadrature), λ from 1/8 to 1, each
a different geometry (no two have the same K to leading order and the same finite-temperature target)."""


@functools.lru_cache(maxsize=None)
def case(name: str) -> Case:
    """The catalog case called ``name``; its exact value is computed once per process.

    Examples
    --------
    >>> case("resolution-cusp").lam
    5/12
    >>> case("no-such-case")
    Traceback (most recent call last):
    ...
    KeyError: "no case named 'no-such-case'; see validation.cases.catalog()"
    """
    spec = _SPECS.get(name)
    if spec is None:
        raise KeyError(f"no case named {name!r}; see validation.cases.catalog()")
    model = spec.model()
    exact = spec.exact(model)
    if not exact.certified or exact.multiplicity is None:
        raise RuntimeError(f"case {name}: singular did not certify (λ, m): {exact!r}")
    literature = sympy.Rational(spec.literature) if spec.literature is not None else None
    return Case(spec.name, spec.family, model, exact.value, exact.multiplicity, exact.method, spec.source,
                spec.route, literature)


def catalog(names=None) -> tuple[Case, ...]:
    """All cases, or those named, in catalog order.

    Examples
    --------
    >>> [c.name for c in catalog(["nc-w", "regular-2"])]
    ['nc-w', 'regular-2']
    """
    return tuple(case(name) for name in (list(_SPECS) if names is None else names))


def suite(name: str) -> tuple[str, ...]:
    """The case names of a benchmark suite: ``"quick"`` (:data:`QUICK`) or ``"full"`` (the catalog).

    Examples
    --------
    >>> len(suite("quick")), len(suite("full")) == len(catalog())
    (12, True)
    """
    if name == "quick":
        return QUICK
    if name == "full":
        return tuple(_SPECS)
    raise ValueError(f"suite={name!r}: choose 'quick' or 'full'")
