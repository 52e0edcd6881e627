"""The resolver: literature values, the plane fast path against point blow-ups, every chart checked
against the map it records, budgets, and the documented tree attributes."""

import networkx as nx
import pytest
import sympy
from hypothesis import assume, given, settings, strategies as st

from resolution import Budget, resolve, tree_to_dict, tree_to_dot

R = sympy.Rational
x, y = sympy.symbols("x y")


@pytest.mark.parametrize("f, value, multiplicity", [
    # λ of |f| (one generator).  Values: docs/conventions.md (sign-changing functions, exact values) and the issue.
    ("(x + y)**2", R(1, 2), 1),            # u = x + y: |u|^2
    ("x**2 - y**3", R(5, 6), 1),           # the cusp: 1/2 + 1/3
    ("(x**2 - y**3)**2", R(5, 12), 1),     # docs/conventions.md#sign-changing-functions
    ("(y - x**2)**2 + x**6", R(2, 3), 1),  # u = y - x^2: u^2 + x^6 -> 1/2 + 1/6
    ("x*y*(x - y)**2", R(1, 2), 2),        # four lines through 0 counted with multiplicity: 2/4
    ("y**2 - 2*x**2", R(1), 2),            # two transverse lines through irrational slopes: |uv|
    ("x**2 - y**4", R(3, 4), 1),           # (x - y^2)(x + y^2): 1/2 + 1/4
    ("y*(x**2 - y**2)", R(2, 3), 1),       # an ordinary triple point: 2/3
])
@pytest.mark.parametrize("plane", ["toric", "blow-up"])
def test_literature_values(f, value, multiplicity, plane):
    tree = resolve([f], ["x", "y"], plane=plane)
    assert tree.complete
    assert tree.minimum()[:2] == (value, multiplicity)


def test_irrational_points_are_followed_exactly():
    # (y² − 2x²)² is not a Morse point: its two lines y = ±√2·x are followed in Q(√2).
    tree = resolve(["(y**2 - 2*x**2)**2"], ["x", "y"])
    fields = {str(data["chart"].field) for _, data in tree.nodes(data=True)}
    assert any("sqrt(2)" in f for f in fields)
    assert tree.minimum()[:2] == (R(1, 2), 2)   # (y − √2x)²(y + √2x)² ~ u²v²: λ = 1/2, m = 2


def test_morse_points_are_leaves():
    # Morse lemma: xy + z² ~ a non-degenerate indefinite form in 3 variables: λ = min(3/2, 1) = 1, m = 1;
    # xy: λ = 1, m = 2 (normal crossing); the definite x² + y² + z²: λ = 3/2 (Watanabe 2009, §2.4).
    for generator, names, expected in [
        ("x*y + z**2 + x**5", "xyz", (1, 1)),
        ("x*y + y**7", "xy", (1, 2)),
        ("x**2 + y**2 - z**2 - w**2 + x**3", "xyzw", (1, 1)),
        ("x**2 + y**2 + z**2 + x*y*z", "xyz", (R(3, 2), 1)),
    ]:
        tree = resolve([generator], list(names))
        assert tree.number_of_nodes() == 1 and tree.minimum()[:2] == expected


def test_non_real_points_are_skipped_with_the_reason():
    # x(x^2 + y^2): on the divisor of the y-chart, x(x^2 + 1) = 0 has the non-real roots ±i.
    tree = resolve(["x**3 + x*y**2"], ["x", "y"], plane="blow-up")
    assert tree.minimum()[:2] == (R(2, 3), 1)
    notes = [s for _, data in tree.nodes(data=True) for s in data["skipped"]]
    assert notes and all("non-real" in s for s in notes)


def pulled_back_quotient(f, chart):
    """f∘π / (u^k · strict): must be a unit (finite and non-zero at the chart's origin)."""
    names = [sympy.Symbol(n) for n in chart.names]
    pulled = f.subs(dict(zip((x, y), chart.coordinates)), simultaneous=True)
    monomial = sympy.Mul(*(s**k for s, k in zip(names, chart.monomial)))
    quotient = sympy.cancel(pulled / (monomial * chart.generators[0].as_expr()))
    return sympy.simplify(quotient.subs(dict.fromkeys(names, 0)))


@st.composite
def plane_germs(draw):
    terms = draw(st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(-3, 3).filter(bool)), min_size=1, max_size=5,
    ))
    f = sympy.Add(*(c * x**a * y**b for a, b, c in terms if a + b > 0))
    assume(f != 0)
    return f


