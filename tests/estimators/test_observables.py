"""Observables at the draws, susceptibilities and BIFs: against the Gaussian closed form of a linear
model (an independent route: moments of quadratic forms of a Gaussian), the streaming moments against
numpy over the full traces, and bad input."""

import warnings

import numpy as np
import pytest
import torch

from estimators import BadData, BadSetting, LLCWarning, estimate_llc
from estimators import _observe
from estimators.observables import (LOSS, average_loss, bayesian_influence, model_function, sample_losses,
                                    susceptibility)

N, D, P = 2000, 2, 6
TRUTH = torch.tensor([1.0, -0.5], dtype=torch.float64)


def _regression(n, gen, scale=1.0):
    x = torch.randn(n, D, generator=gen, dtype=torch.float64) * scale
    return x, x @ TRUTH + torch.randn(n, generator=gen, dtype=torch.float64)


@pytest.fixture(scope="module")
def linear():
    """y = x·w + N(0, 1) at the least-squares w* (L_n exactly quadratic, gradient 0 at w*), a probe set
    of P samples and a shifted dataset (inputs scaled up along the first axis)."""
    gen = torch.Generator().manual_seed(0)
    x, y = _regression(N, gen)
    model = torch.nn.Linear(D, 1, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.linalg.lstsq(x, y[:, None]).solution.T)
    shifted = _regression(800, gen, scale=torch.tensor([2.0, 1.0], dtype=torch.float64))
    probe = _regression(P, gen)
    return model, (x, y), shifted, probe


def _quadratic(x, y, w_star):
    """L(w) − L(w*) = ½uᵀAu + aᵀu (u = w − w*) of the Gaussian NLL (σ = 1) on (x, y): (A, a)."""
    x, y = x.numpy(), y.numpy()
    residual = y - x @ w_star
    return x.T @ x / len(x), -x.T @ residual / len(x)


def _cov(first, second, sigma):
    """Cov(½uᵀAu + aᵀu, ½uᵀBu + bᵀu) for u ~ N(0, Σ): ½tr(AΣBΣ) + aᵀΣb (Isserlis' theorem)."""
    (a_mat, a_vec), (b_mat, b_vec) = first, second
    return 0.5 * np.trace(a_mat @ sigma @ b_mat @ sigma) + a_vec @ sigma @ b_vec


@pytest.fixture(scope="module")
def mala_run(linear):
    model, data, shifted, probe = linear
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        est = estimate_llc(model, data, sampler="mala", step_size=4e-3, num_chains=4, num_draws=1500, seed=0,
                           observables={"shifted": average_loss(shifted), "probe": sample_losses(probe),
                                        "w1": model_function(lambda m: m.weight[0, 0]), "train": average_loss(data)},
                           observable_traces=True, checks=False)
    return est


def test_susceptibility_and_bif_match_the_gaussian_closed_form(linear, mala_run):
    model, (x, y), shifted, (px, py) = linear
    est = mala_run
    w_star = model.weight.detach().numpy()[0]
    train = _quadratic(x, y, w_star)
    sigma = np.linalg.inv(est.nbeta * train[0] + 1.0 * np.eye(D))  # the posterior is N(w*, Σ) exactly
    target = _quadratic(*shifted, w_star)
    difference = (target[0] - train[0], target[1] - train[1])

    chi = susceptibility(est, LOSS, "shifted")
    exact = -est.nbeta * _cov(train, difference, sigma)
    assert abs(chi.value - exact) < 4 * chi.std_err + 0.05 * abs(exact)
    assert abs(exact) > 5 * chi.std_err  # the test can tell a wrong value from the right one

    samples = [_quadratic(px[i:i + 1], py[i:i + 1], w_star) for i in range(P)]
    bif = bayesian_influence(est, "probe", "shifted")
    exact_bif = np.array([-_cov(s, target, sigma) for s in samples])
    assert bif.value.shape == (P,)
    assert np.all(np.abs(bif.value - exact_bif) < 4 * bif.std_err + 0.05 * np.abs(exact_bif))

    kernel = bayesian_influence(est, "probe")
    exact_kernel = np.array([[-_cov(s, t, sigma) for t in samples] for s in samples])
    assert kernel.value.shape == (P, P)
    assert np.all(np.abs(kernel.value - exact_kernel) < 4 * kernel.std_err + 0.05 * np.abs(exact_kernel))

    in_full = susceptibility(est, "train", "shifted", baseline="train")  # full batch: the recorded loss is L_n
    assert in_full.value == pytest.approx(chi.value, rel=1e-6)

    linear_obs = (np.zeros((D, D)), np.eye(D)[0])  # w1 = w*_1 + u_1
    chi_w = susceptibility(est, "w1", "shifted")
    exact_w = -est.nbeta * _cov(linear_obs, difference, sigma)
    assert abs(chi_w.value - exact_w) < 4 * chi_w.std_err + 0.05 * abs(exact_w)


