"""The `singular` command line: outputs, JSON, exit codes, one-line errors."""

import json
import math
import subprocess
import sys

import pytest

from validation import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_for_a_monomial(capsys):
    code, out, err = run(capsys, "rlct", "x^2*y^4", "--json")
    assert code == 0 and err == ""
    d = json.loads(out)
    assert (d["rlct"], d["multiplicity"], d["certified"], d["method"]) == ("1/4", 1, True, "monomial")
    assert set(d) == {"rlct", "multiplicity", "method", "certified", "lower_bound", "upper_bound", "certificate"}


def test_newton_certified(capsys):
    code, out, _ = run(capsys, "rlct", "x^6 + x^2*y^2 + y^8")
    assert code == 0
    assert out.startswith("RLCT 1/2, multiplicity 2 (method: newton, certified)")


def test_uncertified_says_why_and_gives_the_upper_bound(capsys):
    code, out, _ = run(capsys, "rlct", "(x+y)^2", "--method", "newton")
    assert code == 0 and "not certified" in out and "<= 1 " in out and "vanishes" in out
    code, out, _ = run(capsys, "rlct", "(x+y)^2", "--method", "newton", "--json")
    d = json.loads(out)
    assert d["certified"] is False and d["rlct"] is None and d["upper_bound"] == "1"


def test_options(capsys):
    code, out, _ = run(capsys, "rlct", "(x-1)^2*y^2", "--at", "x=1", "--prior", "y^2", "--vars", "x,y", "--json")
    assert code == 0 and json.loads(out)["rlct"] == "1/2"
    code, out, _ = run(capsys, "rlct", "s + t", "--nonneg", "s,t", "--json")
    assert json.loads(out)["rlct"] == "2"
    code, out, _ = run(capsys, "rlct", "x^2 + y^2", "--method", "monomial", "--json")
    assert json.loads(out)["certified"] is False


