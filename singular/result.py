"""The result of every exact route: :class:`RLCT`, a threshold with how it was obtained and why it is certain.

A result is built through its named constructors, which check its invariants: a certified result
(:meth:`RLCT.exact`) has a value, bounds equal to it and no gap; an uncertified one
(:meth:`RLCT.bounded`, :meth:`RLCT.stopped`) has no value and bounds that are consistent
(0 < lower <= upper where given).  ``method`` names one route from :data:`METHODS`; the paper
behind a closed-form formula goes in ``source``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sympy

from resolution import ResolutionTree

__all__ = ["METHODS", "RLCT"]

#: Every value ``RLCT.method`` takes: the route that produced the answer (or, uncertified, the
#: last route tried).  ``"stopped"``: the wall clock or the input-size budget stopped the run.
METHODS = frozenset({
    "monomial",                 # normal crossing: Lin 2011, Prop. 3.7
    "newton",                   # Newton non-degenerate: Varchenko 1976
    "resolution",               # a resolution tree: Watanabe 2009, Thm 2.3
    "regular point",            # a definite Hessian (resolution.morse)
    "Morse point",              # a non-degenerate indefinite Hessian (resolution.morse)
    "smooth point",             # a non-zero linear part (implicit function theorem)
    "smooth elimination",       # only smooth directions: K ≍ Σ of squared coordinates
    "quasi-homogeneous",        # singular.quasihomogeneous
    "hyperplane arrangement",   # singular.arrangement
    "analytic",                 # an analytic germ with no certified truncation
    "formula",                  # a closed form from the literature; the paper in ``source``
    "stopped",                  # stopped by the wall clock or the input budget: no bounds
})


def _q(value: sympy.Rational | None) -> str | None:
    return None if value is None else str(value)


class InvalidResult(AssertionError):
    """An RLCT whose fields contradict each other (a bug in a route, never bad input)."""


@dataclass(frozen=True, slots=True)
class RLCT:
    """A real log canonical threshold, how it was obtained, and why it is certain.

    Build one with :meth:`exact`, :meth:`bounded` or :meth:`stopped`.

    Attributes
    ----------
    value : sympy.Rational or None
        λ when certified, else None (see ``bounds``).
    multiplicity : int or None
        m when certified (None only for a formula whose source gives no m), else None.
    method : str
        The route, one of :data:`METHODS`.
    certified : bool
        True only when a theorem's hypotheses were verified exactly.
    certificate : str
        In words: the computation and why it is certain, or why not.
    bounds : tuple of (Rational or None, Rational or None)
        Valid lower and upper bounds on λ; both equal ``value`` when certified.
    tree : resolution.ResolutionTree or None
        The resolution tree, for ``method="resolution"``.
    source : str or None
        For ``method="formula"``: the paper the formula comes from.

    Raises
    ------
    InvalidResult
        Fields that contradict each other (a certified result without a value, bounds that cross, ...).

    Examples
    --------
    >>> RLCT.exact(sympy.Rational(1, 2), 1, "monomial", "f = x^2.")
    RLCT(value=1/2, multiplicity=1, method='monomial', certified=True)
    >>> RLCT.exact(sympy.Integer(3), 1, "formula", "...", source="Aoyagi & Watanabe (2005)")
    RLCT(value=3, multiplicity=1, method='formula', source='Aoyagi & Watanabe (2005)', certified=True)
    >>> RLCT.bounded(sympy.Rational(1, 2), sympy.Integer(1), "newton", "...")
    RLCT(value=None, bounds=(1/2, 1), method='newton', certified=False)
    """

    value: sympy.Rational | None
    multiplicity: int | None
    method: str
    certified: bool
    certificate: str
    bounds: tuple[sympy.Rational | None, sympy.Rational | None]
    tree: ResolutionTree | None = field(default=None, repr=False, compare=False)
    source: str | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InvalidResult(f"method {self.method!r} is not one of {sorted(METHODS)}")
        if (self.method == "formula") != (self.source is not None):
            raise InvalidResult("a formula, and only a formula, names its source")
        low, high = self.bounds
        if self.certified:
            if not isinstance(self.value, sympy.Rational) or self.value <= 0:
                raise InvalidResult(f"a certified RLCT needs a positive rational value, not {self.value!r}")
            if self.bounds != (self.value, self.value):
                raise InvalidResult(f"a certified RLCT has no gap: bounds {self.bounds} != ({self.value}, {self.value})")
            if self.multiplicity is not None and self.multiplicity < 1:
                raise InvalidResult(f"multiplicity {self.multiplicity} < 1")
            return
        if self.value is not None or self.multiplicity is not None:
            raise InvalidResult("an uncertified RLCT has no value and no multiplicity, only bounds")
        if any(b is not None and (not isinstance(b, sympy.Rational) or b <= 0) for b in self.bounds):
            raise InvalidResult(f"bounds {self.bounds} must be positive rationals or None")
        if low is not None and high is not None and low > high:
            raise InvalidResult(f"bounds {self.bounds} cross")

    @classmethod
    def exact(
        cls,
        value: sympy.Rational,
        multiplicity: int | None,
        method: str,
        certificate: str,
        *,
        tree: ResolutionTree | None = None,
        source: str | None = None,
    ) -> "RLCT":
        """A certified (λ, m): ``bounds`` are (λ, λ)."""
        return cls(value, multiplicity, method, True, certificate, (value, value), tree, source)

    @classmethod
    def bounded(
        cls,
        lower: sympy.Rational | None,
        upper: sympy.Rational | None,
        method: str,
        certificate: str,
        *,
        tree: ResolutionTree | None = None,
    ) -> "RLCT":
        """An uncertified result: the bounds that hold (None where none is known) and, in the certificate, why
        no route certified."""
        return cls(None, None, method, False, certificate, (lower, upper), tree)

    @classmethod
    def stopped(cls, certificate: str) -> "RLCT":
        """A run stopped by the wall clock or the input budget before any route decided: no bounds."""
        return cls(None, None, "stopped", False, certificate, (None, None))

    def with_note(self, note: str) -> "RLCT":
        """The same result with ``note`` (a reduction or a model's justification) before its certificate."""
        return self if not note else replace(self, certificate=note + self.certificate)

    @property
    def method_label(self) -> str:
        """``method``, with the source for a formula (``"formula: Aoyagi & Watanabe (2005)"``), as printed."""
        return self.method if self.source is None else f"{self.method}: {self.source}"

    def __repr__(self) -> str:
        source = "" if self.source is None else f", source={self.source!r}"
        if self.certified:
            return (
                f"RLCT(value={self.value}, multiplicity={self.multiplicity}, "
                f"method={self.method!r}{source}, certified=True)"
            )
        low, high = (_q(b) for b in self.bounds)
        return f"RLCT(value=None, bounds=({low}, {high}), method={self.method!r}, certified=False)"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: exact numbers as strings like ``"1/4"``; ``method`` as :attr:`method_label`.

        Examples
        --------
        >>> from singular import rlct
        >>> rlct("x^2*y^4").to_dict()["rlct"]
        '1/4'
        """
        return {
            "rlct": _q(self.value),
            "multiplicity": self.multiplicity,
            "method": self.method_label,
            "certified": self.certified,
            "lower_bound": _q(self.bounds[0]),
            "upper_bound": _q(self.bounds[1]),
            "certificate": self.certificate,
        }

    def summary(self) -> str:
        """A few human-readable lines: value, multiplicity, method, certificate.

        Examples
        --------
        >>> from singular import rlct
        >>> print(rlct("x^2*y^4").summary().splitlines()[0])
        RLCT 1/4, multiplicity 1 (method: monomial, certified)
        """
        if self.certified:
            head = (f"RLCT {self.value}, multiplicity {self.multiplicity} "
                    f"(method: {self.method_label}, certified)")
        else:
            low, high = (_q(b) or "?" for b in self.bounds)
            head = f"RLCT not certified: {low} <= RLCT <= {high} (method: {self.method_label})"
        return head + "\n" + "\n".join("  " + line for line in self.certificate.splitlines())
