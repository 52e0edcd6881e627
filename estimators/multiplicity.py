"""The multiplicity m of the learning coefficient from LLC estimates at several temperatures.

At a finite inverse temperature t = nβ the estimator aims at λ(t) = −t·Z'(t)/Z(t), Z(t) the local
partition function, and (docs/conventions.md#multiplicity-from-a-temperature-sweep)

    λ(t) = λ − (m − 1)/log t + O(1/log² t) + O(t^−δ),

so a sweep over t carries m in its slope against 1/log t.  :func:`estimate_multiplicity` fits the
sweep once for every integer m = 1..max_m, picks m̂, says whether the data exclude every other m,
and returns the λ̂ that the chosen form extrapolates to t → ∞.

Which correction terms matter was learned from the exact targets λ(t, γ) of the d <= 2 catalog cases
(``benchmarks/bench_multiplicity.py``): for m >= 2 the log's scale, λ − (m − 1)/(log t + a), with
a from 0.5 to 8 at γ = 1, fits them to 0.2% of λ; for m = 1 a deficit b·t^−δ, with δ (the gap to the
next pole) as small as 1/12, accounts for up to 37% of λ at t = 10² and 17% at 10⁵.  Over
t = 10²…10⁵ these two are near twins, so the data can rarely exclude the other m; the confidence
rule allows both corrections for that reason.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from .errors import BadSetting

__all__ = ["CORRECTIONS", "MultiplicityEstimate", "MultiplicityFit", "estimate_multiplicity"]

CORRECTIONS = ("full", "shift", "power", "none")
"""The ``corrections=`` of :func:`estimate_multiplicity`: which terms each per-m fit adds to the leading form."""

_DEFAULT_MAX_M = 3
_GRID, _ROUNDS = 65, 5  # grid points and rounds of the search for a nonlinear parameter (bracket / 32⁵)


@dataclass(frozen=True, slots=True)
class MultiplicityFit:
    """The sweep fitted with the multiplicity held at ``m`` (see :func:`estimate_multiplicity`).

    Attributes
    ----------
    m : int
        The multiplicity held fixed.
    leading_chi2 : float
        χ² of the leading form λ − (m − 1)/log t (one fitted parameter, λ): it ranks the m.
    chi2, dof, p_value : float, int, float
        χ² of the corrected form, the number of temperatures minus its fitted parameters (λ, and a or
        b and δ, counted even at a bound), and its χ² tail probability (NaN when dof = 0).
    lam, std_err : float
        λ extrapolated to t → ∞ by the corrected form, and its standard error (from the estimates'
        standard errors through the fit's Jacobian; a parameter at its bound is held fixed).
    shift : float or None
        a of λ − (m − 1)/(log t + a) (m >= 2 with a shift; None otherwise).
    deficit, gap : float or None
        b >= 0 and δ of the term −b·t^−δ (with a power term; None otherwise, and δ None when b = 0).
    excluded : bool
        χ² exceeds the smallest χ² over m by more than the χ²₁ quantile at the estimate's level.
    """

    m: int
    leading_chi2: float
    chi2: float
    dof: int
    p_value: float
    lam: float
    std_err: float
    shift: float | None
    deficit: float | None
    gap: float | None
    excluded: bool

    def to_dict(self) -> dict:
        """The fields as JSON-able values (NaN as None)."""
        return {name: _json(getattr(self, name)) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class MultiplicityEstimate:
    """The multiplicity m̂ of a temperature sweep, how sure it is, and the λ̂ its form extrapolates to.

    Attributes
    ----------
    m : int
        The chosen multiplicity, >= 1.
    confident : bool
        True only when every other m <= ``max_m`` is excluded at ``level`` and m̂'s own fit passes its
        χ² test at that level; ``reason`` says which condition failed.
    lam, std_err : float
        λ̂ and its standard error from the fit at m̂ (``fits[m - 1]``).
    level : float
        The level of the exclusions and of the fit test.
    max_m : int
        The largest m considered.
    corrections : str
        Which corrections the per-m fits used (:data:`CORRECTIONS`).
    fits : tuple of MultiplicityFit
        One per m = 1..max_m: the evidence.
    nbetas, values, std_errs : tuple of float
        The sweep, sorted by nβ.
    reason : str
        Why the estimate is or is not confident, in words.
    """

    m: int
    confident: bool
    lam: float
    std_err: float
    level: float
    max_m: int
    corrections: str
    fits: tuple[MultiplicityFit, ...]
    nbetas: tuple[float, ...]
    values: tuple[float, ...]
    std_errs: tuple[float, ...]
    reason: str

    def __repr__(self) -> str:
        return (f"MultiplicityEstimate(m={self.m}, confident={self.confident}, lam={self.lam:.4g}, "
                f"std_err={self.std_err:.2g})")

    def summary(self) -> str:
        """One row per m (χ² of the leading and the corrected form, λ̂ ± s.e., the corrections, the verdict),
        then the answer and its reason."""
        rows = [f"multiplicity from {len(self.nbetas)} temperatures, nβ = {self.nbetas[0]:.3g} … "
                f"{self.nbetas[-1]:.3g}; corrections {self.corrections!r}, level {self.level:g}",
                f"{'m':>3}  {'leading χ²':>10}  {'χ²':>8}  {'dof':>3}  {'p':>6}  {'λ̂':>9}  {'s.e.':>8}  "
                f"{'correction':<22}  verdict"]
        for fit in self.fits:
            terms = []
            if fit.shift is not None:
                terms.append(f"a = {fit.shift:.3g}")
            if fit.deficit is not None:
                terms.append(f"b = {fit.deficit:.3g}" + (f", δ = {fit.gap:.3g}" if fit.gap is not None else ""))
            verdict = "chosen" if fit.m == self.m else ("excluded" if fit.excluded else "not excluded")
            rows.append(f"{fit.m:>3}  {fit.leading_chi2:>10.2f}  {fit.chi2:>8.2f}  {fit.dof:>3}  {fit.p_value:>6.3f}  "
                        f"{fit.lam:>9.4f}  {fit.std_err:>8.4f}  {', '.join(terms) or '-':<22}  {verdict}")
        rows.append(f"m̂ = {self.m} ({'confident' if self.confident else 'not confident'}: {self.reason}); "
                    f"λ̂ = {self.lam:.4f} ± {self.std_err:.4f}")
        return "\n".join(rows)

    def to_dict(self) -> dict:
        """Every field as JSON-able values (the fits as a list of dicts, NaN as None)."""
        out = {name: _json(getattr(self, name)) for name in self.__slots__ if name != "fits"}
        out["fits"] = [fit.to_dict() for fit in self.fits]
        return out


def _json(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return value


def estimate_multiplicity(nbetas: Sequence[float], values: Sequence[float], std_errs: Sequence[float], *,
                          max_m: int | None = None, level: float = 0.99, corrections: str = "full",
                          max_shift: float = 20.0, min_gap: float = 0.05) -> MultiplicityEstimate:
    """The multiplicity m of the learning coefficient from LLC estimates λ̂(t_k) ± s_k at t_k = nβ_k.

    Parameters
    ----------
    nbetas : sequence of float, shape (K,)
        The inverse temperatures t = nβ of the sweep, K >= 3 distinct values, each > 1.  Four to seven
        values over 10²…10⁵ did as well as any sweep in the study; dropping t = 10² loses most of the
        slope.
    values : sequence of float, shape (K,)
        The LLC estimates at those temperatures, all at the same localization γ; γ ≈ 1 is best: at
        γ = 0.01 the logarithm's scale a grows by ~10-25 and hides m >= 2 (m̂ right on 75% of the
        catalog cases instead of 92%).
    std_errs : sequence of float, shape (K,)
        Their standard errors, all > 0; the χ² tests take them as exact.
    max_m : int, optional
        The largest m considered (m <= d always).  None: 3, or one more than the leading form's best m
        when that is larger.
    level : float
        Level of the exclusions and of the fit test, in (0, 1); 0.99 by default.
    corrections : {"full", "shift", "power", "none"}
        The terms each per-m fit adds to the leading form λ − (m − 1)/log t (Notes): "full" a log
        shift for m >= 2 and a power deficit for m = 1; "shift" the shift only; "power" the deficit
        for every m; "none" neither.
    max_shift : float
        Upper bound on the shift a, the logarithm's scale in λ − (m − 1)/log(t·e^a); 20 by default.
        The d <= 2 catalog has a <= 8.1 at γ = 1 (K ∝ w1⁶w2⁶) but up to 34 at γ = 0.01: a grows with
        the degree of K, with its scale and as γ shrinks, so raise it for weakly localized sweeps.  An
        m = 1 answer is confident only if the data exclude m = 2 with every a up to this bound.
    min_gap : float
        Lower bound on the gap δ of the deficit b·t^−δ, in (0, 1); 0.05 by default (the catalog's
        smallest gap is 1/12).

    Returns
    -------
    MultiplicityEstimate
        m̂, ``confident``, λ̂ ± s.e. from the fit at m̂, and the per-m fits.

    Raises
    ------
    estimators.BadSetting
        Sequences of different lengths, fewer than 3 distinct temperatures, a temperature <= 1, a
        standard error <= 0, a non-finite entry, or a bad ``max_m``, ``level``, ``corrections``,
        ``max_shift`` or ``min_gap``.

    Notes
    -----
    The local partition function has the asymptotic expansion
    Z(t) = ∫ exp(−tK(w)) φ(w) dw ≈ t^−λ·P(log t) + c′·t^−(λ+δ)·…, P a polynomial of degree m − 1
    (Watanabe 2009, the expansion from the poles of the zeta function; docs/conventions.md#the-learning-coefficient), so the
    estimator's target λ(t) = −d log Z/d log t (docs/conventions.md#multiplicity-from-a-temperature-sweep) is

        λ(t) = λ − P′(L)/P(L) + O(t^−δ),   L = log t.

    For m = 2, P′/P = 1/(L + a) exactly, a = log t₀ the scale of the logarithm; for m >= 3,
    (m − 1)/(L + a) agrees with P′/P to O(1/L³).  For m = 1 the next pole gives
    λ(t) = λ + δu/(1 + u), u ∝ t^−δ, i.e. −b·t^−δ to first order; b >= 0 (λ(t) approaches λ from
    below) holds in every d <= 2 catalog case at γ = 1 and is assumed.

    For each m the sweep is fitted by weighted least squares (weights 1/s_k²) twice:

    - the leading form λ − (m − 1)/L (λ alone), whose χ² ranks the m;
    - the corrected form of ``corrections``: λ − (m − 1)/(L + a) with a in [−L_min/2, ``max_shift``],
      and/or λ − (m − 1)/L − b·t^−δ with b >= 0 and δ in [``min_gap``, 1]; λ and b are linear, a
      and δ are profiled (a grid, then finer grids around its best point).

    m′ is *excluded* when its corrected χ² exceeds the smallest over m by more than the χ²₁ quantile
    at ``level``, as in a likelihood-ratio test of one restriction (the slope); the per-m families
    are not nested, so the level is approximate (the study measures it).  m̂ is the m with the
    smallest leading χ² among those not excluded (the best-fitting m never is); for the leading
    form that ranking is the same as rounding the free slope, but the exclusions come from the
    corrected forms.  The leading form ranks because, over t = 10²…10⁵, the corrections let one m's
    form mimic another's slope: ranked by them, m̂ was right less often in a prototype of the study
    (75% against 90% of the d <= 2 catalog cases under 4% noise).  ``confident`` requires every
    other m to be excluded and m̂'s own corrected fit to pass its χ² test with dof >= 1 at ``level``,
    and it is withheld when an estimate is <= 0 (no minimum) or m̂'s shift sits at an end of its
    range or its gap at ``min_gap`` (λ̂ is then an extrapolation the sweep does not pin down).
    On the exact targets under simulated noise (``benchmarks/bench_multiplicity.py``) confident
    answers are rare and confident wrong ones rarer still: a deficit with a small gap mimics m = 2,
    and a late-starting logarithm (large a) mimics m = 1.

    References
    ----------
    S. Watanabe (2009), *Algebraic Geometry and Statistical Learning Theory*, Cambridge University
    Press: the zeta function's largest pole −λ of order m and the asymptotic expansion of the
    partition function (docs/conventions.md#the-learning-coefficient).

    Examples
    --------
    A sweep on λ(t) = 1/2 − 1/(log t + 1), the form of an m = 2 case, with 0.5% standard errors:

    >>> ts = [1e2, 1e3, 1e4, 1e5, 1e6]
    >>> est = estimate_multiplicity(ts, [0.5 - 1 / (math.log(t) + 1) for t in ts], [0.0025] * 5)
    >>> est.m, round(est.lam, 6)
    (2, 0.5)
    >>> est.confident, est.fits[0].excluded   # an m = 1 deficit with a small gap is not excluded
    (False, False)
    """
    t, y, s = _sweep(nbetas, values, std_errs)
    level = _bound("level", level, low=0.0, high=1.0)
    if corrections not in CORRECTIONS:
        raise BadSetting("corrections", corrections, f"is not one of {CORRECTIONS}")
    max_shift = _bound("max_shift", max_shift, low=0.0)
    min_gap = _bound("min_gap", min_gap, low=0.0, high=1.0)
    log_t, w = np.log(t), 1 / s**2
    leading_best = _leading_best_m(log_t, y, w)
    if max_m is None:
        max_m = max(_DEFAULT_MAX_M, leading_best + 1)
    elif isinstance(max_m, bool) or not isinstance(max_m, (int, np.integer)) or max_m < 1:
        raise BadSetting("max_m", max_m, "must be an integer >= 1 (the multiplicity is at most d)")
    max_m = int(max_m)
    shifts = (-log_t.min() / 2, max_shift)
    fits = [_fit(m, log_t, t, y, w, corrections, shifts, (min_gap, 1.0)) for m in range(1, max_m + 1)]
    threshold = float(special.chdtri(1, 1 - level))  # the χ²₁ quantile at level
    floor = min(f["chi2"] for f in fits)
    excluded = [f["chi2"] - floor > threshold for f in fits]
    best = min((i for i in range(max_m) if not excluded[i]), key=lambda i: (fits[i]["leading_chi2"], i))
    results = tuple(MultiplicityFit(m=i + 1, excluded=excluded[i], **fits[i]) for i in range(max_m))
    chosen = results[best]
    confident, reason = _verdict(chosen, results, level)
    if confident and np.any(y <= 0):
        confident, reason = False, (f"an estimate is <= 0 (at nβ = {t[np.argmax(y <= 0)]:.4g}): the chains were not "
                                    "at a minimum there, so the expansion in 1/log nβ does not apply")
    elif confident and _at_bound(chosen, shifts, min_gap):
        confident, reason = False, (f"the fit at m = {chosen.m} puts its correction at the edge of its range "
                                    f"(shift {chosen.shift}, gap {chosen.gap}): λ̂ = {chosen.lam:.4g} is an "
                                    "extrapolation the sweep does not pin down; add temperatures or widen their span")
    return MultiplicityEstimate(m=chosen.m, confident=confident, lam=chosen.lam, std_err=chosen.std_err,
                                level=level, max_m=max_m, corrections=corrections, fits=results,
                                nbetas=tuple(map(float, t)), values=tuple(map(float, y)),
                                std_errs=tuple(map(float, s)), reason=reason)


def _verdict(chosen: MultiplicityFit, fits: tuple[MultiplicityFit, ...], level: float) -> tuple[bool, str]:
    """(confident, why) for the chosen fit among all."""
    open_ = [f.m for f in fits if f.m != chosen.m and not f.excluded]
    if chosen.dof < 1:
        return False, f"the fit at m = {chosen.m} has no degree of freedom left to test it; add temperatures"
    if chosen.p_value < 1 - level:
        return False, (f"no m fits: χ² = {chosen.chi2:.1f} on {chosen.dof} dof at m = {chosen.m} (p = "
                       f"{chosen.p_value:.2g}); a phase change, a sampler bias or standard errors too small?")
    if open_:
        return False, f"m = {', '.join(map(str, open_))} not excluded at level {level:g}"
    if len(fits) == 1:
        return True, "max_m = 1"
    return True, f"every other m <= {len(fits)} excluded at level {level:g}"


def _at_bound(fit: MultiplicityFit, shifts: tuple[float, float], min_gap: float) -> bool:
    """Whether the fit's shift a sits at an end of its range or its gap δ at the lower end (to 0.1% of the
    range): there λ̂ is an extrapolation the sweep does not pin down.  δ = 1, the other end, is the regular
    directions' own correction under localization (t·h/(t·h + γ) = 1 − γ/(t·h) + …), the fastest to decay."""
    low, high = shifts
    if fit.shift is not None and min(fit.shift - low, high - fit.shift) <= 1e-3 * (high - low):
        return True
    return fit.gap is not None and fit.gap - min_gap <= 1e-3 * (1 - min_gap)


def _sweep(nbetas, values, std_errs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three sequences as float arrays of one length K >= 3, sorted by nβ, checked."""
    arrays = {}
    for name, seq in (("nbetas", nbetas), ("values", values), ("std_errs", std_errs)):
        try:
            array = np.asarray(seq, dtype=float)
        except (TypeError, ValueError):
            raise BadSetting(name, seq, "must be a sequence of numbers") from None
        if array.ndim != 1:
            raise BadSetting(name, seq, "must be one-dimensional (one entry per temperature)")
        if not np.all(np.isfinite(array)):
            raise BadSetting(name, seq, "has a non-finite entry; drop that temperature or rerun it")
        arrays[name] = array
    t, y, s = arrays["nbetas"], arrays["values"], arrays["std_errs"]
    if not len(t) == len(y) == len(s):
        raise BadSetting("values", list(y), f"and std_errs have lengths {len(y)} and {len(s)}; nbetas has {len(t)}; "
                         "pass one estimate and one standard error per temperature")
    if np.any(t <= 1):
        raise BadSetting("nbetas", list(t), "must all exceed 1 (the expansion is in 1/log nβ)")
    if len(np.unique(t)) < 3:
        raise BadSetting("nbetas", list(t), "must hold at least 3 distinct temperatures (best 4-6 over >= 2 decades)")
    if np.any(s <= 0):
        raise BadSetting("std_errs", list(s), "must all be > 0 (the fits weight by 1/s.e.²)")
    order = np.argsort(t, kind="stable")
    return t[order], y[order], s[order]


def _bound(name: str, value, *, low: float, high: float = math.inf) -> float:
    """A finite real number in the open interval (low, high)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not (math.isfinite(value) and low < value < high):
        raise BadSetting(name, value, f"must be a finite number in ({low:g}, {high:g})")
    return float(value)


def _leading_best_m(log_t: np.ndarray, y: np.ndarray, w: np.ndarray) -> int:
    """The integer m >= 1 with the smallest leading χ² (the leading χ² is quadratic in m: the nearest integer
    to 1 + the free slope c of λ − c/log t)."""
    x = 1 / log_t
    xm, ym = (w @ x) / w.sum(), (w @ y) / w.sum()
    slope = -float(w @ ((x - xm) * (y - ym)) / (w @ (x - xm) ** 2))
    return max(1, int(math.floor(slope + 1.5)))


def _fit(m: int, log_t, t, y, w, corrections: str, shifts: tuple[float, float], gaps: tuple[float, float]) -> dict:
    """The leading and the corrected fit at multiplicity m, as the fields of :class:`MultiplicityFit`."""
    leading = y + (m - 1) / log_t
    lam0 = float(w @ leading / w.sum())
    leading_chi2 = float(w @ (leading - lam0) ** 2)
    shift = m >= 2 and corrections in ("full", "shift")
    power = corrections == "power" or (corrections == "full" and m == 1)
    if shift:
        chi2, lam, se, a = _shift_fit(m, log_t, y, w, shifts)
        extra, nonlinear = {"shift": a, "deficit": None, "gap": None}, 1
    elif power:
        chi2, lam, se, b, delta = _power_fit(leading, t, log_t, w, gaps)
        extra, nonlinear = {"shift": None, "deficit": b, "gap": delta}, 2
    else:
        chi2, lam, se = leading_chi2, lam0, float(1 / math.sqrt(w.sum()))
        extra, nonlinear = {"shift": None, "deficit": None, "gap": None}, 0
    dof = len(y) - 1 - nonlinear
    p_value = float(special.chdtrc(dof, chi2)) if dof > 0 else math.nan
    return {"leading_chi2": leading_chi2, "chi2": chi2, "dof": dof, "p_value": p_value, "lam": lam, "std_err": se,
            **extra}


def _profile(objective, bounds: tuple[float, float]) -> float:
    """The minimizer on [lo, hi] of a smooth objective evaluated on arrays: the best point of a grid, then of
    finer grids between its neighbours (each round narrows the bracket 32-fold)."""
    lo, hi = bounds
    for _ in range(_ROUNDS):
        grid = np.linspace(lo, hi, _GRID)
        i = int(np.argmin(objective(grid)))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, _GRID - 1)]
    return float(grid[i])


