"""Bayesian phase transitions: which of two local solutions the posterior prefers at sample size n.

docs/conventions.md#bayesian-phase-transitions: a solution α with population loss L_α, learning coefficient λ_α and multiplicity m_α
has the local free energy F_n(α) ≈ n·L_α + λ_α·log n − (m_α − 1)·log log n.  The posterior mass
near α against that near β has log odds F_n(β) − F_n(α).  When one solution is more accurate
(L_α < L_β) but more complex (λ_α > λ_β), the simpler one wins for small n and the accurate one
for large n; they swap at the critical sample size n_c where the free energies cross.  This is
the picture of Chen et al. (2023), "Dynamical versus Bayesian phase transitions in a toy model of
superposition" (arXiv:2310.06301), and Watanabe (2009), *Algebraic Geometry and Statistical
Learning Theory*, §7.

The crossing is found numerically (floats are fine here: n_c is not a learning coefficient).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy
from scipy.optimize import brentq

from .errors import BadModel
from .rlct import RLCT

__all__ = ["Phase", "PhaseComparison", "compare_phases", "free_energy"]

_LOG_N_MAX = 700.0


@dataclass(frozen=True)
class Phase:
    """A local solution: its name, population loss L (per sample, nats), λ and multiplicity m.

    ``lam`` may be a number, a sympy Rational or an :class:`~singular.rlct.RLCT` (whose
    multiplicity is then used unless ``m`` is given).

    Examples
    --------
    >>> Phase("4-gon", 0.3, sympy.Rational(7, 2)).lam
    7/2
    """

    name: str
    loss: float
    lam: object
    m: int | None = None

    def __post_init__(self):
        lam, m = self.lam, self.m
        if isinstance(lam, RLCT):
            lam, m = lam.value, lam.multiplicity if m is None else m
        m = 1 if m is None else m
        if not math.isfinite(float(self.loss)):
            raise BadModel("loss", self.loss, "must be a finite number")
        if not float(lam) >= 0:
            raise BadModel("lam", lam, "a learning coefficient must be >= 0")
        if int(m) != m or m < 1:
            raise BadModel("m", m, "a multiplicity is an integer >= 1")
        object.__setattr__(self, "lam", sympy.nsimplify(lam) if isinstance(lam, int) else lam)
        object.__setattr__(self, "m", int(m))


def free_energy(phase: Phase, n: float) -> float:
    """F_n ≈ n·L + λ·log n − (m − 1)·log log n (docs/conventions.md#bayesian-phase-transitions), for n > e.

    Examples
    --------
    >>> round(free_energy(Phase("a", 0.5, 1), math.e**2), 6)
    5.694528
    """
    if not n > math.e:
        raise BadModel("n", n, "must exceed e (log log n appears)")
    return float(n * phase.loss + float(phase.lam) * math.log(n) - (phase.m - 1) * math.log(math.log(n)))


@dataclass(frozen=True)
class PhaseComparison:
    """Which phase the posterior prefers, and where that changes.

    ``crossings`` are the sample sizes where F_n(a) = F_n(b), ascending; ``preferred`` lists the
    preferred phase's name on each stretch between them (one more entry than ``crossings``).
    ``critical_n`` is the first crossing, or None when one phase is preferred at every n > e.
    """

    a: Phase
    b: Phase
    crossings: tuple[float, ...]
    preferred: tuple[str, ...]

    @property
    def critical_n(self) -> float | None:
        return self.crossings[0] if self.crossings else None

    def log_odds(self, n: float) -> float:
        """log(posterior mass near a / near b) = F_n(b) − F_n(a)."""
        return free_energy(self.b, n) - free_energy(self.a, n)


def compare_phases(a: Phase, b: Phase) -> PhaseComparison:
    """The sample sizes at which the posterior switches between ``a`` and ``b``.

    Parameters
    ----------
    a, b : Phase
        Two local solutions with different names.

    Returns
    -------
    PhaseComparison
        With equal losses there is no trade of accuracy against complexity, so no crossing: the
        phase with the lower λ is preferred at every n, and at equal λ the one with the larger m
        (its free energy is lower by (Δm)·log log n); identical (L, λ, m) is a tie, named
        ``"a = b"``.

    Raises
    ------
    BadModel
        The two phases have the same name.

    Examples
    --------
    An accurate, complex phase against a simple one: the free energies cross where
    n·ΔL = Δλ·log n, i.e. 0.2·n = 2·log n at n_c ≈ 35.8 (m = 1 for both).

    >>> cmp = compare_phases(Phase("accurate", 0.1, 3), Phase("simple", 0.3, 1))
    >>> round(cmp.critical_n, 1), cmp.preferred
    (35.8, ('simple', 'accurate'))
    >>> compare_phases(Phase("x", 0.1, 1), Phase("y", 0.1, 2)).preferred
    ('x',)

    Notes
    -----
    The difference of the free energies is computed as n·(L_a − L_b) + (λ_a − λ_b)·log n −
    (m_a − m_b)·log log n, with L_a − L_b taken exactly (the losses as exact binary fractions)
    before any rounding: subtracting two rounded values of n·L near n ≈ 10¹⁸ would create
    crossings out of rounding noise.
    """
    if a.name == b.name:
        raise BadModel("b", b.name, "the two phases need different names")
    loss_gap = float(sympy.Rational(a.loss) - sympy.Rational(b.loss))
    lam_gap = float(sympy.Rational(a.lam) - sympy.Rational(b.lam))
    m_gap = a.m - b.m
    if loss_gap == 0:
        order = (lam_gap, -m_gap)
        winner = a.name if order < (0, 0) else b.name if order > (0, 0) else f"{a.name} = {b.name}"
        return PhaseComparison(a, b, (), (winner,))

    def gap(log_n: float) -> float:
        return math.exp(log_n) * loss_gap + lam_gap * log_n - m_gap * math.log(log_n)

    grid = np.linspace(1.0 + 1e-9, _LOG_N_MAX, 20_000)
    values = np.array([gap(t) for t in grid])
    crossings = []
    for lo, hi, f_lo, f_hi in zip(grid, grid[1:], values, values[1:]):
        if f_lo == 0 or np.sign(f_lo) * np.sign(f_hi) < 0:
            crossings.append(math.exp(lo if f_lo == 0 else brentq(gap, lo, hi, xtol=1e-12)))
    edges = [grid[0], *(math.log(c) for c in crossings), grid[-1]]
    preferred = tuple(
        a.name if gap((lo + hi) / 2) < 0 else b.name for lo, hi in zip(edges, edges[1:])
    )
    return PhaseComparison(a, b, tuple(crossings), preferred)
