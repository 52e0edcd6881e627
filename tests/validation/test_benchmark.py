"""The benchmark: the report's numbers from its raw rows, resume, the CI helper, calibration."""

import dataclasses
import json
import pathlib
from fractions import Fraction

import numpy as np
import pytest
import sympy
import torch

from estimators import BadSetting, extrapolate_llc
from validation import main
from validation.benchmark import BenchmarkReport, Estimator, _target, reference_target, run_benchmark
from validation.calibration import calibrate
from validation.cases import case
from validation.rows import BenchmarkRow
from validation.testing import assert_estimator_calibrated
from validation.torch_bridge import regression_module

NAMES = ["nc-w1w2^2", "regular-2", "resolution-cusp", "newton-x2+y4", "nc-w1w2"]
EXACT = {regression_module(case(n).model).extra_repr(): float(case(n).lam) for n in NAMES}


def oracle(module, data, w_star):
    """The exact value, looked up by the module's text (its f, parameters and inputs)."""
    return EXACT[module.extra_repr()]


def biased(module, data, w_star):
    return 0.7 * oracle(module, data, w_star)


def noisy(module, data, w_star):
    lam = oracle(module, data, w_star)
    return type("R", (), {"mean": lam * 1.1, "std_err": 0.05 * lam})()


def test_oracle_passes_and_the_biased_estimator_is_caught():
    report = assert_estimator_calibrated(oracle, cases=NAMES, n=50)
    assert report.summaries["oracle"]["median_abs_rel_error"] == 0
    with pytest.raises(AssertionError, match="not calibrated: median \\|relative error\\| 0.300"):
        assert_estimator_calibrated(biased, cases=NAMES, n=50)


def _ranks(values):
    """Ranks from 1, ties sharing their mean rank (what Spearman's ρ correlates)."""
    ordered = np.sort(values)
    return np.array([np.mean(np.nonzero(ordered == v)[0]) + 1 for v in values])


