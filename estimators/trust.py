"""The verdict on an LLC estimate: a list of checks, each ok, doubtful or unreliable, with reasons.

Every check reads numbers that :func:`~estimators.estimate_llc` measured anyway; none re-runs
the estimate.  The verdict is the worst status among the checks; the reasons are the messages of
the checks that are not ok, in words a user can act on.  The thresholds are module constants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Check", "Trust", "verdict"]

STATUSES = ("ok", "doubtful", "unreliable")
NOT_RUN = "not run"

BIAS_DOUBTFUL, BIAS_UNRELIABLE = 0.10, 0.30
"""Predicted or measured relative bias from the step size and the minibatch noise."""
RICHARDSON_Z = 3.0
"""The coupled run's change counts only beyond this many standard errors (its tails are heavy)."""
NOISE_DOUBTFUL = 0.25
"""Variance added by the minibatch gradient noise, as a share of the injected noise's."""
RHAT_DOUBTFUL, RHAT_UNRELIABLE = 1.1, 1.5
ESS_DOUBTFUL = 50.0
STIFF = 1e3  # condition number of ∇²U above which the mixing check advises a preconditioner
DROP_DOUBTFUL, DROP_UNRELIABLE = 0.15, 0.5
"""How far below w* the potential falls within reach, as a share of λ̂."""
REGULAR_DOUBTFUL, REGULAR_UNRELIABLE = 0.15, 0.30
PRECISION_DOUBTFUL = 0.25
"""Standard error as a share of |λ̂|."""


@dataclass(frozen=True, slots=True)
class Check:
    """One self-check: its ``name``, ``status`` ("ok", "doubtful", "unreliable" or "not run"),
    the number it turned on (``value``, or ``None``) and what it found, in words."""

    name: str
    status: str
    value: float | None
    message: str

    def to_dict(self) -> dict:
        value = self.value if self.value is None or math.isfinite(self.value) else None
        return {"name": self.name, "status": self.status, "value": value, "message": self.message}


@dataclass(frozen=True, slots=True)
class Trust:
    """The ``verdict`` ("ok", "doubtful" or "unreliable"), the ``reasons`` (messages of the checks
    that are not ok, worst first) and every ``check``.

    Examples
    --------
    >>> trust = verdict([Check("mixing", "ok", 1.01, "R-hat 1.01"), Check("bias", "doubtful", 0.12, "12% high")])
    >>> trust.verdict, trust.reasons
    ('doubtful', ('bias: 12% high',))
    """

    verdict: str
    reasons: tuple[str, ...]
    checks: tuple[Check, ...]

    def check(self, name: str) -> Check | None:
        """The check called ``name``, or ``None``."""
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "reasons": list(self.reasons), "checks": [c.to_dict() for c in self.checks]}


def verdict(checks) -> Trust:
    """The :class:`Trust` of a list of checks: the worst status, and the reasons of the others."""
    checks = tuple(checks)
    rank = {status: i for i, status in enumerate(STATUSES)}
    judged = [c for c in checks if c.status in rank]
    worst = max((rank[c.status] for c in judged), default=0)
    flagged = sorted((c for c in judged if c.status != "ok"), key=lambda c: -rank[c.status])
    return Trust(STATUSES[worst], tuple(f"{c.name}: {c.message}" for c in flagged), checks)


def _grade(value: float, doubtful: float, unreliable: float) -> str:
    if not math.isfinite(value):
        return "unreliable"
    return "unreliable" if value > unreliable else "doubtful" if value > doubtful else "ok"


def divergence_check(diverged: int, chains: int) -> Check:
    if diverged == 0:
        return Check("divergence", "ok", 0.0, "no chain diverged")
    status = "unreliable" if diverged == chains or diverged > chains / 4 else "doubtful"
    return Check("divergence", status, float(diverged),
                 f"{diverged} of {chains} chains diverged and were left out; the step size is too large for part "
                 "of the posterior (lower step_size, or let it be chosen automatically)")


