"""Arguments at the edge (issue 19, items 0 and 14): each bad input is a named error naming the argument."""

import pytest
import sympy

from resolution import BadArgument, GermError, NotReal, ParseError, germ, resolve
from singular import RegressionModel, rlct
from validation import main

x, y, a, b = sympy.symbols("x y a b")


@pytest.mark.parametrize(
    "call",
    [
        lambda: rlct(sympy.I * x + y**2),                       # polynomial route
        lambda: rlct(sympy.I * sympy.sin(x) + y**2),            # analytic route
        lambda: rlct([sympy.I * x, y]),                         # ideal route
        lambda: rlct(x**2 + y**2, prior=sympy.I * x),           # prior
        lambda: rlct(x**2, at={"x": sympy.I}),                  # point
        lambda: germ(sympy.sqrt(-2) * x + y**2),                # germ
        lambda: rlct("sqrt(-1)*x + y^2"),                       # text
        lambda: resolve([sympy.I * x + y**2], ["x", "y"]),      # the resolver
        lambda: RegressionModel(sympy.I * a * b * x, params="a,b", inputs="x"),   # models
    ],
)
def test_every_exact_entry_point_refuses_non_real_coefficients(call):
    # |i·x + y²|² = x² + y⁴ has λ = 3/4·2 = 3/2, not the real smooth-point value 1 (issue 19, item 0).
    with pytest.raises(GermError):
        call()


def test_the_non_real_error_names_the_number():
    with pytest.raises(NotReal, match="non-real number I"):
        rlct(sympy.I * x + y**2)


def test_the_honest_route_for_a_complex_function_is_its_modulus():
    # |i·x + y²|² = x² + y⁴ is Newton non-degenerate: λ(x² + y⁴) = 3/4, so λ(|f|) = 2·3/4 = 3/2.
    assert rlct(x**2 + y**4).value * 2 == sympy.Rational(3, 2)


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: rlct("x**2", nonneg=5), "nonneg"),
        (lambda: rlct("x**2", at=[0]), "at"),
        (lambda: rlct("x^2", at="x=1,x=0"), "at"),
        (lambda: rlct("x^2", variables=3), "variables"),
        (lambda: RegressionModel("a*b*x", params=None, inputs="x"), "params"),
        (lambda: RegressionModel("a*b*x", params=[1, 2], inputs="x"), "params"),
        (lambda: RegressionModel("a*b*x", params="a,b", inputs=7), "inputs"),
    ],
)
def test_bad_arguments_name_themselves(call, argument):
    with pytest.raises(BadArgument, match=f"^{argument}="):
        call()


@pytest.mark.parametrize("text", ["x|y", "x & y", "~x", "x < y", "x % 2", "x @ y"])
def test_non_arithmetic_operators_are_parse_errors_without_warnings(text):
    with pytest.raises(ParseError, match="not an arithmetic operator"):
        rlct(text)


def test_cli_duplicate_coordinate_and_operator_exit_2_with_one_line(capsys):
    for argv in (["rlct", "x^2", "--at", "x=1,x=0"], ["rlct", "x|y"]):
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1 and err.startswith("singular: error:")

