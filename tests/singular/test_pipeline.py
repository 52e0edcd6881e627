"""The rlct pipeline's contracts: checked results, one budget, one translation, reductions that never call back."""

import ast
import pathlib

import pytest
import sympy

from resolution import BadArgument, resolve, tree_to_dict
from singular import RLCT, Budget, families, rlct
from singular.models import DiscreteModel, RegressionModel
from singular.result import METHODS, InvalidResult

R = sympy.Rational
ROOT = pathlib.Path(__file__).resolve().parents[2] / "singular"


@pytest.mark.parametrize("build", [
    lambda: RLCT(None, 1, "newton", True, "", (None, None)),                 # certified without a value
    lambda: RLCT(R(1, 2), 1, "newton", True, "", (R(1, 3), R(1, 2))),        # certified with a gap
    lambda: RLCT(R(1, 2), None, "newton", False, "", (R(1, 2), R(1, 2))),    # uncertified with a value
    lambda: RLCT.bounded(R(1), R(1, 2), "newton", ""),                       # crossing bounds
    lambda: RLCT.bounded(R(0), R(1, 2), "newton", ""),                       # a bound that cannot hold
    lambda: RLCT.exact(R(1, 2), 1, "formula: Aoyagi (2024)", ""),            # a paper inside method
    lambda: RLCT.exact(R(1, 2), 1, "formula", ""),                           # a formula without its source
    lambda: RLCT.exact(R(1, 2), 0, "monomial", ""),                          # multiplicity 0
])
def test_a_result_that_contradicts_itself_is_refused(build):
    with pytest.raises(InvalidResult):
        build()


def test_a_formula_names_its_source_apart_from_its_method():
    result = families.rrr(3, 3, 2, 0)
    assert (result.method, result.source) == ("formula", "Aoyagi & Watanabe (2005)")
    assert repr(result).endswith("method='formula', source='Aoyagi & Watanabe (2005)', certified=True)")
    # what the command line prints is unchanged
    assert result.summary().splitlines()[0].endswith("(method: formula: Aoyagi & Watanabe (2005), certified)")
    assert result.to_dict()["method"] == "formula: Aoyagi & Watanabe (2005)"


@pytest.mark.parametrize("f, kwargs", [
    ("x^2*y^4", {}), ("(x + y)^2", {"method": "newton"}), ("(x + y)^2 + x^3", {}), ("x*y + z^2", {}),
    ("y^4 - 2*x^2*y^2 + x^4 - x^5", {"max_charts": 3}), (["a*b", "a + b^2"], {}), ("sin(x)^2 + y^4", {}),
    ("(x^2 - y^3)^3", {"method": "newton"}),
])
def test_every_method_is_a_known_name_and_no_certificate_promises_missing_work(f, kwargs):
    result = rlct(f, **kwargs)
    assert result.method in METHODS
    assert "not available" not in result.certificate


def test_one_budget_object_or_its_fields_not_both():
    by_object = rlct("y^4 - 2*x^2*y^2 + x^4 - x^5", method="resolution", budget=Budget(max_charts=3))
    by_fields = rlct("y^4 - 2*x^2*y^2 + x^4 - x^5", method="resolution", max_charts=3)
    assert by_object == by_fields and not by_object.certified and "chart budget (3" in by_object.certificate
    with pytest.raises(BadArgument, match="budget"):
        rlct("x^2", budget=Budget(), max_charts=3)
    with pytest.raises(BadArgument, match="budget"):
        rlct("x^2", budget={"max_charts": 3})
    model = RegressionModel("a*b*x + c*d*x^2", params="a,b,c,d", inputs="x")
    assert model.rlct(budget=Budget(max_charts=50)) == model.rlct(max_charts=50)


def test_resolve_records_the_power_it_is_given():
    assert resolve(["x*y"], ["x", "y"]).graph["power"] == 1
    tree = resolve(["x**2 - y**3"], ["x", "y"], power=2)
    assert tree.graph["power"] == 2
    leaf = next(n for n in tree_to_dict(tree)["nodes"] if n["id"] == tree.minimum()[2])
    assert (leaf["ideal_rlct"], leaf["rlct"]) == ("5/6", "5/12")        # |x² − y³|² = |x² − y³|^2: λ/2
    assert rlct("(x^2 - y^3)^2", method="resolution").tree.graph["power"] == 2
    with pytest.raises(BadArgument, match="power"):
        resolve(["x*y"], ["x", "y"], power=0)


@pytest.mark.parametrize("prior", ["a", "a^3"])
def test_a_model_takes_its_prior_at_the_point(prior):
    # near a = 1, b = 0 the prior a^k is a unit, so K ≍ (a − 1)²·b² is normal crossing u²b² with a positive
    # prior: λ = 1/2 attained twice, m = 2 (Lin 2011, Prop. 3.7).  It was m = 1 when the model translated
    # the point itself and kept a^k as a monomial in u = a − 1.
    model = RegressionModel("(a - 1)*b*x", params="a,b", inputs="x", at="a=1,b=0")
    result = model.rlct(prior=prior)
    assert (result.value, result.multiplicity, result.certified) == (R(1, 2), 2, True)
    assert (result.value, result.multiplicity) == (rlct("(a-1)^2*b^2", at="a=1", prior=prior).value, 2)


def test_a_discrete_model_takes_its_prior_at_the_point():
    # p = ((1 − t)/2 + t·s, ...) at t = 1, s = 1/2: p − q = (t·s − t/2, ...) = ((1 + u)·v, ...): K ≍ v², λ = 1/2,
    # m = 1 with any prior t^k (a unit at t = 1); the prior s^2 is not a unit at s = 1/2 either.
    coin = DiscreteModel(["(1 - t)/2 + t*s", "(1 + t)/2 - t*s"], params="t,s", at="t=1,s=1/2")
    for prior in (None, "t^3", "s^2*t"):
        result = coin.rlct(prior=prior)
        assert (result.value, result.multiplicity, result.certified) == (R(1, 2), 1, True)


def _imports(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
            names.update(f"{'.' * node.level}{node.module or ''}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


@pytest.mark.parametrize("path", sorted([ROOT / "reductions.py", *(ROOT / "routes").glob("*.py")]), ids=str)
def test_no_reduction_or_route_calls_the_pipeline_back(path):
    forbidden = {"rlct", "pipeline", "solve", "drive"}
    assert not {name for name in _imports(path) if name.rsplit(".", 1)[-1] in forbidden}


def test_the_dispatcher_holds_no_route():
    tree = ast.parse((ROOT / "rlct.py").read_text())
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert functions == {"rlct", "budget_of", "within", "_rlct"}
