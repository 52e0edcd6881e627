"""Polynomial germs with exact rational coefficients.

A germ is a polynomial f in named variables, taken near the origin of those
variables (after an optional translation w = w0 + u, so that the germ at w0
is the polynomial in u).  Its coefficients are :class:`sympy.Rational`, its
exponents ``tuple[int, ...]`` in the order of :attr:`Germ.variables`.

Input may be text (``^`` and ``**`` both mean power; every bare name is a
variable, so ``beta`` or ``E`` are variables, not sympy's special functions or
constants) or a sympy expression.  Floats are refused, never converted.
"""

from __future__ import annotations

import io
import keyword
import tokenize
import warnings
from math import comb, prod
from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational as _ExactNumber, Real as _RealNumber
from types import MappingProxyType
from collections.abc import Iterable, Mapping
from typing import Union

import sympy
from sympy import QQ
from sympy.polys.rings import ring
from sympy.parsing.sympy_parser import (
    convert_xor,
    parse_expr,
    standard_transformations,
)

from .errors import (
    BadArgument,
    BudgetExceeded,
    FloatCoefficient,
    NotAnalytic,
    NotPolynomial,
    NotReal,
    OutsideDomain,
    ParseError,
    UnknownFunction,
    UnknownVariable,
)

__all__ = [
    "Germ",
    "expanded_size",
    "format_monomial",
    "germ",
    "is_rational_polynomial",
    "parse_expression",
    "parse_names",
    "parse_point",
    "parse_rational",
]

Exponent = tuple[int, ...]
ExprLike = Union[str, sympy.Expr, int, Fraction]

#: Analytic functions the parser knows.  Only polynomials become germs for now;
#: the others are recognised so that the error says "not a polynomial" rather
#: than "unknown function".
KNOWN_FUNCTIONS = MappingProxyType(
    {
        "exp": sympy.exp,
        "log": sympy.log,
        "sqrt": sympy.sqrt,
        "sin": sympy.sin,
        "cos": sympy.cos,
        "tan": sympy.tan,
        "sinh": sympy.sinh,
        "cosh": sympy.cosh,
        "tanh": sympy.tanh,
        "atan": sympy.atan,
    }
)

#: Functions users reach for that are not analytic: named so the error says why, not "unknown".
NON_ANALYTIC = frozenset(
    {"abs", "Abs", "max", "Max", "min", "Min", "sign", "relu", "ReLU", "floor", "ceiling", "Heaviside"}
)
_NON_ANALYTIC_TYPES = (sympy.Abs, sympy.Max, sympy.Min, sympy.sign, sympy.floor, sympy.ceiling, sympy.Heaviside)

#: Operators of arithmetic; any other (|, &, ~, <, %, ...) is refused before sympy sees it.
_OPERATORS = frozenset({"+", "-", "*", "/", "**", "^", "(", ")", ","})


def _scan(text: str, where: str) -> tuple[set[str], set[str], list[str]]:
    """Bare names, called names, and the top-level summands of one-line ``text``.

    Floats, complex literals and keywords are refused here.  Splitting at the
    binary ``+``/``-`` outside parentheses lets a long sum be built in one
    ``sympy.Add`` instead of term by term (quadratic in the number of terms).
    """
    names: set[str] = set()
    called: set[str] = set()
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(text).readline)
            if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise ParseError(text, str(exc)) from None
    cuts = [0]
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.NUMBER and any(ch in tok.string.lower() for ch in ".ej"):
            if tok.string.lower().endswith("j"):
                raise ParseError(text, f"complex literal {tok.string!r}")
            raise FloatCoefficient(tok.string, where)
        if tok.type == tokenize.NAME:
            if keyword.iskeyword(tok.string):
                raise ParseError(text, f"{tok.string!r} is a Python keyword, not a variable name")
            following = tokens[i + 1].string if i + 1 < len(tokens) else ""
            (called if following == "(" else names).add(tok.string)
        if tok.type == tokenize.ERRORTOKEN and not tok.string.isspace():
            raise ParseError(text, f"unexpected character {tok.string!r}")
        if tok.type == tokenize.OP and tok.string not in _OPERATORS:
            raise ParseError(text, f"{tok.string!r} is not an arithmetic operator (use + - * / ^ and parentheses)")
        depth += tok.string in "([{" if tok.type == tokenize.OP else 0
        depth -= tok.string in ")]}" if tok.type == tokenize.OP else 0
        previous = tokens[i - 1] if i else None
        if (
            depth == 0
            and tok.string in ("+", "-")
            and previous is not None
            and (previous.type in (tokenize.NAME, tokenize.NUMBER) or previous.string == ")")
        ):
            cuts.append(tok.start[1])
    summands = [text[a:b] for a, b in zip(cuts, cuts[1:] + [len(text)])]
    return names, called, summands


