"""Bounded memory and devices: chains in groups (``chain_batch``), streamed statistics, a step loop
that reads nothing back to the host, and the same estimate on a GPU (run where one is present).

The memory and throughput figures themselves are measured in benchmarks/bench_estimators.py."""

import collections
import math

import numpy as np
import pytest
import torch

from estimators import BadSetting, curvature, estimate_llc, gradient_noise
from estimators.llc import _chain_batch

pytestmark = pytest.mark.filterwarnings("ignore::estimators.LLCWarning")  # short runs: verdicts are not the subject

SETTINGS = dict(num_chains=5, num_draws=30, num_burnin=20, step_size=1e-4, batch_size=32, seed=3, checks=False,
                traces=("distance", "gradient_norm", "noise_norm"))


@pytest.fixture(scope="module")
def mlp():
    """A small tanh network at random weights, on data it generates (float32: vmap's own precision)."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(300, 3, generator=gen)
    with torch.no_grad():
        y = net(x) + 0.1 * torch.randn(300, 1, generator=gen)
    return net, x, y


def _same_chains(a, b):
    np.testing.assert_array_equal(a.losses, b.losses)
    for name in SETTINGS["traces"]:
        np.testing.assert_array_equal(a.traces[name], b.traces[name])
    assert a.mean == b.mean and a.std_err == b.std_err


@pytest.mark.parametrize("sampler", ["sgld", pytest.param("sghmc", marks=pytest.mark.slow),
                                     pytest.param("rmsprop_sgld", marks=pytest.mark.slow)])
def test_chain_batch_leaves_every_chain_s_draws_unchanged(mlp, sampler):
    # per-chain minibatches: each chain's batch, noise and parameters enter the vectorized step on
    # their own slice, so a group of 1, 2 or 5 chains computes chain i's step with the same kernels
    net, x, y = mlp
    runs = {size: estimate_llc(net, (x, y), sampler=sampler, chain_batch=size, **SETTINGS) for size in (5, 2)}
    assert [runs[size].config.chain_batch for size in (5, 2)] == [5, 2]
    _same_chains(runs[2], runs[5])  # groups of 2, 2 and 1 against one group of 5


@pytest.mark.slow
def test_chain_batch_with_both_control_variates_and_the_discretisation_check(mlp):
    # the gradient control variate evaluates w* beside each group's chains; the coupled ε/2 run
    # (checks=True) steps two states per group
    net, x, y = mlp
    settings = {**SETTINGS, "checks": True, "max_steps": 400, "gradient_control_variate": True}
    together, one_by_one = (estimate_llc(net, (x, y), chain_batch=size, **settings) for size in (5, 1))
    _same_chains(one_by_one, together)
    assert one_by_one.diagnostics.richardson == together.diagnostics.richardson
    assert together.diagnostics.richardson is not None


@pytest.mark.slow
def test_chain_batch_full_batch_mala_agrees_to_rounding(mlp):
    # In full batch every chain reads the same batch (not vmapped): a group of one chain and a group
    # of five run the same matmuls as differently batched kernels, whose float32 sums round in a
    # different order, so the draws agree to rounding (~1e-7 relative), not bitwise.
    net, x, y = mlp
    settings = {**SETTINGS, "batch_size": len(x)}
    together, one_by_one = (estimate_llc(net, (x, y), sampler="mala", chain_batch=size, **settings) for size in (5, 1))
    np.testing.assert_allclose(one_by_one.losses, together.losses, rtol=1e-5)
    assert one_by_one.mean == pytest.approx(together.mean, rel=1e-4)


@pytest.mark.parametrize("value", [0, 6, 2.5, "all", True])
def test_a_bad_chain_batch_is_refused_by_name(mlp, value):
    net, x, y = mlp
    with pytest.raises(BadSetting, match="chain_batch"):
        estimate_llc(net, (x, y), chain_batch=value, **SETTINGS)


def test_the_automatic_chain_batch_rule():
    # all chains while chains × d ≤ 2^20, else groups of max(1, 2^20 // d) (the docstring's rule)
    assert _chain_batch(None, 100, 6)[0] == 100
    assert _chain_batch(None, 4, 2**18)[0] == 4
    assert _chain_batch(None, 4, 2**18 + 1)[0] == 3
    assert _chain_batch(None, 4, 1_061_889)[0] == 1
    assert _chain_batch(3, 4, 1_061_889) == (3, "given")


def test_the_step_loop_reads_nothing_back_to_the_host(mlp, monkeypatch):
    # Every read of a tensor's value on the host (item, float, bool, numpy, ...) and every move to
    # another device is counted over a whole estimate; four times the draws must not add one, so
    # none happens per step (on a GPU each would be a synchronisation or a copy).
    net, x, y = mlp
    reads = ("item", "tolist", "numpy", "cpu", "__float__", "__int__", "__bool__", "__index__")
    counts = collections.Counter()
    for name in reads:
        def counted(self, *args, _original=getattr(torch.Tensor, name), _name=name, **kwargs):
            counts[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    to = torch.Tensor.to

    def moved(self, *args, **kwargs):
        if "device" in kwargs or any(isinstance(a, (str, torch.device)) for a in args):
            counts["to(device)"] += 1
        return to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", moved)
    totals = {}
    for draws in (8, 32):
        counts.clear()
        estimate_llc(net, (x, y), **{**SETTINGS, "num_draws": draws, "num_burnin": 0})
        totals[draws] = dict(counts)
    assert totals[8], "the counters saw nothing: the test would pass whatever the loop does"
    assert totals[32] == totals[8]


def test_gradient_noise_streamed_over_chunks_is_the_per_sample_variance(monkeypatch):
    # chunks of 3 rows (the last one shorter) merged by Chan et al.'s update give the variance of all
    # rows: ∇ℓ_i = −(y_i − w·x_i)·x_i for least squares, computed here by hand
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(10, 2, generator=gen, dtype=torch.float64)
    y = torch.randn(10, 1, generator=gen, dtype=torch.float64)
    net = torch.nn.Linear(2, 1, bias=False).double()
    point = {"weight": torch.tensor([[0.3, -0.7]], dtype=torch.float64)}
    per_sample = -(y - x @ point["weight"].T) * x
    monkeypatch.setattr(curvature, "_NOISE_FLOATS_PER_CHUNK", 3 * 2)
    for vectorize in (True, False):
        got = gradient_noise(net, lambda o, t: 0.5 * ((o - t) ** 2).mean(), point, x, y, vectorize=vectorize)
        np.testing.assert_allclose(got.numpy(), per_sample.var(dim=0, correction=1).numpy(), rtol=1e-12)


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@cuda
def test_an_estimate_on_cuda_agrees_with_the_cpu_within_its_errors(mlp):
    # the chains' generators live on the device, so the GPU draws other noise than the CPU: the two
    # estimates agree within their standard errors, not bitwise
    net, x, y = mlp
    settings = {**SETTINGS, "num_draws": 400, "num_burnin": 100}
    on_cpu = estimate_llc(net, (x, y), device="cpu", **settings)
    on_gpu = estimate_llc(net, (x, y), device="cuda", **settings)
    assert abs(on_gpu.mean - on_cpu.mean) < 4 * math.hypot(on_gpu.std_err, on_cpu.std_err)
    assert next(net.parameters()).device.type == "cpu"  # the caller's module is not moved


@cuda
def test_chain_batch_on_cuda_leaves_every_chain_s_draws_unchanged(mlp):
    net, x, y = mlp
    together, one_by_one = (estimate_llc(net, (x, y), device="cuda", chain_batch=size, **SETTINGS) for size in (5, 1))
    np.testing.assert_allclose(one_by_one.losses, together.losses, rtol=1e-5)


@cuda
def test_same_seed_same_numbers_on_cuda(mlp):
    net, x, y = mlp
    a, b = (estimate_llc(net, (x, y), device="cuda", **SETTINGS) for _ in range(2))
    np.testing.assert_array_equal(a.losses, b.losses)


def test_the_chain_batch_is_in_the_summary(mlp):
    net, x, y = mlp
    est = estimate_llc(net, (x, y), chain_batch=2, **SETTINGS)
    assert "2 chains per step: given" in est.summary()
    assert est.to_dict()["config"]["chain_batch"] == 2
