"""Every exact entry point of the engine refuses a float with the exact-fraction hint, never reading 0.1 as 1/10."""

import numpy as np
import pytest
import sympy

from resolution import FloatCoefficient, germ, initial_chart, parse_expression, parse_rational, resolve

x, y = sympy.symbols("x y")

FLOATS = [
    ("0.1*x**2 + y**3", "0.1", "'1/10'"),
    ("x**2 + 1e-3*y**3", "1e-3", "'1/1000'"),
    ("sin(0.5*x)**2 + y**2", "0.5", "'1/2'"),
    (sympy.Float("0.25") * x**2 + y**3, "0.250000000000000", "'1/4'"),
]


@pytest.mark.parametrize("generator, shown, hint", FLOATS)
def test_resolve_refuses_a_float_generator(generator, shown, hint):
    with pytest.raises(FloatCoefficient, match=f"float {shown}; .*write {hint}"):
        resolve([generator], ["x", "y"])


@pytest.mark.parametrize("generator, shown, hint", FLOATS)
def test_initial_chart_and_germ_refuse_it_alike(generator, shown, hint):
    with pytest.raises(FloatCoefficient, match=f"write {hint}"):
        initial_chart([generator], ["x", "y"])
    with pytest.raises(FloatCoefficient, match=f"write {hint}"):
        germ(generator, variables=["x", "y"])


@pytest.mark.parametrize("coefficient", [0.1, sympy.Float("0.1"), np.float64(0.1), np.float32(0.5)])
def test_a_mapping_generator_refuses_a_float_coefficient(coefficient):
    with pytest.raises(FloatCoefficient, match="generator coefficient contains the float"):
        resolve([{(2, 0): coefficient, (0, 3): 1}], ["x", "y"])


def test_a_mapping_generator_keeps_exact_coefficients():
    chart = initial_chart([{(2, 0): sympy.Rational(1, 10), (0, 3): 1}], ["x", "y"])
    assert chart.generators[0].as_expr() == x**2 / 10 + y**3


@pytest.mark.parametrize("measure", [(0.5, 0), (sympy.Float(1), 0)])
def test_a_float_measure_is_refused(measure):
    with pytest.raises(FloatCoefficient, match="measure contains the float"):
        resolve(["x*y"], ["x", "y"], measure=measure)


def test_a_measure_must_be_one_non_negative_integer_per_variable():
    from resolution import BadArgument

    with pytest.raises(BadArgument, match="measure"):
        initial_chart(["x*y"], ["x", "y"], [1])
    with pytest.raises(BadArgument, match="measure"):
        initial_chart(["x*y"], ["x", "y"], [-1, 0])
    assert initial_chart(["x*y"], ["x", "y"], [sympy.Integer(1), 0]).measure == (1, 0)


@pytest.mark.parametrize("value", [0.5, sympy.Float("0.5"), np.float64(0.5)])
def test_parse_rational_refuses_every_kind_of_float(value):
    with pytest.raises(FloatCoefficient, match="write '1/2'"):
        parse_rational(value, where="sigma")


def test_exact_numbers_pass():
    assert parse_rational(sympy.Rational(1, 2)) == sympy.Rational(1, 2)
    assert parse_expression("1/10*x") == x / 10
