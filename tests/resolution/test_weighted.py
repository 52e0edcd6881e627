"""λ of a plane ideal from weighted initial forms without common real zero: literature values, the
resolver as a second route, truncation, the cases it must refuse, and the repeated-weight networks of
``benchmarks/bench_resolution.py`` (their initial forms against the whole coefficient ideal)."""

import importlib.util
import pathlib
from fractions import Fraction

import flint
import pytest
import sympy

from resolution import BadArgument, resolve, weighted_initial_threshold

R = sympy.Rational


def _poly(text: str) -> dict:
    t, s = sympy.symbols("t s")
    return {tuple(int(e) for e in m): R(c) for m, c in sympy.Poly(sympy.sympify(text), t, s).terms()}


@pytest.mark.parametrize("generators, weights, degree, value", [
    (["t**2 + s**4"], (2, 1), 4, R(3, 4)),                 # |x^a + y^b|: 1/a + 1/b (MATH.md §3, Newton)
    (["t**2 + s**2"], (1, 1), 2, R(1)),                     # a Morse point in the plane: d/2 = 1
    (["t", "s**2"], (2, 1), 2, R(3, 2)),                    # the monomial ideal <x, y²>: 1 + 1/2 (Howald 2001)
    (["t**3", "s**3", "t*s**2"], (1, 1), 3, R(2, 3)),       # m^3 up to integral closure: 2/3
])
def test_literature_values(generators, weights, degree, value):
    found = weighted_initial_threshold([_poly(g) for g in generators], weights, degree)
    assert (found.value, found.multiplicity) == (value, 1)


@pytest.mark.parametrize("generators, weights, degree", [
    (["t**4 + t**2*s + s**2 + t**5 - 3*t*s**3", "t**3*s + 7*s**3"], (1, 2), 4),  # higher terms of both
    (["t**6 - s**2 + t*s**2", "t**3*s + s**4"], (1, 3), 6),                        # t³s: degree 6 with w = (1, 3)
    (["(s - t**2)*(s + 2*t**2) + t**5", "t**2*s + s**3"], (1, 2), 4),              # real zeros of the first only
])
def test_the_resolver_agrees(generators, weights, degree):
    found = weighted_initial_threshold([_poly(g) for g in generators], weights, degree)
    assert found is not None
    for plane in ("toric", "blow-up"):
        tree = resolve(generators, ["t", "s"], plane=plane)
        assert tree.complete and tree.minimum()[:2] == (found.value, found.multiplicity)


@pytest.mark.parametrize("generators, weights, degree", [
    # ((w1 + w2)/d, 1) would be wrong here: the resolver's (λ, m) differs
    (["(s - t**2)**2"], (1, 2), 4),        # v = s − t²: |v²|, λ = 1/2, not 3/4
    (["(s - t**2)**2 + t**6"], (1, 2), 4),  # the higher term changes λ (to 2/3): truncation is not allowed here
    (["t*s", "t**2"], (1, 1), 2),          # t·<s, t>: every form vanishes on the s-axis; m = 2, not 1
    (["t**3", "t*s"], (1, 2), 3),          # degree 3 is not a multiple of w2 = 2: zero at (0, ±1); m = 2
])
def test_refuses_forms_with_a_common_real_zero(generators, weights, degree):
    assert weighted_initial_threshold([_poly(g) for g in generators], weights, degree) is None
    tree = resolve(generators, ["t", "s"])
    assert tree.complete and tree.minimum()[:2] != (R(sum(weights), degree), 1)


def test_complex_zeros_do_not_count():
    # t⁴ + s² (w = (1, 2)) vanishes only at s = ±i·t²: no real zero, λ = 3/4.
    assert weighted_initial_threshold([{(4, 0): 1, (0, 2): 1}], (1, 2), 4).value == R(3, 4)
    assert weighted_initial_threshold([{(4, 0): 1, (0, 2): -1}], (1, 2), 4) is None


def test_coefficient_types_and_zero_forms():
    generators = [{(4, 0): Fraction(1, 2), (0, 2): flint.fmpq(1, 3), (1, 2): R(7)}, {(5, 0): 5}]  # degree 4, 5, 5
    assert weighted_initial_threshold(generators, (1, 2), 4).value == R(3, 4)
    assert weighted_initial_threshold([{(5, 0): 5}], (1, 2), 4) is None          # no form of degree d


