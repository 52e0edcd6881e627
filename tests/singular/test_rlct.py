"""rlct: options, errors, and facts from the literature."""

import json

import pytest
import sympy

from resolution import FloatCoefficient, UnknownVariable, ZeroGerm, germ
from singular import NotMonomialPrior, NotVanishing, UnknownMethod, rlct

R = sympy.Rational


def test_regular_point_is_half_the_dimension():
    # Watanabe (2009): a positive definite Hessian gives λ = d/2, m = 1.
    r = rlct("2*a^2 + a*b + b^2 + c^2 - b*c + d^2")
    assert (r.value, r.multiplicity, r.certified) == (2, 1, True)


def test_free_variables_do_not_change_the_value():
    assert rlct("x^2", variables="x,y,z").value == R(1, 2)


def test_sign_changing_function_is_the_rlct_of_its_absolute_value():
    # |x y^3| = |x| |y|^3: normal crossing 1/3 (docs/conventions.md#sign-changing-functions: rlct(f) = 2 rlct(f^2) = 2·(1/6)).
    assert rlct("x*y^3").value == R(1, 3) == 2 * rlct("x^2*y^6").value
    # -(x^2 + y^4) has the same |f| as x^2 + y^4.
    assert rlct("-(x^2 + y^4)").value == rlct("x^2 + y^4").value == R(3, 4)


def test_prior_monomial_shifts_the_weight():
    # Lau et al. 2023 monomial-prior case, and the Newton route with τ = h + 1:
    # x^2 + y^2 with prior y^2: t·(1, 3) on the edge a/2 + b/2 = 1 gives t0 = 1/2, λ = 2.
    assert rlct("x^4*y^2", prior="x^2*y^2").value == R(3, 4)
    r = rlct("x^2 + y^2", prior="3*y^2")
    assert (r.value, r.multiplicity, r.method) == (2, 1, "newton")


def test_prior_at_a_translated_point_loses_its_units():
    # At x = 1 the factor x^3 of the prior is a unit: only y's exponent counts.
    r = rlct("(x - 1)^2 * y^2", prior="x^3*y", at={"x": 1})
    assert (r.value, r.multiplicity) == (R(1, 2), 1)


def test_translation():
    r = rlct("(x - 1)^2 + (y + 1/2)^4", at="x=1,y=-1/2")
    assert (r.value, r.multiplicity) == (R(3, 4), 1)


def test_nonneg_variables_use_the_positive_torus():
    # (s - t)^2 vanishes on s = t, inside the positive quadrant: Newton-degenerate, but in u = s − t
    # it is u² near every point of the diagonal: λ = 1/2, m = 1.
    assert not rlct("(s - t)^2", nonneg="s,t", method="newton").certified
    r = rlct("(s - t)^2", nonneg="s,t")
    assert (r.value, r.multiplicity, r.certified) == (R(1, 2), 1, True)
    # s + t >= 0 on the quadrant; its face s + t has no zero on the positive torus:
    # λ = 1/t0 with t0 = 1/2 ... the integral ∫∫_{[0,1]^2} (s+t)^z is finite iff z > -2, so λ = 2.
    r = rlct("s + t", nonneg="s,t")
    assert (r.value, r.multiplicity, r.certified) == (2, 1, True)
    # Without the constraint s + t is smooth, λ = 1: never certified otherwise, always bounded.
    free = rlct("s + t")
    assert free.bounds[0] <= 1 <= free.bounds[1]
    assert not free.certified or free.value == 1


def test_gradient_groebner_certifies_a_sum_of_squares():
    # (xy - yz)^2 + (yz)^2 + (zx)^2 is homogeneous of degree 4 and zero-free on the torus:
    # non-degenerate, t0 = 4/3, so λ = 3/4.
    r = rlct("(x*y - y*z)^2 + y^2*z^2 + z^2*x^2")
    assert r.certified and r.value == R(3, 4) and "Gröbner" in r.certificate


def test_methods():
    assert rlct("x^2 + y^2", method="newton").method == "newton"
    forced = rlct("x^2 + y^2", method="monomial")
    assert not forced.certified and forced.method == "monomial" and forced.bounds == (R(1, 2), R(1))
    with pytest.raises(UnknownMethod):
        rlct("x^2", method="magic")


def test_monomial_and_newton_agree_on_a_monomial_times_a_unit():
    f = "x^2*y^6*(1 + x + y^2)"
    a, b = rlct(f, method="monomial"), rlct(f, method="newton")
    assert (a.value, a.multiplicity) == (b.value, b.multiplicity) == (R(1, 6), 1)