def parse_expression(f: ExprLike, *, where: str = "expression") -> sympy.Expr:
    """Parse text or accept a sympy expression, refusing floats.

    Parameters
    ----------
    f : str or sympy.Expr or int or fractions.Fraction
        ``^`` and ``**`` both mean power; every bare name is a variable.
    where : str
        What the text is, for error messages (``"prior"``, ``"coordinate x"``).

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ParseError, UnknownFunction, FloatCoefficient

    Examples
    --------
    >>> parse_expression("x^2*y + beta")
    beta + x**2*y
    >>> parse_expression("0.1*x")
    Traceback (most recent call last):
    ...
    resolution.errors.FloatCoefficient: expression contains the float 0.1; exact arithmetic needs an exact number: write '1/10' or sympy.Rational('0.1')
    """
    if isinstance(f, bool):
        raise ParseError(repr(f), "a boolean is not an expression")
    if isinstance(f, (int, Fraction)):
        expr = sympy.Rational(f)
    elif isinstance(f, float):
        raise FloatCoefficient(repr(f), where)
    elif isinstance(f, str):
        text = " ".join(f.split())
        if not text:
            raise ParseError(f, "empty expression")
        names, called, summands = _scan(text, where)
        rough = sorted(called & NON_ANALYTIC)
        if rough:
            raise NotAnalytic(f"{rough[0]}(...)")
        unknown = sorted(called - set(KNOWN_FUNCTIONS))
        if unknown:
            raise UnknownFunction(unknown[0])
        local = {name: sympy.Symbol(name) for name in names}
        local.update({name: KNOWN_FUNCTIONS[name] for name in called})
        transformations = standard_transformations + (convert_xor,)
        builtins = {"Integer": sympy.Integer, "Symbol": sympy.Symbol}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                expr = sympy.Add(
                    *(parse_expr(s, local_dict=local, global_dict=builtins, transformations=transformations)
                      for s in summands)
                )
        except (SyntaxError, TypeError, ValueError, AttributeError, NameError, tokenize.TokenError, Warning) as exc:
            raise ParseError(text, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
        if not isinstance(expr, sympy.Expr):
            raise ParseError(text, "not an algebraic expression")
    elif isinstance(f, sympy.Basic):
        if not isinstance(f, sympy.Expr):
            raise ParseError(str(f), "not an algebraic expression")
        expr = f
    else:
        raise ParseError(repr(f), f"expected a string or a sympy expression, got {type(f).__name__}")
    rough = sorted(str(a.func) for a in expr.atoms(sympy.Function) if isinstance(a, _NON_ANALYTIC_TYPES))
    if rough:
        raise NotAnalytic(f"{rough[0]}(...)")
    floats = expr.atoms(sympy.Float)
    if floats:
        raise FloatCoefficient(str(min(floats, key=str)), where)
    if expr.has(sympy.I):
        raise NotReal(next(a for a in sympy.preorder_traversal(expr) if a.is_number and a.has(sympy.I)), where)
    if expr.has(sympy.zoo, sympy.nan, sympy.oo):
        raise ParseError(str(expr), f"{where} is not finite (a division by zero or an infinity)")
    undefined = [
        fn for fn in expr.atoms(sympy.Function) if isinstance(fn.func, sympy.core.function.UndefinedFunction)
    ]
    if undefined:
        raise UnknownFunction(str(undefined[0].func))
    return expr


def refuse_float(value: object, where: str) -> None:
    """Raise :class:`FloatCoefficient` (with the exact-fraction hint) for a float of any kind: Python, numpy or
    ``sympy.Float``; anything else passes.

    Every exact entry point calls this, directly or through :func:`parse_expression`, on every number it is given.

    Examples
    --------
    >>> refuse_float(sympy.Float("0.25"), "coefficient")
    Traceback (most recent call last):
    ...
    resolution.errors.FloatCoefficient: coefficient contains the float 0.250000000000000; exact arithmetic needs an exact number: write '1/4' or sympy.Rational('0.250000000000000')
    """
    if isinstance(value, sympy.Float):
        raise FloatCoefficient(str(value), where)
    if isinstance(value, float) or (
        isinstance(value, _RealNumber) and not isinstance(value, (_ExactNumber, sympy.Basic))
    ):
        raise FloatCoefficient(repr(float(value)), where)


def parse_rational(value: object, *, where: str = "value") -> sympy.Rational:
    """An exact rational from an int, Fraction, sympy Rational or text like ``"1/2"``.

    Examples
    --------
    >>> parse_rational("-3/4")
    -3/4
    """
    refuse_float(value, where)
    expr = parse_expression(value, where=where) if isinstance(value, (str, int, Fraction)) else value
    if not isinstance(expr, sympy.Rational):
        raise ParseError(str(value), f"{where} must be a rational number (algebraic points are not supported yet)")
    return expr


def parse_point(at: Mapping[str, object] | str | None) -> dict[str, sympy.Rational]:
    """A point as ``{name: Rational}`` from a mapping or text like ``"x=1,y=1/2"``.

    Examples
    --------
    >>> parse_point("x=1, y=-1/2")
    {'x': 1, 'y': -1/2}
    """
    if at is None:
        return {}
    if isinstance(at, str):
        pairs: dict[str, object] = {}
        for item in filter(None, (part.strip() for part in at.split(","))):
            name, sep, value = item.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise ParseError(at, f"expected name=value, got {item!r}")
            if name.strip() in pairs:
                raise BadArgument("at", at, f"{name.strip()} is given twice; give each coordinate once")
            pairs[name.strip()] = value.strip()
        at = pairs
    if not isinstance(at, Mapping):
        raise BadArgument("at", at, "give the point as a mapping {name: value} or text like 'x=1,y=0'")
    return {str(name): parse_rational(value, where=f"coordinate {name}") for name, value in at.items()}


def is_rational_polynomial(expr: sympy.Expr, symbols: Iterable[sympy.Symbol]) -> bool:
    """Whether ``expr`` is, by its form, a polynomial in ``symbols`` with rational coefficients.

    Read off the expression tree without expanding it (so ``x^(10^12)`` costs nothing): rationals,
    the symbols, sums, products, and powers with non-negative integer exponents.  A form that
    hides a polynomial (``(x + √2)(x − √2)``) answers False.

    Examples
    --------
    >>> x, y = sympy.symbols("x y")
    >>> is_rational_polynomial((x + y/3)**40 * x**(10**12), [x, y]), is_rational_polynomial(sympy.sqrt(2)*x, [x])
    (True, False)
    """
    allowed = set(symbols)

    def walk(e: sympy.Expr) -> bool:
        if e.is_Rational or e in allowed:
            return True
        if e.is_Add or e.is_Mul:
            return all(walk(a) for a in e.args)
        if e.is_Pow:
            return e.exp.is_Integer and e.exp >= 0 and walk(e.base)
        return False

    return walk(expr)


def expanded_size(expr: sympy.Expr) -> int:
    """An upper bound on the number of terms of ``expr`` expanded (a polynomial by its form).

    Monomials count 1, sums add, products multiply, powers raise to their exponent, and nothing
    of total degree <= D in v variables has more than C(D + v, v) terms.

    Examples
    --------
    >>> v, w, x, y, z = sympy.symbols("v w x y z")
    >>> expanded_size((v + w + x + y + z)**40 + v**41), expanded_size(x**(10**12) + y)
    (1221760, 2)
    """

    def walk(e: sympy.Expr) -> tuple[int, int]:  # (terms, total degree)
        if e.is_Add or e.is_Mul:
            parts = [walk(a) for a in e.args]
            if e.is_Add:
                terms, degree = sum(t for t, _ in parts), max(d for _, d in parts)
            else:
                terms, degree = prod(t for t, _ in parts), sum(d for _, d in parts)
        elif e.is_Pow and e.exp.is_Integer and e.exp >= 0:
            base, degree = walk(e.base)
            n = int(e.exp)
            terms = base**n if base == 1 or n * base.bit_length() < 4096 else None
            degree *= n
        else:
            return 1, 1 if e.is_Symbol else 0
        monomials = comb(degree + len(e.free_symbols), degree)
        return (monomials if terms is None else min(terms, monomials)), degree
    return walk(expr)[0]


def format_monomial(exponent: Iterable[int], names: Iterable[str]) -> str:
    """A monomial as text, ``^`` for powers and parentheses around negative ones.

    Examples
    --------
    >>> format_monomial((2, 0, 1), "xyz"), format_monomial((1, -1), "xy"), format_monomial((0, 0), "xy")
    ('x^2*z', 'x*y^(-1)', '1')
    """
    factors = [n if k == 1 else f"{n}^{k}" if k > 0 else f"{n}^({k})" for n, k in zip(names, exponent) if k]
    return "*".join(factors) or "1"


def parse_names(value: Iterable[object] | str, *, argument: str) -> tuple[str, ...]:
    """Names from text like ``"x, y"`` or a sequence of names (strings or sympy symbols).

    Raises
    ------
    BadArgument
        ``value`` is not text or a sequence of names, or a name is not an identifier.
    ParseError
        A name is listed twice.

    Examples
    --------
    >>> parse_names("a, b", argument="params")
    ('a', 'b')
    >>> parse_names([1, 2], argument="params")
    Traceback (most recent call last):
    ...
    resolution.errors.BadArgument: params=[1, 2]: 1 is not a name; give names like 'a,b' or ['a', 'b']
    """
    if isinstance(value, str):
        items: list[object] = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        items = list(value)
    else:
        raise BadArgument(argument, value, "give names like 'a,b' or ['a', 'b']")
    for item in items:
        if not isinstance(item, (str, sympy.Symbol)):
            raise BadArgument(argument, value, f"{item!r} is not a name; give names like 'a,b' or ['a', 'b']")
    names = tuple(str(v) for v in items)
    if len(set(names)) != len(names):
        raise ParseError(", ".join(names), f"a name is listed twice in {argument}")
    for name in names:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise BadArgument(argument, value, f"{name!r} is not a valid name")
    return names


def _variable_names(variables: Iterable[object] | str | None) -> tuple[str, ...] | None:
    return None if variables is None else parse_names(variables, argument="variables")


@dataclass(frozen=True, slots=True)
class Germ:
    """A polynomial germ with exact rational coefficients.

    Attributes
    ----------
    variables : tuple of str
        The coordinates, in order; exponent vectors follow this order.
    terms : tuple of (exponent, Rational)
        The non-zero terms, sorted by exponent.  Use :attr:`coefficients` for
        a read-only mapping.
    nonneg : frozenset of str
        Variables whose constraint w_j >= 0 is active at the point (w0_j = 0);
        the relevant torus in those coordinates is the positive half-line.
    point : tuple of Rational
        The original coordinates w0 of the origin of this germ.
    """

    variables: tuple[str, ...]
    terms: tuple[tuple[Exponent, sympy.Rational], ...]
    nonneg: frozenset[str] = frozenset()
    point: tuple[sympy.Rational, ...] = ()

    @property
    def coefficients(self) -> Mapping[Exponent, sympy.Rational]:
        """Read-only mapping from exponent vector to coefficient."""
        return MappingProxyType(dict(self.terms))

    @property
    def support(self) -> tuple[Exponent, ...]:
        """The exponent vectors of the non-zero terms."""
        return tuple(e for e, _ in self.terms)

    @property
    def dimension(self) -> int:
        """Number of variables."""
        return len(self.variables)

    @property
    def is_zero(self) -> bool:
        """True for the zero polynomial."""
        return not self.terms

    @property
    def order(self) -> int:
        """The lowest total degree of a term (the multiplicity at the origin)."""
        return min(sum(e) for e in self.support)

    @property
    def constant_term(self) -> sympy.Rational:
        """f(0)."""
        return self.coefficients.get((0,) * self.dimension, sympy.Integer(0))

    @property
    def nonneg_mask(self) -> tuple[bool, ...]:
        """For each variable, whether it is constrained to be >= 0."""
        return tuple(v in self.nonneg for v in self.variables)

    def symbols(self) -> tuple[sympy.Symbol, ...]:
        """The variables as sympy symbols.

        Examples
        --------
        >>> germ("a*b").symbols()
        (a, b)
        """
        return tuple(sympy.Symbol(v) for v in self.variables)

    def as_expr(self) -> sympy.Expr:
        """The germ as a sympy expression in its (local) variables.

        Examples
        --------
        >>> germ("(x - 1)^2 + y^2", at={"x": 1}).as_expr()
        x**2 + y**2
        """
        symbols = self.symbols()
        return sympy.Add(
            *(c * sympy.Mul(*(s**k for s, k in zip(symbols, e))) for e, c in self.terms)
        )

    def restrict(self, exponents: Iterable[Exponent]) -> "Germ":
        """The germ made of the terms whose exponents are in ``exponents``.

        With the points of a face of the Newton polyhedron this is the face polynomial f_γ.

        Examples
        --------
        >>> from resolution import NewtonPolyhedron
        >>> f = germ("x^4 - 2*x^2*y + y^2 + x^3*y^3")
        >>> [f.restrict(face.points).as_expr() for face in NewtonPolyhedron(f.support).compact_faces()]
        [y**2, x**4, x**4 - 2*x**2*y + y**2]
        """
        keep = set(exponents)
        return Germ(
            self.variables,
            tuple((e, c) for e, c in self.terms if e in keep),
            self.nonneg,
            self.point,
        )

    def __repr__(self) -> str:
        extra = f", nonneg={sorted(self.nonneg)}" if self.nonneg else ""
        if any(self.point):
            extra += f", at={{{', '.join(f'{v}: {p}' for v, p in zip(self.variables, self.point))}}}"
        return f"Germ({str(self.as_expr())!r}, variables={self.variables}{extra})"


def germ(
    f: ExprLike,
    *,
    variables: Iterable[object] | str | None = None,
    at: Mapping[str, object] | str | None = None,
    nonneg: Iterable[str] | str = (),
    max_terms: int = 50_000,
) -> Germ:
    """Build the exact polynomial germ of ``f`` at a point.

    Parameters
    ----------
    f : str or sympy.Expr
        A polynomial with rational coefficients.
    variables : sequence of names, optional
        Order of the coordinates; default: the free symbols of ``f``, sorted
        by name.  Variables that do not occur in ``f`` are allowed.
    at : mapping or str, optional
        The point w0 (rational coordinates; unnamed variables are 0).  The
        germ is f(w0 + u) as a polynomial in u, named like the variables.
    nonneg : names, optional
        Variables constrained to ``w_j >= 0``.  At a point with w0_j > 0 the
        constraint is inactive and dropped; w0_j < 0 is an error.
    max_terms : int
        The expansion is refused when its size bound (:func:`expanded_size`) exceeds this.

    Returns
    -------
    Germ

    Raises
    ------
    ParseError, UnknownFunction, FloatCoefficient, NotPolynomial, UnknownVariable
    resolution.errors.BudgetExceeded
        The expansion could have more than ``max_terms`` terms (a budget, not bad input).

    Examples
    --------
    >>> germ("x^2*y^4")
    Germ('x**2*y**4', variables=('x', 'y'))
    >>> germ("(x - 1)*y", at="x=1", variables="x,y").terms
    (((1, 1), 1),)
    """
    expr = parse_expression(f)
    names = _variable_names(variables)
    free = sorted(str(s) for s in expr.free_symbols)
    if names is None:
        names = tuple(free)
    else:
        extra = [s for s in free if s not in names]
        if extra:
            raise UnknownVariable(extra[0], names, "the expression")
    nonneg = frozenset(parse_names(nonneg, argument="nonneg"))
    for name in sorted(nonneg):
        if name not in names:
            raise UnknownVariable(name, names, "nonneg")
    point = parse_point(at)
    for name in point:
        if name not in names:
            raise UnknownVariable(name, names, "the point")
    for name in sorted(nonneg):
        if point.get(name, 0) < 0:
            raise OutsideDomain(name, point[name])
    nonneg = frozenset(n for n in nonneg if point.get(n, 0) == 0)
    symbols = [sympy.Symbol(n) for n in names]
    if point:
        expr = expr.xreplace({s: s + point[str(s)] for s in symbols if str(s) in point})
    if any(isinstance(a, sympy.Function) for a in sympy.preorder_traversal(expr)):
        raise NotPolynomial(str(f), "analytic (non-polynomial) functions are not supported yet")
    if not is_rational_polynomial(expr, symbols):
        raise NotPolynomial(str(f), "its form is not a polynomial with rational coefficients (a division by a "
                                    "variable, a fractional power, an irrational number)")
    size = expanded_size(expr)
    if size > max_terms:
        raise BudgetExceeded(f"expanding {str(f)[:60]!r} (up to {size} terms)", max_terms)
    if not symbols:
        terms = (((), expr),) if expr != 0 else ()
    else:
        poly = ring([str(s) for s in symbols], QQ)[0].from_expr(expr)
        terms = tuple(sorted((tuple(int(k) for k in e), QQ.to_sympy(c)) for e, c in poly.terms() if c))
    return Germ(
        names,
        terms,
        nonneg,
        tuple(point.get(n, sympy.Integer(0)) for n in names),
    )
