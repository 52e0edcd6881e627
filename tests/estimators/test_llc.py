"""estimate_llc on models whose answer is known in closed form, reproducibility, and bad input.

The automatic settings and the self-checks have tests of their own in test_trust.py."""

import json
import logging
import math
import warnings

import numpy as np
import pytest
import torch

from estimators import BadData, BadSetting, LLCWarning, estimate_llc, gaussian_nll

N, D = 2000, 3


@pytest.fixture(scope="module")
def regular():
    """Linear regression y = x·w + N(0, 1) at its least-squares w*: L_n is exactly quadratic."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(N, D, generator=gen, dtype=torch.float64)
    y = x @ torch.tensor([1.0, -0.5, 2.0], dtype=torch.float64) + torch.randn(N, generator=gen, dtype=torch.float64)
    model = torch.nn.Linear(D, 1, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.linalg.lstsq(x, y[:, None]).solution.T)
    return model, x, y


def _quadratic_target(x, *, nbeta, localization, step_size=0.0):
    """E[nβ(L_n − L_n(w*))] for L_n = ½(w − w*)ᵀH(w − w*) + const, H = XᵀX/n, under
    exp(−nβ L − γ/2‖w − w*‖²) as sampled by full-batch unadjusted Langevin with step ε:
    per eigendirection a = nβh + γ, stationary variance 1 / (a(1 − εa/4)) (ε = 0: the exact posterior)."""
    h = torch.linalg.eigvalsh(x.T @ x / x.shape[0]).numpy()
    a = nbeta * h + localization
    variance = 1 / (a * (1 - step_size * a / 4))
    return float(nbeta * 0.5 * (h * variance).sum())


def test_regular_model_mala_matches_d_over_2_within_the_chains_error(regular):
    model, x, y = regular
    est = estimate_llc(model, (x, y), sampler="mala", step_size=2e-3, num_chains=8, num_draws=2000, seed=0)
    target = _quadratic_target(x, nbeta=est.nbeta, localization=1.0)
    assert target == pytest.approx(D / 2, rel=0.01)  # the temperature costs nothing for a regular model
    assert abs(est.mean - target) < 4 * est.std_err
    assert est.diagnostics.acceptance > 0.5 and not est.diagnostics.warnings


def test_full_batch_sgld_matches_its_discretised_target_and_is_flagged(regular):
    model, x, y = regular
    step = 3e-3
    with pytest.warns(LLCWarning, match="discretisation"):
        est = estimate_llc(model, (x, y), step_size=step, batch_size=N, num_chains=8, num_draws=1000, num_burnin=200,
                           seed=1)
    target = _quadratic_target(x, nbeta=est.nbeta, localization=1.0, step_size=step)
    exact = _quadratic_target(x, nbeta=est.nbeta, localization=1.0)
    assert target > exact * 1.2  # the step's own bias is large at this ε ...
    assert abs(est.mean - target) < 4 * est.std_err  # ... the estimate finds exactly it ...
    assert est.diagnostics.trust.check("discretisation").status != "ok"  # ... and says so,
    # with the bias measured by the coupled run at ε/2 and extrapolated away to first order
    assert abs(est.diagnostics.richardson.extrapolated - exact) < 0.05 * exact


@pytest.mark.slow  # 17 s: 8 chains × 3000 minibatch draws; the regular-model value tests in test_model_data stay
def test_minibatch_sgld_on_a_regular_model(regular):
    model, x, y = regular
    est = estimate_llc(model, (x, y), step_size=2e-4, batch_size=500, num_chains=8, num_draws=3000, seed=2,
                       checks=False)
    assert not est.config.gradient_control_variate  # a given step keeps the plain minibatch gradient
    # minibatch gradient noise adds ε·nβ²·Var(g)/(4B) ≈ 5% per direction here: allow 10% on top of 4 s.e.
    assert abs(est.mean - D / 2) < 4 * est.std_err + 0.1 * D / 2
    assert est.config.nbeta == pytest.approx(N / math.log(N))
    assert est.config.nbeta_source.startswith("default n / log n")
    with torch.no_grad():
        assert est.init_loss == pytest.approx(float(gaussian_nll(1.0)(model(x)[:, 0], y)))


def test_weight_refined_llc_samples_only_the_chosen_parameters(regular):
    _, x, y = regular

    class Split(torch.nn.Module):
        def __init__(self, w):
            super().__init__()
            self.a = torch.nn.Parameter(w[:2].clone())
            self.b = torch.nn.Parameter(w[2:].clone())

        def forward(self, inputs):
            return inputs[:, :2] @ self.a + inputs[:, 2:] @ self.b

    w = torch.linalg.lstsq(x, y[:, None]).solution[:, 0]
    model = Split(w).double()
    est = estimate_llc(model, (x, y), sampler="mala", step_size=2e-3, weights=["a"], num_chains=8, num_draws=1500,
                       checks=False)
    assert est.config.sampled == ("a",) and est.config.num_sampled == 2
    # the quadratic form restricted to a: H_aa
    h = (x[:, :2].T @ x[:, :2] / N).numpy()
    a = est.nbeta * np.linalg.eigvalsh(h) + 1.0
    target = float(0.5 * est.nbeta * (np.linalg.eigvalsh(h) / a).sum())
    assert abs(est.mean - target) < 4 * est.std_err
    assert torch.equal(model.b.detach(), w[2:].to(model.b.dtype))  # the module is not modified


@pytest.mark.filterwarnings("ignore::estimators.LLCWarning")  # 50 draws of a hot step: the numbers are the subject
def test_same_seed_same_numbers_and_chain_i_independent_of_the_number_of_chains(regular):
    model, x, y = regular
    kw = dict(step_size=1e-3, num_draws=50, num_burnin=10, batch_size=100)
    a = estimate_llc(model, (x, y), num_chains=2, seed=7, **kw)
    b = estimate_llc(model, (x, y), num_chains=2, seed=7, **kw)
    c = estimate_llc(model, (x, y), num_chains=5, seed=7, **kw)
    d = estimate_llc(model, (x, y), num_chains=2, seed=8, **kw)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_allclose(c.losses[:2], a.losses, rtol=1e-12)
    assert not np.allclose(a.losses, d.losses)


@pytest.mark.filterwarnings("ignore::estimators.LLCWarning")  # 40 draws: the point is that both paths agree
def test_vectorized_and_sequential_chains_agree(regular, caplog):
    model, x, y = regular
    kw = dict(step_size=1e-3, num_chains=3, num_draws=40, num_burnin=5, batch_size=64, seed=3)
    fast = estimate_llc(model, (x, y), **kw)
    slow = estimate_llc(model, (x, y), vectorize=False, **kw)
    assert fast.config.vectorized and not slow.config.vectorized
    np.testing.assert_allclose(fast.losses, slow.losses, rtol=1e-9)


def test_a_module_vmap_cannot_handle_falls_back_to_sequential_and_says_why(regular, caplog):
    _, x, y = regular

    class ItemCalling(torch.nn.Linear):
        def forward(self, inputs):
            scale = 1.0 if float(self.weight.sum().item()) < 1e9 else 0.0  # .item() is refused under vmap
            return scale * super().forward(inputs)

    model = ItemCalling(D, 1, bias=False).double()
    with caplog.at_level(logging.WARNING, logger="estimators"), warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)
        est = estimate_llc(model, (x, y), step_size=1e-4, num_chains=2, num_draws=20, num_burnin=0, batch_size=64)
    assert not est.config.vectorized and est.diagnostics.fallback_reason
    assert sum("one at a time" in r.getMessage() for r in caplog.records) == 1


def test_divergent_chains_are_named_excluded_and_warned_about(regular):
    model, x, y = regular
    with pytest.warns(LLCWarning, match="diverged"):
        est = estimate_llc(model, (x, y), step_size=0.5, num_chains=3, num_draws=300, num_burnin=0, batch_size=N)
    d = est.diagnostics
    assert len(d.divergences) == 3 and set(d.excluded_chains) == {0, 1, 2}
    assert all(div.step >= 0 and div.chain in (0, 1, 2) for div in d.divergences)
    assert math.isnan(est.mean) and est.verdict == "unreliable"
    payload = json.loads(json.dumps(est.to_dict(), allow_nan=False))  # a diverged estimate is still valid JSON
    assert payload["llc"] is None and payload["verdict"] == "unreliable"
    assert "diverged" in est.summary()


def test_a_point_that_is_not_a_minimum_gets_a_negative_estimate_and_a_flag(regular):
    model, x, y = regular
    shifted = torch.nn.Linear(D, 1, bias=False).double()
    with torch.no_grad():
        shifted.weight.copy_(model.weight + 0.3)
    with pytest.warns(LLCWarning, match="not a local minimum"):
        est = estimate_llc(shifted, (x, y), step_size=1e-3, localization=0.0, num_chains=2, num_draws=200,
                           batch_size=N)
    assert est.mean < 0 and est.diagnostics.not_local_minimum and est.verdict == "unreliable"


def test_waic_singular_fluctuation_of_a_regular_model_is_d_over_2(regular):
    # at β = 1 (nβ = n) a regular model has ν = d/2 (Watanabe 2010, JMLR 11, §4)
    model, x, y = regular
    est = estimate_llc(model, (x, y), sampler="mala", step_size=4e-4, nbeta=float(N), localization=0.0,
                       num_chains=8, num_draws=1000, waic=True)
    assert est.waic.num_draws == 800
    assert est.waic.singular_fluctuation == pytest.approx(D / 2, rel=0.25)
    assert est.waic.waic == pytest.approx(est.waic.training_loss + est.waic.functional_variance / N)


@pytest.mark.filterwarnings("ignore::estimators.LLCWarning")  # 100 draws of a hot step: flagged, as it should be
def test_summary_plot_and_to_dict(regular, tmp_path):
    model, x, y = regular
    est = estimate_llc(model, (x, y), step_size=1e-3, num_chains=2, num_draws=100, batch_size=N)
    assert "LLC estimate" in est.summary() and "R-hat" in est.summary() and "verdict" in est.summary()
    assert repr(est).startswith("LLCEstimate(mean=")
    path = est.plot(tmp_path / "trace.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    payload = json.loads(json.dumps(est.to_dict(), allow_nan=False))
    assert payload["config"]["nbeta"] == est.nbeta and len(payload["per_chain"]) == 2


@pytest.mark.filterwarnings("ignore::estimators.LLCWarning")  # 20 draws: the point is that the paths agree
def test_accepts_a_dataloader_and_a_dataset(regular):
    model, x, y = regular
    dataset = torch.utils.data.TensorDataset(x, y)
    run = dict(step_size=1e-3, num_chains=2, num_draws=20, num_burnin=0)
    in_order = estimate_llc(model, torch.utils.data.DataLoader(dataset, batch_size=100), **run)
    tensors = estimate_llc(model, (x, y), batch_size=100, **run)
    assert in_order.config.batch_size == 100
    np.testing.assert_array_equal(in_order.losses, tensors.losses)
    # a shuffling loader: the same rows in another order (the same L_n), read the same way every call
    shuffled = torch.utils.data.DataLoader(dataset, batch_size=100, shuffle=True)
    torch.manual_seed(1)
    a = estimate_llc(model, shuffled, **run)
    state = torch.random.get_rng_state()
    torch.manual_seed(2)
    b = estimate_llc(model, shuffled, **run)
    assert a.init_loss == pytest.approx(tensors.init_loss, rel=1e-12)
    np.testing.assert_array_equal(a.losses, b.losses)
    torch.manual_seed(1)
    estimate_llc(model, shuffled, **run)
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's global random state is left alone
    assert "one pass over the DataLoader" in a.config.data_source


@pytest.mark.parametrize(
    "change, error, match",
    [
        (dict(step_size=0.0), BadSetting, "step_size"),
        (dict(step_size=-1e-3), BadSetting, "step_size"),
        (dict(step_size="automatic"), BadSetting, "step_size='automatic' must be a number or 'auto'"),
        (dict(num_draws="many"), BadSetting, "num_draws"),
        (dict(num_burnin=-1), BadSetting, "num_burnin"),
        (dict(max_steps=10), BadSetting, "max_steps"),
        (dict(target_rse=0.0), BadSetting, "target_rse"),
        (dict(nbeta=0.0), BadSetting, "nbeta"),
        (dict(nbeta=-5.0), BadSetting, "nbeta"),
        (dict(localization=-1.0), BadSetting, "localization"),
        (dict(num_chains=0), BadSetting, "num_chains"),
        (dict(num_draws=2), BadSetting, "num_draws"),
        (dict(sampler="adam"), BadSetting, "sampler"),
        (dict(weights=["nope*"]), BadSetting, "weights"),
        (dict(data=(torch.zeros(0, D), torch.zeros(0))), BadData, "empty"),
        (dict(data=(torch.zeros(10, D), torch.zeros(9))), BadData, r"\[9, 10\] rows"),
        (dict(data=(torch.full((10, D), math.nan), torch.zeros(10))), BadData, "non-finite"),
        (dict(data=(torch.zeros(10, D + 2, dtype=torch.float64), torch.zeros(10, dtype=torch.float64))),
         BadData, "rejected the data"),
    ],
)
def test_bad_input_gets_a_named_error(regular, change, error, match):
    model, x, y = regular
    kwargs = dict(step_size=1e-3, num_draws=10, num_burnin=0)
    data = change.pop("data", (x, y))
    kwargs.update(change)
    with pytest.raises(error, match=match):
        estimate_llc(model, data, **kwargs)


def test_a_module_without_parameters_is_refused(regular):
    _, x, y = regular
    with pytest.raises(BadSetting, match="no parameters"):
        estimate_llc(torch.nn.Identity(), (x, y), step_size=1e-3)


def test_control_variate_removes_minibatch_noise_and_keeps_the_mean():
    # regular linear model, d = 2 (λ = 1), n = 50 000 with batch 100: the draws cover < 3 passes,
    # so the plain estimator's noise nβ·sd(loss)/√(draws·batch) is about 10× λ
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(50_000, 2, generator=gen, dtype=torch.float64)
    y = x @ torch.tensor([0.5, -1.0], dtype=torch.float64) + torch.randn(50_000, generator=gen, dtype=torch.float64)
    model = torch.nn.Linear(2, 1, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.linalg.lstsq(x, y[:, None]).solution.T)
    settings = dict(step_size=2e-5, batch_size=100, num_chains=4, num_draws=1000, num_burnin=200, seed=1, checks=False)
    with warnings.catch_warnings():  # batch 100 at nβ = 4621 inflates the posterior: not this test's subject
        warnings.simplefilter("ignore", LLCWarning)
        plain = estimate_llc(model, (x, y), control_variate=False, **settings)
        cv = estimate_llc(model, (x, y), **settings)
    assert cv.config.control_variate and not plain.config.control_variate
    assert cv.std_err < plain.std_err / 5
    # the chains are the same (the control variate only changes what is recorded), and the recorded
    # difference L_B(w*) − L_n(w*) has mean zero: the estimate's expectation is unchanged
    difference = (plain.losses - cv.losses).ravel()
    assert abs(difference.mean()) < 4 * difference.std() / math.sqrt(difference.size)
    assert difference.std() > 0


@pytest.mark.filterwarnings("ignore::estimators.LLCWarning")  # 50 draws
def test_control_variate_is_a_no_op_in_full_batch(regular):
    model, x, y = regular
    a = estimate_llc(model, (x, y), step_size=1e-4, batch_size=len(x), num_draws=50, control_variate=True,
                     checks=False)
    b = estimate_llc(model, (x, y), step_size=1e-4, batch_size=len(x), num_draws=50, control_variate=False,
                     checks=False)
    np.testing.assert_array_equal(a.losses, b.losses)
    assert not a.config.control_variate
