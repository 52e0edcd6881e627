"""Charts: the recorded exponents agree with an independent sympy computation of the map."""

import pytest
import sympy

from resolution import initial_chart

x, y, z = sympy.symbols("x y z")


def jacobian_monomial(chart):
    """det(∂w/∂u) computed by sympy from the chart's coordinate map."""
    u = [sympy.Symbol(n) for n in chart.names]
    return sympy.factor(sympy.Matrix(chart.coordinates).jacobian(u).det())


@pytest.mark.parametrize("matrix", [
    [[1, 0], [1, 1]],           # point blow-up, chart x
    [[1, 1], [0, 1]],           # point blow-up, chart y
    [[2, 3], [1, 2]],           # a regular cone of a toric modification
    [[1, 0, 0], [1, 1, 0], [0, 0, 1]],   # blow-up along {x = y = 0}
])
def test_measure_is_the_jacobian(matrix):
    names = ["x", "y", "z"][: len(matrix)]
    chart = initial_chart([sympy.Symbol("x")], names).monomial_map(matrix)
    expected = sympy.Mul(*(sympy.Symbol(n) ** h for n, h in zip(chart.names, chart.measure)))
    assert sympy.simplify(jacobian_monomial(chart) / expected) in (1, -1)


def test_total_transform_is_monomial_times_strict():
    f = (x + y) ** 2 + y**4
    chart = initial_chart([f], ["x", "y"]).monomial_map([[1, 0], [1, 1]])
    pulled = sympy.expand(f.subs(dict(zip((x, y), chart.coordinates)), simultaneous=True))
    monomial = sympy.Mul(*(s ** k for s, k in zip((x, y), chart.monomial)))
    assert sympy.expand(monomial * chart.generators[0].as_expr() - pulled) == 0


def test_translation_drops_the_exponents_of_a_moved_coordinate():
    chart = initial_chart([x * (y - 1)], ["x", "y"], measure=[0, 3])
    moved = chart.translate({1: chart.field.convert(1)})
    assert moved.measure == (0, 0) and moved.monomial == (1, 1)


def test_leaf_kinds_by_hand():
    # x^2*y^4·unit: normal crossing, λ = min(1/2, 1/4) (Lin 2011 Prop. 3.7)
    nc = initial_chart([x**2 * y**4 * (1 + x)], ["x", "y"]).threshold()
    assert (nc.value, nc.multiplicity, nc.kind) == (sympy.Rational(1, 4), 1, "normal crossing")
    # ⟨x, y⟩: the maximal ideal of the plane, (x² + y²)^(1/2): λ = 2, m = 1
    ideal = initial_chart([x, y], ["x", "y"]).threshold()
    assert (ideal.value, ideal.multiplicity, ideal.kind) == (2, 1, "monomial ideal")
    # x + y^2 is smooth: a coordinate, λ = 1
    smooth = initial_chart([x + y**2], ["x", "y"]).threshold()
    assert (smooth.value, smooth.multiplicity) == (1, 1)
    # x^2 + x*y + y^2 + z^2: definite Hessian, a regular point, λ = 3/2
    regular = initial_chart([x**2 + x * y + y**2 + z**2], ["x", "y", "z"]).threshold()
    assert (regular.value, regular.kind) == (sympy.Rational(3, 2), "regular point")
    # x^2 - y^3 is none of these
    assert initial_chart([x**2 - y**3], ["x", "y"]).threshold() is None


def test_a_non_unimodular_map_is_refused():
    with pytest.raises(ValueError, match="unimodular"):
        initial_chart([x], ["x", "y"]).monomial_map([[2, 0], [0, 1]])
