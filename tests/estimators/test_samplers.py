"""The transitions, checked against hand-derived identities (no RNG inside a step)."""

import math

import pytest
import torch

from estimators import mala, sghmc, sgld
from estimators._chains import make_loss_and_grad
from estimators._kernel import Noise
from estimators._objective import Objective, PairLoss


def _quadratic(params, batch):
    w = params["w"]
    return 0.5 * (w**2).sum(dim=1), {"w": w.clone()}


def _noise(gen, shape):
    return Noise(normal={"w": torch.randn(shape, generator=gen, dtype=torch.float64)},
                 uniform=torch.rand(shape[:1], generator=gen, dtype=torch.float64))


@pytest.mark.parametrize("vectorize", [True, False])
def test_sgld_with_zero_noise_and_zero_localization_is_a_gradient_step_on_a_real_module(vectorize):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
    x, y = torch.randn(16, 3, dtype=torch.float64), torch.randn(16, 1, dtype=torch.float64)
    mse = lambda out, target: ((out - target) ** 2).mean()  # noqa: E731
    loss_and_grad = make_loss_and_grad(Objective(net, PairLoss(mse), {}), per_chain_batch=False, vectorize=vectorize)
    params = {k: v.detach().unsqueeze(0).repeat(2, *([1] * v.dim())) for k, v in net.named_parameters()}
    zero = Noise(normal={k: torch.zeros_like(v) for k, v in params.items()}, uniform=torch.zeros(2))
    new, info = sgld.step(sgld.init(params, params), (x, y), zero, loss_and_grad=loss_and_grad,
                          step_size=0.02, nbeta=50.0, localization=0.0)
    loss = mse(net(x), y)
    loss.backward()  # the plain autograd route
    for name, p in net.named_parameters():
        for chain in range(2):
            torch.testing.assert_close(new.params[name][chain], p.detach() - 0.5 * 0.02 * 50.0 * p.grad)
    torch.testing.assert_close(info.loss, loss.detach().repeat(2))


def test_sgld_localization_pulls_towards_the_centre_by_epsilon_gamma_over_two():
    params, center = {"w": torch.tensor([[2.0]])}, {"w": torch.tensor([[1.0]])}
    flat = lambda p, b: (torch.zeros(1), {"w": torch.zeros_like(p["w"])})  # noqa: E731
    zero = Noise(normal={"w": torch.zeros(1, 1)}, uniform=torch.zeros(1))
    new, _ = sgld.step(sgld.init(params, center), (), zero, loss_and_grad=flat, step_size=0.1, nbeta=1.0,
                       localization=4.0)
    assert float(new.params["w"]) == pytest.approx(2.0 - 0.5 * 0.1 * 4.0 * 1.0)


def test_sghmc_with_friction_one_is_sgld_with_the_same_noise():
    gen = torch.Generator().manual_seed(3)
    params = {"w": torch.randn(5, 3, generator=gen, dtype=torch.float64)}
    center = {"w": torch.zeros(5, 3, dtype=torch.float64)}
    a, b = sgld.init(params, center), sghmc.init(params, center)
    for _ in range(20):
        noise = _noise(gen, (5, 3))
        a, _ = sgld.step(a, (), noise, loss_and_grad=_quadratic, step_size=0.05, nbeta=3.0, localization=0.5)
        b, _ = sghmc.step(b, (), noise, loss_and_grad=_quadratic, step_size=0.05, nbeta=3.0, localization=0.5,
                          friction=1.0)
        torch.testing.assert_close(a.params["w"], b.params["w"])


def test_rmsprop_sgld_with_a_constant_preconditioner_is_sgld_with_a_scaled_step():
    # with |g| constant, V = g² at every step, so G = 1/(eps + |g|) and the step is SGLD's with ε·G
    slope = lambda p, b: (p["w"].sum(dim=1), {"w": torch.full_like(p["w"], 2.0)})  # noqa: E731
    gen = torch.Generator().manual_seed(0)
    params, center = {"w": torch.zeros(3, 2, dtype=torch.float64)}, {"w": torch.zeros(3, 2, dtype=torch.float64)}
    r, s = sgld.rmsprop_init(params, center), sgld.init(params, center)
    scale = 1.0 / (0.5 + 2.0)
    for _ in range(5):
        noise = _noise(gen, (3, 2))
        r, _ = sgld.rmsprop_step(r, (), noise, loss_and_grad=slope, step_size=0.1, nbeta=1.0, localization=0.0,
                                 eps=0.5)
        s, _ = sgld.step(s, (), noise, loss_and_grad=slope, step_size=0.1 * scale, nbeta=1.0, localization=0.0)
        torch.testing.assert_close(r.params["w"], s.params["w"])


