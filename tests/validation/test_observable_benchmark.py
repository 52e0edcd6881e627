"""The observables benchmark: the shifted law it samples, its rows and their resumption, bad input."""

import json
import math
import pathlib

import numpy as np
import pytest
import sympy

from estimators import BadSetting
from validation.benchmark import Estimator
from validation.cases import case
from validation.observable_benchmark import run_observable_benchmark, shifted_inputs

CHEAP = Estimator("sgld", step_size=1e-3, num_draws=200, num_burnin=50, batch_size=256)


@pytest.mark.parametrize("name, second_moment", [("nc-w", 3.0), ("tanh-1", 3 / 5)])
def test_shifted_inputs_follow_x_squared_times_q(name, second_moment):
    """E_q'[x²] = E_q[x⁴]/E_q[x²]: 3 for a standard normal, (1/5)/(1/3) for uniform on [−1, 1]."""
    x, y = shifted_inputs(case(name), 400_000, seed=1)
    assert float((x[:, 0] ** 2).mean()) == pytest.approx(second_moment, rel=0.01)
    assert abs(float(x[:, 0].mean())) < 0.01  # symmetric
    assert float(y.var()) == pytest.approx(1.0, rel=0.02)  # y = f(x, w*) + N(0, 1), f(x, w*) = 0 at w* = 0


def test_rows_split_the_error_and_a_rerun_reuses_them(tmp_path):
    report = run_observable_benchmark(CHEAP, ["regular-2"], n=500, multiplicity=False, out=tmp_path)
    (row,) = report.rows
    assert row.case == "regular-2" and len(row.bif) == 4 and row.chi_verdict in ("ok", "doubtful", "unreliable")
    chi_n, chi_k = row.chi_dataset, row.chi_population
    assert chi_k < 0 and chi_n < 0  # the loss falls toward x-heavy data: Cov(L, K' − K) = Cov(L, 2K) > 0
    total = (row.chi - chi_k) / abs(chi_k)
    assert row.chi_error == pytest.approx(total)
    assert row.chi_sampler_error * abs(chi_n) / abs(chi_k) + row.chi_data_noise == pytest.approx(total)
    bif_n = np.asarray(row.bif_dataset)
    assert row.bif_sampler_error == pytest.approx(np.linalg.norm(np.asarray(row.bif) - bif_n) /
                                                  np.linalg.norm(bif_n))
    again = run_observable_benchmark(CHEAP, ["regular-2"], n=500, multiplicity=False, out=tmp_path)
    assert again.rows == report.rows
    summary = again.summary()[CHEAP.name]
    assert summary["cases"] == 1 and math.isclose(summary["median_abs_chi_error"], abs(total))
    assert "regular-2" in again.to_markdown()


def test_bad_arguments_are_refused():
    with pytest.raises(BadSetting, match="d > 3"):
        run_observable_benchmark(CHEAP, ["rrr-221-r0"], multiplicity=False)
    with pytest.raises(BadSetting, match="n"):
        run_observable_benchmark(CHEAP, ["nc-w"], n=3, multiplicity=False)
    with pytest.raises(BadSetting, match="Estimator"):
        run_observable_benchmark([lambda *a: 0.5], ["nc-w"], multiplicity=False)


def test_a_log_written_before_rows_were_records_is_read_and_not_recomputed(tmp_path):
    """tests/validation/data/observable-rows-before-records.jsonl: observable_rows.jsonl of CHEAP on
    regular-2 at n = 500, with the multiplicity sweep, written as string-keyed dicts."""
    old = pathlib.Path(__file__).parent / "data" / "observable-rows-before-records.jsonl"
    (tmp_path / "observable_rows.jsonl").write_text(old.read_text())
    lines = [json.loads(line) for line in old.read_text().splitlines()]
    report = run_observable_benchmark(CHEAP, ["regular-2"], n=500, out=tmp_path)
    assert (tmp_path / "observable_rows.jsonl").read_text() == old.read_text()  # nothing computed again
    assert [(r.kind, r.lam) for r in report.rows] == [("observables", 1), ("multiplicity", 1)]
    assert all(isinstance(r.lam, sympy.Rational) for r in report.rows)
    assert [r.to_dict() for r in report.rows] == lines  # the derived columns recomputed as they were written