def _shift_fit(m: int, log_t, y, w, bounds: tuple[float, float]) -> tuple[float, float, float, float]:
    """(χ², λ, s.e., a) of λ − (m − 1)/(log t + a), a in ``bounds``."""
    def lam_chi2(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = y + (m - 1) / (log_t + a[:, None])
        lam = r @ w / w.sum()
        return lam, (r - lam[:, None]) ** 2 @ w

    a = _profile(lambda v: lam_chi2(v)[1], bounds)
    lam, chi2 = (float(v[0]) for v in lam_chi2(np.array([a])))
    columns = [np.ones_like(y)]
    if bounds[0] + 1e-6 < a < bounds[1] - 1e-6:
        columns.append((m - 1) / (log_t + a) ** 2)
    return chi2, lam, _lam_std_err(np.stack(columns, axis=1), w), a


def _power_fit(leading, t, log_t, w, bounds: tuple[float, float]) -> tuple[float, float, float, float, float | None]:
    """(χ², λ, s.e., b, δ) of λ − c/log t − b·t^−δ (c fixed, already added into ``leading``), b >= 0,
    δ in ``bounds``; b = 0 and δ None when no deficit helps."""
    def chi2_lam_b(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        g = t ** -delta[:, None]  # weighted least squares of leading ≈ λ − b·g, per δ
        s0, s1, s2 = w.sum(), g @ w, g**2 @ w
        sy, sgy = w @ leading, (g * leading) @ w
        det = s0 * s2 - s1**2
        lam, b = (s2 * sy - s1 * sgy) / det, (s1 * sy - s0 * sgy) / det
        negative = b < 0
        lam, b = np.where(negative, sy / s0, lam), np.where(negative, 0.0, b)
        return (leading - lam[:, None] + b[:, None] * g) ** 2 @ w, lam, b

    delta = _profile(lambda v: chi2_lam_b(v)[0], bounds)
    chi2, lam, b = (float(v[0]) for v in chi2_lam_b(np.array([delta])))
    if b == 0:
        return chi2, lam, _lam_std_err(np.ones((len(t), 1)), w), b, None
    g = t ** -delta
    columns = [np.ones_like(t), -g]
    if bounds[0] + 1e-6 < delta < bounds[1] - 1e-6:
        columns.append(b * g * log_t)
    return chi2, lam, _lam_std_err(np.stack(columns, axis=1), w), b, delta


def _lam_std_err(jacobian: np.ndarray, w: np.ndarray) -> float:
    """s.e. of the first parameter from the model's Jacobian (K, p) and weights 1/s²: √[(JᵀWJ)⁻¹]₀₀."""
    normal = jacobian.T @ (jacobian * w[:, None])
    return float(math.sqrt(max(np.linalg.inv(normal)[0, 0], 0.0)))
