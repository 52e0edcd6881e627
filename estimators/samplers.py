"""Sampler settings: which transition to run, with its own hyperparameters.

Each sampler is a frozen dataclass whose ``init`` and ``step`` delegate to a pure transition
(:mod:`estimators.sgld`, :mod:`estimators.sghmc`, :mod:`estimators.mala`).  ``estimate_llc``
accepts one of these or its name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from . import mala, sghmc, sgld
from ._kernel import LossAndGrad, Noise
from ._params import Params
from .errors import BadSetting

__all__ = ["MALA", "SGHMC", "SGLD", "RMSPropSGLD", "Sampler", "sampler_from_name"]


class _Transition:
    """What every sampler shares: ``init`` and ``step`` call its module's pure functions, the
    step with the sampler's own fields (its hyperparameters) as extra keywords.

    ``full_batch`` samplers ignore ``batch_size``; ``metropolis`` samplers correct every proposal
    with a Metropolis test (so the step size does not bias them, and their step reports its
    acceptance probability).
    """

    __slots__ = ()
    full_batch = False
    metropolis = False
    _init = staticmethod(sgld.init)
    _step = staticmethod(sgld.step)

    def init(self, params: Params, center: Params):
        return self._init(params, center)

    def preconditioner(self, state) -> Params | None:
        """The diagonal preconditioner G the next step will use (``None`` for G = I)."""
        return None

    def for_draws(self) -> _Transition:
        """The sampler the draws run after burn-in (itself, unless it adapts in burn-in)."""
        return self

    @property
    def noise_gain(self) -> float:
        """How much more minibatch gradient noise heats this sampler than SGLD at the same step (1 here)."""
        return 1.0

    def step(self, state, batch, noise: Noise, *, loss_and_grad: LossAndGrad, step_size, nbeta, localization):
        settings = {field.name: getattr(self, field.name) for field in fields(self)}
        return self._step(
            state,
            batch,
            noise,
            loss_and_grad=loss_and_grad,
            step_size=step_size,
            nbeta=nbeta,
            localization=localization,
            **settings,
        )


@dataclass(frozen=True, slots=True)
class SGLD(_Transition):
    """Stochastic gradient Langevin dynamics (:func:`estimators.sgld.step`).

    Examples
    --------
    >>> SGLD().name
    'sgld'
    """

    name = "sgld"


@dataclass(frozen=True, slots=True)
class RMSPropSGLD(_Transition):
    """RMSProp-preconditioned SGLD (:func:`estimators.sgld.rmsprop_step`).

    Examples
    --------
    >>> RMSPropSGLD(alpha=0.9)
    RMSPropSGLD(alpha=0.9, eps=0.1, adapt=True)
    >>> RMSPropSGLD(alpha=1.5)
    Traceback (most recent call last):
    ...
    estimators.errors.BadSetting: alpha=1.5 must be in [0, 1)
    """

    alpha: float = 0.99
    eps: float = 0.1
    adapt: bool = True
    name = "rmsprop_sgld"
    _init = staticmethod(sgld.rmsprop_init)
    _step = staticmethod(sgld.rmsprop_step)

    def preconditioner(self, state) -> Params | None:
        return None if state.count == 0 else sgld.rmsprop_preconditioner(state.square_avg, self.eps)

    def for_draws(self) -> RMSPropSGLD:
        """The preconditioner adapted in burn-in, held fixed (``adapt=False``): see :func:`sgld.rmsprop_step`."""
        return replace(self, adapt=False)

    def __post_init__(self):
        if not 0 <= self.alpha < 1:
            raise BadSetting("alpha", self.alpha, "must be in [0, 1)")
        if not (math.isfinite(self.eps) and self.eps > 0):
            raise BadSetting("eps", self.eps, "must be a positive number (it bounds the preconditioner by 1/eps)")


@dataclass(frozen=True, slots=True)
class SGHMC(_Transition):
    """Stochastic gradient Hamiltonian Monte Carlo (:func:`estimators.sghmc.step`).

    Examples
    --------
    >>> SGHMC(friction=0.0)
    Traceback (most recent call last):
    ...
    estimators.errors.BadSetting: friction=0.0 must be in (0, 1]
    """

    friction: float = 0.1
    name = "sghmc"
    _init = staticmethod(sghmc.init)
    _step = staticmethod(sghmc.step)

    @property
    def noise_gain(self) -> float:
        """1/α: a gradient error enters the momentum as (ε/2)²·Var against the injected α·ε, where SGLD
        gets (ε/2)²·Var against ε (Chen, Fox & Guestrin 2014, §3.2: without the noise estimate β̂ the
        friction must dominate it), so the batch rule and the noise check weigh SGHMC's noise 1/α times."""
        return 1 / self.friction

    def __post_init__(self):
        if not 0 < self.friction <= 1:
            raise BadSetting("friction", self.friction, "must be in (0, 1]")


@dataclass(frozen=True, slots=True)
class MALA(_Transition):
    """Full-batch Metropolis-adjusted Langevin (:func:`estimators.mala.step`); ignores ``batch_size``.

    Examples
    --------
    >>> MALA().full_batch
    True
    """

    name = "mala"
    full_batch = True
    metropolis = True
    _init = staticmethod(mala.init)
    _step = staticmethod(mala.step)


Sampler = SGLD | RMSPropSGLD | SGHMC | MALA
_BY_NAME = {cls.name: cls for cls in (SGLD, RMSPropSGLD, SGHMC, MALA)}


def sampler_from_name(sampler: str | Sampler) -> Sampler:
    """A sampler from its name (``'sgld'``, ``'rmsprop_sgld'``, ``'sghmc'``, ``'mala'``) or itself.

    Examples
    --------
    >>> sampler_from_name("rmsprop_sgld")
    RMSPropSGLD(alpha=0.99, eps=0.1, adapt=True)
    >>> sampler_from_name("adam")
    Traceback (most recent call last):
    ...
    estimators.errors.BadSetting: sampler='adam' is not a known sampler; pass one of 'mala', 'rmsprop_sgld', 'sghmc', 'sgld'
    """
    if isinstance(sampler, tuple(_BY_NAME.values())):
        return sampler
    if isinstance(sampler, str) and sampler in _BY_NAME:
        return _BY_NAME[sampler]()
    names = ", ".join(repr(name) for name in sorted(_BY_NAME))
    raise BadSetting("sampler", sampler, f"is not a known sampler; pass one of {names}")