def test_rmsprop_sgld_held_keeps_its_preconditioner():
    # after one adapting step V = g² = 4; held, a gradient of 10 leaves it there, so G = 1/(eps + 2)
    params, center = {"w": torch.zeros(1, 1, dtype=torch.float64)}, {"w": torch.zeros(1, 1, dtype=torch.float64)}
    state = sgld.rmsprop_init(params, center)
    zero = Noise(normal={"w": torch.zeros(1, 1, dtype=torch.float64)}, uniform=torch.zeros(1, dtype=torch.float64))
    state, _ = sgld.rmsprop_step(state, (), zero, loss_and_grad=lambda p, b: (p["w"].sum(dim=1), {"w": p["w"] + 2.0}),
                                 step_size=0.0, nbeta=1.0, localization=0.0)
    steep = lambda p, b: (p["w"].sum(dim=1), {"w": p["w"] + 10.0})  # noqa: E731
    held, info = sgld.rmsprop_step(state, (), zero, loss_and_grad=steep, step_size=0.0, nbeta=1.0, localization=0.0,
                                   eps=0.1, adapt=False)
    torch.testing.assert_close(held.square_avg["w"], torch.full((1, 1), 4.0, dtype=torch.float64))
    torch.testing.assert_close(info.preconditioner["w"], torch.full((1, 1), 1 / 2.1, dtype=torch.float64))
    moved, _ = sgld.rmsprop_step(state, (), zero, loss_and_grad=steep, step_size=0.0, nbeta=1.0, localization=0.0)
    assert float(moved.square_avg["w"]) == pytest.approx(0.99 * 4 + 0.01 * 100)


def _second_moment(step, state, *, steps, step_size, **extra):
    gen = torch.Generator().manual_seed(11)
    total, count = 0.0, 0
    for t in range(steps):
        state, _ = step(state, (), _noise(gen, state.params["w"].shape), loss_and_grad=_quadratic,
                        step_size=step_size, nbeta=1.0, localization=0.0, **extra)
        if t >= 200:
            total += float(state.params["w"].square().mean())
            count += 1
    return total / count


def test_mala_corrects_the_discretisation_bias_that_sgld_shows():
    # target N(0, 1): unadjusted Langevin with step ε has stationary variance 1 / (1 - ε/4);
    # MALA's Metropolis test removes that bias (Roberts & Tweedie 1996).
    eps = 1.0
    start = {"w": torch.zeros(200, 1, dtype=torch.float64)}
    ula = _second_moment(sgld.step, sgld.init(start, start), steps=1200, step_size=eps)
    exact = _second_moment(mala.step, mala.init(start, start), steps=1200, step_size=eps)
    assert ula == pytest.approx(1 / (1 - eps / 4), rel=0.05)
    assert exact == pytest.approx(1.0, rel=0.05)


def test_mala_log_acceptance_is_zero_for_a_move_that_preserves_the_target_exactly():
    # for U = w²/2 the move w -> -w has U(w) = U(w'), and q(w'|w) = q(w|w') by symmetry
    w, v = {"w": torch.tensor([[0.7]])}, {"w": torch.tensor([[-0.7]])}
    u = 0.5 * torch.tensor([0.49])
    log_a = mala.log_acceptance(u, u, {"w": w["w"]}, {"w": v["w"]}, w, v, step_size=0.3)
    assert float(log_a) == pytest.approx(0.0, abs=1e-7)
    assert math.isfinite(float(log_a))


def test_sghmc_weighs_minibatch_noise_by_one_over_its_friction():
    # the gradient error's variance (ε/2)²·V enters the momentum against the injected α·ε (SGLD: against ε)
    from estimators.samplers import SGHMC, SGLD, RMSPropSGLD

    assert SGHMC(friction=0.25).noise_gain == pytest.approx(4.0)
    assert SGLD().noise_gain == RMSPropSGLD().noise_gain == 1.0
