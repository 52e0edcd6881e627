"""Budgets (issue 19, items 10 and 11): deterministic limits decide, the wall clock only cuts short."""

import pytest
import sympy

from resolution import BadArgument, Budget, resolve
from singular import rlct
from singular.families import rrr_model

R = sympy.Rational


def test_deterministic_budgets_give_the_same_answer_every_time():
    # The chart budget, not the time taken, stops these: the same answer, word for word, on any machine.
    runs = [rlct("y^4 - 2*x^2*y^2 + x^4 - x^5", method="resolution", max_charts=3) for _ in range(2)]
    assert not runs[0].certified and runs[0] == runs[1] and runs[0].certificate == runs[1].certificate
    assert "chart budget" in runs[0].certificate


def test_the_wall_clock_only_cuts_short_and_says_so():
    r = rlct("(x^2 - y^3)^2*(x + y^2) + z^4", seconds=0.001)
    assert (r.certified, r.method, r.bounds) == (False, "stopped", (None, None))
    assert "wall-clock limit" in r.certificate and "deterministic budget" in r.certificate
    # Without a clock the same germ is decided (by a route that does not care about the load).
    assert rlct("(x^2 - y^3)^2*(x + y^2) + z^4").bounds[0] is not None


def test_model_routes_honour_the_clock_too():
    r = rrr_model(3, 3, 2, 0).rlct(seconds=0.001)
    assert not r.certified and r.method == "stopped"


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        (dict(seconds=float("nan")), "seconds"),
        (dict(seconds=-1.0), "seconds"),
        (dict(seconds=float("inf")), "seconds"),
        (dict(max_charts="many"), "max_charts"),
        (dict(max_depth=-1), "max_depth"),
        (dict(max_terms=1.5), "max_terms"),
    ],
)
def test_bad_budgets_are_named_errors(kwargs, argument):
    with pytest.raises(BadArgument, match=f"^{argument}="):
        rlct("x^2", **kwargs)


def test_resolve_takes_one_budget_object():
    tree = resolve(["x**2 - y**3"], ["x", "y"], budget=Budget(max_depth=0))
    assert not tree.complete and "depth budget" in tree.graph["stopped"]


@pytest.mark.parametrize(
    "f, expected",
    [
        ("x^(10^12)", (R(1, 10**12), 1)),             # a monomial: never expanded densely
        ("x^100000 + y^99999 + x*y", (1, 2)),         # a Morse point: no Qhull, no toric fan
        ("x^100000 + y^100000 + x^2*y^2", (R(1, 2), 2)),  # positive even terms: Newton, the polygon exactly
        ("x^200 + y^199 + x*y", (1, 2)),
    ],
)
def test_large_exponents_are_cheap(f, expected):
    r = rlct(f)
    assert r.certified and (r.value, r.multiplicity) == expected


def test_an_expansion_over_the_germ_budget_is_refused_before_it_starts():
    r = rlct("(v+w+x+y+z)^40 + v^41")
    assert not r.certified and r.method == "stopped" and "max_germ_terms" in r.certificate