@settings(max_examples=60)
@given(plane_germs())
def test_every_chart_is_what_its_map_says(f):
    tree = resolve([f], ["x", "y"])
    for _, data in tree.nodes(data=True):
        chart = data["chart"]
        if chart.field == sympy.QQ:
            unit = pulled_back_quotient(f, chart)
            assert unit.is_finite and unit != 0


@settings(max_examples=150)
@given(plane_germs())
def test_the_plane_fast_path_agrees_with_point_blow_ups(f):
    toric = resolve([f], ["x", "y"])
    blown = resolve([f], ["x", "y"], plane="blow-up")
    assert toric.complete and blown.complete
    assert toric.minimum()[:2] == blown.minimum()[:2]
    assert toric.number_of_nodes() <= blown.number_of_nodes() + 2


def bilinear_ideal(M, N, H):
    """The entries of B·A (A: H × M, B: N × H) and the variables: reduced-rank regression at B·A = 0."""
    a = sympy.Matrix(H, M, lambda i, j: sympy.Symbol(f"a{i}{j}"))
    b = sympy.Matrix(N, H, lambda i, j: sympy.Symbol(f"b{i}{j}"))
    return [str(g) for g in b * a], [str(s) for s in (*a, *b)]


@pytest.mark.parametrize("M, N, H, value, multiplicity", [
    # λ(I) = 2λ for K = Σ (BA)_ij², with λ from Aoyagi & Watanabe (2005), Main Theorem, case 1 at r = 0:
    # λ = [2H(M+N) − (M−N)² − H² (+1 when M+N+H is odd, then m = 2)]/8.
    (2, 2, 2, R(3), 1),                    # [16 − 0 − 4]/8 = 3/2
    pytest.param(2, 2, 3, R(4), 2, marks=pytest.mark.slow),   # [24 − 0 − 9 + 1]/8 = 2
])
def test_contracting_weights_resolve_bilinear_ideals(M, N, H, value, multiplicity):
    # The blow-up along {A = 0} has a fibre of dimension HM − 1 on which every generator vanishes; a weight
    # that makes the strict transforms homogeneous contracts it to the chart's origin (module docstring).
    generators, names = bilinear_ideal(M, N, H)
    tree = resolve(generators, names)
    assert tree.complete and tree.minimum()[:2] == (value, multiplicity)
    notes = [s for _, data in tree.nodes(data=True) for s in data["skipped"]]
    assert any("weighted homogeneous" in s for s in notes)


def test_a_coefficient_that_a_change_shortens_becomes_a_coordinate():
    # (c − a·b)·d + (e − a·f)·g + a³: c := c + a·b and then e := e + a·f leave c·d + e·g + a³, a stabilized
    # A₂ point: λ <= 1 (its smooth zeros nearby) and λ >= the complex lct min(1, 4/2 + 1/3) = 1 (Saito 2007).
    tree = resolve(["(c - a*b)*d + (e - a*f)*g + a**3"], list("abcdefg"))
    maps = [data["map"] for *_, data in tree.edges(data=True)]
    assert tree.complete and tree.minimum()[:2] == (R(1), 1)
    assert any("new c = " in m for m in maps)


def test_budgets_stop_the_tree_and_say_so():
    tree = resolve(["y**4 - 2*x**2*y**2 + x**4 - x**5"], ["x", "y"], budget=Budget(max_charts=3))
    assert not tree.complete and "chart budget" in tree.graph["stopped"]
    assert any(status == "open" for _, status in tree.nodes(data="status"))
    tree = resolve(["x**2 - y**3"], ["x", "y"], budget=Budget(max_depth=0))
    assert not tree.complete and "depth" in tree.graph["stopped"]


def test_documented_attributes():
    tree = resolve(["a*b + c*d", "a**2*c"], ["a", "b", "c", "d"])
    assert nx.is_arborescence(tree)
    for _, data in tree.nodes(data=True):
        assert {"chart", "depth", "status", "threshold", "reason", "skipped"} <= set(data)
        assert (data["status"] == "leaf") == (data["threshold"] is not None)
    for *_, data in tree.edges(data=True):
        assert data["operation"] and data["map"]
    d = tree_to_dict(tree)
    assert d["complete"] and len(d["nodes"]) == tree.number_of_nodes()
    assert tree_to_dot(tree).startswith("digraph resolution {")
