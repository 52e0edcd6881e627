"""Kinds the exact engine certifies (issue 19, items 1-5), each against an independent route:
a formula from the literature, or a coordinate change constructed here."""

import json

import pytest
import sympy

from singular import rlct
from validation import main

R = sympy.Rational


# -- item 2: non-degenerate quadratic forms and cones (Morse lemma; resolution/morse.py) ------------

@pytest.mark.parametrize(
    "f, expected",
    [
        ("x*y + z^2", (1, 1)),                       # indefinite, d = 3: min(3/2, 1)
        ("x*y", (1, 2)),                             # d = 2: both poles at 1
        ("x^2 + y^2 - z^2", (1, 1)),
        ("x^2 - y^2 + z^2 - w^2 + x^3*y", (1, 1)),   # d = 4, with higher-order terms
        ("x^1000 + y^999 + x*y", (1, 2)),            # issue 19, item 11: Morse, no toric fan of 999 rays
        ("x^2 + x*y + y^2 + z^2 + z^5", (R(3, 2), 1)),
    ],
)
def test_morse_points(f, expected):
    r = rlct(f)
    assert r.certified and (r.value, r.multiplicity) == expected


@pytest.mark.parametrize(
    "f, expected",
    [
        ("(x^2 + y^2 - z^2)^2", (R(1, 2), 1)),       # the real quadric cone, squared
        ("(x*y + z^2)^3", (R(1, 3), 1)),
        ("(x*y - z*w)^2", (R(1, 2), 1)),
    ],
)
def test_powers_of_morse_points(f, expected):
    r = rlct(f)
    assert r.certified and (r.value, r.multiplicity) == expected


def test_resolve_json_names_one_convention(capsys):
    # (x² − y³)²: the ideal ⟨x² − y³⟩ has λ(I) = 5/6, and λ(f) = λ(I)/2 = 5/12 (MATH.md §2).
    assert main(["resolve", "(x^2 - y^3)^2", "--json"]) == 0
    tree = json.loads(capsys.readouterr().out)["tree"]
    assert tree["power"] == 2 and "λ(I)" in tree["convention"]
    best = next(n for n in tree["nodes"] if n["id"] == tree["minimizing_leaf"])
    assert (best["rlct"], best["ideal_rlct"]) == ("5/12", "5/6")
    assert "λ(I) = " in best["reason"] and "5/6" in best["reason"]