@pytest.mark.parametrize("argv", [
    ["rlct", "x^^2"],                     # unparsable
    ["rlct", "frob(x)"],                  # unknown function
    ["rlct", "0.1*x^2"],                  # float coefficient
    ["rlct", "x - x"],                    # identically zero
    ["rlct", "x^2 + 1"],                  # not vanishing at the point
    ["rlct", "x^2", "--prior", "x + 1"],  # prior not a monomial
    ["rlct", "x^2", "--at", "q=1"],       # unknown variable in --at
    ["rlct", "x^2", "--nonneg", "q"],     # unknown variable in --nonneg
    ["rlct", "x^2", "--method", "magic"],
    ["rlct"],
])
def test_bad_input_exits_2_with_one_line(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    _, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("singular: error:")


def test_tour_prints_every_stop(capsys):
    code, out, _ = run(capsys, "tour")
    assert code == 0
    assert out.count("yes") >= 6 and "x^6 + x^2*y^2 + y^8" in out


def test_the_module_runs_as_a_program():
    proc = subprocess.run(
        [sys.executable, "-m", "validation", "rlct", "x^2*y^4", "--json"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0 and json.loads(proc.stdout)["rlct"] == "1/4"
    bad = subprocess.run([sys.executable, "-m", "validation", "rlct", "0.5*x"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_rlct_by_resolution(capsys):
    code, out, _ = run(capsys, "rlct", "(x+y)^2 + x^3", "--json")
    d = json.loads(out)
    assert code == 0 and (d["rlct"], d["multiplicity"], d["method"], d["certified"]) == ("5/6", 1, "resolution", True)
    code, out, _ = run(capsys, "rlct", "x^2 - y^3", "--method", "resolution", "--json")
    assert json.loads(out)["rlct"] == "5/6"


def test_resolve_writes_summary_json_dot_and_png(capsys, tmp_path):
    png, dot = tmp_path / "tree.png", tmp_path / "tree.dot"
    code, out, _ = run(capsys, "resolve", "(x^2-y^3)^2", "--png", str(png), "--dot", str(dot))
    assert code == 0 and "Minimizing leaf" in out and "(λ, m) = (5/12, 1)" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert dot.read_text().startswith("digraph resolution {") and "5/12" in dot.read_text()
    code, out, _ = run(capsys, "resolve", "(x^2-y^3)^2", "--json")
    d = json.loads(out)
    leaf = next(n for n in d["tree"]["nodes"] if n["id"] == d["tree"]["minimizing_leaf"])
    assert d["rlct"] == leaf["rlct"] == "5/12" and d["tree"]["complete"]


def test_resolve_over_budget_says_so(capsys):
    code, out, _ = run(capsys, "resolve", "y^4 - 2*x^2*y^2 + x^4 - x^5", "--max-charts", "3")
    assert code == 0 and "not certified" in out and "chart budget" in out


def test_resolve_bad_input_and_unwritable_file(capsys, tmp_path):
    code, _, err = run(capsys, "resolve", "x^^2")
    assert code == 2 and err.count("\n") == 1
    code, _, err = run(capsys, "resolve", "x^2-y^3", "--dot", str(tmp_path / "missing" / "t.dot"))
    assert code == 2 and err.startswith("singular: error:") and err.count("\n") == 1


def test_model_rrr_issue_example(capsys):
    code, out, err = run(capsys, "model", "rrr", "--inputs", "5", "--outputs", "5", "--rank", "3", "--true-rank", "0",
                         "--json")
    d = json.loads(out)
    assert code == 0 and err == ""
    assert (d["rlct"], d["multiplicity"], d["d"]) == ("13/2", 2, 30)   # Aoyagi & Watanabe (2005), M+N+H+r odd
    assert d["model"].startswith("rrr") and d["method"].startswith("formula:")


def test_model_verify_prints_both_routes(capsys):
    code, out, _ = run(capsys, "model", "rrr", "--inputs", "2", "--outputs", "1", "--rank", "2", "--verify")
    assert code == 0 and "Symbolic route:" in out and out.rstrip().endswith("agree")
    code, out, _ = run(capsys, "model", "dln", "--widths", "1,2,1", "--true-rank", "1", "--verify", "--json")
    d = json.loads(out)
    assert d["agree"] is True and d["symbolic"]["rlct"] == d["rlct"]


def test_model_regression_and_tanh(capsys):
    code, out, _ = run(capsys, "model", "regression", "--f", "a*tanh(b*x)", "--params", "a,b", "--inputs", "x",
                       "--at", "a=0,b=0", "--json")
    d = json.loads(out)
    assert code == 0 and (d["rlct"], d["multiplicity"], d["certified"], d["d"]) == ("1/2", 2, True, 2)
    code, out, _ = run(capsys, "model", "tanh", "--hidden", "4", "--json")
    assert (json.loads(out)["rlct"], json.loads(out)["multiplicity"]) == ("1", 2)


def test_analytic_rlct_issue_example(capsys):
    code, out, _ = run(capsys, "rlct", "-log(2*w)/2 - log(2*(1-w))/2", "--at", "w=1/2", "--json")
    d = json.loads(out)
    assert code == 0 and (d["rlct"], d["certified"]) == ("1/2", True)


@pytest.mark.parametrize("argv", [
    ["model", "rrr", "--inputs", "2", "--outputs", "2", "--rank", "1", "--true-rank", "2"],
    ["model", "dln", "--widths", "2,x,3"],
    ["model", "dln", "--widths", "2,1,2", "--true-rank", "2"],
    ["model", "tanh", "--hidden", "0"],
    ["model", "regression", "--f", "abs(a)*x", "--params", "a", "--inputs", "x"],
    ["model", "regression", "--f", "a*b*x", "--params", "a,b", "--inputs", "x", "--at", "q=1"],
    ["model", "regression", "--f", "a*x", "--params", "a", "--inputs", "x", "--sigma", "0"],
    ["model", "regression", "--f", "a*x", "--params", "a", "--inputs", "x", "--sigma", "0.5"],
    ["model", "rrr", "--inputs", "2"],
])
def test_model_bad_input_exits_2_with_one_line(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    _, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("singular: error:")


def test_estimate_prints_an_estimate_with_its_error_diagnostics_and_the_exact_value(capsys):
    status = main(["estimate", "a*b*x", "--params", "a,b", "--inputs", "x", "--n", "2000", "--chains", "4",
                   "--draws", "300", "--burnin", "100", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert status == 0
    assert payload["exact"]["rlct"] == "1/2" and payload["exact"]["multiplicity"] == 2  # Lin 2011, Prop. 3.7
    assert math.isfinite(payload["llc"]) and payload["std_err"] > 0
    assert {"rhat", "ess", "trend", "acceptance", "divergences", "warnings"} <= set(payload["diagnostics"])
    assert payload["config"]["nbeta_source"] == "default n / log n, n = 2000"


@pytest.mark.parametrize(
    "params, extra", [("a,b", ["--step-size", "-1"]), ("a,q", []), ("a,b", ["--burnin", "-3"])]
)
def test_estimate_bad_input_exits_2_with_one_line(params, extra, capsys):
    args = ["estimate", "a*b*x", "--params", params, "--inputs", "x", "--n", "200", "--draws", "10", *extra]
    status = main(args)
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and err.startswith("singular: error:")


@pytest.mark.parametrize("command, option, value", [
    ("estimate", "--n", "0"), ("estimate", "--n", "-3"), ("estimate", "--seed", "-1"),
    ("bench", "--n", "0"), ("bench", "--seeds", "0"), ("bench", "--max-steps", "0"),
])
def test_a_count_out_of_range_exits_2_with_one_line_naming_the_option(command, option, value, capsys, tmp_path):
    model = ["a*b*x", "--params", "a,b", "--inputs", "x"] if command == "estimate" else ["--out", str(tmp_path)]
    with pytest.raises(SystemExit) as exited:
        main([command, *model, option, value])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.count("\n") == 1
    assert err.startswith(f"singular: error: argument {option}: expected an integer >= ")


@pytest.mark.slow
def test_bench_quick_writes_the_report(tmp_path, capsys):
    assert main(["bench", "--sampler", "sgld", "--seeds", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "median signed relative error" in out
    for name in ("report.md", "report.csv", "report.json", "estimate_vs_exact.png", "rows.jsonl"):
        assert (tmp_path / name).exists()
