"""The benchmarks' rows: frozen records with the exact λ as a ``sympy.Rational``, and their JSON form.

A row's JSON form is written and read here only (``to_dict`` / ``from_dict``): the lines of a
benchmark's ``rows.jsonl``, and the rows of ``report.json`` and ``report.csv``
(:class:`BenchmarkRow`); the lines of the observables benchmark's ``observable_rows.jsonl`` and the
rows of ``singular bench --observables --json`` (:class:`ObservableRow`, :class:`MultiplicityRow`,
read back by :func:`observable_row_from_dict`).  λ is written as its exact fraction (``"1/2"``) and
read back exactly; lines written before the rows were records (plain dicts, without the optional
fields, with the derived columns) read the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import sympy

from estimators.rowlog import ReadOnlyMapping

__all__ = ["BenchmarkRow", "MultiplicityRow", "ObservableRow", "observable_row_from_dict"]


def _fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``data`` that are fields of ``cls`` (a JSON line may also hold derived columns)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _frozen(value):
    """A JSON list (of lists) as a tuple (of tuples), a JSON object as a :class:`ReadOnlyMapping`."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, Mapping):
        return ReadOnlyMapping({k: _frozen(v) for k, v in value.items()})
    return value


def _json(value):
    """A tuple (of tuples) as a JSON list (of lists), a mapping as a dict."""
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    return [_json(v) for v in value] if isinstance(value, tuple) else value


def _record(cls, data: Mapping[str, Any]):
    """The record ``cls`` of a JSON object: lists frozen, λ exact, other keys (derived columns, ``kind``) dropped."""
    values = {k: _frozen(v) for k, v in _fields(cls, data).items()}
    return cls(**values | {"lam": sympy.Rational(values["lam"])})


def _to_dict(row, derived: Sequence[str]) -> dict[str, Any]:
    """Every field of ``row`` (λ as its fraction, tuples as lists) and the ``derived`` columns."""
    out = {f.name: _json(getattr(row, f.name)) for f in dataclasses.fields(row)}
    return out | {"lam": str(row.lam)} | {name: getattr(row, name) for name in derived}


@dataclass(frozen=True, slots=True)
class CaseRow:
    """The fields every benchmark row starts with: ``estimator`` (its label), the ``case``, its
    ``family``, ``d`` (parameters), ``lam`` (the exact λ, a ``sympy.Rational``) and ``m`` (its
    multiplicity), the ``seed`` and ``n`` (samples)."""

    estimator: str
    case: str
    family: str
    d: int
    lam: sympy.Rational
    m: int
    seed: int
    n: int