def test_correlation_form_is_the_covariance_over_the_standard_deviations(mala_run):
    cov = bayesian_influence(mala_run, "probe", "shifted").value
    corr = bayesian_influence(mala_run, "probe", "shifted", form="correlation").value
    traces = mala_run.observables.traces
    probe = traces["probe"].reshape(-1, P).astype(np.float64)
    shifted = traces["shifted"].reshape(-1).astype(np.float64)
    expected = -np.array([np.corrcoef(probe[:, i], shifted)[0, 1] for i in range(P)])
    np.testing.assert_allclose(corr, expected, rtol=1e-3, atol=1e-4)
    assert np.all(np.sign(corr) == np.sign(cov))
    assert np.allclose(np.diag(bayesian_influence(mala_run, "probe", form="correlation").value), -1.0)


def test_streaming_moments_equal_numpy_over_the_traces(mala_run):
    draws = mala_run.observables
    traces = {name: t.astype(np.float64) for name, t in draws.traces.items()}
    assert traces[LOSS].shape == (4, 1500, 1) and traces["probe"].shape == (4, 1500, P)
    loss = mala_run.losses - mala_run.init_loss
    np.testing.assert_allclose(traces[LOSS][:, :, 0], loss, rtol=1e-5, atol=1e-9)
    pooled = np.cov(np.concatenate([traces["probe"], traces["shifted"]], axis=2).reshape(-1, P + 1), rowvar=False)
    cov, per_chain = draws.covariance("probe", "shifted")
    np.testing.assert_allclose(cov[:, 0], pooled[:P, P], rtol=1e-4)
    np.testing.assert_allclose(per_chain[3, :, 0], np.cov(np.concatenate([traces["probe"][3], traces["shifted"][3]],
                                                                          axis=1), rowvar=False)[:P, P], rtol=1e-4)
    mean, _ = draws.mean("w1")
    w1 = traces["w1"].reshape(-1) + draws.reference[draws.slices["w1"]]
    np.testing.assert_allclose(mean, w1.mean(), rtol=1e-6)


