"""The catalog: every value certified, equal to the literature, and confirmed by its second route."""

import json
import re
from pathlib import Path

import pytest
import sympy
import torch

from validation.cases import QUICK, case, catalog
from validation.quadrature import fit_rlct

GROUND_TRUTH = {c["id"]: c for c in json.loads((Path(__file__).parents[1] / "data" / "ground_truth.json").read_text())}
CASES = catalog()


def test_catalog_is_large_and_covers_the_families():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
    families = {c.family for c in CASES}
    assert {"normal crossing", "newton", "resolution", "reduced-rank regression", "deep linear network",
            "tanh network", "polynomial network", "analytic", "regular"} <= families
    assert all(name in {c.name for c in CASES} for name in QUICK) and len(QUICK) >= 12


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_case_is_exact_and_has_a_second_route(c):
    assert isinstance(c.lam, sympy.Rational) and c.lam > 0 and c.m >= 1
    assert c.route in ("formula", "symbolic", "numeric")
    if c.route == "numeric":
        assert c.d <= 3
    if c.literature is not None:
        assert c.literature == c.lam


@pytest.mark.parametrize("c", [c for c in CASES if c.route != "numeric"], ids=lambda c: c.name)
def test_second_route_agrees(c):
    other = c.second_route()
    assert other.certified
    assert (other.value, other.multiplicity) == (c.lam, c.m)


@pytest.mark.parametrize("c", [c for c in CASES if "shared ground truth" in c.source], ids=lambda c: c.name)
def test_agrees_with_the_shared_ground_truth_file(c):
    gid = re.search(r"shared ground truth ([A-Z0-9-]+)", c.source).group(1)
    entry = GROUND_TRUTH[gid]
    assert sympy.Rational(entry["rlct"]) == c.lam
    if entry["multiplicity"] is not None:
        assert entry["multiplicity"] == c.m


def _numeric(c):
    fit = fit_rlct(c.model)
    assert abs(fit.lam - float(c.lam)) <= 0.02 * float(c.lam), fit
    assert fit.m == c.m, fit


SLOW_QUADRATURE = {c.name for c in CASES if c.d == 3} | {"polynet-r2-L3", "polynet-r3-L2", "polynet-r2-L2"}


@pytest.mark.parametrize("c", [c for c in CASES if c.d <= 2 and c.name not in SLOW_QUADRATURE], ids=lambda c: c.name)
def test_numeric_route_within_two_percent(c):
    _numeric(c)


@pytest.mark.slow
@pytest.mark.parametrize("c", [c for c in CASES if c.name in SLOW_QUADRATURE], ids=lambda c: c.name)
def test_numeric_route_within_two_percent_in_three_dimensions(c):
    _numeric(c)


def test_build_gives_the_module_at_w_star_and_seeded_data():
    c = case("rrr-222-r1")
    p, q = c.build(300, seed=4), c.build(300, seed=4)
    assert torch.equal(p.data[0], q.data[0]) and torch.equal(p.data[1], q.data[1])
    assert not torch.equal(p.data[1], c.build(300, seed=5).data[1])
    params = dict(p.module.named_parameters())
    assert {k: float(v.detach()) for k, v in params.items()} == p.w_star
    assert p.w_star["a1_1"] == 1.0 and p.w_star["a2_2"] == 0.0  # A0 = diag(1, 0)
    assert p.data[1].shape == (300, 2)


def test_unknown_case_is_a_clear_error():
    with pytest.raises(KeyError, match="no case named"):
        case("nope")