@pytest.mark.parametrize("kwargs, error", [
    ({"f": "x^2 + 1"}, NotVanishing),
    ({"f": "0"}, ZeroGerm),
    ({"f": "x - x"}, ZeroGerm),
    ({"f": "0.5*x^2"}, FloatCoefficient),
    ({"f": "x^2", "prior": "x + 1"}, NotMonomialPrior),
    ({"f": "x^2", "prior": "-x"}, NotMonomialPrior),
    ({"f": "x^2", "prior": "x^(1/2)"}, NotMonomialPrior),
    ({"f": "x^2", "prior": "y"}, UnknownVariable),
    ({"f": "x^2", "at": "y=1"}, UnknownVariable),
    ({"f": "x^2", "at": "x=1"}, NotVanishing),
])
def test_bad_input(kwargs, error):
    with pytest.raises(error):
        rlct(**kwargs)


def test_result_object():
    r = rlct("x^2*y^4")
    assert repr(r) == "RLCT(value=1/4, multiplicity=1, method='monomial', certified=True)"
    d = json.loads(json.dumps(r.to_dict()))
    assert d["rlct"] == "1/4" and d["lower_bound"] == d["upper_bound"] == "1/4"
    assert set(d) == {"rlct", "multiplicity", "method", "certified", "lower_bound", "upper_bound", "certificate"}
    u = rlct("(x + y)^2", method="newton").to_dict()
    assert u["rlct"] is None and u["multiplicity"] is None and u["upper_bound"] == "1"


def test_a_germ_can_be_passed_directly():
    assert rlct(germ("x^2*y^2")).multiplicity == 2


def test_face_enumeration_beyond_budget_is_uncertified_not_wrong():
    # x1*x2 + x1^2 + ... + x9^2 is a positive definite quadratic form: a regular point, λ = 9/2
    # (Watanabe 2009).  Its odd term needs a face-by-face check, over budget in 9 variables.
    f = "x1*x2 + " + " + ".join(f"x{i}^2" for i in range(1, 10))
    r = rlct(f, method="newton")
    assert not r.certified and "limited to 7 variables" in r.certificate
    assert r.bounds[0] <= R(9, 2) <= r.bounds[1]
    # the resolver sees the definite Hessian (Morse lemma)
    assert (rlct(f).value, rlct(f).multiplicity) == (R(9, 2), 1)


def test_an_inactive_sign_constraint_does_not_halve_the_domain():
    # At s = 1 the constraint s >= 0 is inactive, so u = s - 1 takes both signs and the germ
    # u + t^2 (t >= 0) has a smooth zero set: λ = 1.  Were u wrongly kept >= 0, its face would
    # be zero-free on the positive torus and Newton would "certify" 1/t0 = 3/2.
    r = rlct("s - 1 + t^2", nonneg="s,t", at="s=1")
    assert r.bounds[0] <= 1 <= r.bounds[1]
    assert not r.certified or r.value == 1


@pytest.mark.parametrize("f, value", [
    ("x^2 - y^3", R(5, 6)),          # the cusp: real lct 5/6 (shared/cases DG-05 notes)
    ("(x^2 - y^3)^2", R(5, 12)),     # shared/cases DG-05
    ("(x^2 - y^3)^2*(1 + x)", R(5, 12)),
    ("y*(x^2 - y^2)", R(2, 3)),      # three concurrent lines: lct of an ordinary n-fold point is 2/n
    ("x^3 - y^3", R(2, 3)),          # three lines again, one real
    ("x^2 - y^4", R(3, 4)),          # two tangent branches: 1/2 + 1/4
])
def test_sign_changing_germs_certified_by_varchenko(f, value):
    r = rlct(f)
    assert (r.value, r.multiplicity, r.certified) == (value, 1, True)


@pytest.mark.parametrize("f, truth", [
    ("(x + y)^3", R(1, 3)),          # |x + y|^3: a coordinate cubed
    ("x^2 - y^2", R(1)),             # two transverse lines: normal crossing after a linear change
    ("(x^2 - y^2)^2", R(1, 2)),
])
def test_varchenko_needs_t0_above_one(f, truth):
    r = rlct(f, method="newton")
    assert not r.certified and r.bounds[0] <= truth <= r.bounds[1]
    resolved = rlct(f)
    assert resolved.certified and resolved.value == truth
    assert rlct(f, method="resolution").value == truth
