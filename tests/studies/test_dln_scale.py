"""The deep-linear-network scale study: the protocol's networks, resuming, and the table."""

import numpy as np
import pytest
import torch

from estimators import BadSetting
from estimators.rowlog import exclusive
from singular.families import dln, rrr
from studies import dln_scale
from studies.dln_scale import DLNSpec, dln_problem, dln_table, random_dln, run_dln_scale


@pytest.mark.parametrize("target", [10**3, 10**4, 10**5, 10**6])
def test_random_networks_land_near_their_bucket(target):
    sizes = [random_dln(target, np.random.default_rng([0, target, i])).params for i in range(30)]
    assert target / 4 < np.median(sizes) < target * 4
    assert all(target / 20 < s < target * 20 for s in sizes)


def test_every_layer_has_the_true_rank():
    spec = DLNSpec((5, 7, 6, 4), 2)
    module, (x, y) = dln_problem(spec, 300, seed=1)
    ranks = [torch.linalg.matrix_rank(layer.weight).item() for layer in module]
    assert ranks == [2, 2, 2]
    product = module[2].weight @ module[1].weight @ module[0].weight
    assert torch.linalg.matrix_rank(product).item() == 2
    residual = y - x @ product.T  # the noise is N(0, 1)
    assert residual.var().item() == pytest.approx(1.0, abs=0.15)


def test_two_layer_networks_have_the_rrr_value():
    """L = 2 is reduced-rank regression: Aoyagi & Watanabe (2005) by the other formula."""
    for widths, r in [((4, 3, 5), 1), ((6, 2, 6), 0), ((3, 5, 4), 2)]:
        assert DLNSpec(widths, r).lam == rrr(widths[0], widths[2], widths[1], r).value == dln(list(widths), r).value


def test_a_rerun_skips_finished_rows(tmp_path, monkeypatch):
    kwargs = dict(n=1000, num_draws=20, num_burnin=5, num_chains=2, out=tmp_path)
    first = run_dln_scale([40], [2], **kwargs)
    calls = []
    monkeypatch.setattr(dln_scale, "estimate_llc", lambda *a, **k: calls.append(1))
    again = run_dln_scale([40], [2], **kwargs)
    assert calls == [] and again == first
    assert len(first) == 4 and {r["sampler"] for r in first} == {"sgld", "rmsprop_sgld"}


def test_a_second_run_into_the_same_out_is_refused(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(dln_scale, "estimate_llc", lambda *a, **k: calls.append(1))
    with exclusive(tmp_path / "rows.jsonl"):
        with pytest.raises(BadSetting, match="is in use by another run") as refused:
            run_dln_scale([40], [1], n=1000, out=tmp_path)
    assert refused.value.name == "out" and calls == [] and not (tmp_path / "rows.jsonl").exists()


def test_the_table_reports_what_the_rows_say():
    runs = [(-0.3, 1.0, "doubtful"), (-0.15, 2.0, "ok"), (0.05, 3.0, "ok"), (0.5, 6.0, "ok")]
    rows = [dict(bucket="10^3", sampler="sgld", lam="10", estimate=10 * (1 + e), std_err=0.1, rel_error=e,
                 params=1000, seconds=s, status="ok", verdict=v) for e, s, v in runs]
    rows.append(dict(bucket="10^3", sampler="sgld", lam="10", estimate=None, std_err=None, rel_error=None,
                     params=1000, seconds=1.0, status="nan", verdict="unreliable"))
    line = dln_table(rows).splitlines()[2]
    cells = [c.strip() for c in line.strip("|").split("|")]
    # median of (−30, −15, 5, 50) = −5; within ±10%: 1 of 4; within ±20%: 2 of 4; mean seconds 13/5
    assert cells[4] == "-5%" and cells[6] == "25%" and cells[7] == "50%" and cells[8] == "1/5" and cells[10] == "2.6"
    # 3 ok, 1 doubtful, 1 unreliable; the +50% row is ok: one silent failure (the −30% one is flagged)
    assert cells[11] == "3/1/1" and cells[12] == "1"


def test_too_small_a_target_is_refused():
    with pytest.raises(ValueError, match="at least 8"):
        random_dln(5, np.random.default_rng(0))
