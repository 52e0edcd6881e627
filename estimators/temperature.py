"""LLC estimates across inverse temperatures: :func:`nbeta_sweep` runs them, :func:`extrapolate_llc`
fits λ − c/log nβ to remove the finite-temperature bias."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ._settings import check_positive
from .errors import BadSetting
from .results import LLCEstimate

__all__ = ["NBetaSweep", "extrapolate_llc", "nbeta_sweep"]


@dataclass(frozen=True, eq=False)
class NBetaSweep:
    """Estimates at several inverse temperatures, and the slope dλ̂ / d log nβ between them."""

    nbetas: tuple[float, ...]
    estimates: tuple[LLCEstimate, ...]

    @property
    def slope(self) -> float:
        """Least-squares slope of λ̂ against log nβ (0 if λ̂ does not depend on the temperature)."""
        logs = np.log(np.asarray(self.nbetas))
        values = np.asarray([e.mean for e in self.estimates])
        return float(np.polyfit(logs, values, 1)[0]) if len(logs) > 1 else math.nan

    @property
    def extrapolated(self) -> tuple[float, float]:
        """(λ, s.e.) from :func:`extrapolate_llc` over the sweep: the estimate at nβ → ∞."""
        return extrapolate_llc(self.nbetas, [e.mean for e in self.estimates], [e.std_err for e in self.estimates])

    def summary(self) -> str:
        """One row per temperature: nβ, λ̂ ± s.e., R-hat, warnings."""
        rows = [f"{'nβ':>12}  {'λ̂':>10}  {'s.e.':>8}  {'R-hat':>6}  warnings"]
        for nbeta, e in zip(self.nbetas, self.estimates):
            rows.append(
                f"{nbeta:>12.6g}  {e.mean:>10.4f}  {e.std_err:>8.4f}  {e.diagnostics.rhat:>6.3f}  "
                f"{len(e.diagnostics.warnings)}"
            )
        rows.append(f"slope dλ̂/dlog nβ = {self.slope:.4f}")
        if len(self.nbetas) > 1:
            lam, se = self.extrapolated
            rows.append(f"extrapolated to nβ → ∞ (λ − c/log nβ): {lam:.4f} ± {se:.4f}")
        return "\n".join(rows)

    def to_dict(self) -> dict:
        return {"nbetas": list(self.nbetas), "slope": self.slope, "estimates": [e.to_dict() for e in self.estimates]}


def nbeta_sweep(estimate: Callable[[float], LLCEstimate], nbetas: Sequence[float]) -> NBetaSweep:
    """Run ``estimate(nbeta)`` at each inverse temperature and collect the results.

    ``estimate`` is usually ``functools.partial(estimate_llc, model, data, step_size=...)`` called
    with ``nbeta=``; at finite nβ the estimator's target λ(nβ, γ) approaches λ like
    λ − (m − 1)/log nβ (docs/conventions.md#the-finite-temperature-target), so a slope well away from 0 says the temperature matters.

    Examples
    --------
    >>> import functools, torch
    >>> from estimators import estimate_llc
    >>> gen = torch.Generator().manual_seed(0)
    >>> x = torch.randn(500, 1, generator=gen); y = x[:, 0] + torch.randn(500, generator=gen)
    >>> model = torch.nn.Linear(1, 1, bias=False)
    >>> with torch.no_grad():
    ...     _ = model.weight.fill_(float((x[:, 0] @ y) / (x[:, 0] @ x[:, 0])))
    >>> run = functools.partial(estimate_llc, model, (x, y), step_size=1e-3, num_draws=2000, batch_size=500,
    ...                         checks=False)
    >>> sweep = nbeta_sweep(lambda nb: run(nbeta=nb), [50.0, 200.0])
    >>> [round(nb) for nb in sweep.nbetas]
    [50, 200]
    """
    values = tuple(check_positive("nbeta", nb) for nb in nbetas)
    if not values:
        raise BadSetting("nbetas", list(nbetas), "must hold at least one inverse temperature")
    return NBetaSweep(nbetas=values, estimates=tuple(estimate(nb) for nb in values))


def extrapolate_llc(nbetas: Sequence[float], values: Sequence[float],
                    std_errs: Sequence[float] | None = None) -> tuple[float, float]:
    """The temperature-extrapolated LLC: fit λ̂(nβ) = λ − c/log nβ and return (λ, its s.e.).

    At finite nβ the estimator aims at λ(nβ, γ) ≈ λ − (m − 1)/log nβ (docs/conventions.md#the-finite-temperature-target; the free energy's
    log log n term), so estimates at several nβ, fitted with this form, remove the leading bias.
    Weighted least squares with weights 1/s.e.² when ``std_errs`` are given (and positive).  The
    power corrections (nβ)^−(μ−λ) that dominate when m = 1 are not in the form; the benchmark shows
    where that matters.

    Examples
    --------
    >>> nb = [100.0, 1000.0, 10000.0]
    >>> lam, se = extrapolate_llc(nb, [0.5 - 1 / math.log(t) for t in nb])
    >>> round(lam, 10), se < 1e-9
    (0.5, True)
    """
    x = 1 / np.log(np.asarray(nbetas, dtype=float))
    y = np.asarray(values, dtype=float)
    if len(x) < 2 or len(set(x.tolist())) < 2:
        raise BadSetting("nbetas", list(nbetas), "extrapolation needs at least two distinct inverse temperatures")
    w = np.ones_like(y)
    if std_errs is not None:
        se = np.asarray(std_errs, dtype=float)
        if np.all(se > 0):
            w = 1 / se**2
    design = np.stack([np.ones_like(x), x], axis=1)
    normal = design.T @ (design * w[:, None])
    coef = np.linalg.solve(normal, design.T @ (w * y))
    if std_errs is not None and np.all(np.asarray(std_errs, dtype=float) > 0):
        cov = np.linalg.inv(normal)
    else:
        dof = max(len(y) - 2, 1)
        cov = np.linalg.inv(normal) * float(np.sum((design @ coef - y) ** 2)) / dof
    return float(coef[0]), float(math.sqrt(max(cov[0, 0], 0.0)))
