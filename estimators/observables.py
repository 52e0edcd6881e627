"""Observables of the local posterior beyond the LLC: what to evaluate at the chains' draws
(``estimate_llc(..., observables=...)``), and the susceptibilities and Bayesian influence functions
estimated from them (docs/conventions.md#observables-of-the-local-posterior).

Conventions, under the local tempered posterior p(w) ∝ exp(−nβ·L_n(w) − (γ/2)‖w − w*‖²) that the
chains sample (docs/conventions.md#the-local-tempered-posterior, #observables-of-the-local-posterior):

- **Susceptibility** of an observable φ to shifting the data distribution from q toward q' (whose
  average loss is L'): replacing nβ·L_n by nβ·[(1 − h)·L_n + h·L'] gives
  χ(φ; q') = d⟨φ⟩/dh at h = 0 = −nβ·Cov(φ, L' − L_n)  (docs/conventions.md#susceptibility).
  Other conventions: devinterp 2.x ``susceptibilities()`` reports −Cov(φ, ℓ − L), i.e. χ/nβ; Baker
  et al. 2025 ("Structural inference with susceptibilities", arXiv 2504.18274, App. C.4) use the
  same covariance with the per-token loss; divide ours by nβ to compare with either.
- **Bayesian influence function** of sample i on φ (Kreer et al. 2025, arXiv 2509.26544):
  BIF(i, φ) = −Cov(ℓ_i, φ); the correlation form −Cov(ℓ_i, φ)/(sd(ℓ_i)·sd(φ)).  With φ = ℓ_j,
  Cov(ℓ_i, ℓ_j) is the "loss kernel".

The training loss at each draw is the recorded one (the minibatch loss with its control variate,
whose expectation over the minibatch is L_n(w_t), drawn independently of w_t), so its covariance
with any *other* observable is that of L_n, with more noise; its variance is not (the minibatch's
noise adds to it), so the susceptibility of the training loss itself needs L_n evaluated in full: an
:func:`average_loss` observable on the training data (or a full-batch estimate).  Standard errors
are the spread of the chains' own estimates over √chains.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .errors import BadSetting

__all__ = ["LOSS", "Observable", "ObservableDraws", "ObservableEstimate", "average_loss", "bayesian_influence",
           "model_function", "sample_losses", "susceptibility"]

LOSS = "loss"
"""The name under which the training loss is always recorded beside the observables."""

_KINDS = ("average_loss", "sample_losses", "function")
_RHAT_DOUBTFUL = 1.1
_TRACE_CHUNK = 256
_SEVERITY = {"ok": 0, "doubtful": 1, "unreliable": 2}


@dataclass(frozen=True)
class Observable:
    """What to evaluate at every draw; made by :func:`average_loss`, :func:`sample_losses` or
    :func:`model_function`."""

    kind: str
    data: object = field(default=None, repr=False)
    loss_fn: Callable | None = None
    batch_loss: Callable | None = None
    fn: Callable | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise BadSetting("kind", self.kind, f"must be one of {_KINDS}")
        if self.loss_fn is not None and self.batch_loss is not None:
            raise BadSetting("batch_loss", self.batch_loss, "and loss_fn are two forms of the loss: pass one of them")
        if self.kind == "function" and not callable(self.fn):
            raise BadSetting("fn", self.fn, "must be a function of the module returning a tensor")
        if self.kind != "function" and self.data is None:
            raise BadSetting("data", None, f"a {self.kind} observable needs its probe data")


def average_loss(data, *, loss_fn: Callable | None = None, batch_loss: Callable | None = None) -> Observable:
    """The average loss L'(w) on another dataset (one number per draw), e.g. samples of a shifted
    distribution q' for :func:`susceptibility`.

    ``data`` takes every form :func:`estimators.estimate_llc` takes; the loss is ``loss_fn`` or
    ``batch_loss`` if given, else the estimate's own.
    """
    return Observable("average_loss", data, loss_fn, batch_loss)


def sample_losses(data, *, loss_fn: Callable | None = None, batch_loss: Callable | None = None) -> Observable:
    """The loss ℓ_i(w) of every probe sample i alone (``(P,)`` per draw), for :func:`bayesian_influence`.

    Component i is the i-th sample in the order the data yield it: a shuffling ``DataLoader``
    reorders them, so pass tensors or a ``Dataset`` to keep your indices."""
    return Observable("sample_losses", data, loss_fn, batch_loss)


def model_function(fn: Callable) -> Observable:
    """Any function of the module with the sampled parameters, ``fn(module) -> tensor`` (flattened per
    draw), e.g. an output on fixed inputs.  A plain function in ``observables=`` means the same."""
    return Observable("function", fn=fn)


@dataclass(frozen=True, eq=False)
class ObservableDraws:
    """The observables' streaming moments over the draws of the kept chains (``est.observables``).

    Values are shifted by their value at w* (``reference``; the training loss's is L_n(w*)), which
    leaves covariances unchanged.  ``sums``, ``squares``: ``(chains, K)``; ``cross``:
    ``(chains, K, K)``, or ``(chains, K, S)`` against the scalar components ``scalars`` when K is
    large; ``traces``: ``{name: (chains, draws, k)}`` float32 when asked for, else None.
    ``exact_loss``: the recorded training loss is L_n itself (full batch), not a minibatch's.
    """

    slices: dict[str, slice]
    draws: int
    chains: tuple[int, ...]
    nbeta: float
    reference: np.ndarray = field(repr=False)
    sums: np.ndarray = field(repr=False)
    squares: np.ndarray = field(repr=False)
    cross: np.ndarray = field(repr=False)
    scalars: np.ndarray | None = field(repr=False)
    traces: dict[str, np.ndarray] | None = field(repr=False)
    verdict: str = "ok"
    reasons: tuple[str, ...] = ()
    exact_loss: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """The training loss (:data:`LOSS`) and the observables, in order."""
        return tuple(self.slices)

    def size(self, name: str) -> int:
        return self._slice(name).stop - self._slice(name).start

    def _slice(self, name: str) -> slice:
        if name not in self.slices:
            raise BadSetting("observable", name, f"was not recorded; recorded: {list(self.slices)}")
        return self.slices[name]

    def mean(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(posterior mean, its standard error across chains) of ``name``, each ``(k,)``."""
        s = self._slice(name)
        per_chain = self.sums[:, s] / self.draws
        return self.reference[s] + per_chain.mean(axis=0), _spread(per_chain)

    def covariance(self, a: str, b: str) -> tuple[np.ndarray, np.ndarray]:
        """(pooled posterior covariance, the chains' own covariances) of ``a`` and ``b``:
        ``(ka, kb)`` and ``(chains, ka, kb)``."""
        sa, sb = self._slice(a), self._slice(b)
        n, chains = self.draws, len(self.chains)
        if n < 2:
            raise BadSetting("num_draws", n, "covariances need at least two draws per chain")
        cross = self._cross(a, b, sa, sb)
        xa, xb = self.sums[:, sa], self.sums[:, sb]
        per_chain = (cross - xa[:, :, None] * xb[:, None, :] / n) / (n - 1)
        ta, tb = xa.sum(axis=0), xb.sum(axis=0)
        pooled = (cross.sum(axis=0) - np.outer(ta, tb) / (n * chains)) / (n * chains - 1)
        return pooled, per_chain

    def _cross(self, a: str, b: str, sa: slice, sb: slice) -> np.ndarray:
        if self.scalars is None:
            return self.cross[:, sa, sb]
        for first, second, fs, ss, flip in ((a, b, sa, sb, False), (b, a, sb, sa, True)):
            if ss.stop - ss.start == 1:
                column = int(np.flatnonzero(self.scalars == ss.start)[0])
                part = self.cross[:, fs, column][:, :, None]
                return part.transpose(0, 2, 1) if flip else part
        if self.traces is None:
            raise BadSetting("observable_traces", False, f"the covariance of two vector observables ({a!r}, {b!r}) "
                             f"needs their traces: with {self.sums.shape[1]} components in all, too many for every "
                             "pair's cross-moment to be streamed, only those with the scalar observables were kept; "
                             "pass observable_traces=True (in memory) or a folder")
        ta, tb = self.traces[a], self.traces[b]
        cross = np.zeros((len(self.chains), ta.shape[2], tb.shape[2]))
        for start in range(0, self.draws, _TRACE_CHUNK):
            stop = start + _TRACE_CHUNK
            cross += np.einsum("cti,ctj->cij", ta[:, start:stop].astype(np.float64), tb[:, start:stop].astype(np.float64))
        return cross

    def variances(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(pooled, per-chain) variances of each component of ``name`` from Σv and Σv²: ``(k,)`` and
        ``(chains, k)``."""
        s, n, chains = self._slice(name), self.draws, len(self.chains)
        sums, squares = self.sums[:, s], self.squares[:, s]
        per_chain = (squares - sums**2 / n) / max(n - 1, 1)
        pooled = (squares.sum(axis=0) - sums.sum(axis=0) ** 2 / (n * chains)) / max(n * chains - 1, 1)
        return pooled, per_chain

    def rhat(self, name: str) -> np.ndarray:
        """Potential scale reduction of each component of ``name`` (Gelman et al. 2013, §11.4), from
        the chains' means and variances: ``(k,)``, NaN with one chain."""
        n = self.draws
        means = self.sums[:, self._slice(name)] / n
        within = self.variances(name)[1].mean(axis=0)
        if len(self.chains) < 2:
            return np.full(within.shape, math.nan)
        between = n * means.var(axis=0, ddof=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sqrt(((n - 1) / n * within + between / n) / within)


@dataclass(frozen=True, eq=False)
class ObservableEstimate:
    """A susceptibility or BIF with its standard error across chains and a verdict.

    ``value`` and ``std_err`` are floats, or arrays shaped like the observables; ``verdict`` is
    "ok", "doubtful" or "unreliable", with ``reasons``; ``convention`` is the formula and its source.
    """

    quantity: str
    value: float | np.ndarray
    std_err: float | np.ndarray
    convention: str
    verdict: str
    reasons: tuple[str, ...]
    rhat: float

    def __repr__(self) -> str:
        if np.ndim(self.value) == 0:
            shown = f"{float(self.value):.4g} ± {float(self.std_err):.2g}"
        else:
            shown = f"array of shape {np.shape(self.value)}"
        return f"ObservableEstimate({self.quantity}: {shown}, verdict={self.verdict!r})"

    def to_dict(self) -> dict:
        return {"quantity": self.quantity, "value": np.asarray(self.value).tolist(),
                "std_err": np.asarray(self.std_err).tolist(), "convention": self.convention, "verdict": self.verdict,
                "reasons": list(self.reasons), "rhat": self.rhat}


def _spread(per_chain: np.ndarray) -> np.ndarray:
    """Standard error of the mean of the chains' own values (axis 0); NaN with one chain."""
    if per_chain.shape[0] < 2:
        return np.full(per_chain.shape[1:], math.nan)
    return per_chain.std(axis=0, ddof=1) / math.sqrt(per_chain.shape[0])


def _draws(estimate) -> ObservableDraws:
    draws = getattr(estimate, "observables", None)
    if draws is None:
        raise BadSetting("estimate", type(estimate).__name__, "has no observables: run estimate_llc(..., "
                         "observables={name: ...}) (and check that a chain survived)")
    return draws


def _judge(draws: ObservableDraws, names: tuple[str, ...], value: np.ndarray, std_err: np.ndarray
           ) -> tuple[str, tuple[str, ...], float]:
    """The verdict: the chains' LLC verdict, then the mixing of the observables used (R-hat), the
    number of chains and whether any component is resolved from 0."""
    verdict, reasons = draws.verdict, [f"the chains' LLC verdict: {r}" for r in draws.reasons]

    def worse(level: str, reason: str) -> None:
        nonlocal verdict
        verdict = max(verdict, level, key=_SEVERITY.get)
        reasons.append(reason)

    rhats = np.concatenate([draws.rhat(name) for name in names])
    rhat = float(np.nanmax(rhats)) if len(draws.chains) > 1 and np.isfinite(rhats).any() else math.nan
    if len(draws.chains) < 2:
        worse("doubtful", "one chain: no standard error and no check that chains agree")
    elif rhat > _RHAT_DOUBTFUL:
        worse("doubtful", f"the chains disagree on the observables (R-hat {rhat:.2f} > {_RHAT_DOUBTFUL})")
    finite = np.isfinite(value)
    if not finite.all():
        worse("unreliable", f"{int((~finite).sum())} of {np.size(value)} components are not finite (a draw where an "
              "observable is NaN or infinite, or, in the correlation form, an observable that does not vary)")
    resolved = np.abs(value) > 2 * std_err
    if np.size(value) and finite.any() and not resolved.any():
        worse("doubtful", "no component differs from 0 by two standard errors")
    return verdict, tuple(reasons), rhat


def _shaped(array: np.ndarray):
    return float(array.reshape(())) if array.size == 1 else array


def susceptibility(estimate, observable: str, against: str, *, baseline: str = LOSS) -> ObservableEstimate:
    """χ(φ; q') = −nβ·Cov(φ, L' − L_n) (docs/conventions.md#susceptibility) from the draws of ``estimate``.

    Parameters
    ----------
    estimate : LLCEstimate
        From ``estimate_llc(..., observables={...})`` with ``against`` among them.
    observable : str
        The name of φ (any observable, or ``"loss"`` for the training loss).
    against : str
        The name of an :func:`average_loss` observable on samples of q': the loss L' of the
        distribution the data are shifted toward.
    baseline : str
        What stands for L_n: the training loss recorded at each draw (``"loss"``, default), or the
        name of an :func:`average_loss` observable on the training data, evaluated in full (no
        minibatch noise: a smaller standard error, and needed when φ is the training loss).

    Returns
    -------
    ObservableEstimate
        ``value``: a float for a scalar φ, else ``(k,)``; the standard error across chains.

    Raises
    ------
    BadSetting
        No observables on the estimate, an unknown name, ``against`` or ``baseline`` not a scalar,
        or the recorded minibatch loss as both φ and baseline (its variance holds the minibatch
        noise: observe ``average_loss`` of the training data instead).

    Notes
    -----
    The derivative of ⟨φ⟩ under nβ·[(1 − h)L_n + h·L'] at h = 0.  devinterp 2.x reports
    −Cov(φ, ℓ − L) = χ/nβ; Baker et al. 2025 (arXiv 2504.18274, App. C.4) likewise without nβ.
    """
    draws = _draws(estimate)
    if observable == baseline == LOSS and not draws.exact_loss:
        raise BadSetting("observable", LOSS, "is the minibatch loss at each draw, whose variance holds the minibatch "
                         "noise, so Cov(L_n, L_n) would be biased upward: add average_loss(<the training data>) to "
                         "the observables and pass its name as the observable (or as baseline=), or estimate in full "
                         "batch")
    for name, value in (("against", against), ("baseline", baseline)):
        if draws.size(value) != 1:
            raise BadSetting(name, value, "must name a scalar observable: an average loss "
                             "(estimators.observables.average_loss)")
    shifted, shifted_chains = draws.covariance(observable, against)
    base, base_chains = draws.covariance(observable, baseline)
    value = -draws.nbeta * (shifted - base)[:, 0]
    std_err = _spread(-draws.nbeta * (shifted_chains - base_chains)[:, :, 0])
    verdict, reasons, rhat = _judge(draws, (observable, against, baseline), value, std_err)
    return ObservableEstimate("susceptibility", _shaped(value), _shaped(std_err),
                              "χ = −nβ·Cov(φ, L' − L_n) (docs/conventions.md#susceptibility; devinterp's −Cov(φ, ℓ − L) is χ/nβ)",
                              verdict, reasons, rhat)


def bayesian_influence(estimate, samples: str, observable: str | None = None, *,
                       form: str = "covariance") -> ObservableEstimate:
    """BIF(i, φ) = −Cov(ℓ_i, φ) of every probe sample i on φ (Kreer et al. 2025, arXiv 2509.26544).

    Parameters
    ----------
    estimate : LLCEstimate
        From ``estimate_llc(..., observables={...})``.
    samples : str
        The name of the per-sample losses ℓ_i (a :func:`sample_losses` observable, P samples).
    observable : str, optional
        φ: any observable (Q components), ``"loss"`` for the training loss; default ``samples``
        itself, which gives the P × P matrix −Cov(ℓ_i, ℓ_j) (minus the loss kernel).
    form : {"covariance", "correlation"}
        The covariance, or the correlation −Cov(ℓ_i, φ)/(sd(ℓ_i)·sd(φ)).

    Returns
    -------
    ObservableEstimate
        ``value`` of shape ``(P,)`` for a scalar φ, else ``(P, Q)``; the standard error across chains.

    Raises
    ------
    BadSetting
        No observables, an unknown name or form, or two large vector observables without traces
        (``observable_traces=``).
    """
    if form not in ("covariance", "correlation"):
        raise BadSetting("form", form, "must be 'covariance' or 'correlation'")
    draws = _draws(estimate)
    observable = samples if observable is None else observable
    pooled, per_chain = draws.covariance(samples, observable)
    if form == "correlation":
        sd = {name: tuple(np.sqrt(np.maximum(v, 0.0)) for v in draws.variances(name)) for name in {samples, observable}}
        with np.errstate(divide="ignore", invalid="ignore"):  # an observable that does not vary: NaN, judged below
            pooled = pooled / np.outer(sd[samples][0], sd[observable][0])
            per_chain = per_chain / (sd[samples][1][:, :, None] * sd[observable][1][:, None, :])
    value, std_err = -pooled, _spread(-per_chain)
    if draws.size(observable) == 1:
        value, std_err = value[:, 0], std_err[:, 0]
    verdict, reasons, rhat = _judge(draws, (samples, observable), value, std_err)
    convention = ("BIF = −Cov(ℓ_i, φ)" if form == "covariance" else "BIF = −Cov(ℓ_i, φ)/(sd ℓ_i · sd φ)") + \
        " (Kreer et al. 2025, arXiv 2509.26544; docs/conventions.md#bayesian-influence-function)"
    return ObservableEstimate(f"bif ({form})", _shaped(value), _shaped(std_err), convention, verdict, reasons, rhat)

