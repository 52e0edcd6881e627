"""Newton polyhedra: hand-computed values and two independent routes that must agree.

The LP route (distance, τ-face) and the facet route (Qhull candidates verified
exactly) share no code beyond exact rank computations, so agreement between them
on random supports is a real check; a float LP (HiGHS) checks the 12-variable case.
"""

import random
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, strategies as st
from scipy.optimize import linprog

from resolution import BudgetExceeded, NewtonPolyhedron, minimal_points
from resolution._exact import rank


def supports(min_dim=2, max_dim=4, max_exp=5):
    return st.integers(min_dim, max_dim).flatmap(
        lambda d: st.lists(
            st.tuples(*[st.integers(0, max_exp)] * d).filter(any), min_size=1, max_size=8
        )
    )


def _facet_route(P, tau):
    """t0 = max over facets of rhs/(n·τ); the τ-face's codimension = rank of the tight facets' normals."""
    t0 = max(Fraction(f.rhs, sum(n * t for n, t in zip(f.normal, tau))) for f in P.facets)
    point = [t0 * t for t in tau]
    tight = [f.normal for f in P.facets if sum(n * p for n, p in zip(f.normal, point)) == f.rhs]
    return t0, rank(tight)


@given(supports(), st.data())
def test_lp_distance_and_tau_face_agree_with_the_facets(support, data):
    d = len(support[0])
    tau = data.draw(st.tuples(*[st.integers(1, 3)] * d))
    P = NewtonPolyhedron(support)
    distance = P.distance(tau)
    t0, codim = _facet_route(P, tau)
    assert distance.t0 == sympy.Rational(t0.numerator, t0.denominator)
    assert distance.face.codim == codim


@given(supports())
def test_the_lp_certificate_is_a_valid_supporting_normal(support):
    P = NewtonPolyhedron(support)
    distance = P.distance()
    n = distance.normal
    assert all(v >= 0 for v in n) and sum(n) == 1
    assert min(sum(v * a for v, a in zip(n, p)) for p in P.support) == distance.t0
    # t0·τ is a convex combination of support points plus a non-negative vector.
    weights = [w for _, w in distance.representation]
    assert sum(weights) == 1
    combo = [sum(w * p[j] for p, w in distance.representation) for j in range(P.ambient_dim)]
    assert all(c <= distance.t0 for c in combo)


@given(supports(max_dim=3))
def test_every_facet_is_valid_and_every_compact_face_is_cut_out_by_a_positive_weight(support):
    P = NewtonPolyhedron(support)
    for facet in P.facets:
        values = [sum(n * a for n, a in zip(facet.normal, p)) for p in P.support]
        assert min(values) == facet.rhs and all(n >= 0 for n in facet.normal)
    for face in P.compact_faces():
        # The sum of the normals of the facets containing a compact face is strictly positive.
        containing = [f.normal for f in P.facets
                      if all(sum(n * a for n, a in zip(f.normal, p)) == f.rhs for p in face.points)]
        assert all(sum(col) > 0 for col in zip(*containing))


def test_hand_computed_distances():
    # y^4 + x^6: t/6 + t/4 = 1 on the edge, so t0 = 12/5.
    assert NewtonPolyhedron([(6, 0), (0, 4)]).distance().t0 == sympy.Rational(12, 5)
    # x1^2 + x2^4 + ... + x5^10: t0 = 1/(1/2 + 1/4 + ... + 1/10).
    d = NewtonPolyhedron([tuple(2 * (i + 1) * (i == j) for j in range(5)) for i in range(5)]).distance()
    assert d.t0 == 1 / sum(sympy.Rational(1, 2 * (i + 1)) for i in range(5))
    assert d.face.codim == 1 and d.face.is_compact


def test_single_monomial():
    corner = NewtonPolyhedron([(2, 2)]).distance()
    assert corner.t0 == 2 and corner.face.dim == 0 and corner.face.codim == 2
    edge = NewtonPolyhedron([(2, 4)]).distance()
    assert edge.t0 == 4 and edge.face.rays == (0,) and edge.face.codim == 1


def test_lower_dimensional_support_in_three_variables():
    P = NewtonPolyhedron([(2, 0, 0), (0, 2, 0), (1, 1, 0)])
    d = P.distance()
    assert d.t0 == 1
    assert d.face.rays == (2,) and d.face.dim == 2 and d.face.codim == 1
    assert P.vertices == ((0, 2, 0), (2, 0, 0))


def test_compact_faces_of_the_standard_simplex():
    faces = NewtonPolyhedron([(2, 0, 0), (0, 2, 0), (0, 0, 2)]).compact_faces()
    assert sorted(f.dim for f in faces) == [0, 0, 0, 1, 1, 1, 2]


def test_minimal_points_drop_dominated_ones():
    assert minimal_points([(1, 1), (2, 1), (1, 3), (0, 4)]) == ((0, 4), (1, 1))


def test_twelve_variables_and_hundreds_of_terms_match_a_float_lp():
    rng = random.Random(7)
    points = [tuple(rng.choice((0, 0, 2, 4, 6)) for _ in range(12)) for _ in range(300)]
    points = [p for p in points if any(p)]
    P = NewtonPolyhedron(points)
    exact = P.distance()
    # min t s.t. sum mu_i a_i <= t*1, sum mu = 1, mu >= 0 (HiGHS, floating point).
    A = np.array(P.points, dtype=float)
    n, d = A.shape
    res = linprog(
        c=np.r_[np.zeros(n), 1.0],
        A_ub=np.c_[A.T, -np.ones(d)], b_ub=np.zeros(d),
        A_eq=np.r_[np.ones(n), 0.0][None, :], b_eq=[1.0],
        bounds=[(0, None)] * (n + 1), method="highs",
    )
    assert res.status == 0
    assert abs(float(exact.t0) - res.fun) < 1e-7


def test_face_enumeration_honours_its_budget():
    P = NewtonPolyhedron([(4, 0, 0), (0, 4, 0), (0, 0, 4), (1, 1, 1)])
    with pytest.raises(BudgetExceeded):
        P.faces(max_faces=3)


@pytest.mark.parametrize("support, message", [
    ([], "empty"), ([(1, 2), (1,)], "lengths"), ([(-1, 2)], "non-negative"), ([()], "at least one"),
])
def test_bad_supports(support, message):
    with pytest.raises(ValueError, match=message):
        NewtonPolyhedron(support)


def test_bad_tau():
    with pytest.raises(ValueError, match="positive"):
        NewtonPolyhedron([(2, 2)]).distance((0, 1))


def _newton_polygon_by_monotone_chain(points):
    """Compact faces of a plane Newton polygon: the lower hull of the minimal points (Andrew 1979)."""
    pts = sorted(minimal_points(points))  # x increasing, y decreasing
    hull = []
    for p in pts:
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) <= 0:  # not a strict left turn
                hull.pop()
            else:
                break
        hull.append(p)
    vertices = {(v,) for v in hull}
    edges = set()
    for a, b in zip(hull, hull[1:]):
        on = tuple(p for p in pts if a[0] <= p[0] <= b[0]
                   and (b[0] - a[0]) * (p[1] - a[1]) == (b[1] - a[1]) * (p[0] - a[0]))
        edges.add(on)
    return vertices | edges


@given(supports(min_dim=2, max_dim=2, max_exp=9))
def test_plane_compact_faces_match_the_monotone_chain(support):
    faces = NewtonPolyhedron(support).compact_faces()
    assert {f.points for f in faces} == _newton_polygon_by_monotone_chain(support)