@dataclass(frozen=True, slots=True)
class BenchmarkRow(CaseRow):
    """One (estimator, case, seed, n) of :func:`~validation.benchmark.run_benchmark`.

    The case: ``estimator`` (its label), ``case``, ``family``, ``d`` (parameters), ``lam`` (the
    exact λ, a ``sympy.Rational``), ``m``, ``seed``, ``n``.  The run: ``seconds`` (wall clock),
    ``warnings`` (their messages), ``status`` (``"ok"``, ``"nan"`` or ``"error: ..."``),
    ``estimate`` λ̂ and its ``std_err``, and for our estimators the ``interval`` (with the step's
    bias), the ``verdict`` and its ``reasons``, ``rhat``, ``divergences``, ``nbeta``,
    ``localization`` γ, ``step_size`` ε, ``batch_size``, ``steps`` (burn-in + draws per chain), a
    loss ``trace`` per chain thinned to about 200 draws, and ``init_loss`` L_n(w*).  The targets:
    ``target`` λ(nβ, γ) (population K) and ``dataset_target`` λ_n(nβ, γ) (this dataset's L_n),
    each with its ``*_route`` and, from a MALA run, its ``*_std_err``.  Numbers that are not
    finite are None.

    The derived columns (``rel_error``, ``z``, ``sampler_error``, ``population_sampler_error``,
    ``data_noise``, ``estimator_bias``, ``covers_target``, ``covers_dataset_target``) are
    properties: the error split of :mod:`validation.benchmark`, relative to λ.

    Examples
    --------
    >>> row = BenchmarkRow("mine", "nc-w", "normal crossing", 1, sympy.Rational(1, 2), 1, 0, 50, 0.1,
    ...                    estimate=0.4, std_err=0.05)
    >>> row.rel_error, row.z
    (-0.19999999999999996, -1.9999999999999996)
    >>> row.to_dict()["lam"], BenchmarkRow.from_dict(row.to_dict()) == row
    ('1/2', True)
    """

    seconds: float
    warnings: tuple[str, ...] = ()
    status: str = "ok"
    estimate: float | None = None
    std_err: float | None = None
    interval: tuple[float | None, float | None] | None = None
    verdict: str | None = None
    reasons: tuple[str, ...] | None = None
    rhat: float | None = None
    divergences: int | None = None
    nbeta: float | None = None
    localization: float | None = None
    step_size: float | None = None
    batch_size: int | None = None
    steps: int | None = None
    target: float | None = None
    target_std_err: float | None = None
    target_route: str | None = None
    dataset_target: float | None = None
    dataset_target_std_err: float | None = None
    dataset_target_route: str | None = None
    trace: tuple[tuple[float | None, ...], ...] | None = None
    init_loss: float | None = None

    def _relative(self, value: float | None, reference: float | None) -> float | None:
        return None if value is None or reference is None else (value - reference) / float(self.lam)

    @property
    def rel_error(self) -> float | None:
        """(λ̂ − λ)/λ."""
        return self._relative(self.estimate, float(self.lam))

    @property
    def z(self) -> float | None:
        """(λ̂ − λ)/s.e. (None without a positive s.e.)."""
        return (self.estimate - float(self.lam)) / self.std_err if self.estimate is not None and self.std_err else None

    @property
    def sampler_error(self) -> float | None:
        """(λ̂ − λ_n(nβ, γ))/λ, against λ(nβ, γ) where λ_n(nβ, γ) is missing."""
        return self._relative(self.estimate, self.dataset_target if self.dataset_target is not None else self.target)

    @property
    def population_sampler_error(self) -> float | None:
        """(λ̂ − λ(nβ, γ))/λ."""
        return self._relative(self.estimate, self.target)

    @property
    def data_noise(self) -> float | None:
        """(λ_n(nβ, γ) − λ(nβ, γ))/λ."""
        return self._relative(self.dataset_target, self.target)

    @property
    def estimator_bias(self) -> float | None:
        """(λ(nβ, γ) − λ)/λ."""
        return self._relative(self.target, float(self.lam))

    def _covers(self, value: float | None) -> bool | None:
        if not self.interval or None in self.interval or value is None:
            return None
        return self.interval[0] <= value <= self.interval[1]

    @property
    def covers_target(self) -> bool | None:
        """Whether the interval holds λ(nβ, γ)."""
        return self._covers(self.target)

    @property
    def covers_dataset_target(self) -> bool | None:
        """Whether the interval holds λ_n(nβ, γ)."""
        return self._covers(self.dataset_target)

    DERIVED = ("rel_error", "z", "sampler_error", "population_sampler_error", "data_noise", "estimator_bias",
               "covers_target", "covers_dataset_target")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every field (λ as its fraction, ``"1/2"``; tuples as lists) and the derived columns."""
        return _to_dict(self, self.DERIVED)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BenchmarkRow:
        """The row of :meth:`to_dict`, or of a ``rows.jsonl`` line written before rows were records (the
        derived columns are recomputed; missing optional fields are None)."""
        return _record(cls, data)


def _signed(estimate: float, reference: float | None, scale: float | None) -> float | None:
    """(estimate − reference)/scale (None without a reference or a positive scale)."""
    return None if reference is None or scale is None or not scale > 0 else (estimate - reference) / scale


def _normed(estimate, reference, scale: float | None) -> float | None:
    """‖estimate − reference‖₂/scale (None without a reference or a positive scale)."""
    if reference is None or scale is None or not scale > 0:
        return None
    return float(np.linalg.norm(np.atleast_1d(np.asarray(estimate) - np.asarray(reference)))) / scale


def _norm(value) -> float | None:
    return None if value is None else float(np.linalg.norm(np.asarray(value)))


@dataclass(frozen=True, slots=True)
class ObservableRow(CaseRow):
    """One (estimator, case, seed, n) of the susceptibility and BIF part of
    :func:`~validation.observable_benchmark.run_observable_benchmark`.

    The case: ``estimator`` (its label), ``case``, ``family``, ``d``, ``lam`` (the exact λ, a
    ``sympy.Rational``), ``m``, ``seed``, ``n``, and the run's ``nbeta`` and ``localization`` γ.
    The run: ``llc`` λ̂ and its ``llc_verdict``, ``seconds`` (wall clock), ``chi`` χ̂ with its
    ``chi_std_err``, ``chi_verdict`` and ``chi_reasons``, ``bif`` BIF̂ (one per probe sample) with
    its ``bif_std_err`` and ``bif_verdict``.  The exact values (quadrature): ``chi_population`` and
    ``bif_population`` under K, ``chi_dataset`` and ``bif_dataset`` under this dataset's L_n
    (None where L_n has no moment form).

    The derived columns are properties (the error split of :mod:`validation.observable_benchmark`):
    ``chi_error`` (χ̂ − χ_K)/|χ_K|, ``chi_sampler_error`` (χ̂ − χ_n)/|χ_n|, ``chi_data_noise``
    (χ_n − χ_K)/|χ_K|, and ``bif_error``, ``bif_sampler_error``, ``bif_data_noise``, the same with
    Euclidean norms over the probe samples.

    Examples
    --------
    >>> row = ObservableRow("mine", "nc-w", "normal crossing", 1, sympy.Rational(1, 2), 1, 0, 50, 20.0, 1.0,
    ...                     0.5, "ok", 0.1, -0.9, 0.1, "ok", (), (0.6, 0.6), (0.1, 0.1), "ok", -1.0, (0.6, 0.8))
    >>> round(row.chi_error, 6), round(row.bif_error, 6), row.chi_sampler_error  # |−0.9 + 1|/1, ‖(0, −0.2)‖/1
    (0.1, 0.2, None)
    >>> row.to_dict()["kind"], observable_row_from_dict(row.to_dict()) == row
    ('observables', True)
    """

    kind: ClassVar[str] = "observables"

    nbeta: float
    localization: float
    llc: float
    llc_verdict: str
    seconds: float
    chi: float
    chi_std_err: float
    chi_verdict: str
    chi_reasons: tuple[str, ...]
    bif: tuple[float, ...]
    bif_std_err: tuple[float, ...]
    bif_verdict: str
    chi_population: float
    bif_population: tuple[float, ...]
    chi_dataset: float | None = None
    bif_dataset: tuple[float, ...] | None = None

    def __post_init__(self):
        for name in ("chi_reasons", "bif", "bif_std_err", "bif_population", "bif_dataset"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def chi_error(self) -> float | None:
        """(χ̂ − χ_K)/|χ_K|."""
        return _signed(self.chi, self.chi_population, abs(self.chi_population))

    @property
    def chi_sampler_error(self) -> float | None:
        """(χ̂ − χ_n)/|χ_n|."""
        return None if self.chi_dataset is None else _signed(self.chi, self.chi_dataset, abs(self.chi_dataset))

    @property
    def chi_data_noise(self) -> float | None:
        """(χ_n − χ_K)/|χ_K|."""
        return None if self.chi_dataset is None else _signed(self.chi_dataset, self.chi_population,
                                                             abs(self.chi_population))

    @property
    def bif_error(self) -> float | None:
        """‖BIF̂ − BIF_K‖₂/‖BIF_K‖₂."""
        return _normed(self.bif, self.bif_population, _norm(self.bif_population))

    @property
    def bif_sampler_error(self) -> float | None:
        """‖BIF̂ − BIF_n‖₂/‖BIF_n‖₂."""
        return _normed(self.bif, self.bif_dataset, _norm(self.bif_dataset))

    @property
    def bif_data_noise(self) -> float | None:
        """‖BIF_n − BIF_K‖₂/‖BIF_K‖₂."""
        return None if self.bif_dataset is None else _normed(self.bif_dataset, self.bif_population,
                                                             _norm(self.bif_population))

    DERIVED = ("chi_error", "chi_sampler_error", "chi_data_noise", "bif_error", "bif_sampler_error", "bif_data_noise")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``kind``, every field (λ as its fraction, tuples as lists) and the derived columns."""
        return {"kind": self.kind} | _to_dict(self, self.DERIVED)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ObservableRow:
        """The row of :meth:`to_dict` (the derived columns are recomputed)."""
        return _record(cls, data)


