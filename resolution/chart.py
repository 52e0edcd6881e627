"""Charts of a resolution: blow-ups, toric maps, translations and coordinate changes, exactly.

A :class:`Chart` is one coordinate patch u = (u_1, …, u_d) of a modification
π of a neighbourhood of the original point, with π written out:

* ``coordinates`` — the original variables w_i as expressions in u;
* the pulled-back function as an **ideal**: π*⟨g_1, …, g_k⟩ = u^k · ⟨g̃_1, …, g̃_k⟩,
  with ``monomial`` = k and ``generators`` = the strict transforms g̃_i
  (a single function f is the ideal ⟨f⟩);
* the pulled-back measure: (w^h dw)∘π = u^h' · (unit) du, with
  ``measure`` = h' (the monomial weight of the integrand times the Jacobian).

Polynomials live in sympy's sparse ``PolyRing`` over an exact real field
(Q, or Q(α) after a translation to an irrational point; see ``_fields``).

Every operation returns a new chart:

* :meth:`Chart.monomial_map` — w_i = ∏_j u_j^{M_ij} for an integer matrix with
  det ±1: a chart of a blow-up along a coordinate subspace (point blow-ups
  included) or of a toric modification.  Jacobian ±∏_j u_j^{(Σ_i M_ij) − 1}.
* :meth:`Chart.translate` — u_i → u_i + c_i, to a point of an exceptional divisor;
  a coordinate moved off zero is a unit there, so its exponents in ``monomial``
  and ``measure`` drop to 0.
* :meth:`Chart.change_coordinate` — u_i → (u_i − r)/c with r free of u_i: a
  polynomial automorphism with constant Jacobian.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, replace
from numbers import Integral
from typing import Sequence

import sympy
from sympy import QQ
from sympy.polys.rings import PolyElement, PolyRing, ring

from ._fields import to_sympy
from ._flint import substitute, translate
from .errors import BadArgument
from .germ import format_monomial, parse_expression, refuse_float
from .morse import morse_threshold, quadratic_part_matrix
from .newton import NewtonPolyhedron

__all__ = ["Chart", "LocalThreshold", "initial_chart"]

Exponent = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LocalThreshold:
    """The pole −λ of ∫ |u^k · (monomial ideal)|^z u^h du at the chart's origin, and its order m."""

    value: sympy.Rational
    multiplicity: int
    kind: str
    explanation: str


def cofactor(g: PolyElement) -> PolyElement:
    """g divided by the largest monomial dividing it."""
    return _divide_monomial(g, _min_exponent([g], g.ring.ngens))


def _min_exponent(polys: Sequence[PolyElement], d: int) -> Exponent:
    monomials = [m for p in polys for m in p.itermonoms()]
    return tuple(min(map(operator.itemgetter(j), monomials)) for j in range(d)) if monomials else (0,) * d