def test_large_vector_observables_use_traces_on_disk(linear, tmp_path, monkeypatch):
    model, data, shifted, probe = linear
    monkeypatch.setattr(_observe, "DENSE_MAX", 4)  # 1 + 1 + 6 components: only cross-moments with scalars
    settings = dict(step_size=1e-3, num_chains=2, num_draws=60, num_burnin=0, checks=False, seed=3)
    observables = {"shifted": average_loss(shifted), "probe": sample_losses(probe)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        streamed = estimate_llc(model, data, observables=observables, **settings)
        on_disk = estimate_llc(model, data, observables=observables, observable_traces=tmp_path / "traces", **settings)
        in_memory = estimate_llc(model, data, observables=observables, observable_traces=True, **settings)
    assert streamed.observables.scalars is not None
    np.testing.assert_allclose(bayesian_influence(streamed, "probe", "shifted").value,
                               bayesian_influence(in_memory, "probe", "shifted").value, rtol=1e-12)
    with pytest.raises(BadSetting, match="observable_traces"):
        bayesian_influence(streamed, "probe")
    assert isinstance(on_disk.observables.traces["probe"].base, np.memmap)
    np.testing.assert_array_equal(on_disk.observables.traces["probe"], in_memory.observables.traces["probe"])
    np.testing.assert_allclose(bayesian_influence(on_disk, "probe").value, bayesian_influence(in_memory, "probe").value,
                               rtol=1e-10)


def test_same_seed_same_numbers_and_observables_do_not_change_the_estimate(linear):
    model, data, shifted, probe = linear
    settings = dict(step_size=1e-3, num_chains=2, num_draws=50, num_burnin=10, checks=False, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        plain = estimate_llc(model, data, **settings)
        first = estimate_llc(model, data, observables={"probe": sample_losses(probe)}, **settings)
        second = estimate_llc(model, data, observables={"probe": sample_losses(probe)}, **settings)
    np.testing.assert_array_equal(plain.losses, first.losses)
    np.testing.assert_array_equal(first.observables.cross, second.observables.cross)


def test_weight_refined_observables_sample_only_the_chosen_weights(linear):
    model, data, shifted, probe = linear
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        est = estimate_llc(model, data, weights={"weight": torch.tensor([[True, False]])}, step_size=1e-3,
                           num_chains=2, num_draws=100, checks=False,
                           observables={"w2": lambda m: m.weight[0, 1], "w1": lambda m: m.weight[0, 0]})
    assert np.all(est.observables.sums[:, est.observables.slices["w2"]] == 0)  # fixed at w*: no spread
    assert np.all(est.observables.squares[:, est.observables.slices["w1"]] > 0)


def test_the_verdict_is_carried_and_says_when_nothing_is_resolved(linear):
    model, data, shifted, probe = linear
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        est = estimate_llc(model, data, step_size=1e-3, num_chains=1, num_draws=20, num_burnin=0, checks=False,
                           observables={"shifted": average_loss(shifted), "train": average_loss(data)})
    chi = susceptibility(est, "train", "shifted")
    assert chi.verdict != "ok" and any("one chain" in r for r in chi.reasons)
    assert any(r.startswith("the chains' LLC verdict") for r in chi.reasons) == (est.verdict != "ok")


def test_bad_observables_are_refused_by_name(linear):
    model, data, shifted, probe = linear
    run = dict(step_size=1e-3, num_draws=10, num_burnin=0, checks=False)
    with pytest.raises(BadSetting, match="'loss'"):
        estimate_llc(model, data, observables={LOSS: average_loss(shifted)}, **run)
    with pytest.raises(BadSetting, match="mapping"):
        estimate_llc(model, data, observables=[average_loss(shifted)], **run)
    with pytest.raises(BadSetting, match="spec or a function"):
        estimate_llc(model, data, observables={"x": 3}, **run)
    with pytest.raises(BadData, match="observable 'wide'.*rejected"):
        estimate_llc(model, data, observables={"wide": average_loss((torch.randn(5, 3).double(), torch.randn(5).double()))},
                     **run)
    with pytest.raises(BadSetting, match="returned a float"):
        estimate_llc(model, data, observables={"f": lambda m: float(m.weight.sum())}, **run)
    with pytest.raises(BadSetting, match="probe data"):
        sample_losses(None)
    with pytest.raises(BadSetting, match="two forms"):
        average_loss(shifted, loss_fn=lambda o, t: o, batch_loss=lambda m, b: m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        est = estimate_llc(model, data, observables={"probe": sample_losses(probe)}, **run)
    with pytest.raises(BadSetting, match="scalar"):
        susceptibility(est, "probe", "probe")
    with pytest.raises(BadSetting, match="minibatch noise"):  # Var(L_B) is not Var(L_n)
        susceptibility(est, LOSS, "probe")
    with pytest.raises(BadSetting, match="was not recorded"):
        bayesian_influence(est, "nope")
    with pytest.raises(BadSetting, match="form"):
        bayesian_influence(est, "probe", form="kernel")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        bare = estimate_llc(model, data, **run)
    with pytest.raises(BadSetting, match="no observables"):
        susceptibility(bare, LOSS, "x")


def test_what_users_hit_first(linear, tmp_path):
    """A reused trace folder, a non-finite observable, a constant one in the correlation form, and the
    estimate's own report of its observables."""
    model, data, shifted, probe = linear
    run = dict(step_size=1e-3, num_chains=2, num_draws=30, num_burnin=0, checks=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        est = estimate_llc(model, data, observables={"probe": sample_losses(probe), "const": lambda m: m.weight.sum() * 0,
                                                     "shifted": average_loss(shifted)},
                           observable_traces=tmp_path / "t", **run)
        with pytest.raises(BadSetting, match="already holds the traces"):
            estimate_llc(model, data, observables={"probe": sample_losses(probe)}, observable_traces=tmp_path / "t",
                         **run)
        with pytest.raises(BadSetting, match="folder"):
            estimate_llc(model, data, observables={"probe": sample_losses(probe)},
                         observable_traces=tmp_path / "t" / "probe.f32", **run)
        with pytest.raises(BadData, match="not finite at w"):
            estimate_llc(model, data, observables={"log": lambda m: torch.log(m.weight[0, 0] - m.weight[0, 0])}, **run)
    flat = bayesian_influence(est, "probe", "const", form="correlation")
    assert flat.verdict == "unreliable" and any("not finite" in r for r in flat.reasons)
    assert np.all(bayesian_influence(est, "probe", "const").value == 0)
    assert "probe (6)" in est.summary() and est.to_dict()["observables"]["sizes"]["probe"] == P
