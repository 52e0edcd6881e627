"""Newton polyhedra Γ₊(f) = conv(supp f) + R^d_{>=0}, computed exactly.

Two kinds of computation, chosen for what each question needs:

* **Newton distance and τ-face** (all that the RLCT needs) are linear programs,
  t₀ = min{t : t·τ ∈ Γ₊}, solved exactly over the rationals by a small simplex
  method (:mod:`resolution._lp`).  No facet is enumerated, so this scales to
  12 variables and hundreds of terms.  The optimal dual is a supporting normal
  n >= 0 with n·τ = 1 and min n·a = t₀, an exact certificate of optimality.
* **Facets and the face lattice** of a plane polygon come from its lower-left convex chain, in
  integers; in three or more variables they use Qhull (Barber, Dobkin & Huhdanpaa 1996,
  *ACM TOMS* 22:469, through :class:`scipy.spatial.ConvexHull`) for candidate
  facets only: Qhull is well kept and fast, but works in floating point.  Every
  candidate is then verified in integer arithmetic: its primitive integer
  inward normal n is >= 0, n·a >= c holds for every support point a, and the
  points where equality holds span an affine space of dimension d − 1.  Exact
  rational polyhedral libraries (cddlib, PPL) need compiled system libraries
  that a fresh machine lacks, which is why Qhull plus exact verification was
  chosen.  Qhull is trusted to have *listed* every facet; every reported
  number is exact.

Qhull is given the support together with its unit shifts a + e_j: for any
facet of Γ₊ with normal n and any a on it, a + e_j lies on it whenever
n_j = 0, so every facet of Γ₊ is a facet of the convex hull of these points,
and the hull's other facets have a normal with a negative entry.

Points of the support that dominate another (a >= b, a != b) never lie on a
compact face, so all computations use the *minimal* points only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from math import gcd
from typing import Iterable, Sequence

import numpy as np
import sympy
from scipy.spatial import ConvexHull, QhullError

from . import _lp
from ._exact import affine_dimension, primitive_kernel_vector
from .errors import BudgetExceeded

__all__ = ["Face", "Facet", "NewtonDistance", "NewtonPolyhedron", "minimal_points"]

logger = logging.getLogger(__name__)

Exponent = tuple[int, ...]


def _dimension(points: Sequence[Exponent], rays: Iterable[int], d: int) -> int:
    """Dimension of conv(points) + cone(e_j : j in rays)."""
    return affine_dimension(points, [tuple(int(k == j) for k in range(d)) for j in rays])


#: Qhull's floating-point facets are trusted for candidates only up to this exponent (then 1e-6
#: relative tolerances still separate lattice points).
_QHULL_MAX_COORDINATE = 10**6


def _plane_facets(points: Sequence[Exponent]) -> dict["Facet", tuple[frozenset[int], frozenset[int]]]:
    """The facets of a plane Γ₊ exactly, by the lower-left convex chain of its minimal points.

    ``points`` are the minimal points sorted (x ascending, so y descending); the chain keeps a
    point only while the turn from its two neighbours is strictly convex (integer cross products).
    """
    chain: list[int] = []
    for k, p in enumerate(points):
        while len(chain) >= 2:
            a, b = points[chain[-2]], points[chain[-1]]
            if (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) > 0:
                break
            chain.pop()
        chain.append(k)
    facets = {
        Facet((1, 0), points[chain[0]][0]): (frozenset({chain[0]}), frozenset({1})),
        Facet((0, 1), points[chain[-1]][1]): (frozenset({chain[-1]}), frozenset({0})),
    }
    for i, j in zip(chain, chain[1:]):
        (x0, y0), (x1, y1) = points[i], points[j]
        g = gcd(y0 - y1, x1 - x0)
        normal = ((y0 - y1) // g, (x1 - x0) // g)
        rhs = normal[0] * x0 + normal[1] * y0
        on = frozenset(k for k, q in enumerate(points) if normal[0] * q[0] + normal[1] * q[1] == rhs)
        facets[Facet(normal, rhs)] = (on, frozenset())
    return facets


def minimal_points(points: Iterable[Exponent]) -> tuple[Exponent, ...]:
    """The points not dominated by another point (componentwise), sorted.

    Examples
    --------
    >>> minimal_points([(2, 0), (2, 3), (0, 2), (1, 1)])
    ((0, 2), (1, 1), (2, 0))
    """
    unique = sorted(set(points), key=lambda p: (sum(p), p))
    kept: list[Exponent] = []
    for p in unique:
        if not any(all(q_i <= p_i for q_i, p_i in zip(q, p)) for q in kept):
            kept.append(p)
    return tuple(sorted(kept))


@dataclass(frozen=True, slots=True)
class Facet:
    """A facet {x : normal·x = rhs} of Γ₊, with normal·x >= rhs on Γ₊.

    ``normal`` is the primitive integer inward normal (all entries >= 0).
    """

    normal: tuple[int, ...]
    rhs: int

    @property
    def is_compact(self) -> bool:
        """True when the facet is bounded (every normal entry positive)."""
        return all(n > 0 for n in self.normal)


@dataclass(frozen=True, slots=True)
class Face:
    """A face of Γ₊.

    Attributes
    ----------
    points : tuple of exponent vectors
        The minimal support points lying on the face (its vertices among them).
    rays : tuple of int
        Coordinates j whose direction e_j lies in the face's recession cone;
        empty for a compact face.
    dim : int
        The dimension of the face.
    ambient_dim : int
        The number of variables d.
    """

    points: tuple[Exponent, ...]
    rays: tuple[int, ...]
    dim: int
    ambient_dim: int

    @property
    def codim(self) -> int:
        """d − dim."""
        return self.ambient_dim - self.dim

    @property
    def is_compact(self) -> bool:
        """True when the face is bounded."""
        return not self.rays

    def describe(self) -> str:
        """A short human description, e.g. ``"vertex (2, 2)"``.

        Examples
        --------
        >>> Face(((2, 2),), (), 0, 2).describe()
        'vertex (2, 2)'
        """
        pts = ", ".join(str(p) for p in self.points)
        if self.dim == 0 and not self.rays:
            return f"vertex {pts}"
        kind = {1: "edge"}.get(self.dim, f"{self.dim}-face")
        rays = f" + rays e{','.join(str(j + 1) for j in self.rays)}" if self.rays else ""
        return f"{'unbounded ' if self.rays else ''}{kind} through {pts}{rays}"


@dataclass(frozen=True, slots=True)
class NewtonDistance:
    """The τ-distance t₀ = min{t : t·τ ∈ Γ₊}, the τ-face, and a certificate.

    ``normal`` is an exact supporting normal n >= 0 with n·τ = 1 and
    min over the support of n·a equal to t₀; together with ``representation``
    (t₀·τ written as a convex combination of support points plus a
    non-negative vector) it proves that t₀ is optimal.
    """

    tau: tuple[int, ...]
    t0: sympy.Rational
    face: Face
    normal: tuple[sympy.Rational, ...]
    representation: tuple[tuple[Exponent, sympy.Rational], ...]


class NewtonPolyhedron:
    """The Newton polyhedron Γ₊ = conv(support) + R^d_{>=0}.

    Parameters
    ----------
    support : iterable of exponent vectors
        Non-empty, all of the same length d >= 1, non-negative integers.

    Examples
    --------
    >>> P = NewtonPolyhedron([(6, 0), (2, 2), (0, 8)])
    >>> P.vertices
    ((0, 8), (2, 2), (6, 0))
    >>> [(f.normal, f.rhs) for f in P.facets]
    [((0, 1), 0), ((1, 0), 0), ((1, 2), 6), ((3, 1), 8)]
    >>> P.distance((1, 1)).t0
    2
    >>> P.distance((1, 1)).face.describe()
    'vertex (2, 2)'
    """

    def __init__(self, support: Iterable[Sequence[int]]):
        points = [tuple(int(k) for k in p) for p in support]
        if not points:
            raise ValueError("the support is empty: the zero polynomial has no Newton polyhedron")
        d = len(points[0])
        if d == 0:
            raise ValueError("a Newton polyhedron needs at least one variable")
        if any(len(p) != d for p in points):
            raise ValueError("exponent vectors of different lengths")
        if any(k < 0 for p in points for k in p):
            raise ValueError("exponents must be non-negative")
        self._d = d
        self._support = tuple(sorted(set(points)))
        self._points = minimal_points(self._support)

    @property
    def ambient_dim(self) -> int:
        """The number of variables d."""
        return self._d

    @property
    def support(self) -> tuple[Exponent, ...]:
        """All exponent vectors given."""
        return self._support

    @property
    def points(self) -> tuple[Exponent, ...]:
        """The minimal (non-dominated) support points."""
        return self._points

    def __repr__(self) -> str:
        return f"NewtonPolyhedron(d={self._d}, points={len(self._points)})"

    # -- distance and τ-face (linear programming, exact) -------------------------------

    def distance(self, tau: Sequence[int] | None = None) -> NewtonDistance:
        """The τ-distance t₀ and the τ-face (the face containing t₀·τ in its relative interior).

        Parameters
        ----------
        tau : sequence of positive int, optional
            The weight vector; default all ones.  For a prior w^h, τ = h + 1.

        Examples
        --------
        >>> NewtonPolyhedron([(4, 0), (0, 6)]).distance().t0
        12/5
        >>> NewtonPolyhedron([(2, 0)]).distance((1, 1)).face.describe()
        'unbounded edge through (2, 0) + rays e2'
        """
        d = self._d
        tau = tuple(int(t) for t in (tau if tau is not None else (1,) * d))
        if len(tau) != d or any(t <= 0 for t in tau):
            raise ValueError(f"tau={tau!r} must be {d} positive integers")
        pts = self._points
        n = len(pts)
        # Columns: mu_0..mu_{n-1}, r_0..r_{d-1}, t.  Rows: sum mu a + r - t tau = 0; sum mu = 1.
        rows = [[Fraction(a[j]) for a in pts] + [Fraction(int(k == j)) for k in range(d)] + [Fraction(-tau[j])]
                for j in range(d)]
        rows.append([Fraction(1)] * n + [Fraction(0)] * (d + 1))
        rhs = [Fraction(0)] * d + [Fraction(1)]
        cost = [Fraction(0)] * (n + d) + [Fraction(1)]
        start = min(range(n), key=lambda i: max(Fraction(pts[i][j], tau[j]) for j in range(d)))
        jstar = max(range(d), key=lambda j: Fraction(pts[start][j], tau[j]))
        basis = [start, n + d] + [n + j for j in range(d) if j != jstar]
        solution = _lp.minimize(cost, rows, rhs, basis=basis)
        if solution is None:  # impossible: the starting basis is feasible
            raise ArithmeticError("internal error: the Newton-distance LP was found infeasible")
        t0 = solution.value
        normal = [solution.reduced_costs[n + j] for j in range(d)]
        slack = [solution.reduced_costs[i] for i in range(n)]
        # The exact certificate: n >= 0, n·tau = 1, n·a - t0 = slack >= 0 with equality somewhere.
        if (
            any(v < 0 for v in normal)
            or sum(v * t for v, t in zip(normal, tau)) != 1
            or any(sum(v * a_j for v, a_j in zip(normal, a)) - t0 != s for a, s in zip(pts, slack))
            or min(slack) != 0
        ):
            raise ArithmeticError("internal error: the Newton-distance LP certificate does not verify")
        face = self._minimal_face(t0, tau, solution, [i for i in range(n) if slack[i] == 0],
                                  [j for j in range(d) if normal[j] == 0])
        representation = tuple(
            (pts[i], sympy.Rational(solution.x[i].numerator, solution.x[i].denominator))
            for i in range(n)
            if solution.x[i] > 0
        )
        return NewtonDistance(
            tau=tau,
            t0=sympy.Rational(t0.numerator, t0.denominator),
            face=face,
            normal=tuple(sympy.Rational(v.numerator, v.denominator) for v in normal),
            representation=representation,
        )

    def _minimal_face(
        self,
        t0: Fraction,
        tau: tuple[int, ...],
        solution: _lp.LPSolution,
        tight: list[int],
        free: list[int],
    ) -> Face:
        """The face with t₀τ in its relative interior, among the tight points and free rays.

        A support point (or ray) lies on that face exactly when some way of
        writing t₀τ as a convex combination of support points plus a
        non-negative vector uses it with positive weight.  Each LP below
        maximizes the total weight of the still-undecided candidates.
        """
        d, n, pts = self._d, len(self._points), self._points
        columns = [("point", i) for i in tight] + [("ray", j) for j in free]
        used = {("point", i) for i in tight if solution.x[i] > 0}
        used |= {("ray", j) for j in free if solution.x[n + j] > 0}
        target = [t0 * t for t in tau]
        rows = [[Fraction(pts[c][j]) if kind == "point" else Fraction(int(c == j)) for kind, c in columns]
                for j in range(d)]
        rows.append([Fraction(int(kind == "point")) for kind, _ in columns])
        undecided = [k for k, col in enumerate(columns) if col not in used]
        while undecided:
            cost = [Fraction(-1) if k in undecided else Fraction(0) for k in range(len(columns))]
            best = _lp.minimize(cost, rows, target + [Fraction(1)])
            if best is None:  # impossible: the main LP's solution is feasible here
                raise ArithmeticError("internal error: the τ-face LP was found infeasible")
            if best.value == 0:
                break
            newly = [k for k in undecided if best.x[k] > 0]
            used |= {columns[k] for k in newly}
            undecided = [k for k in undecided if k not in newly]
        face_points = tuple(sorted(pts[i] for kind, i in used if kind == "point"))
        rays = tuple(sorted(j for kind, j in used if kind == "ray"))
        return Face(face_points, rays, _dimension(face_points, rays, d), d)

    # -- facets and faces (Qhull candidates, exact verification) ----------------------

    @cached_property
    def facets(self) -> tuple[Facet, ...]:
        """All facets, as primitive integer inward normals with right-hand sides.

        Sorted by (normal, rhs).  Non-compact facets have a zero entry in the normal.
        """
        return tuple(sorted(self._facet_data, key=lambda f: (f.normal, f.rhs)))

    @cached_property
    def vertices(self) -> tuple[Exponent, ...]:
        """The vertices of Γ₊ (a subset of the minimal points), sorted."""
        return tuple(sorted(f.points[0] for f in self.faces() if f.dim == 0))

    @cached_property
    def _facet_data(self) -> dict[Facet, tuple[frozenset[int], frozenset[int]]]:
        d, pts = self._d, self._points
        if d == 1:
            return {Facet((1,), pts[0][0]): (frozenset({0}), frozenset())}
        if d == 2:
            return _plane_facets(pts)
        if max(max(p) for p in pts) > _QHULL_MAX_COORDINATE:
            raise BudgetExceeded("an exponent of the Newton polyhedron (Qhull works in floating point)",
                                 _QHULL_MAX_COORDINATE)
        cloud = sorted(set(pts) | {tuple(a[k] + (k == j) for k in range(d)) for a in pts for j in range(d)})
        array = np.array(cloud, dtype=float)
        try:
            hull = ConvexHull(array)
        except QhullError:
            hull = ConvexHull(array, qhull_options="QJ")
        tol = 1e-6 * max(1.0, float(np.abs(array).max()))
        # Inward normals -eq[:-1] >= 0 are the candidate facets of Γ₊; Qhull triangulates,
        # so coplanar simplices repeat an equation: keep one of each.
        candidates = hull.equations[(hull.equations[:, :-1] <= 1e-9).all(axis=1)]
        _, first = np.unique(np.round(candidates, 6), axis=0, return_index=True)
        contacts = {
            frozenset(np.flatnonzero(np.abs(array @ eq[:-1] + eq[-1]) <= tol).tolist())
            for eq in candidates[first]
        }
        index = {p: i for i, p in enumerate(pts)}
        facets: dict[Facet, tuple[frozenset[int], frozenset[int]]] = {}
        for contact in contacts:
            on = [cloud[k] for k in sorted(contact)]
            base = on[0]
            normal = primitive_kernel_vector([[a - b for a, b in zip(p, base)] for p in on[1:]], d)
            if normal is None:
                raise ArithmeticError("internal error: a Qhull facet's contact points do not span a hyperplane")
            if any(v < 0 for v in normal):
                normal = tuple(-v for v in normal)
            if any(v < 0 for v in normal):
                continue  # a cap of the truncated hull, not a facet of Γ₊
            rhs = min(sum(v * a_j for v, a_j in zip(normal, a)) for a in pts)
            on_pts = [a for a in pts if sum(v * a_j for v, a_j in zip(normal, a)) == rhs]
            rays = [j for j in range(d) if normal[j] == 0]
            if _dimension(on_pts, rays, d) != d - 1:
                raise ArithmeticError("internal error: a Qhull facet candidate failed exact verification")
            facets[Facet(normal, rhs)] = (frozenset(index[a] for a in on_pts), frozenset(rays))
        return facets

    def faces(self, *, containing: Sequence[int] | None = None, max_faces: int = 100_000) -> tuple[Face, ...]:
        """Every non-empty face of Γ₊ except Γ₊ itself, from facet intersections.

        Parameters
        ----------
        containing : exponent vector, optional
            Only the faces through this minimal point (far cheaper when few
            faces need looking at).
        max_faces : int
            Raise :class:`~resolution.errors.BudgetExceeded` past this many faces.

        Examples
        --------
        >>> P = NewtonPolyhedron([(2, 0), (1, 1), (0, 2)])
        >>> [f.describe() for f in P.faces(containing=(1, 1))]
        ['edge through (0, 2), (1, 1), (2, 0)']
        """
        return self._faces(None if containing is None else tuple(containing), max_faces)

    def compact_faces(self, *, containing: Sequence[int] | None = None, max_faces: int = 100_000) -> tuple[Face, ...]:
        """The bounded faces (vertices, compact edges, ...), sorted by dimension.

        Takes the same options as :meth:`faces`.

        Examples
        --------
        >>> [f.describe() for f in NewtonPolyhedron([(2, 0), (1, 1), (0, 2)]).compact_faces()]
        ['vertex (0, 2)', 'vertex (2, 0)', 'edge through (0, 2), (1, 1), (2, 0)']
        """
        return tuple(f for f in self.faces(containing=containing, max_faces=max_faces) if f.is_compact)

    def _faces(self, containing: Exponent | None, max_faces: int) -> tuple[Face, ...]:
        d, pts = self._d, self._points
        seen = set(self._facet_data.values())
        if containing is not None:
            if containing not in pts:
                raise ValueError(f"containing={containing!r} is not a minimal point of the support")
            k = pts.index(containing)
            seen = {face for face in seen if k in face[0]}
        frontier = list(seen)
        facet_sets = list(seen)
        while frontier:
            next_frontier = []
            for face_pts, face_rays in frontier:
                for facet_pts, facet_rays in facet_sets:
                    meet = (face_pts & facet_pts, face_rays & facet_rays)
                    if meet[0] and meet not in seen:
                        seen.add(meet)
                        next_frontier.append(meet)
                        if len(seen) > max_faces:
                            raise BudgetExceeded("the number of faces of the Newton polyhedron", max_faces)
            frontier = next_frontier
        faces = []
        for face_pts, face_rays in seen:
            points = tuple(sorted(pts[i] for i in face_pts))
            rays = tuple(sorted(face_rays))
            faces.append(Face(points, rays, _dimension(points, rays, d), d))
        return tuple(sorted(faces, key=lambda f: (f.dim, f.rays, f.points)))
