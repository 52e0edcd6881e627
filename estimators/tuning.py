"""Automatic settings for :func:`~estimators.estimate_llc`: step size, batch size, burn-in, chain length.

**The bias index.**  For unadjusted Langevin (SGLD) with step ε on a Gaussian potential whose
curvature along a direction is a, the stationary variance along it is
(1 + εN/4) / (a·(1 − εa/4)) instead of 1/a, where N is the variance of the minibatch gradient
noise along the direction: the discretisation (Roberts & Tweedie 1996, §1.4.1) and the minibatch
noise (Welling & Teh 2011, §4; Vollmer, Zygalakis & Teh 2016, "Exploration of the (non-)asymptotic
bias and variance of stochastic gradient Langevin dynamics", JMLR 17, Thm 3.3 and §5) inflate it
by x_a ≈ εa/4 + εN/4.  The LLC estimator nβ·(E[L] − L(w*)) averages these inflations, weighted by
each direction's share s_a = nβh_a/a of the estimate.  Two averages over the chains' own steps give
that weighted average without knowing the directions: in the Gaussian case
E‖G^½·nβ∇L_B‖² = Σ s_a·(a + N) (to first order) and E[(w − w*)·nβ∇L_B] = Σ s_a (the virial), so

    x = (ε/4) · E‖G^½·nβ∇L_B‖² / E[(w − w*)·nβ∇L_B],

with G the sampler's diagonal preconditioner (I for SGLD; in the preconditioned coordinates
RMSProp-SGLD is SGLD), and the estimate is high by about x/(1 − x) (exactly, for a Gaussian).
For a potential |w|^k in one coordinate the same index predicts the bias of E[U] to within a few
per cent for k = 2, 4, 6 at x ≤ 0.1 (tested).  It is computed on every step at no cost.

**The rules.**  During burn-in the step size is adapted in blocks to hold x at
:data:`TARGET_BIAS_INDEX` (the last block's x sets the next ε; divergence restarts the block from
its first state at ε/10; a block that cannot measure x, because the chains have not yet felt any
gradient, doubles ε).  The first ε is 4·x/a_max from the largest eigenvalue of ∇²U at w*
(:func:`~estimators.curvature.hessian_spectrum`), and at most 1/nβ.  The batch size is chosen
twice during burn-in from the per-sample gradient variance C at the chains' current points
(:func:`~estimators.curvature.gradient_noise`): the smallest B ≥ 256 whose noise part
nβ²·tr(GC)·(1/B − 1/n) of E‖G^½nβ∇L_B‖² is at most :data:`NOISE_TO_CURVATURE` times the
curvature part (the noise weighed by the sampler's ``noise_gain``: 1/friction for SGHMC), or the
full batch when that is more than n/2 (so the minibatch noise stays comparable to, not larger than,
the discretisation).  Burn-in ends when ε has settled (two updates
within 25%) and ‖w − w*‖² has stopped growing (its mean over the last quarter of the burn-in
within 10% of the quarter before), or at its share of the budget; an adaptive preconditioner
(RMSProp-SGLD's) is then held (:meth:`~estimators.samplers.RMSPropSGLD.for_draws`) and the burn-in
goes on until ε has settled again for the held G.  Draws are added in blocks
until the standard error of λ̂ is below ``target_rse``·|λ̂| (a fixed-width stopping rule, Jones,
Haran, Caffo & Neath 2006, "Fixed-width output analysis for Markov chain Monte Carlo", JASA 101)
or the budget is spent.  MALA's step is adapted to an acceptance rate of 0.574 (Roberts &
Rosenthal 1998, "Optimal scaling of discrete approximations to Langevin diffusions", JRSS B 60).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._run import Block, ChainRunner
from .diagnostics import ess

__all__ = ["TARGET_BIAS_INDEX", "NOISE_TO_CURVATURE", "bias_index", "predicted_bias"]

TARGET_BIAS_INDEX = 0.05
"""The bias index x held during sampling: a predicted relative bias of x/(1 − x) ≈ 5%."""
NOISE_TO_CURVATURE = 1.0
"""The largest ratio of the minibatch-noise part to the curvature part of E‖nβ∇L_B‖² the batch rule accepts."""
MALA_ACCEPTANCE = 0.574
BLOCK = 100
MIN_BLOCKS = 4
MIN_BATCH = 256
MIN_DRAWS = 200


def bias_index(step_size: float, sq_grad: np.ndarray, virial: np.ndarray) -> float:
    """x = (ε/4)·mean ‖G^½nβ∇L_B‖² / mean (w − w*)·nβ∇L_B over the steps given (``nan`` when the
    virial is not positive: the chains have not moved, or w* is not a minimum).

    Examples
    --------
    A Gaussian direction of curvature a sampled exactly has E[(a w)²] = a and E[w·a w] = 1:

    >>> bias_index(1e-3, np.array([200.0]), np.array([1.0]))  # x = εa/4 with a = 200
    0.05
    """
    sq, vir = float(np.nanmean(sq_grad)), float(np.nanmean(virial))
    if not (math.isfinite(sq) and math.isfinite(vir)) or vir <= 0:
        return math.nan
    return step_size / 4 * sq / vir


def predicted_bias(x: float) -> float:
    """The relative bias x/(1 − x) of the LLC estimate at bias index x (``inf`` for x ≥ 1).

    Examples
    --------
    >>> round(predicted_bias(0.05), 4)
    0.0526
    """
    if not math.isfinite(x):
        return math.nan
    return math.inf if x >= 1 else x / (1 - x)


@dataclass(frozen=True)
class Tuned:
    """What the burn-in settled: the step size and batch size, how many steps it took, and why;
    ``advised_batch_size`` is the batch the noise rule chooses when a smaller one was given."""

    step_size: float
    batch_size: int
    num_burnin: int
    step_size_source: str
    batch_size_source: str
    num_burnin_source: str
    first_nonfinite: tuple[int | None, ...]
    advised_batch_size: int | None = None


def _needed_batch(*, n: int, nbeta: float, curvature: float, noise_trace: float) -> float:
    """The smallest B whose noise nβ²·tr(GC)·(1/B − 1/n) is ≤ κ·curvature (∞ when none is)."""
    if noise_trace <= 0 or not math.isfinite(noise_trace):
        return 1.0
    if curvature <= 0:
        return math.inf
    return 1 / (1 / n + NOISE_TO_CURVATURE * curvature / (nbeta**2 * noise_trace))


def _batch_for_noise(needed: float, n: int) -> int:
    """The batch rule on the :func:`_needed_batch`: at least 256, and the full batch above n/2."""
    batch = max(MIN_BATCH, math.ceil(needed)) if math.isfinite(needed) else n
    return n if batch >= n / 2 else min(batch, n)


def _noise_part(nbeta: float, noise_trace: float, batch: int, n: int) -> float:
    return nbeta**2 * noise_trace * max(1 / batch - 1 / n, 0.0)


def _settled(history: list[float]) -> bool:
    return len(history) >= 3 and all(abs(math.log(history[-i] / history[-i - 1])) < math.log(1.25) for i in (1, 2))


def _stationary(radius2_means: list[float]) -> bool:
    k = max(1, len(radius2_means) // 4)
    if len(radius2_means) < max(MIN_BLOCKS, 2 * k):
        return False
    last, before = np.mean(radius2_means[-k:]), np.mean(radius2_means[-2 * k:-k])
    return abs(last - before) <= 0.1 * abs(last)


def tune(runner: ChainRunner, state, *, step_size: float | None, batch_size: int | None, num_burnin: int | None,
         max_burnin: int, first_step: float, noise_at: Callable[[object], float]):
    """Burn-in with the automatic rules (module docstring); ``None`` settings are chosen, the others kept.

    ``first_step`` is the starting ε; ``noise_at(state)`` returns tr(G·C) at the chains' points.
    Returns ``(state, Tuned)`` and leaves ``runner.sampler`` as the draws run it (an adaptive
    preconditioner held: :meth:`~estimators.samplers.RMSPropSGLD.for_draws`).
    """
    n, nbeta, metropolis = runner.n, runner.nbeta, runner.sampler.metropolis
    auto_step, auto_batch = step_size is None, batch_size is None and not runner.sampler.full_batch
    eps = first_step if auto_step else step_size
    batch = n if runner.sampler.full_batch else (min(n, MIN_BATCH) if batch_size is None else min(batch_size, n))
    batch_note = ("full batch (the sampler's)" if runner.sampler.full_batch else
                  "given" if batch_size is not None else f"the default {batch} until the noise was measured")
    limit = num_burnin if num_burnin is not None else max_burnin
    used, blocks, restarts, eps_history, radius_means, xs, advised = 0, 0, 0, [eps], [], [], None
    first_nonfinite: list[int | None] = [None] * runner.num_chains
    while used < limit:
        steps = min(BLOCK, limit - used)
        start = state
        state, block = runner.run(state, steps, step_size=eps, batch_size=batch, record_loss=False)
        if block.diverged and auto_step and restarts < 8:
            state, eps, restarts = start, eps / 10, restarts + 1
            eps_history.append(eps)
            continue
        first_nonfinite = [old if old is not None else None if new is None else used + new
                           for old, new in zip(first_nonfinite, block.first_nonfinite)]
        used += steps
        blocks += 1
        radius_means.append(float(np.nanmean(block.radius2)))
        if blocks in (2, 4) and (auto_batch or (blocks == 2 and batch < n and not runner.sampler.full_batch)):
            trace = noise_at(state)
            curvature = float(np.nanmean(block.sq_grad)) - _noise_part(nbeta, trace, batch, n)
            gain = runner.sampler.noise_gain
            needed = _needed_batch(n=n, nbeta=nbeta, curvature=curvature, noise_trace=trace * gain)
            chosen = _batch_for_noise(needed, n)
            rule = (f"{'' if gain == 1 else f'{gain:g} (the sampler’s noise gain) × '}"
                    f"nβ²·tr(GC)·(1/B − 1/n) ≤ {NOISE_TO_CURVATURE:g} × the curvature part of "
                    f"E‖G^½nβ∇L_B‖² ({curvature:.3g}), tr(GC) = {trace:.3g} at the chains' points after "
                    f"{used} steps → B = {chosen}" + (" (full batch)" if chosen >= n else ""))
            if auto_batch:
                batch, batch_note = chosen, f"auto: {rule}"
            elif needed > batch:
                advised, batch_note = chosen, f"given; below what the noise rule needs: {rule}"
        if auto_step:
            if metropolis:
                rate = float(np.nanmean(block.accept)) if block.accept is not None else MALA_ACCEPTANCE
                eps *= math.exp(2.0 * (rate - MALA_ACCEPTANCE))
                xs.append(rate)
            else:
                x = bias_index(eps, block.sq_grad, block.virial)
                xs.append(x)
                if math.isfinite(x) and x > 0:
                    eps *= min(4.0, max(0.1, TARGET_BIAS_INDEX / x))
                elif float(np.nanmean(block.sq_grad)) <= 0:
                    eps *= 2.0
            eps_history.append(eps)
        if num_burnin is None and (not auto_step or _settled(eps_history)) and _stationary(radius_means):
            if runner.sampler.for_draws() == runner.sampler:
                break
            runner.sampler = runner.sampler.for_draws()  # hold the settled preconditioner, then settle ε for it
            eps_history = eps_history[-1:]
    runner.sampler = runner.sampler.for_draws()  # the draws run what the burn-in ended with, held
    if auto_step:
        measured = "acceptance" if metropolis else "bias index x"
        target = MALA_ACCEPTANCE if metropolis else TARGET_BIAS_INDEX
        last = ", ".join(f"{v:.3g}" for v in xs[-3:])
        step_source = (f"auto: ε adapted over {blocks} burn-in blocks of {BLOCK} steps to hold the {measured} at "
                       f"{target:g} (last blocks: {last}); start {first_step:.3g} from the curvature at w*"
                       + (f"; {restarts} block(s) restarted after a divergence" if restarts else ""))
    else:
        step_source = "given"
    burnin_source = ("given" if num_burnin is not None else
                     f"auto: {used} steps, until ε settled and ‖w − w*‖² stopped growing" if used < limit else
                     f"auto: stopped at its share of the budget ({limit} steps) before ε and ‖w − w*‖² settled")
    return state, Tuned(eps, batch, used, step_source, batch_note, burnin_source, tuple(first_nonfinite), advised)


def draw(runner: ChainRunner, state, *, step_size: float, batch_size: int, num_draws: int | None, max_draws: int,
         target_rse: float, observe=None):
    """The recorded draws: ``num_draws`` of them, or (``None``) blocks until the standard error of
    λ̂ is below ``target_rse``·|λ̂| or ``max_draws`` are spent.  Returns ``(state, Block, source)``;
    ``observe(t, params, loss)`` sees every draw."""
    if num_draws is not None:
        state, block = runner.run(state, num_draws, step_size=step_size, batch_size=batch_size, record_loss=True,
                                  observe=observe)
        return state, block, "given"
    blocks, total = [], 0
    while total < max_draws:
        steps = min(max(BLOCK, total // 5) if total >= MIN_DRAWS else MIN_DRAWS, max_draws - total)
        offset = total
        state, block = runner.run(state, steps, step_size=step_size, batch_size=batch_size, record_loss=True,
                                  observe=None if observe is None else
                                  lambda t, params, loss: observe(offset + t, params, loss))
        blocks.append(block)
        total += steps
        joined = Block.concatenate(blocks)
        if joined.diverged:
            return state, joined, f"auto: stopped after {total} draws (a chain diverged)"
        se, value = standard_error(joined.loss, runner.nbeta, runner.init_loss)
        if math.isfinite(se) and se <= target_rse * max(abs(value), 0.05):
            return state, joined, (f"auto: {total} draws, when the standard error {se:.3g} fell below "
                                   f"{target_rse:g} × |λ̂|")
    joined = Block.concatenate(blocks)
    se, value = standard_error(joined.loss, runner.nbeta, runner.init_loss)
    return state, joined, (f"auto: the budget's {total} draws; the standard error {se:.3g} is above the target "
                           f"{target_rse:g} × |λ̂|")


def standard_error(losses: np.ndarray, nbeta: float, init_loss: float) -> tuple[float, float]:
    """(s.e., λ̂) of the estimate from ``(chains, draws)`` losses: the larger of the between-chain
    standard error and nβ·sd/√ESS of the pooled trace."""
    per_chain = nbeta * (losses.mean(axis=1) - init_loss)
    value = float(per_chain.mean())
    between = float(per_chain.std(ddof=1) / math.sqrt(len(per_chain))) if len(per_chain) > 1 else 0.0
    effective = ess(losses) if losses.shape[1] >= 4 else math.nan
    within = nbeta * float(losses.std()) / math.sqrt(effective) if math.isfinite(effective) and effective > 0 else math.nan
    return max(between, within if math.isfinite(within) else 0.0), value
