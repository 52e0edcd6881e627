"""Resolution of singularities by blow-ups, as a tree of charts.

:func:`resolve` takes an ideal ⟨g_1, …, g_k⟩ (one polynomial f is ⟨f⟩) near the
origin and a monomial measure w^h dw, and builds a modification in which the
pulled-back ideal and measure are monomial at every point over the origin that
matters.  It returns a :class:`ResolutionTree`; the local threshold λ (the
largest pole −λ of ∫ (Σ g_i²)^{z/2} w^h dw near 0, i.e. of |f|^z for one f) is
the minimum over the leaves, and its multiplicity m the largest order attained
at one point (Watanabe 2009, Thm 2.3 and §3; Lin 2011 Ch. 4; docs/conventions.md#blow-ups).

Why a minimum over leaves is the answer.  For a proper map π that is an
isomorphism off the exceptional set, the threshold at 0 is the minimum of the
local thresholds of the pulled-back integrand over the fibre π⁻¹(0), and m the
largest order at a point attaining it.  A chart's fibre points fall in three
kinds, and each is accounted for:

1. the chart's origin — always a child node (a leaf when already monomial);
2. *bad* points, where every generator vanishes (or, if every generator vanishes
   on the whole fibre, where some generator's cofactor vanishes) — finitely many
   on a one-dimensional fibre, found exactly (real algebraic numbers), each a
   child node after a translation; non-real ones are skipped and recorded;
3. every other point, where the ideal is monomial with the same exponents along
   the whole stratum — including points arbitrarily near the chart's origin,
   whose threshold is at least the origin's (the local threshold is lower
   semicontinuous), so they never lower the minimum nor raise m.

Steps, in the order tried at a node that is not yet monomial:

* **coordinate change** — a generator, or a factor of one, of the form
  c·u_i + r with r free of u_i and u_i absent from the monomial and measure
  becomes the coordinate u_i (a polynomial automorphism; constant Jacobian);
* **plane germs** (two variables): the **toric modification** of the Newton
  polygon's normal fan, refined to regular cones (one chart per cone), with
  translations to the real roots of the edge polynomials — Varchenko's
  algorithm as made effective for two-parameter models by Sergeant-Perthuis,
  Tsigaridas & Tsukahara (2026);
* otherwise a **blow-up along a coordinate subspace** {u_i = 0, i ∈ S}: first
  the pairs S (one-dimensional fibres, whose bad points are roots of one
  univariate polynomial), then the minimal coordinate subspaces inside the zero
  set of the strict transforms (so that every generator gives up the exceptional
  divisor), then larger centres, the point blow-up last; a centre is used only if
  the bad points of every chart are provably finite, or, for a centre inside the
  zero set, provably no worse than the chart's origin (a *contracting weight*).

Contracting weights.  If a diagonal scaling u ↦ (t^{w_1} u_1, …, t^{w_d} u_d)
(t > 0) makes every strict transform of a chart weighted homogeneous, it maps the
pulled-back ideal and measure to themselves up to constant factors (monomials
scale by constants), so the local threshold (λ, m) is the same at u and at its
image.  If w_i > 0 on every coordinate that is free on the fibre, the images of a
fibre point tend to the chart's origin as t → 0, and the local threshold near the
origin is no lower than at the origin (point 3 above), with m no larger at equal
λ: no fibre point off the origin can lower the minimum, so none needs following.
The weight is found by an exact linear program.  It is what lets a
blow-up along a whole matrix of a bilinear ideal (reduced-rank regression, whose
blow-ups Aoyagi & Watanabe 2005, *Neural Networks* 18:924-933, use in the proof of
their Main Theorem) be followed at the origins of its charts only.

Budgets (depth, number of nodes, polynomial terms built: deterministic) stop the resolution
with a partial tree whose unfinished nodes say why; a wall-clock limit only cuts it short
(:mod:`resolution.budget`); see :func:`resolve`.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Sequence

import networkx as nx
import sympy
from sympy.polys.rings import PolyElement, ring

from ._fields import real_roots
from ._flint import factors, gcd_all
from ._lp import minimize
from .chart import Chart, LocalThreshold, cofactor, initial_chart
from .budget import Budget, check_wall_clock, wall_clock
from .errors import BadArgument
from .germ import format_monomial
from .newton import NewtonPolyhedron

__all__ = ["ResolutionTree", "chart_formula", "node_label", "resolve", "tree_to_dict", "tree_to_dot"]

#: Generators up to this many terms are factored when looking for a coordinate change.
MAX_FACTOR_TERMS = 200


class ResolutionTree(nx.DiGraph):
    """A resolution as a directed tree of charts (a ``networkx.DiGraph`` rooted at node 0).

    Node attributes
    ---------------
    chart : resolution.chart.Chart
        The chart at this node: coordinates, monomial, measure, strict transforms.
    depth : int
        Number of maps from the root.
    status : str
        ``"leaf"`` (monomial here, see ``threshold``), ``"inner"`` (has children),
        or ``"open"`` (stopped: over budget or no certified step; see ``reason``).
    threshold : LocalThreshold or None
        For leaves: λ and m at the chart's origin, the kind of leaf
        (``"normal crossing"`` or ``"monomial ideal"``) and the formula.
    reason : str
        Why the node is a leaf, which step was taken, or why it stopped.
    skipped : list of str
        Points of the fibre that were not followed, each with the reason (non-real).

    Edge attributes
    ---------------
    operation : str
        ``"blow-up"`` (centre and chart), ``"toric chart"`` (the cone's rays),
        ``"translation"`` (to a real point of the fibre) or ``"coordinate change"``.
    map : str
        The substitution, e.g. ``"y = x*y"`` or ``"y = y - 1"``.

    Graph attributes
    ----------------
    variables, generators, measure : the input;  ``complete`` : bool, every node
    resolved;  ``stopped`` : str, the budget that ran out (empty if none);
    ``power`` : int, the ``power`` given to :func:`resolve`: the ideal stands for |f| ≍
    (Σ q_i²)^{power/2}, so that λ(f) = λ(ideal)/power (1 for the ideal itself).
    """

    @property
    def leaves(self) -> list[int]:
        return [n for n, s in self.nodes(data="status") if s == "leaf"]

    @property
    def complete(self) -> bool:
        return self.graph.get("complete", False)

    @property
    def depth(self) -> int:
        return max((d for _, d in self.nodes(data="depth")), default=0)

    def minimum(self) -> tuple[sympy.Rational, int, int] | None:
        """(λ, m, minimizing leaf) over the leaves: λ = min, m = the largest order at a leaf attaining it."""
        best = None
        for n in self.leaves:
            t: LocalThreshold = self.nodes[n]["threshold"]
            key = (t.value, -t.multiplicity, n)
            if best is None or key < best:
                best = key
        return None if best is None else (best[0], -best[1], best[2])

    def path(self, node: int) -> list[int]:
        """The nodes from the root to ``node``."""
        return nx.shortest_path(self, 0, node)


class _Spending:
    """The work a resolution has done, against its :class:`~resolution.budget.Budget`."""

    def __init__(self, budget: Budget):
        self.budget = budget
        self.terms = 0
        self.charts = 0

    def charge(self, chart: Chart) -> None:
        self.terms += sum(len(g) for g in chart.generators)
        self.charts += 1

    def check(self, tree: ResolutionTree, depth: int) -> str | None:
        check_wall_clock()
        if depth > self.budget.max_depth:
            return f"depth budget ({self.budget.max_depth}) reached"
        if self.charts >= self.budget.max_charts:
            return f"chart budget ({self.budget.max_charts} charts built, trial charts included) reached"
        if self.terms > self.budget.max_terms:
            return f"term budget ({self.budget.max_terms} polynomial terms built) reached"
        return None


def _univariate(poly: PolyElement, index: int):
    """``poly`` with every variable but u_index set to 0, as a univariate polynomial."""
    uni, _ = ring("t", poly.ring.domain)
    return uni.zero.new({(m[index],): c for m, c in poly.iterterms() if not any(m[:index] + m[index + 1:])})


def _fibre_points(chart: Chart, index: int) -> tuple[list, list[str]] | None:
    """Bad points u_index = c != 0 on the line {u_j = 0 for j != index} of ``chart``, or None if infinite.

    Returns the real roots (see the module docstring for which points are bad) and a note on
    the non-real ones.
    """
    restricted = [_univariate(g, index) for g in chart.generators]
    nonzero = [p for p in restricted if p]
    if not nonzero:  # every generator vanishes on the line: bad where a cofactor vanishes
        nonzero = [_univariate(cofactor(g), index) for g in chart.generators]
        if not all(nonzero):
            return None
        candidates = functools.reduce(lambda a, b: a * b, nonzero)
    else:  # bad where every generator vanishes
        candidates = gcd_all(nonzero)
    t = candidates.ring.gens[0]
    while candidates.degree() > 0 and not candidates.coeff(1):
        candidates = candidates.quo(t)
    if candidates.degree() <= 0:
        return [], []
    roots = real_roots(candidates)
    missing = candidates.degree() - sum(r.multiplicity for r in roots)
    skipped = []
    if missing:
        skipped.append(
            f"{missing} non-real root(s) of {candidates.as_expr()} (t = {chart.names[index]}) on the fibre: "
            "not real points, so they do not matter"
        )
    return roots, skipped


class _Resolver:
    def __init__(self, tree: ResolutionTree, budget: _Spending, toric_plane: bool):
        self.tree = tree
        self.budget = budget
        self.toric_plane = toric_plane

    def add(self, chart: Chart, depth: int, parent: int | None, operation: str = "", mapping: str = "") -> int:
        self.budget.charge(chart)
        node = self.tree.number_of_nodes()
        self.tree.add_node(node, chart=chart, depth=depth, status="open", threshold=None, reason="", skipped=[])
        if parent is not None:
            self.tree.add_edge(parent, node, operation=operation, map=mapping)
        return node

    def run(self, node: int) -> None:
        data = self.tree.nodes[node]
        chart: Chart = data["chart"]
        threshold = chart.threshold()
        if threshold is not None:
            data.update(status="leaf", threshold=threshold, reason=f"{threshold.kind}: {threshold.explanation}")
            return
        stop = self.budget.check(self.tree, data["depth"] + 1)
        if stop is not None:
            data["reason"] = f"not resolved: {stop}"
            self.tree.graph["stopped"] = stop
            return
        step = _coordinate_change(chart)
        if step is not None:
            child, mapping = step
            data.update(status="inner", reason=f"coordinate change {mapping}")
            self.run(self.add(child, data["depth"] + 1, node, "coordinate change", mapping))
            return
        if chart.dimension == 2 and self.toric_plane:
            self.toric(node, chart)
            return
        self.blow_up(node, chart)

    def chart_and_points(
        self, node: int, child: Chart, index: int, found: tuple[list, list[str]], operation: str, mapping: str
    ) -> None:
        """A chart of a modification of ``node``: its origin, and the bad ``found`` points on its u_index-line."""
        depth = self.tree.nodes[node]["depth"] + 1
        self.run(self.add(child, depth, node, operation, mapping))
        points, skipped = found
        self.tree.nodes[node]["skipped"].extend(skipped)
        name = child.names[index]
        for root in points:
            moved = child.extend_field(root.field).translate({index: root.element})
            shift = f"{mapping}; then {name} = {name} + {root.value}"
            self.run(self.add(moved, depth, node, f"{operation} + translation", shift))

    def toric(self, node: int, chart: Chart) -> None:
        """The toric modification of the plane Newton polygon, one chart per regular cone."""
        support = {m for g in chart.generators for m in g.itermonoms()}
        polygon = NewtonPolyhedron(support)
        edges = sorted(
            {f.normal for f in polygon.facets if all(v > 0 for v in f.normal)},
            key=lambda n: sympy.Rational(n[1], n[0]),
        )
        cones = _regular_refinement(edges)
        self.tree.nodes[node].update(
            status="inner", reason=f"toric modification: edge normals {edges}, {len(cones)} regular cones"
        )
        for r, s in cones:
            matrix = [[r[0], s[0]], [r[1], s[1]]]
            mapping = ", ".join(f"{n} = {c}" for n, c in zip(chart.names, _monomial_images(chart.names, matrix)))
            # the torus of the divisor of an edge's ray r is the line {u_0 = 0, u_1 != 0} of its cone
            child = chart.monomial_map(matrix)
            found = _fibre_points(child, 1) if r in edges else ([], [])
            self.chart_and_points(node, child, 1, found, "toric chart", f"rays {r}, {s}: {mapping}")

    def blow_up(self, node: int, chart: Chart) -> None:
        """Blow up the first centre (see the module docstring for the order) whose charts' bad points are handled."""
        for centre in _centres(chart):
            plan = []
            inside = _inside_zero_set(chart, centre)
            for j in centre:
                free = [c for c in centre if c != j]
                child, mapping = _blow_up_chart(chart, centre, j)
                child, mapping = _straighten(child, free, mapping)
                self.budget.charge(child)  # trial charts are work too
                stop = self.budget.check(self.tree, self.tree.nodes[node]["depth"] + 1)
                if stop is not None:
                    self.tree.nodes[node]["reason"] = f"not resolved: {stop} while trying blow-up centres"
                    self.tree.graph["stopped"] = stop
                    return
                found = _fibre_points(child, free[0]) if len(free) == 1 else _isolated_fibre(child, free)
                if found is None and inside:
                    found = _contracted_fibre(child, free)
                if found is None:
                    break
                plan.append((child, mapping, free[0], found))
            else:
                names = ", ".join(chart.names[c] for c in centre)
                self.tree.nodes[node].update(status="inner", reason=f"blow-up along {{{names} = 0}}")
                for child, mapping, index, found in plan:
                    self.chart_and_points(node, child, index, found, "blow-up", mapping)
                return
        self.tree.nodes[node]["reason"] = (
            "not resolved: no blow-up along a coordinate subspace was found whose fibre has provably "
            "finitely many bad points"
        )


#: The search for minimal coordinate subspaces inside the zero set stops after this many steps.
MAX_TRANSVERSAL_STEPS = 4096


def _centres(chart: Chart) -> Iterator[tuple[int, ...]]:
    """Blow-up centres in the order tried: pairs, minimal subspaces inside the zero set, larger ones."""
    d = chart.dimension
    yield from itertools.combinations(range(d), 2)
    inside = [c for c in _minimal_transversals(_supports(chart)) if len(c) > 2]
    yield from inside
    tried = set(inside)
    for size in range(3, d + 1):
        yield from (c for c in itertools.combinations(range(d), size) if c not in tried)


def _supports(chart: Chart) -> list[frozenset[int]]:
    """The sets of coordinates of the strict transforms' monomials."""
    return [frozenset(j for j, e in enumerate(m) if e) for g in chart.generators for m in g.itermonoms()]


def _inside_zero_set(chart: Chart, centre: Sequence[int]) -> bool:
    """Every strict transform vanishes on {u_i = 0, i in centre}: each of its monomials has a coordinate there."""
    return all(any(m[i] for i in centre) for g in chart.generators for m in g.itermonoms())


def _minimal_transversals(supports: Sequence[frozenset[int]]) -> list[tuple[int, ...]]:
    """Minimal sets of coordinates meeting every support (minimal coordinate subspaces inside the zero set of
    the monomials' ideal), smallest first; the search stops after :data:`MAX_TRANSVERSAL_STEPS` steps.

    >>> _minimal_transversals([frozenset({0, 2}), frozenset({1, 2}), frozenset({0, 1})])
    [(0, 1), (0, 2), (1, 2)]
    """
    if not supports or not all(supports):
        return []
    found: set[frozenset[int]] = set()
    steps = 0

    def grow(chosen: frozenset[int]) -> None:
        nonlocal steps
        steps += 1
        missed = next((s for s in supports if not s & chosen), None)
        if missed is None:
            found.add(chosen)
            return
        for j in sorted(missed):
            if steps < MAX_TRANSVERSAL_STEPS:
                grow(chosen | {j})

    grow(frozenset())
    minimal = [c for c in found if not any(other < c for other in found)]
    return sorted((tuple(sorted(c)) for c in minimal), key=lambda c: (len(c), c))


def _contracted_fibre(chart: Chart, free: Sequence[int]) -> tuple[list, list[str]] | None:
    """No bad point off the origin needs following when a weight contracts the fibre (module docstring)."""
    weight = _contracting_weight(chart.generators, free, chart.dimension)
    if weight is None:
        return None
    names = chart.names
    listing = ", ".join(f"{names[i]}: {w}" for i, w in enumerate(weight) if w)
    note = (
        f"the fibre's points off the origin (free {', '.join(names[i] for i in free)}): the scaling u_i -> t^w_i·u_i "
        f"with w = ({listing}) makes every strict transform weighted homogeneous and contracts them to the origin "
        "as t -> 0, so their thresholds are no lower than the origin's (lower semicontinuity)"
    )
    return [], [note]


def _contracting_weight(
    generators: Sequence[PolyElement], free: Sequence[int], d: int
) -> tuple[Fraction, ...] | None:
    """Rational w with w_i >= 1 on ``free`` making every generator w-homogeneous, by an exact LP; None if none.

    With w = p − q (p, q >= 0) and slacks s >= 0: w·(e − e₀) = 0 for the exponents e of each generator
    (e₀ its first), and w_i − s_i = 1 for i in ``free``.

    >>> from sympy.polys.rings import ring
    >>> from sympy import QQ
    >>> R, a, b, c = ring("a, b, c", QQ)
    >>> _contracting_weight([a*b - c], [0, 1], 3)
    (Fraction(1, 1), Fraction(1, 1), Fraction(2, 1))
    >>> _contracting_weight([a*b - c + a], [0, 1], 3) is None
    True
    """
    differences = set()
    for g in generators:
        monomials = list(g.itermonoms())
        differences.update(tuple(a - b for a, b in zip(m, monomials[0])) for m in monomials[1:])
    k = len(free)
    rows = [[*e, *(-v for v in e), *([0] * k)] for e in sorted(differences)]
    rhs = [0] * len(rows)
    for n, i in enumerate(free):
        rows.append([int(j == i) for j in range(d)] + [-int(j == i) for j in range(d)] + [-int(m == n) for m in range(k)])
        rhs.append(1)
    solution = minimize([0] * (2 * d + k), rows, rhs)
    if solution is None:
        return None
    return tuple(solution.x[j] - solution.x[d + j] for j in range(d))


def _straighten(chart: Chart, free: Sequence[int], mapping: str) -> tuple[Chart, str]:
    """Coordinate changes that keep the fibre {u_j = 0, j not in free} in place, applied while any exists."""
    for _ in range(chart.dimension):
        step = _coordinate_change(chart, keep=free)
        if step is None:
            break
        chart, change = step
        mapping = f"{mapping}; then {change}"
    return chart, mapping


def _definite_off_origin(p: PolyElement, free: Sequence[int]) -> bool:
    """True when p, restricted to the fibre (coordinates outside ``free`` set to 0), has no real zero
    but possibly the origin: all terms even with one sign, and a constant or a pure power of each free
    coordinate among them."""
    terms = [(m, c) for m, c in p.iterterms() if all(v == 0 for j, v in enumerate(m) if j not in free)]
    if not terms:
        return False
    field = p.ring.domain
    signs = {field.to_sympy(c) > 0 for _, c in terms}
    if len(signs) != 1 or any(v % 2 for m, _ in terms for v in m):
        return False
    pure = {j for m, _ in terms for j in free if m[j] > 0 and sum(m) == m[j]}
    return any(not any(m) for m, _ in terms) or pure == set(free)


def _isolated_fibre(chart: Chart, free: Sequence[int]) -> tuple[list, list[str]] | None:
    """Bad points off the origin of a fibre of dimension >= 2: none, when a sign argument proves it."""
    generators = chart.generators
    if any(_definite_off_origin(g, free) for g in generators):
        return [], []
    vanish = all(
        all(any(v for j, v in enumerate(m) if j not in free) for m in g.itermonoms()) for g in generators
    )
    if vanish and all(_definite_off_origin(cofactor(g), free) for g in generators):
        return [], []
    return None


def _monomial_images(names: Sequence[str], matrix) -> list[str]:
    d = len(names)
    return [
        str(sympy.Mul(*[sympy.Symbol(names[j]) ** matrix[i][j] for j in range(d)])) for i in range(d)
    ]


def _blow_up_chart(chart: Chart, centre: Sequence[int], j: int) -> tuple[Chart, str]:
    """Chart j of the blow-up along {u_i = 0, i in centre}: u_i = u_i·u_j for i in centre, i != j."""
    d = chart.dimension
    matrix = [[1 if a == b else 0 for b in range(d)] for a in range(d)]
    for i in centre:
        if i != j:
            matrix[i][j] = 1
    images = _monomial_images(chart.names, matrix)
    mapping = ", ".join(f"{n} = {c}" for n, c, i in zip(chart.names, images, range(d)) if i in centre and i != j)
    return chart.monomial_map(matrix), f"chart {chart.names[j]}: {mapping}"


def _regular_refinement(normals: Sequence[tuple[int, int]]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """A regular refinement of the plane fan with the given rays: the cones between consecutive rays.

    Every ray on the Stern-Brocot paths from (1, 0), (0, 1) down to each normal is added; a set of
    Stern-Brocot vectors closed under ancestors has determinant 1 between neighbours.

    >>> _regular_refinement([(3, 2)])
    [((1, 0), (2, 1)), ((2, 1), (3, 2)), ((3, 2), (1, 1)), ((1, 1), (0, 1))]
    """
    rays = {(1, 0), (0, 1)}
    for target in normals:
        left, right = (1, 0), (0, 1)
        while True:
            middle = (left[0] + right[0], left[1] + right[1])
            rays.add(middle)
            if middle == tuple(target):
                break
            if target[1] * middle[0] < middle[1] * target[0]:
                right = middle
            else:
                left = middle
    ordered = sorted(rays, key=lambda n: sympy.oo if n[0] == 0 else sympy.Rational(n[1], n[0]))
    return list(zip(ordered, ordered[1:]))


def _coordinate_change(chart: Chart, keep: Sequence[int] | None = None) -> tuple[Chart, str] | None:
    """u_i := (u_i − r)/c for a polynomial p = c·u_i + r with r free of u_i: a generator, a factor of one, or
    else (in three or more variables) a coefficient of one that the change shortens.

    A coefficient of g is Σ t/u^α over the terms t of g divisible by u^α, for a term c·u_i·u^α of g: in
    g = (a22 − a12·a21)·b12 + (a32 − a12·a31)·b13 the coefficient of b12 is a22 − a12·a21, and the change
    a22 := a22 + a12·a21 makes g = a22·b12 + (a32 − a12·a31)·b13 (then a32 likewise).  Such a change is
    taken only when it lowers the number of terms of the generators (the Gaussian elimination step of
    reduced-rank regression, Aoyagi & Watanabe 2005).  On plane charts a generator is factored only if
    its Newton polygon allows a factor c·u_i + r (:func:`_plane_factor_possible`); factoring every
    generator dominated ideals of hundreds of generators of degree in the hundreds.  With ``keep``,
    only changes that fix the subspace {u_j = 0, j not in keep} pointwise: i not in ``keep`` and r
    vanishing on it.  A generator that becomes u_i reduces the others modulo u_i.
    """
    # a coordinate already in a monomial generator stays (changing it would undo that generator)
    taken = {i for g in chart.generators if len(g) == 1 for m in g.itermonoms() for i, e in enumerate(m) if e}
    free = [
        i
        for i in range(chart.dimension)
        if chart.monomial[i] == 0
        and chart.measure[i] == 0
        and i not in taken | chart.changed
        and (keep is None or i not in keep)
    ]
    if not free:
        return None
    factored = (  # factored one generator at a time, only once no generator itself serves
        f
        for g in chart.generators
        if len(g) <= MAX_FACTOR_TERMS and _solved_for(g, free) is None
        and (chart.dimension != 2 or any(_plane_factor_possible(g, i) for i in free))
        for f in factors(g)
        if _linear_in_some(f, free)
    )
    for f in itertools.chain(chart.generators, factored):
        found = _linear_in(f, free, keep)
        if found is not None:
            return _changed(chart, *found, f)
    if chart.dimension <= 2:  # plane germs: the toric modification and point blow-ups need no such change
        return None
    size = sum(len(g) for g in chart.generators)
    for f in _coefficients(chart.generators, free):
        found = _linear_in(f, free, keep)
        if found is not None:
            step = _changed(chart, *found, f)
            if sum(len(g) for g in step[0].generators) < size:
                return step
    return None


def _plane_factor_possible(g: PolyElement, i: int) -> bool:
    """Whether g (two variables) can have a factor c·u_i + r: c a constant ≠ 0, r ≠ 0 free of u_i, r(0) = 0.

    The Newton polytope of a product is the Minkowski sum of its factors' (Ostrowski 1921), and in the
    plane every edge direction of a summand is an edge direction of the sum.  The factor's polytope
    conv{e_i, supp r} has an edge from e_i to (k·e_j) for some k ≥ 1, of primitive direction
    e_i − k·e_j, so g's polytope (the convex hull of its support) must have an edge parallel to one.
    """
    points = sorted({(m[i], m[1 - i]) for m in g.itermonoms()})
    if len(points) < 2:
        return False

    def chain(ordered):  # one half of the convex hull (Andrew's monotone chain)
        kept: list[tuple[int, int]] = []
        for p in ordered:
            while len(kept) >= 2 and ((kept[-1][0] - kept[-2][0]) * (p[1] - kept[-2][1])
                                      - (kept[-1][1] - kept[-2][1]) * (p[0] - kept[-2][0])) <= 0:
                kept.pop()
            kept.append(p)
        return kept

    hull = chain(points)[:-1] + chain(points[::-1])[:-1]
    for (a0, b0), (a1, b1) in zip(hull, hull[1:] + hull[:1]):
        da, db = a1 - a0, b1 - b0
        step = math.gcd(da, db)
        if abs(da) == step and db * da < 0:
            return True
    return False


def _linear_in(f: PolyElement, free: Sequence[int], keep: Sequence[int] | None) -> tuple[int, object, PolyElement] | None:
    """(i, c, r) with f = c·u_i + r, c a constant, r free of u_i and vanishing at 0 (and on the kept subspace)."""
    d = f.ring.ngens
    if f.get((0,) * d):
        return None
    for i in free:
        e = tuple(1 if j == i else 0 for j in range(d))
        c = f.get(e)
        if not c:
            continue
        rest = f - f.ring({e: c})
        if not rest or any(m[i] for m in rest.itermonoms()):
            continue
        if keep is not None and any(all(m[j] == 0 for j in range(d) if j not in keep) for m in rest.itermonoms()):
            continue
        return i, c, rest
    return None


def _changed(chart: Chart, i: int, c: object, rest: PolyElement, f: PolyElement) -> tuple[Chart, str]:
    """The chart after u_i := (u_i − rest)/c, which turns f = c·u_i + rest into u_i."""
    u = chart.ring.gens[i]
    new = (u - rest) * chart.field.quo(chart.field.one, c)
    name = chart.names[i]
    return chart.change_coordinate(i, new), f"{name} = {new.as_expr()} (new {name} = {f.as_expr()})"


def _coefficients(generators: Sequence[PolyElement], free: Sequence[int]) -> list[PolyElement]:
    """The coefficients (see :func:`_coordinate_change`) of the terms c·u_i·u^α, α != 0, i in ``free``, without
    repeats, of generators of at most :data:`MAX_FACTOR_TERMS` terms."""
    found: dict[PolyElement, None] = {}
    for g in generators:
        if len(g) > MAX_FACTOR_TERMS:
            continue
        terms = list(g.iterterms())
        for m, _ in terms:
            for i in free:
                if m[i] != 1:
                    continue
                alpha = tuple(0 if j == i else v for j, v in enumerate(m))
                if not any(alpha):
                    continue
                coefficient = g.ring({
                    tuple(a - b for a, b in zip(t, alpha)): c for t, c in terms if all(a >= b for a, b in zip(t, alpha))
                })
                if len(coefficient) > 1:
                    found.setdefault(coefficient, None)
    return list(found)


def _solved_for(f: PolyElement, free: Sequence[int]) -> int | None:
    """A coordinate i in ``free`` with f = c·u_i + r, c a non-zero constant and r free of u_i."""
    d = f.ring.ngens
    for i in free:
        e = tuple(1 if j == i else 0 for j in range(d))
        if f.get(e) and all(m == e or not m[i] for m in f.itermonoms()):
            return i
    return None


def _linear_in_some(f: PolyElement, free: Sequence[int]) -> bool:
    return any(f.degree(i) == 1 for i in free)


def resolve(
    generators: Sequence[object],
    variables: Sequence[str],
    *,
    measure: Sequence[int] | None = None,
    budget: Budget | None = None,
    plane: str = "toric",
    power: int = 1,
) -> ResolutionTree:
    """Resolve the ideal ⟨generators⟩ with measure w^measure dw near the origin.

    Parameters
    ----------
    generators : sequence of str or sympy.Expr or mapping
        Polynomials with rational coefficients vanishing at the origin (a mapping
        {exponent vector: coefficient} for large ones).
    variables : sequence of str
        The coordinates.
    measure : sequence of int, optional
        Exponents h of the monomial weight w^h (default 0).
    budget : resolution.Budget, optional
        Depth, charts and polynomial terms built (deterministic), and an optional wall-clock
        cut-off.  Over a deterministic limit the tree is returned incomplete (``complete`` False,
        ``stopped`` naming the limit), never guessed; the wall clock raises
        :class:`~resolution.budget.WallClockExceeded`.
    plane : {"toric", "blow-up"}
        For two variables: the Newton-polygon fast path (default) or point
        blow-ups only (the general resolver; an independent cross-check).
    power : int
        e when the ideal stands for |f| ≍ (Σ q_i²)^{e/2}: recorded as ``graph["power"]``, so that every
        display of the tree gives λ(f) = λ(ideal)/e (default 1: the ideal itself).

    Raises
    ------
    resolution.errors.BadArgument
        ``power`` not a positive integer; a float generator or measure
        (:class:`~resolution.errors.FloatCoefficient`, with the exact fraction to write instead).

    Examples
    --------
    >>> tree = resolve(["x**2 - y**3"], ["x", "y"])
    >>> tree.complete, tree.minimum()[:2]
    (True, (5/6, 1))
    >>> resolve(["x*y + z*w + x**3"], ["x", "y", "z", "w"]).minimum()[:2]   # |xy + zw + x³|: a Morse point
    (1, 1)
    >>> resolve(["x**2 - y**3"], ["x", "y"], budget=Budget(max_depth=0)).graph["stopped"]
    'depth budget (0) reached'
    """
    if plane not in ("toric", "blow-up"):
        raise ValueError(f"plane must be 'toric' or 'blow-up', not {plane!r}")
    if isinstance(power, bool) or not isinstance(power, int) or power < 1:
        raise BadArgument("power", power, "must be a positive integer")
    budget = budget or Budget()
    with wall_clock(budget.seconds):
        chart = initial_chart(generators, variables, measure)
        tree = ResolutionTree(
            variables=list(variables), generators=[_label(g) for g in generators], measure=list(chart.measure),
            stopped="", power=power,
        )
        resolver = _Resolver(tree, _Spending(budget), plane == "toric")
        resolver.run(resolver.add(chart, 0, None))
    tree.graph["complete"] = all(s != "open" for _, s in tree.nodes(data="status"))
    return tree


def _label(generator: object) -> str:
    """A generator as text for the tree's record; a long one is named by its size (printing a large
    polynomial costs more than resolving it)."""
    if isinstance(generator, Mapping):
        terms = len(generator)
    else:
        terms = len(sympy.Add.make_args(generator)) if isinstance(generator, sympy.Expr) else 0
    return f"<a polynomial of {terms} terms>" if terms > 20 else str(generator)


def node_label(tree: ResolutionTree, node: int, power: int) -> str:
    """``"node: (λ(f), m)"`` for a leaf (λ(f) = λ(I)/power), ``"node: status"`` otherwise."""
    data = tree.nodes[node]
    if data["status"] == "leaf":
        t = data["threshold"]
        return f"{node}: (λ(f), m) = ({t.value / power}, {t.multiplicity})"
    return f"{node}: {data['status']}"


def tree_to_dict(tree: ResolutionTree, *, power: int | None = None) -> dict[str, object]:
    """The tree as JSON-ready data: nodes (chart, status, reason, leaf λ and m) and edges (operation, map).

    One convention, named in the output's ``convention``: a node's ``reason`` and ``ideal_rlct``
    give λ(I), the threshold of the resolved ideal I (as every leaf explanation writes it), and its
    ``rlct`` gives λ(f) = λ(I)/``power`` (default: the graph's ``power``, set by :func:`resolve`), as
    λ(f) = λ(I)/e when |f| ≍ (Σ q_i²)^{e/2}.

    Examples
    --------
    >>> d = tree_to_dict(resolve(["x**2 - y**3"], ["x", "y"]))
    >>> d["complete"], len(d["nodes"]) == len(d["edges"]) + 1
    (True, True)
    """
    power = power or tree.graph["power"]
    nodes = []
    for n, data in tree.nodes(data=True):
        entry = {"id": n, "depth": data["depth"], "status": data["status"], "reason": data["reason"]}
        entry.update(data["chart"].describe())
        entry["skipped"] = list(data["skipped"])
        if data["threshold"] is not None:
            t = data["threshold"]
            entry.update(
                rlct=str(t.value / power), ideal_rlct=str(t.value), multiplicity=t.multiplicity, leaf_kind=t.kind
            )
        nodes.append(entry)
    edges = [{"source": a, "target": b, "operation": d["operation"], "map": d["map"]} for a, b, d in tree.edges(data=True)]
    best = tree.minimum()
    return {
        "variables": tree.graph["variables"],
        "generators": tree.graph["generators"],
        "measure": tree.graph["measure"],
        "power": power,
        "convention": (
            f"rlct = λ(f) = λ(I)/{power} for the resolved ideal I; ideal_rlct and each leaf's reason give λ(I)"
        ),
        "complete": tree.complete,
        "stopped": tree.graph["stopped"],
        "charts": tree.number_of_nodes(),
        "depth": tree.depth,
        "minimizing_leaf": None if best is None else best[2],
        "nodes": nodes,
        "edges": edges,
    }


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def chart_formula(chart: Chart) -> str:
    """The pulled-back ideal as text, ``^`` for powers: monomial · ⟨strict transforms⟩.

    Examples
    --------
    >>> chart_formula(initial_chart(["x**2*(y**2 + x**3)"], ["x", "y"]))
    'x^2 * (x^3 + y^2)'
    """
    strict = [str(g.as_expr()).replace("**", "^") for g in chart.generators]
    inner = strict[0] if len(strict) == 1 else "<" + ", ".join(strict) + ">"
    if not any(chart.monomial):
        return inner
    monomial = format_monomial(chart.monomial, chart.names)
    return monomial if strict == ["1"] else f"{monomial} * ({inner})"


def tree_to_dot(tree: ResolutionTree, *, power: int | None = None) -> str:
    """Graphviz DOT text: one box per chart (leaves labelled (λ, m)), edges labelled by their maps.

    Examples
    --------
    >>> print(tree_to_dot(resolve(["x*y"], ["x", "y"])).splitlines()[1])
      0 [label="0: (λ(f), m) = (1, 2)\\nx*y", shape=box, style=filled, fillcolor="#81c784"];
    """
    power = power or tree.graph["power"]
    best = tree.minimum()
    lines = ["digraph resolution {"]
    for n, data in tree.nodes(data=True):
        label = f"{node_label(tree, n, power)}\n{chart_formula(data['chart'])}"
        colour = {"leaf": "#c8e6c9", "inner": "#ffffff", "open": "#ffcdd2"}[data["status"]]
        if best is not None and n == best[2]:
            colour = "#81c784"
        lines.append(f"  {n} [label={_dot_string(label)}, shape=box, style=filled, fillcolor=\"{colour}\"];")
    for a, b, data in tree.edges(data=True):
        lines.append(f"  {a} -> {b} [label={_dot_string(data['map'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