def sign_check(mean: float, std_err: float) -> Check:
    if not math.isfinite(mean):
        return Check("negative estimate", NOT_RUN, None, "no finite estimate")
    if mean + 2 * std_err < 0:
        return Check("negative estimate", "unreliable", mean,
                     f"λ̂ = {mean:.3g} < 0: the chains found lower loss than at w*, so w* is not a local minimum "
                     "(train further, or raise the localization γ)")
    return Check("negative estimate", "ok", mean, "λ̂ is not below 0")


def bound_check(mean: float, std_err: float, low: float, dimension: int, predicted: float = 0.0) -> Check:
    """λ̂ above d/2 (raised by the step's ``predicted`` relative bias, up to 10%) by more than two
    standard errors: doubtful; unreliable when even the interval's low end ``low`` (the estimate less its
    measured step bias) is above d/2."""
    if not math.isfinite(mean):
        return Check("upper bound d/2", NOT_RUN, None, "no finite estimate")
    allowance = 1 + min(max(predicted, 0.0), BIAS_DOUBTFUL) if math.isfinite(predicted) else 1.0
    if mean - 2 * std_err > dimension / 2 * allowance:
        status = "unreliable" if low > dimension / 2 else "doubtful"
        return Check("upper bound d/2", status, mean,
                     f"λ̂ = {mean:.4g} is above d/2 = {dimension / 2:g}, the largest value λ can take at a minimum "
                     f"of {dimension} parameters: the chains are too hot (step size, minibatch noise) or w* is not "
                     "a minimum")
    return Check("upper bound d/2", "ok", mean,
                 f"λ̂ = {mean:.4g} is not above d/2 = {dimension / 2:g} by more than two standard errors")


def bias_check(predicted: float, richardson) -> Check:
    """The step's bias: predicted from the bias index, and measured by the coupled run at ε/2."""
    if richardson is None:
        if not math.isfinite(predicted):
            return Check("discretisation", NOT_RUN, None, "the bias index could not be measured")
        status = _grade(abs(predicted), BIAS_DOUBTFUL, BIAS_UNRELIABLE)
        return Check("discretisation", status, predicted,
                     f"the step size and minibatch noise are predicted to raise λ̂ by {predicted:+.1%}"
                     + ("" if status == "ok" else "; lower step_size or raise batch_size"))
    measured, z = richardson.relative_bias, richardson.z
    significant = math.isfinite(z) and abs(z) > RICHARDSON_Z
    size = abs(measured) if significant else 0.0
    status = max(_grade(size, BIAS_DOUBTFUL, BIAS_UNRELIABLE),
                 _grade(abs(predicted), BIAS_DOUBTFUL, BIAS_UNRELIABLE) if math.isfinite(predicted) else "ok",
                 key=STATUSES.index)
    text = (f"halving the step moves λ̂ by {-measured / 2:+.1%} (z = {z:.1f}), so the step costs {measured:+.1%}; "
            + (f"extrapolated to ε → 0: {richardson.extrapolated:.4g}" if significant else
               f"within the coupled run's noise (|z| ≤ {RICHARDSON_Z:g}), so not extrapolated")
            + f"; predicted from the bias index: {predicted:+.1%}")
    if status != "ok":
        text += "; lower step_size or raise batch_size"
    return Check("discretisation", status, measured, text)


def noise_check(share: float, batch: int | None = None, advised: int | None = None) -> Check:
    """The minibatch noise's share of the bias index; doubtful above 25%, or when the given ``batch``
    is below the ``advised`` one the noise rule of :mod:`estimators.tuning` chooses."""
    if advised is not None and batch is not None and advised > batch:
        return Check("minibatch noise", "doubtful", share if math.isfinite(share) else None,
                     f"the given batch size {batch} is below the {advised} the noise rule chooses for this model "
                     f"(its minibatch noise can bias the estimate); pass batch_size={advised} or leave it automatic")
    if not math.isfinite(share):
        return Check("minibatch noise", NOT_RUN, None, "full batch, or the noise could not be measured")
    status = "doubtful" if share > NOISE_DOUBTFUL else "ok"
    return Check("minibatch noise", status, share,
                 f"the minibatch gradient noise adds {share:.1%} to the injected noise's variance (in the estimate's "
                 "weighting)" + ("; raise batch_size or lower step_size" if status != "ok" else ""))


