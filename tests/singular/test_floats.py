"""Every exact entry point of the learning-theory layer refuses a float with the exact-fraction hint."""

import pytest
import sympy

from resolution import FloatCoefficient
from singular import families, rlct
from singular.errors import BadModel
from singular.models import DiscreteModel, FiniteSupport, RegressionModel, UniformBox

a, b = sympy.symbols("a b")


@pytest.mark.parametrize("call, hint", [
    (lambda: rlct("0.1*x**2 + y**3"), "'1/10'"),
    (lambda: rlct("x**2 + 1e-3*y**3"), "'1/1000'"),
    (lambda: rlct("sin(0.5*x)**2 + y**2"), "'1/2'"),
    (lambda: rlct(sympy.Float("0.25") * a**2 + b**3), "'1/4'"),
    (lambda: rlct(["a*b", sympy.Float("0.5") * a]), "'1/2'"),
    (lambda: rlct("x^2", prior="x^0.5"), "'1/2'"),
    (lambda: rlct("x^2 - 1", at={"x": sympy.Float(1)}), "'1'"),
    (lambda: rlct("x^2 - 1", at={"x": 1.0}), "'1'"),
])
def test_rlct_refuses_floats_everywhere(call, hint):
    with pytest.raises(FloatCoefficient, match=f"write {hint}"):
        call()


@pytest.mark.parametrize("build, hint", [
    (lambda: RegressionModel("0.5*a*b*x", params="a,b", inputs="x"), "'1/2'"),
    (lambda: RegressionModel(sympy.Float("0.5") * a * b * sympy.Symbol("x"), params="a,b", inputs="x"), "'1/2'"),
    (lambda: RegressionModel("a*tanh(0.5*b*x)", params="a,b", inputs="x"), "'1/2'"),
    (lambda: RegressionModel("a*b*x", params="a,b", inputs="x", sigma=sympy.Float("0.5")), "'1/2'"),
    (lambda: RegressionModel("a*b*x", params="a,b", inputs="x", sigma=0.5), "'1/2'"),
    (lambda: RegressionModel("a*b*x", params="a,b", inputs="x", at={"a": 0.5}), "'1/2'"),
    (lambda: DiscreteModel(["0.5 + a", "1/2 - a"], params="a"), "'1/2'"),
    (lambda: FiniteSupport([[0.5]], [1]), "'1/2'"),
    (lambda: FiniteSupport([[1]], [sympy.Float("1.0")]), "'1'"),
    (lambda: UniformBox([0], [sympy.Float("0.5")]), "'1/2'"),
])
def test_models_refuse_floats_with_the_same_hint(build, hint):
    with pytest.raises(FloatCoefficient, match=f"contains the float .*write {hint}"):
        build()


@pytest.mark.parametrize("call", [
    lambda: families.rrr(3.0, 3, 2),
    lambda: families.dln([2, 3.0], 1),
    lambda: families.tanh(2.0),
    lambda: families.regular(sympy.Float(2)),
    lambda: families.normal_crossing([2.0, 4]),
])
def test_families_take_integer_counts_only(call):
    # a family's only numbers are sizes and exponents: a float one is refused, never rounded
    with pytest.raises(BadModel, match="must be an integer"):
        call()
