"""The worked studies: quick smoke runs in CI (files, structure, resuming), full runs marked slow."""

import json
import math
import pathlib

import numpy as np
import pytest
import torch

from studies import digits, grokking, grokking_influence, induction, main, tms
from studies._training import checkpoint_steps


def _written(out, *names):
    for name in names:
        assert (out / name).stat().st_size > 0, name
    return json.loads((out / "summary.json").read_text())


def test_tms_smoke(tmp_path):
    summary = tms.run(tmp_path, quick=True)
    _written(tmp_path, "kgons.png", "trajectory.png", "summary.json")
    assert sum(k["runs"] for k in summary["kgons"]) == len(summary["runs"]) == 2
    for r in summary["runs"]:
        assert r["rank"] + r["nullity"] == 18 and math.isfinite(r["llc"])


def test_a_regular_pentagon_has_the_predicted_hessian_nullity():
    """Build a 5-gon with one dead feature (b < 0) by hand: nullity 1 (rotation) + 3 (dead feature)."""
    angles = torch.arange(5) * 2 * math.pi / 5
    model = tms.TMS()
    x = tms.tms_data(4000, seed=1)
    with torch.no_grad():
        model.W.copy_(torch.cat([torch.stack([angles.cos(), angles.sin()]), torch.zeros(2, 1)], dim=1))
        model.b.copy_(torch.tensor([-0.2] * 5 + [-0.5]))
    # relax the norms and biases to the critical point of L_n, keeping the shape
    tms._refine(model, x, 300)
    theory = tms.theoretical_llc(model, x, nbeta=1e6, localization=1.0)
    assert (theory["k"], theory["regular"], theory["dead_negative"]) == (5, True, 1)
    assert theory["nullity"] == theory["expected_nullity"] == 4 and theory["lam"] == "7"
    assert theory["quadratic_target"] == pytest.approx(7, rel=1e-3)  # nβ·h ≫ γ: the Gaussian integral gives rank/2


def test_grokking_smoke_and_resume(tmp_path):
    summary = grokking.run(tmp_path, quick=True)
    _written(tmp_path, "grokking.png", "summary.json", "llc/trajectory.jsonl", "checkpoints/metrics.json")
    steps = [r["step"] for r in summary["rows"]]
    assert steps == checkpoint_steps(summary["steps"], 12)
    assert all(0 <= r["test_acc"] <= 1 for r in summary["rows"])
    before = (tmp_path / "llc/trajectory.jsonl").read_text()
    again = grokking.run(tmp_path, quick=True)  # training and every estimate are reused
    assert (tmp_path / "llc/trajectory.jsonl").read_text() == before
    assert [r["llc"] for r in again["rows"]] == [r["llc"] for r in summary["rows"]]


def test_grokking_influence_smoke(tmp_path):
    summary = grokking_influence.run(tmp_path, quick=True)
    assert (tmp_path / "influence.png").stat().st_size > 0
    assert json.loads((tmp_path / "influence.json").read_text())["rows"] == summary["rows"]
    history = json.loads((tmp_path / "checkpoints/metrics.json").read_text())
    assert [r["step"] for r in summary["rows"]] == [history[0]["step"], history[-1]["step"]]  # quick: first, last
    for row in summary["rows"]:
        assert len(row["bif"]) == grokking_influence.PROBES and all(-1 <= b <= 1 for b in row["bif"])
        assert all(math.isfinite(row[name]["chi"]) and row[name]["chi_verdict"] in ("ok", "doubtful", "unreliable")
                   for name in ("layer 1", "layer 2", "all"))


def test_modular_addition_labels_are_sums():
    X, Y, labels, tr, te = grokking.modular_addition(7, 0.5, seed=3)
    a, b = X[:, :7].argmax(1), X[:, 7:].argmax(1)
    assert torch.equal(labels, (a + b) % 7) and torch.equal(Y.argmax(1), labels)
    assert sorted(torch.cat([tr, te]).tolist()) == list(range(49))