def mixing_check(rhat: float, ess: float, moving: tuple[str, ...], stiffness: float | None = None) -> Check:
    """R-hat and ESS of the parameters' projections; ``stiffness`` is the condition number κ of ∇²U
    at w* for a sampler without a preconditioner.  On a Gaussian, Langevin steps contract a
    direction of curvature a by 1 − εa per step, and stability needs ε < 2/a_max, so the flattest
    direction needs more than κ/2 steps to relax: above κ = 10³ a preconditioner helps more than
    longer chains."""
    if not math.isfinite(rhat):
        return Check("mixing", NOT_RUN, None, "too few chains or draws to compare")
    status = max(_grade(rhat - 1, RHAT_DOUBTFUL - 1, RHAT_UNRELIABLE - 1),
                 "doubtful" if ess < ESS_DOUBTFUL or moving else "ok", key=STATUSES.index)
    text = f"R-hat {rhat:.3f} and ESS {ess:.0f} over the parameters' projections, ‖w − w*‖² and the loss"
    if moving:
        text += f"; still moving: {', '.join(moving)}"
    if status != "ok" and stiffness is not None and stiffness > STIFF:
        text += (f"; the curvature at w* spans a factor {stiffness:.2g}, so the step the stiffest direction allows "
                 "barely moves the flattest: use a preconditioned sampler (sampler='rmsprop_sgld') or rescale the "
                 "parameters")
    elif status != "ok":
        text += "; run longer (raise max_steps or num_draws)"
    return Check("mixing", status, rhat, text)


def minimum_check(minimum, mean: float) -> Check:
    if minimum is None:
        return Check("minimum", NOT_RUN, None, "not checked")
    scale = max(abs(mean), 1e-12) if math.isfinite(mean) else math.nan
    share = minimum.drop / scale if math.isfinite(scale) else math.nan
    where = ("a saddle point (curvature {:.3g} < 0)".format(minimum.lowest_curvature) if minimum.lowest_curvature < 0
             else "not at a minimum (‖nβ∇L_n‖ = {:.3g})".format(minimum.gradient_norm))
    status = _grade(share, DROP_DOUBTFUL, DROP_UNRELIABLE) if minimum.drop > 0 else "ok"
    if status == "ok":
        return Check("minimum", "ok", minimum.drop,
                     f"the potential falls by at most {minimum.drop:.3g} nats near w* ({minimum.how})")
    return Check("minimum", status, minimum.drop,
                 f"w* is {where}: the chains can lower nβ·L_n by about {minimum.drop:.3g} ({minimum.how}), which "
                 f"lowers λ̂ by about that much ({share:.0%} of it); move w* to the minimum (train further)")


def regular_check(gaussian: float | None, reason: str, mean: float, std_err: float, predicted: float) -> Check:
    if gaussian is None:
        return Check("regular point", NOT_RUN, None, reason)
    expected = gaussian * (1 + predicted if math.isfinite(predicted) else 1.0)
    gap = abs(mean - expected) - 3 * std_err
    share = max(gap, 0.0) / max(abs(expected), 1e-12)
    status = _grade(share, REGULAR_DOUBTFUL, REGULAR_UNRELIABLE)
    return Check("regular point", status, gaussian,
                 f"the Hessian at w* is non-degenerate; its Gaussian posterior gives {gaussian:.4g} "
                 f"({expected:.4g} with the predicted step bias) against λ̂ = {mean:.4g}"
                 + ("" if status == "ok" else ": the sampler does not reproduce the closed form"))


def precision_check(mean: float, std_err: float, source: str) -> Check:
    if not (math.isfinite(mean) and math.isfinite(std_err)):
        return Check("precision", NOT_RUN, None, "no finite estimate")
    share = std_err / max(abs(mean), 1e-12)
    status = "doubtful" if share > PRECISION_DOUBTFUL else "ok"
    return Check("precision", status, share, f"standard error {share:.0%} of λ̂ ({source})"
                 + ("; run longer" if status != "ok" else ""))


def acceptance_check(rate: float | None) -> Check | None:
    if rate is None:
        return None
    status = "doubtful" if rate < 0.2 else "ok"
    return Check("acceptance", status, rate, f"Metropolis acceptance rate {rate:.2f}"
                 + ("; the chains barely move: lower step_size" if status != "ok" else ""))