def test_summary_is_recomputed_from_the_raw_rows(tmp_path):
    report = run_benchmark([noisy, biased], NAMES, seeds=(0, 1), n=50, out=tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert len(rows) == 2 * len(NAMES) * 2
    for name in ("noisy", "biased"):
        mine = [r for r in rows if r["estimator"] == name]
        lam = np.array([float(Fraction(r["lam"])) for r in mine])
        est = np.array([r["estimate"] for r in mine])
        rel = (est - lam) / lam
        s = report.summaries[name]
        assert s["median_rel_error"] == pytest.approx(np.median(rel))
        assert s["iqr_rel_error"] == pytest.approx(tuple(np.percentile(rel, [25, 75])))
        if name == "noisy":  # 10% high with s.e. 5%: λ is 2 s.e. away, outside 1.96 s.e.
            assert s["coverage"] == 0.0
        rho = np.corrcoef(_ranks(lam), _ranks(est))[0, 1]
        assert s["spearman"] == pytest.approx(rho)
        assert s["nan_rate"] == 0


def test_resume_skips_finished_rows(tmp_path):
    calls = []

    def counting(module, data, w_star):
        calls.append(1)
        return 0.5

    run_benchmark(counting, NAMES[:3], seeds=(0,), n=50, out=tmp_path)
    assert len(calls) == 3
    (tmp_path / "rows.jsonl").write_text("\n".join((tmp_path / "rows.jsonl").read_text().splitlines()[:2]) + "\n")
    report = run_benchmark(counting, NAMES[:3], seeds=(0, 1), n=50, out=tmp_path)
    assert len(calls) == 3 + 1 + 3  # the deleted row and the new seed only
    assert len(report.rows) == 6


def test_a_second_run_into_the_same_out_is_refused_and_rows_are_not_duplicated(tmp_path):
    refused = []

    def starts_a_second_run(module, data, w_star):
        try:
            run_benchmark(oracle, NAMES[:2], n=50, out=tmp_path)
        except BadSetting as exc:
            refused.append(exc)
        return 0.5

    run_benchmark(starts_a_second_run, NAMES[:2], n=50, out=tmp_path)
    assert [exc.name for exc in refused] == ["out", "out"]
    assert f"out='{tmp_path}' is in use by another run: {tmp_path / 'rows.jsonl.lock'} was created by process" \
        in str(refused[0])
    rows = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert [r["estimator"] for r in rows] == ["starts_a_second_run"] * 2
    assert not (tmp_path / "rows.jsonl.lock").exists()
    assert len(run_benchmark(oracle, NAMES[:2], n=50, out=tmp_path).rows) == 2  # released


def test_failures_are_rows_not_crashes():
    def broken(module, data, w_star):
        raise ValueError("no")

    def wrong_type(module, data, w_star):
        return "0.5"

    report = run_benchmark([broken, lambda m, d, w: float("nan"), wrong_type], ["nc-w"], n=50)
    assert report.rows[0].status.startswith("error: ValueError") and report.rows[1].status == "nan"
    assert report.rows[2].status.startswith("error: estimator wrong_type returned a str ('0.5'), not an estimate")
    assert report.summaries["broken"]["nan_rate"] == 1.0


@pytest.mark.parametrize("value, expected", [
    (np.float64(0.5), 0.5), (np.float32(0.25), 0.25), (np.int64(1), 1.0), (np.array(0.5), 0.5),
    (torch.tensor(0.5), 0.5), (torch.tensor(0.5, requires_grad=True) * 1, 0.5), (torch.tensor(1, dtype=torch.int32), 1.0),
    (Fraction(1, 2), 0.5),
])
def test_numpy_and_torch_scalars_are_estimates(value, expected):
    row = run_benchmark(lambda m, d, w: value, ["nc-w"], n=50).rows[0]
    assert row.status == "ok" and row.estimate == expected and row.std_err is None


def test_an_object_with_numpy_or_torch_mean_and_std_err_is_an_estimate():
    result = type("R", (), {"mean": np.float64(0.4), "std_err": torch.tensor(0.05)})()
    row = run_benchmark(lambda m, d, w: result, ["nc-w"], n=50).rows[0]
    assert (row.status, row.estimate, row.std_err) == ("ok", 0.4, pytest.approx(0.05))


@pytest.mark.parametrize("value, said", [
    (np.array([0.5]), "a ndarray of shape (1,)"),
    (torch.tensor([0.5, 0.6]), "a Tensor of shape (2,)"),
    (np.bool_(True), "a bool"),
    (True, "a bool (True)"),
    (None, "a NoneType (None)"),
    (1 + 2j, "a complex"),
    (type("R", (), {"mean": "0.5"})(), "whose .mean is '0.5'"),
    (type("R", (), {"mean": 0.5, "std_err": [0.1]})(), "whose .mean is 0.5, .std_err is [0.1]"),
])
def test_an_unusable_return_value_is_a_row_error_naming_the_estimator_and_the_value(value, said):
    def mine(module, data, w_star):
        return value

    row = run_benchmark([mine, lambda m, d, w: 0.5], ["nc-w"], n=50).rows[0]  # the run goes on
    status = row.status
    assert status.startswith("error: estimator mine returned a ") and said in status and "not an estimate" in status
    assert row.estimate is None


def test_run_benchmark_with_cases_none_names_the_argument():
    with pytest.raises(BadSetting, match="cases=None must be 'quick', 'full', or a list of cases"):
        run_benchmark(oracle, None)


@pytest.mark.parametrize("arguments, name, words", [
    (dict(estimator=None), "estimator", "must be a callable (model, data, w_star)"),
    (dict(estimator=[]), "estimator", "or a non-empty list of them"),
    (dict(estimator=[lambda m, d, w: 0.5, lambda m, d, w: 0.6]), "estimator", "labels two estimators '<lambda>'"),
    (dict(cases=[]), "cases", "is empty"),
    (dict(cases="nc-w"), "cases", "is not a suite ('quick' or 'full'); for one case pass a list, cases=['nc-w']"),
    (dict(seeds=[]), "seeds", "must be a non-empty list of integers >= 0"),
    (dict(seeds=0), "seeds", "must be a non-empty list of integers >= 0"),
    (dict(seeds=[-1]), "seeds", "must be a non-empty list of integers >= 0"),
    (dict(seeds=[0.5]), "seeds", "must be a non-empty list of integers >= 0"),
    (dict(n=0), "n", "must be a positive integer"),
    (dict(n=-5), "n", "must be a positive integer"),
    (dict(n=2.5), "n", "must be a positive integer"),
    (dict(reference_draws=-1), "reference_draws", "must be an integer >= 0"),
])
def test_bad_arguments_are_named(arguments, name, words):
    with pytest.raises(BadSetting) as raised:
        run_benchmark(**({"estimator": oracle, "cases": ["nc-w"], "n": 50} | arguments))
    assert raised.value.name == name and words in str(raised.value)


def test_a_lambda_is_refused_with_out_since_another_lambda_would_reuse_its_rows(tmp_path):
    with pytest.raises(BadSetting, match="includes a lambda"):
        run_benchmark(lambda m, d, w: 0.5, ["nc-w"], n=50, out=tmp_path)
    assert not (tmp_path / "rows.jsonl").exists()


def test_numpy_seeds_and_n_are_stored_as_plain_numbers(tmp_path):
    report = run_benchmark(oracle, ["nc-w"], seeds=np.arange(2), n=np.int64(50), out=tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert [r["seed"] for r in rows] == [0, 1] == [r.seed for r in report.rows] and rows[0]["n"] == 50


@pytest.mark.parametrize("arguments, name", [
    (dict(seeds=[]), "seeds"), (dict(cases=[]), "cases"), (dict(n=0), "n"),
    (dict(estimator=[oracle, biased]), "estimator"), (dict(estimator=None), "estimator"),
])
def test_assert_estimator_calibrated_names_a_bad_argument(arguments, name):
    with pytest.raises(BadSetting) as raised:
        assert_estimator_calibrated(**({"estimator": oracle, "cases": ["nc-w"], "n": 50} | arguments))
    assert raised.value.name == name


def test_our_estimator_rows_split_the_error_and_the_report_writes(tmp_path):
    est = Estimator("sgld", max_steps=600)
    report = run_benchmark(est, ["nc-w1w2^2"], n=2000, out=tmp_path)
    row = report.rows[0]
    assert row.target_route == "quadrature" and 0 < row.target < 0.25
    assert row.dataset_target_route == "quadrature of L_n" and 0 < row.dataset_target < 0.25
    parts = row.sampler_error + row.data_noise + row.estimator_bias
    assert parts == pytest.approx(row.rel_error)
    assert row.verdict in ("ok", "doubtful", "unreliable") and len(row.interval) == 2
    written = report.write(tmp_path)
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    text = (tmp_path / "report.md").read_text()
    assert "sampler err." in text and "Columns:" in text and "verdict" in text
    assert "median |relative error|" in text and "silent failures" in text
    assert isinstance(report, BenchmarkReport)


def test_extrapolated_estimator_extrapolates_the_target_too():
    est = Estimator("sgld", num_draws=100, num_burnin=20, extrapolate=(0.5, 1.0, 2.0))
    row = run_benchmark(est, ["nc-w1w2"], n=2000).rows[0]
    assert row.target_route == "quadrature, extrapolated" and row.estimate is not None


def test_extrapolation_removes_a_log_bias_exactly():
    nb = [200.0, 800.0, 3200.0]
    lam, se = extrapolate_llc(nb, [0.25 - 0.7 / np.log(t) for t in nb], [0.01, 0.01, 0.01])
    assert lam == pytest.approx(0.25) and se > 0


@pytest.mark.slow  # 64 s of the default run; calibrate's doctest keeps a quick run of it there
def test_calibration_picks_the_best_setting_and_reports_held_out_cases():
    cal = calibrate("sgld", ["regular-1"], holdout=["regular-2"], grid={"step_size": [1e-5, 1e-3]}, n=500)
    scores = dict((e.step_size, s) for e, s in cal.scores)
    assert cal.best.step_size == min(scores, key=scores.get)
    assert list(cal.holdout.summaries) == [cal.best.name]
    with pytest.raises(ValueError, match="not Estimator settings"):
        calibrate("sgld", ["regular-1"], grid={"temperature": [1.0]})


def test_cli_bench_rejects_an_unknown_sampler(capsys):
    assert main(["bench", "--sampler", "hmc"]) == 2
    assert "choose from" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("name", ["regular-2", "nc-w1w2^2", "nc-w1w2"])
def test_mala_reference_agrees_with_quadrature(name):
    value, se = reference_target(name, 1000.0, 1.0, draws=4000)
    assert abs(value - _target(name, 1000.0, 1.0)) <= 4 * se + 0.03 * value


def test_cases_beyond_quadrature_get_a_mala_target_when_asked():
    row = run_benchmark(Estimator(max_steps=400), ["rrr-112-r0"], n=1000, reference_draws=300).rows[0]
    assert row.target_route.startswith("MALA on the noise-free population loss") and row.target > 0
    assert row.dataset_target_route.startswith("MALA on the dataset")  # d = 4 is beyond quadrature
    parts = row.sampler_error + (row.data_noise or 0.0) + row.estimator_bias
    assert parts == pytest.approx(row.rel_error)


def _not_rerun(module, data, w_star):
    raise AssertionError("a row of the old log was computed again")


def test_a_log_written_before_rows_were_records_is_read_and_not_recomputed(tmp_path):
    """tests/validation/data/rows-before-records.jsonl: rows.jsonl of an Estimator, a plain estimator
    ``plain`` returning 0.5 and one ``broken`` raising, on nc-w1w2 at n = 200, as string-keyed dicts."""
    old = pathlib.Path(__file__).parent / "data" / "rows-before-records.jsonl"
    (tmp_path / "rows.jsonl").write_text(old.read_text())
    lines = [json.loads(line) for line in old.read_text().splitlines()]
    estimators = [Estimator("sgld", step_size=1e-3, num_draws=30, num_burnin=10, batch_size=64, num_chains=2),
                  type("plain", (), {"name": "plain", "__call__": _not_rerun})(),
                  type("broken", (), {"name": "broken", "__call__": _not_rerun})()]
    report = run_benchmark(estimators, ["nc-w1w2"], n=200, out=tmp_path)
    assert (tmp_path / "rows.jsonl").read_text() == old.read_text()  # nothing appended
    for row, line in zip(report.rows, lines, strict=True):
        assert row.lam == sympy.Rational(1, 2) and isinstance(row.lam, sympy.Rational)
        assert (row.estimator, row.estimate, row.status, row.warnings) == (
            line["estimator"], line["estimate"], line["status"], tuple(line["warnings"]))
        assert row.init_loss == line.get("init_loss") and row.target_std_err is None
    first = report.rows[0]
    assert first.trace == tuple(map(tuple, lines[0]["trace"])) and first.interval == tuple(lines[0]["interval"])
    assert first.sampler_error == pytest.approx((lines[0]["estimate"] - lines[0]["dataset_target"]) / 0.5)
    assert report.rows[1].rel_error == 0.0 and report.rows[2].status == "error: ValueError: no"


def test_rows_hold_the_exact_lambda_and_their_json_form_reads_back_the_same(tmp_path):
    report = run_benchmark(oracle, ["nc-w1w2^2", "newton-x2+y4"], n=50, out=tmp_path)
    for row, name in zip(report.rows, ["nc-w1w2^2", "newton-x2+y4"]):
        assert isinstance(row.lam, sympy.Rational) and row.lam == case(name).lam
        assert BenchmarkRow.from_dict(json.loads(json.dumps(row.to_dict()))) == row
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.rows[0].estimate = 1.0
    assert run_benchmark(oracle, ["nc-w1w2^2", "newton-x2+y4"], n=50, out=tmp_path).rows == report.rows