@pytest.mark.slow  # 30 estimates with every check on a 2-layer transformer: about 3 minutes of the default run
def test_induction_smoke(tmp_path):
    summary = induction.run(tmp_path, quick=True)
    _written(tmp_path, "induction.png", "summary.json")
    row = summary["rows"][-1]
    for name in ("L0H0", "L0H1", "L1H0", "L1H1"):
        assert f"llc/{name}" in row
    assert 0 <= row["L0H0 prev-token"] <= 1 and 0 <= row["L1H1 induction"] <= 1


def test_head_scores_see_a_hand_made_previous_token_head():
    """A layer-0 head whose query·key peaks on the previous position scores near 1."""
    model = induction.AttentionOnly(vocab=5, context=8, d_model=16, d_head=8)
    with torch.no_grad():
        pos = torch.zeros(8, 16)
        pos[torch.arange(8), torch.arange(8)] = 1.0
        model.pos.copy_(pos)
        model.embed.weight.zero_()
        head = model.blocks[0][0]
        head.q.weight.copy_(30 * torch.eye(8, 16))  # position i queries with 30·e_i
        head.k.weight.copy_(torch.roll(torch.eye(8, 16), shifts=1, dims=0))  # position j keys as e_(j+1)
    tokens = torch.zeros(3, 8, dtype=torch.long)
    assert induction.head_scores(model, tokens)["L0H0 prev-token"] > 0.95


def test_next_token_nll_sums_over_positions():
    logits = torch.zeros(4, 6, 3)
    assert induction.next_token_nll(logits, torch.zeros(4, 6, dtype=torch.long)).item() == pytest.approx(6 * math.log(3))


def test_digits_smoke(tmp_path):
    summary = digits.run(tmp_path, quick=True)
    _written(tmp_path, "digits.png", "summary.json")
    assert set(summary["final_llc"]) == {"sgd", "sam"}


def test_sam_steps_from_the_perturbed_point():
    """On L(w) = ½w² from w = 1 with lr η, ρ: the gradient at 1 + ρ is 1 + ρ, so w' = 1 − η(1 + ρ)."""
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = digits.SAM([w], lr=0.1, rho=0.05)
    loss = 0.5 * (w**2).sum()
    loss.backward()
    opt.step(lambda: 0.5 * (w**2).sum())
    assert w.item() == pytest.approx(1 - 0.1 * 1.05)


def test_the_command_line_runs_a_study(tmp_path, capsys):
    main("tms", ["--out", str(tmp_path), "--quick"])
    assert "kgons" in capsys.readouterr().out


@pytest.mark.slow
def test_tms_full_run_reaches_kgons_whose_llc_tracks_theory(tmp_path):
    summary = tms.run(tmp_path)
    checked = [r for r in summary["runs"] if r["lam"] is not None]
    assert len(checked) >= len(summary["runs"]) // 2
    # the estimate is compared with the finite-temperature Gaussian target (a second route, from H)
    errors = [abs(r["llc"] - r["quadratic_target"]) / r["quadratic_target"] for r in checked]
    assert np.median(errors) < 0.3


@pytest.mark.slow
def test_grokking_full_run_generalises_late(tmp_path):
    summary = grokking.run(tmp_path)
    rows = summary["rows"]
    memorised = next(r["step"] for r in rows if r["train_acc"] == 1.0)
    generalised = next(r["step"] for r in rows if r["test_acc"] > 0.9)
    assert generalised > 2 * memorised


@pytest.mark.slow
def test_induction_full_run_forms_an_induction_head(tmp_path):
    summary = induction.run(tmp_path)
    last = summary["rows"][-1]
    assert max(last["L1H0 induction"], last["L1H1 induction"]) > 0.5
    assert last["repeat_loss"] < 0.5 * summary["rows"][0]["repeat_loss"]


@pytest.mark.slow
def test_digits_full_run(tmp_path):
    summary = digits.run(tmp_path)
    assert all(acc > 0.9 for accs in summary["final_test_acc"].values() for acc in accs)


def test_studies_are_named_in_the_examples():
    examples = pathlib.Path(__file__).resolve().parents[2] / "examples"
    for name in ("tms", "grokking", "grokking_influence", "induction", "digits"):
        assert f'main("{name}")' in (examples / f"{name}_study.py").read_text()
