import pytest
import sympy
from hypothesis import given, strategies as st

from resolution import (
    FloatCoefficient,
    NotPolynomial,
    ParseError,
    UnknownFunction,
    UnknownVariable,
    germ,
    parse_expression,
    parse_point,
)


def test_caret_and_double_star_are_both_powers():
    assert germ("x^2*y^3").terms == germ("x**2*y**3").terms == (((2, 3), 1),)


def test_variables_default_to_sorted_free_symbols_and_respect_given_order():
    assert germ("b*a^2").variables == ("a", "b")
    g = germ("b*a^2", variables=["b", "a", "c"])
    assert g.variables == ("b", "a", "c")
    assert g.terms == (((1, 2, 0), 1),)


def test_coefficients_are_exact_rationals():
    g = germ("x^2/3 - 7*y")
    assert dict(g.terms) == {(2, 0): sympy.Rational(1, 3), (0, 1): -7}
    assert all(isinstance(c, sympy.Rational) for _, c in g.terms)


def test_names_that_sympy_treats_specially_are_variables():
    g = germ("beta*gamma + E^2 + I^2")
    assert g.variables == ("E", "I", "beta", "gamma")


@pytest.mark.parametrize("text", ["0.1*x", "x^2 + 1e-3*y", "x^2.0"])
def test_floats_are_refused_with_an_exact_suggestion(text):
    with pytest.raises(FloatCoefficient, match="exact"):
        germ(text)


def test_float_inside_a_sympy_expression_is_refused():
    x = sympy.Symbol("x")
    with pytest.raises(FloatCoefficient):
        germ(sympy.Float("0.25") * x**2)


def test_float_suggestion_is_the_exact_fraction():
    with pytest.raises(FloatCoefficient, match="'1/4'"):
        germ("0.25*x")


@pytest.mark.parametrize("text, error", [
    ("x^", ParseError), ("x y", ParseError), ("", ParseError), ("foo(x) + y", UnknownFunction),
    ("exp(x) - 1", NotPolynomial), ("sqrt(2)*x", NotPolynomial), ("1/x", NotPolynomial),
    ("x**y", NotPolynomial),
])
def test_bad_text_gets_a_named_error(text, error):
    with pytest.raises(error):
        germ(text)


def test_translation_to_a_rational_point():
    # (x - 1)^2 (y + 1/2) at (1, -1/2) is u^2 v in the local coordinates.
    g = germ("(x - 1)^2*(y + 1/2)", at={"x": 1, "y": "-1/2"})
    assert g.terms == (((2, 1), 1),)
    assert g.point == (1, sympy.Rational(-1, 2))


def test_translation_keeps_every_term():
    g = germ("x^2 + y", at="x=1")
    assert dict(g.terms) == {(2, 0): 1, (1, 0): 2, (0, 1): 1, (0, 0): 1}


@pytest.mark.parametrize("kwargs", [{"at": "z=1"}, {"nonneg": ["z"]}, {"variables": ["x"]}])
def test_unknown_variables_are_named(kwargs):
    with pytest.raises(UnknownVariable, match="'(z|y)'"):
        germ("x + y", **kwargs)


def test_point_coordinates_must_be_exact():
    with pytest.raises(FloatCoefficient):
        parse_point({"x": 0.5})
    with pytest.raises(ParseError):
        parse_point("x=sqrt(2)")
    assert parse_point("x=1/3") == {"x": sympy.Rational(1, 3)}


def test_nonneg_is_recorded_in_variable_order():
    assert germ("t*s + s^2", nonneg="t").nonneg_mask == (False, True)


def test_order_and_constant_term():
    g = germ("x^3 + x*y + 2")
    assert g.order == 0 and g.constant_term == 2
    assert germ("x^3 + x*y").order == 2


def test_sign_constraints_are_active_only_where_the_point_is_on_the_boundary():
    from resolution import OutsideDomain

    assert germ("x*y", nonneg="x,y", at="x=1").nonneg == frozenset({"y"})
    with pytest.raises(OutsideDomain):
        germ("x*y", nonneg="x", at="x=-1")


@st.composite
def expression_texts(draw, depth=3):
    """Random arithmetic text over x, y, z with parentheses, unary signs and powers."""
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(["x", "y", "z", "2", "3", "1/2", "-x", "+y"]))
    op = draw(st.sampled_from([" + ", " - ", "*", " - -", "^"]))
    left = draw(expression_texts(depth - 1))
    right = draw(st.sampled_from(["2", "3"])) if op == "^" else draw(expression_texts(depth - 1))
    return f"({left}){op}{right}" if draw(st.booleans()) else f"{left}{op}{right}"


@given(expression_texts())
def test_parsing_agrees_with_sympify(text):
    # An independent route: sympy's own parser on the '**' spelling.
    assert sympy.expand(parse_expression(text) - sympy.sympify(text.replace("^", "**"))) == 0
