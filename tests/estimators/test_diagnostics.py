"""R-hat, ESS, the trend test and the loss helpers against independent formulas."""

import math

import numpy as np
import pytest
import torch

from estimators import BadSetting, cross_entropy_nll, default_nbeta, ess, gaussian_nll, llc_from_losses, rhat, trend_test


def _ar1(rho, chains, draws, seed):
    rng = np.random.default_rng(seed)
    x = np.zeros((chains, draws + 500))
    e = rng.standard_normal(x.shape)
    for t in range(1, x.shape[1]):
        x[:, t] = rho * x[:, t - 1] + e[:, t]
    return x[:, 500:]


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_ess_of_an_ar1_process_matches_its_integrated_autocorrelation_time(rho):
    # for AR(1), τ = (1 + ρ)/(1 − ρ), so ESS = N(1 − ρ)/(1 + ρ)
    x = _ar1(rho, 4, 20_000, seed=1)
    assert ess(x) == pytest.approx(x.size * (1 - rho) / (1 + rho), rel=0.15)


def test_rhat_is_near_one_for_chains_of_one_distribution_and_large_for_shifted_chains():
    x = _ar1(0.5, 4, 4000, seed=2)
    assert rhat(x) == pytest.approx(1.0, abs=0.01)
    x[0] += 3.0
    assert rhat(x) > 1.2


def test_trend_test_detects_a_relaxing_trace_but_not_a_stationary_one():
    stationary = _ar1(0.9, 4, 2000, seed=3) * math.sqrt(1 - 0.81)
    relaxing = stationary + 2.0 * np.exp(-np.arange(2000) / 300)
    assert not trend_test(stationary).moving
    assert trend_test(relaxing).moving


def test_llc_from_losses_is_nbeta_times_the_mean_excess_loss():
    losses = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(llc_from_losses(losses, nbeta=4.0, init_loss=1.5), [2.0, 2.0])


def test_gaussian_nll_equals_torchs_full_gaussian_nll():
    gen = torch.Generator().manual_seed(0)
    out, target = torch.randn(50, 3, generator=gen), torch.randn(50, 3, generator=gen)
    sigma = 0.7
    reference = torch.nn.GaussianNLLLoss(full=True, reduction="sum")(out, target, torch.full_like(out, sigma**2)) / 50
    assert float(gaussian_nll(sigma)(out, target)) == pytest.approx(float(reference), rel=1e-6)


def test_cross_entropy_nll_is_minus_log_softmax_at_the_label():
    logits, labels = torch.tensor([[2.0, 0.0, -1.0]]), torch.tensor([0])
    expected = -(2.0 - math.log(math.exp(2.0) + 1.0 + math.exp(-1.0)))
    assert float(cross_entropy_nll()(logits, labels)) == pytest.approx(expected)


def test_default_nbeta_and_bad_sigma():
    assert default_nbeta(100) == pytest.approx(100 / math.log(100))
    with pytest.raises(BadSetting, match="n=1"):
        default_nbeta(1)
    with pytest.raises(BadSetting, match="sigma"):
        gaussian_nll(0.0)