@pytest.mark.parametrize("generators, weights, degree", [
    ([{(1, 0): 1}], (0, 1), 1),
    ([{(1, 0): 1}], (1, 1), 0),
    ([{(1, 0): 1}], (1,), 1),
    ([{(1, 0): 1}], 5, 1),
    ([{1: 1}], (1, 1), 1),
    ([{(1, 0): 0.5}], (1, 1), 1),
    ([{(1, 0): 1, (3, 0): 0.5}], (1, 1), 1),       # a float above the degree is refused too
    ([{(1, 0): 1, (0, 2): sympy.I}], (1, 1), 1),  # and a complex coefficient
    ([{(1, 0): 1, (0, 0): 1}], (1, 1), 1),   # a term below the degree
    ([{(1, 0, 0): 1}], (1, 1), 1),
    ([sympy.Symbol("u1")], (1, 1), 1),       # a sympy expression, not a mapping of terms
])
def test_bad_arguments(generators, weights, degree):
    with pytest.raises(BadArgument):
        weighted_initial_threshold(generators, weights, degree)


# -- the repeated-weight networks ---------------------------------------------------------------

_spec = importlib.util.spec_from_file_location(
    "bench_resolution", pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "bench_resolution.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.mark.parametrize("r, depth", [(1, 3), (2, 2), (2, 3), (3, 2), (4, 2), (3, 3)])
def test_initial_forms_are_the_values_of_the_whole_ideals_lowest_parts(r, depth):
    """The evaluated, truncated forms against the x-coefficients c_(k, f1, f2) of the whole expansion in θ,
    moved to (t, s) = (θ1, θ1 + θ2): every term has weighted degree ≥ 2N, and the form of output k at
    x = (1, τ) is Σ τ^f2·(degree-2N part of c_(k, f1, f2))."""
    forms, degree = bench.initial_forms(r, depth)
    ctx = flint.fmpz_mpoly_ctx.get(("t", "s"), "lex")
    t, s = ctx.gens()
    lowest = {}
    for key, g in bench.network_coefficients(r, depth).items():
        moved = ctx.from_dict(g).compose(t, s - t)   # θ1 = t, θ2 = s − t
        assert min(int(a) + 2 * int(b) for a, b in moved.to_dict()) >= degree
        lowest[key] = ctx.from_dict({m: c for m, c in moved.to_dict().items() if m[0] + 2 * m[1] == degree})
    for i, form in enumerate(forms):
        tau, k = divmod(i, 2)
        value = sum((tau**f2 * c for (j, _, f2), c in lowest.items() if j == k), ctx.from_dict({}))
        assert ctx.from_dict(form) == value


@pytest.mark.parametrize("r, depth", [(1, 2), (1, 4), (2, 3), (3, 2), (3, 3), (4, 2)])
def test_network_certificate_against_the_whole_ideal_resolved(r, depth):
    forms, degree = bench.initial_forms(r, depth)
    found = weighted_initial_threshold(forms, bench.WEIGHTS, degree)
    tree = resolve(list(bench.network_coefficients(r, depth).values()), ["t1", "t2"])   # untruncated, in θ
    assert found is not None and tree.complete
    assert tree.minimum()[:2] == (found.value, found.multiplicity)


@pytest.mark.parametrize("r, depth", [(1, 4), (2, 3), (3, 3), (4, 3)])
def test_spanning_forms_generate_the_same_ideal(r, depth):
    """The subset spans the same Q-space as all the forms (exact ranks over Q), or is all of them."""
    forms, degree = bench.initial_forms(r, depth)
    chosen = bench.spanning_forms(forms, degree)
    columns = [(degree - 2 * k, k) for k in range(degree // 2 + 1)]

    def rank(rows):
        return flint.fmpq_mat([[flint.fmpq(row.get(c, 0)) for c in columns] for row in rows]).rank()

    assert rank(chosen) == rank(forms)
    if r == 1:   # W^L·x: 4 forms of degree 2L, rank 3 < L + 1: nothing is dropped
        assert chosen == forms and rank(forms) < len(columns)
    else:
        assert len(chosen) == len(columns) < len(forms)