def _divide_monomial(p: PolyElement, e: Exponent) -> PolyElement:
    return p.new({tuple(map(operator.sub, m, e)): c for m, c in p.iterterms()})


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart of a modification, with the pulled-back ideal and measure (see the module docstring).

    Attributes
    ----------
    ring : PolyRing
        Polynomials in the chart coordinates over the chart's exact real field.
    coordinates : tuple of sympy.Expr
        w_i (original variables) as expressions in the chart coordinates.
    monomial : tuple of int
        k: the pulled-back ideal is u^k · ⟨generators⟩.
    measure : tuple of int
        h': the pulled-back measure is u^h' · (unit) du.
    generators : tuple of PolyElement
        Strict transforms; no coordinate divides all of them.
    changed : frozenset of int
        Coordinates set by a coordinate change since the last monomial map; they are not
        changed again before the next one (so that two changes cannot undo each other).
    """

    ring: PolyRing
    coordinates: tuple[sympy.Expr, ...]
    monomial: Exponent
    measure: Exponent
    generators: tuple[PolyElement, ...]
    changed: frozenset[int] = frozenset()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.ring.symbols)

    @property
    def dimension(self) -> int:
        return self.ring.ngens

    @property
    def field(self):
        return self.ring.domain

    def normalized(self) -> "Chart":
        """Common monomial factor of the generators moved into ``monomial``; zero generators dropped."""
        gens = tuple(g for g in self.generators if g)
        common = _min_exponent(gens, self.dimension)
        if not any(common):
            return replace(self, generators=gens)
        return replace(
            self,
            monomial=tuple(a + b for a, b in zip(self.monomial, common)),
            generators=tuple(_divide_monomial(g, common) for g in gens),
        )

    # -- the three kinds of maps ---------------------------------------------------------------

    def monomial_map(self, matrix: Sequence[Sequence[int]]) -> "Chart":
        """The chart w_i = ∏_j u_j^{M_ij} (M unimodular, non-negative), normalized.

        Examples
        --------
        >>> c = initial_chart(["x + y"], ["x", "y"])
        >>> c2 = c.monomial_map([[1, 0], [1, 1]])      # point blow-up, chart x: y = x·y'
        >>> c2.monomial, c2.measure, [str(g.as_expr()) for g in c2.generators]
        ((1, 0), (1, 0), ['y + 1'])
        """
        d = self.dimension
        matrix = [list(row) for row in matrix]
        if abs(sympy.Matrix(matrix).det()) != 1 or any(v < 0 for row in matrix for v in row):
            raise ValueError(f"not a unimodular non-negative integer matrix: {matrix}")
        ring_ = self.ring

        if d == 2:  # the plane charts, which carry the largest ideals: the map without inner loops
            (m00, m01), (m10, m11) = matrix

            def image(e: Exponent) -> Exponent:
                return (e[0] * m00 + e[1] * m10, e[0] * m01 + e[1] * m11)
        else:
            columns = [tuple(row[j] for row in matrix) for j in range(d)]

            def image(e: Exponent) -> Exponent:
                return tuple(sum(map(operator.mul, e, column)) for column in columns)

        # distinct monomials have distinct images (M is invertible): the coefficients are moved, not converted
        generators = tuple(g.new({image(m): c for m, c in g.iterterms()}) for g in self.generators)
        column = [sum(matrix[i][j] for i in range(d)) for j in range(d)]
        measure = tuple(m + column[j] - 1 for j, m in enumerate(image(self.measure)))
        old = [sympy.Symbol(s) for s in self.names]
        new = [sympy.Symbol(str(s)) for s in ring_.symbols]
        substitution = {old[i]: sympy.Mul(*[new[j] ** matrix[i][j] for j in range(d)]) for i in range(d)}
        coordinates = tuple(c.xreplace(substitution) for c in self.coordinates)
        chart = Chart(ring_, coordinates, image(self.monomial), measure, generators)
        return chart.normalized()

    def translate(self, shifts: dict[int, object]) -> "Chart":
        """u_i → u_i + c_i for the given indices (c_i in ``self.field``), normalized.

        The monomial and measure exponents of a moved coordinate drop to 0 (a unit near the new origin).
        """
        generators = [translate(g, shifts) for g in self.generators]
        symbols = [sympy.Symbol(s) for s in self.names]
        substitution = {symbols[i]: symbols[i] + to_sympy(self.field, c) for i, c in shifts.items()}
        moved = [i for i, c in shifts.items() if c]
        zero = lambda e: tuple(0 if j in moved else v for j, v in enumerate(e))  # noqa: E731
        return Chart(
            self.ring,
            tuple(sympy.expand(c.xreplace(substitution)) for c in self.coordinates),
            zero(self.monomial),
            zero(self.measure),
            tuple(generators),
            self.changed,
        ).normalized()

    def change_coordinate(self, index: int, new: PolyElement) -> "Chart":
        """Substitute u_index := ``new`` (a polynomial automorphism), normalized.

        If a generator becomes c·u_index, the others are reduced modulo u_index (same ideal).
        """
        gens = self.ring.gens
        generators = [substitute(g, index, new) for g in self.generators]
        unit = tuple(1 if j == index else 0 for j in range(self.dimension))
        if any(len(g) == 1 and unit in g for g in generators):
            generators = [g if (len(g) == 1 and unit in g) else g.compose(gens[index], self.ring.zero) for g in generators]
            generators = list({g.monic(): None for g in generators if g})
        symbol = sympy.Symbol(self.names[index])
        coordinates = tuple(sympy.expand(c.xreplace({symbol: new.as_expr()})) for c in self.coordinates)
        return replace(
            self, coordinates=coordinates, generators=tuple(generators), changed=self.changed | {index}
        ).normalized()

    def extend_field(self, field) -> "Chart":
        """The same chart over a larger field."""
        ring_ = self.ring.clone(domain=field)
        return replace(self, ring=ring_, generators=tuple(g.set_ring(ring_) for g in self.generators))

    # -- leaves ------------------------------------------------------------------------------

    def _local_monomials(self) -> list[Exponent] | None:
        """If every generator is (monomial) × (unit at the origin), the monomials; else None."""
        monomials = []
        for g in self.generators:
            low = _min_exponent([g], self.dimension)
            if low not in g:
                return None
            monomials.append(low)
        return monomials

    def threshold(self) -> LocalThreshold | None:
        """λ(I) and m at the chart's origin if the ideal I there is monomial in suitable coordinates; else None.

        Every value here is the threshold of the chart's pulled-back ideal I = u^k·⟨generators⟩ with
        the measure u^h' (for a single generator f, of |f|), named λ(I) in the explanations.

        Four kinds of leaf:

        * one generator with a non-degenerate Hessian at 0 (zero value and gradient) and trivial
          monomial and measure: a Morse point, see :func:`morse_threshold`;
        * a generator with a non-zero constant term: the ideal is u^k·⟨1⟩, normal crossing,
          λ = min_j (h'_j + 1)/k_j, m = #attaining (Lin 2011, Prop. 3.7);
        * one generator g with ∂g/∂u_i ≠ 0 at 0 for a u_i absent from u^k and u^h': v = g
          replaces u_i as a coordinate (implicit function theorem), and u^k·v is normal
          crossing with v's exponent 1 and weight 0;
        * every generator a monomial times a unit: the monomial ideal u^k·⟨u^{α_i}⟩, whose
          toric resolution is explicit: λ = 1/t₀ of its Newton polyhedron in the weight h' + 1,
          m = the codimension of the τ-face (Howald 2001, "Multiplier ideals of monomial
          ideals"; over R the same, as monomials never vanish on the torus: Lin 2011 Ch. 4).
        """
        names, d = self.names, self.dimension
        hessian = self._hessian()
        morse = morse_threshold(hessian) if hessian is not None else None
        if morse is not None:
            return LocalThreshold(*morse)
        ratios = {names[j]: (self.measure[j], k) for j, k in enumerate(self.monomial) if k}
        smooth = self._smooth_coordinate()
        if smooth is not None:
            ratios[f"v = {smooth}"] = (0, 1)
        elif not (any(g.get((0,) * d) for g in self.generators) or not self.generators):
            return self._monomial_ideal_threshold()
        if not ratios:
            return None
        values = {n: sympy.Rational(h + 1, k) for n, (h, k) in ratios.items()}
        value = min(values.values())
        attained = [n for n, r in values.items() if r == value]
        formula = ", ".join(f"({h}+1)/{k}" for h, k in ratios.values())
        ideal = format_monomial(self.monomial, names) + (f"·v, v = {smooth} (a coordinate)" if smooth else "·(unit)")
        return LocalThreshold(
            value,
            len(attained),
            "normal crossing",
            f"I = {ideal}, measure {format_monomial(self.measure, names)}: "
            f"λ(I) = min({formula}) = {value}, attained by {', '.join(attained)}",
        )

    def _hessian(self) -> sympy.Matrix | None:
        """The Hessian at 0 of a single generator with zero value and gradient, when u^k = u^h' = 1."""
        if len(self.generators) != 1 or any(self.monomial) or any(self.measure):
            return None
        (g,) = self.generators
        if any(sum(m) < 2 for m in g.itermonoms()):
            return None
        return quadratic_part_matrix(
            [(m, self.field.to_sympy(c)) for m, c in g.iterterms() if sum(m) == 2], self.dimension
        )

    def _smooth_coordinate(self) -> str | None:
        """For a single generator vanishing at 0 with a linear term in a free coordinate: that generator."""
        if len(self.generators) != 1:
            return None
        (g,) = self.generators
        d = self.dimension
        if g.get((0,) * d):
            return None
        for i in range(d):
            e = tuple(1 if j == i else 0 for j in range(d))
            if g.get(e) and self.monomial[i] == 0 and self.measure[i] == 0:
                return str(g.as_expr())
        return None

    def _monomial_ideal_threshold(self) -> LocalThreshold | None:
        names = self.names
        monomials = self._local_monomials()
        if monomials is None:
            return None
        points = [tuple(a + b for a, b in zip(self.monomial, m)) for m in monomials]
        tau = tuple(h + 1 for h in self.measure)
        distance = NewtonPolyhedron(points).distance(tau)
        value = 1 / distance.t0
        listing = ", ".join(format_monomial(p, names) for p in sorted(set(points)))
        return LocalThreshold(
            value,
            distance.face.codim,
            "monomial ideal",
            f"I = ⟨{listing}⟩·(units), measure {format_monomial(self.measure, names)}: "
            f"τ = {tau}, t₀ = {distance.t0}, λ(I) = 1/t₀ = {value}, m = codim of the τ-face = {distance.face.codim}",
        )

    def describe(self) -> dict[str, object]:
        """Strings for display and JSON."""
        return {
            "variables": list(self.names),
            "coordinates": {f"w{i}": str(c) for i, c in enumerate(self.coordinates)},
            "monomial": list(self.monomial),
            "measure": list(self.measure),
            "strict": [str(g.as_expr()) for g in self.generators],
            "field": str(self.field),
        }


def _from_mapping(ring_: PolyRing, terms: Mapping) -> PolyElement:
    """{exponent vector: rational} as a polynomial of ``ring_`` (over Q), each coefficient converted once; a float
    coefficient is refused (:func:`resolution.germ.refuse_float`), never read as a nearby fraction."""
    converted = {}
    for e, c in terms.items():
        if not isinstance(c, int):
            refuse_float(c, "generator coefficient")
        converted[tuple(map(int, e))] = QQ(c) if isinstance(c, int) else QQ.convert(c)
    return ring_.zero.new({e: c for e, c in converted.items() if c})


def _exponents(measure: Sequence[object], dimension: int) -> tuple[int, ...]:
    """The measure's exponents, checked: one non-negative integer per variable (a float is refused with its hint)."""
    exponents = tuple(measure)
    for k in exponents:
        refuse_float(k, "measure")
    if len(exponents) != dimension or any(isinstance(k, bool) or not isinstance(k, Integral) or k < 0
                                          for k in exponents):
        raise BadArgument("measure", measure, f"must be {dimension} non-negative integers, one per variable")
    return tuple(int(k) for k in exponents)


def initial_chart(
    generators: Sequence[object],
    variables: Sequence[str],
    measure: Sequence[int] | None = None,
) -> Chart:
    """The identity chart of the ideal ⟨generators⟩ with measure w^measure dw (default dw).

    ``generators`` are sympy expressions or text with rational coefficients, or mappings
    {exponent vector: rational coefficient} (the fast way in for large polynomials).

    Examples
    --------
    >>> initial_chart(["x*y", "x**2"], ["x", "y"]).monomial
    (1, 0)
    """
    ring_, *_ = ring(list(variables), QQ)
    polys = [
        _from_mapping(ring_, g) if isinstance(g, Mapping) else ring_.from_expr(parse_expression(g, where="generator"))
        for g in generators
    ]
    h = _exponents(measure, len(variables)) if measure is not None else (0,) * len(variables)
    symbols = tuple(sympy.Symbol(v) for v in variables)
    return Chart(ring_, symbols, (0,) * len(variables), h, tuple(polys)).normalized()
