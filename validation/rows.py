"""The benchmark's rows: frozen records with the exact λ as a ``sympy.Rational``, and their JSON form.

A row's JSON form is written and read here only (``to_dict`` / ``from_dict``): the lines of a
benchmark's ``rows.jsonl``, and the rows of ``report.json`` and ``report.csv``.  λ is written as its exact fraction (``"1/2"``) and read back exactly; lines
written before the rows were records (plain dicts, without the optional fields) read the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy

__all__ = ["BenchmarkRow"]


def _fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``data`` that are fields of ``cls`` (a JSON line may also hold derived columns)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _list(value):
    """A tuple (of tuples) as a JSON list (of lists)."""
    return [_list(v) for v in value] if isinstance(value, tuple) else value


def _frozen(value):
    """A JSON list (of lists) as a tuple (of tuples)."""
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


@dataclass(frozen=True, slots=True)
class BenchmarkRow:
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

    estimator: str
    case: str
    family: str
    d: int
    lam: sympy.Rational
    m: int
    seed: int
    n: int
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
        out = {f.name: _list(getattr(self, f.name)) for f in dataclasses.fields(self)}
        return out | {"lam": str(self.lam)} | {name: getattr(self, name) for name in self.DERIVED}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BenchmarkRow:
        """The row of :meth:`to_dict`, or of a ``rows.jsonl`` line written before rows were records (the
        derived columns are recomputed; missing optional fields are None)."""
        values = {k: _frozen(v) for k, v in _fields(cls, data).items()}
        return cls(**values | {"lam": sympy.Rational(values["lam"])})