@dataclass(frozen=True, slots=True)
class MultiplicityRow(CaseRow):
    """One (estimator, case, seed, n) of the multiplicity sweep of
    :func:`~validation.observable_benchmark.run_observable_benchmark`.

    The case: ``estimator``, ``case``, ``family``, ``d``, ``lam`` (the exact λ, a
    ``sympy.Rational``), ``m`` (the exact multiplicity), ``seed``, ``n``.  The sweep: ``nbetas``,
    ``localization`` γ, ``llcs`` λ̂ with their ``llc_std_errs`` and ``llc_verdicts``, ``seconds``.
    The fit (:func:`estimators.estimate_multiplicity`): ``m_hat``, ``m_confident``, ``lam_corrected``
    and ``lam_corrected_std_err``, and ``fit`` (a read-only mapping of
    :meth:`~estimators.MultiplicityEstimate.to_dict`).  Derived: ``m_correct``, m̂ = m.

    Examples
    --------
    >>> row = MultiplicityRow("mine", "nc-w", "normal crossing", 1, sympy.Rational(1, 2), 1, 0, 50, (10.0, 40.0),
    ...                       1.0, (0.5, 0.5), (0.01, 0.01), ("ok", "ok"), 0.1, 1, True, 0.5, 0.01, {"m": 1})
    >>> row.m_correct, row.fit["m"], observable_row_from_dict(row.to_dict()) == row
    (True, 1, True)
    """

    kind: ClassVar[str] = "multiplicity"

    nbetas: tuple[float, ...]
    localization: float
    llcs: tuple[float, ...]
    llc_std_errs: tuple[float, ...]
    llc_verdicts: tuple[str, ...]
    seconds: float
    m_hat: int
    m_confident: bool
    lam_corrected: float | None
    lam_corrected_std_err: float | None
    fit: Mapping[str, Any]

    def __post_init__(self):
        object.__setattr__(self, "fit", _frozen(self.fit))

    @property
    def m_correct(self) -> bool:
        """m̂ = m."""
        return self.m_hat == self.m

    DERIVED = ("m_correct",)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``kind``, every field (λ as its fraction, tuples as lists) and ``m_correct``."""
        return {"kind": self.kind} | _to_dict(self, self.DERIVED)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MultiplicityRow:
        """The row of :meth:`to_dict` (``m_correct`` is recomputed)."""
        return _record(cls, data)


def observable_row_from_dict(data: Mapping[str, Any]) -> ObservableRow | MultiplicityRow:
    """The row of a line of ``observable_rows.jsonl``, by its ``kind``, also one written before rows were records."""
    return {"observables": ObservableRow, "multiplicity": MultiplicityRow}[data["kind"]].from_dict(data)
