"""Deep linear networks at scale: LLC estimates against Aoyagi's exact λ, 10³ to 10⁶ parameters.

The protocol follows Furman & Lau (2024), "Estimating the local learning coefficient at scale",
arXiv:2402.03698: draw random depths, widths and true ranks, take the exact λ from the Aoyagi
(2024) formula (:func:`singular.families.dln`), estimate the LLC at the true parameter with
SGLD and RMSProp-SGLD at fixed settings, and report the error per size bucket.  Our choices
where we could not read theirs:

- L (the number of weight matrices) uniform in {2, …, 5}; each width H_s uniform in
  [h/2, 3h/2], with h = √(P/L) for the bucket's target size P; the true rank r uniform in
  {0, …, min H_s}.
- The true parameter is W_l = Q_l·diag(I_r, 0)·Q_(l−1)ᵀ with Q_s random orthogonal: every layer
  has rank exactly r.  That is the deepest stratum of the true set, where the local learning
  coefficient equals the global λ of the formula (at points where some layer has a larger rank,
  the local coefficient can be larger).
- x ~ N(0, I), y = W_L ⋯ W_1·x + N(0, I), n = 10⁵ samples in float32; nβ = n/log n, γ = 1.
- Settings: automatic (:mod:`estimators.tuning`: step size, batch size, burn-in and draws chosen
  per network within ``max_steps``), the same rule for every size; no per-size step size.

Rows are kept in a :class:`~estimators.rowlog.RowLog`, so an interrupted run resumes.
"""

from __future__ import annotations

import math
import pathlib
import time
import warnings
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from estimators import estimate_llc
from estimators.rowlog import RowLog, exclusive, fill_rows
from singular.families import dln

from validation.benchmark import SILENT_FAILURE, _pct, _share, summarize

__all__ = ["DLNSpec", "DLN_SAMPLERS", "random_dln", "dln_problem", "run_dln_scale", "dln_table"]

#: The two samplers of the study and their step sizes: automatic for every size.  (The first run of
#: the protocol used fixed steps, SGLD 3e-6 and RMSProp-SGLD 7e-4, chosen on one 1.7·10³ and one
#: 9.5·10⁴ parameter network; docs/studies.md keeps its table.)
DLN_SAMPLERS = {"sgld": "auto", "rmsprop_sgld": "auto"}


@dataclass(frozen=True)
class DLNSpec:
    """One random network of the protocol: widths H_0..H_L and the true rank r.

    Examples
    --------
    >>> spec = DLNSpec((3, 4, 2), 1)
    >>> spec.params, str(spec.lam)
    (20, '3')
    """

    widths: tuple[int, ...]
    true_rank: int

    @property
    def params(self) -> int:
        return sum(a * b for a, b in zip(self.widths, self.widths[1:]))

    @property
    def lam(self):
        return dln(list(self.widths), self.true_rank).value


def random_dln(target_params: int, rng: np.random.Generator) -> DLNSpec:
    """A random network of about ``target_params`` parameters (see the module's protocol).

    Examples
    --------
    >>> spec = random_dln(10_000, np.random.default_rng(0))
    >>> 2_000 < spec.params < 50_000 and 2 <= len(spec.widths) - 1 <= 5
    True
    """
    if target_params < 8:
        raise ValueError(f"target_params={target_params}: a deep linear network needs at least 8 parameters")
    layers = int(rng.integers(2, 6))
    h = math.sqrt(target_params / layers)
    widths = tuple(int(rng.integers(max(1, round(h / 2)), max(2, round(1.5 * h)) + 1)) for _ in range(layers + 1))
    return DLNSpec(widths, int(rng.integers(0, min(widths) + 1)))


def dln_problem(spec: DLNSpec, n: int, seed: int):
    """The module at its true parameter and n samples (float32).

    Examples
    --------
    >>> module, (x, y) = dln_problem(DLNSpec((3, 4, 2), 1), 100, seed=0)
    >>> torch.linalg.matrix_rank(module[1].weight @ module[0].weight).item(), tuple(y.shape)
    (1, (100, 2))
    """
    gen = torch.Generator().manual_seed(seed)
    widths, r = spec.widths, spec.true_rank
    bases = [torch.linalg.qr(torch.randn(w, w, generator=gen))[0] for w in widths]
    module = torch.nn.Sequential(*[torch.nn.Linear(a, b, bias=False) for a, b in zip(widths, widths[1:])])
    with torch.no_grad():
        for l, layer in enumerate(module, start=1):
            layer.weight.copy_(bases[l][:, :r] @ bases[l - 1][:, :r].T)
        x = torch.randn(n, widths[0], generator=gen)
        y = module(x) + torch.randn(n, widths[-1], generator=gen)
    return module, (x, y)


def _bucket(params: int) -> str:
    return f"10^{round(math.log10(params))}"


def run_dln_scale(
    buckets: Sequence[int] = (10**3, 10**4, 10**5, 10**6),
    per_bucket: Sequence[int] = (12, 12, 8, 4),
    *,
    samplers: dict[str, float | str] = DLN_SAMPLERS,
    n: int = 100_000,
    num_chains: int = 4,
    num_draws: int | str = "auto",
    num_burnin: int | str = "auto",
    batch_size: int | None = None,
    max_steps: int = 2000,
    seed: int = 0,
    out: str | pathlib.Path | None = None,
    progress: bool = False,
    executor: Executor | None = None,
) -> list[dict]:
    """Estimate the LLC of random deep linear networks; one row per (network, sampler).

    Network i of the bucket with target size P is ``random_dln(P, default_rng([seed, P, i]))`` with
    data seed ``i``; every sampler sees the same networks (each (network, sampler) task builds its
    network and data from these seeds).  Rows carry the bucket, widths, rank, exact λ (as a
    string), the estimate, its s.e. and interval (None when every chain diverged), the verdict
    and its reasons, the settings chosen, the signed relative error and the seconds.  With
    ``out``, rows go to ``out/rows.jsonl`` as they finish and a re-run skips those already there;
    a second run into the same ``out`` while one is running is refused
    (:func:`estimators.rowlog.exclusive`).  With an ``executor`` (a Dask ``Client.get_executor()``,
    a ``ProcessPoolExecutor``…) the (network, sampler) estimates run there, one task each, and
    give the same rows as in this process (:func:`estimators.rowlog.fill_rows`).

    Examples
    --------
    >>> rows = run_dln_scale([30], [1], n=2000, max_steps=300, num_chains=2)
    >>> [(r["bucket"], r["sampler"], r["status"], r["verdict"] in ("ok", "doubtful", "unreliable")) for r in rows]
    [('10^1', 'sgld', 'ok', True), ('10^1', 'rmsprop_sgld', 'ok', True)]
    """
    if len(buckets) != len(per_bucket):
        raise ValueError(f"{len(buckets)} buckets but {len(per_bucket)} counts per bucket")
    path = None if out is None else pathlib.Path(out) / "rows.jsonl"
    settings = dict(n=n, num_chains=num_chains, num_draws=num_draws, num_burnin=num_burnin, batch_size=batch_size,
                    max_steps=max_steps)
    tasks = [((target, index, sampler), _dln_row, (target, index, seed, sampler, step_size, settings))
             for target, k in zip(buckets, per_bucket) for index in range(k) for sampler, step_size in samplers.items()]
    with exclusive(path):
        log = RowLog(path, key=lambda row: (row["target"], row["index"], row["sampler"]))
        return fill_rows(log, tasks, executor=executor, progress=progress, desc="dln")


def _dln_row(target: int, index: int, seed: int, sampler: str, step_size: float | str, settings: dict) -> dict:
    """One row of :func:`run_dln_scale`: network ``index`` of the bucket ``target`` (its data built here,
    so that the task carries only numbers), estimated with ``sampler``."""
    spec = random_dln(target, np.random.default_rng([seed, target, index]))
    module, data = dln_problem(spec, settings["n"], seed=index)
    lam = spec.lam
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = estimate_llc(module, data, step_size=step_size, sampler=sampler, num_chains=settings["num_chains"],
                           num_draws=settings["num_draws"], num_burnin=settings["num_burnin"],
                           batch_size=settings["batch_size"], max_steps=settings["max_steps"], seed=index)
    finite = math.isfinite(est.mean)
    return {
        "target": target, "index": index, "bucket": _bucket(target), "sampler": sampler,
        "step_size": est.config.step_size, "batch_size": est.config.batch_size,
        "steps": est.config.num_burnin + est.config.num_draws, "widths": list(spec.widths),
        "true_rank": spec.true_rank, "params": spec.params, "lam": str(lam),
        "estimate": est.mean if finite else None, "std_err": est.std_err if finite else None,
        "interval": list(est.interval) if finite else None, "verdict": est.verdict,
        "reasons": list(est.diagnostics.trust.reasons),
        "rel_error": (est.mean - float(lam)) / float(lam) if finite and lam else None,
        "seconds": time.perf_counter() - start, "status": "ok" if finite else "nan",
        "warnings": [str(w.message) for w in caught],
    }


def dln_table(rows: Sequence[dict]) -> str:
    """A markdown table per (bucket, sampler) of the rows of :func:`run_dln_scale`.

    Examples
    --------
    >>> rows = [dict(bucket="10^3", sampler="sgld", lam="10", estimate=9.0, std_err=0.5, rel_error=-0.1,
    ...              params=1000, seconds=2.0, status="ok")]
    >>> print(dln_table(rows).splitlines()[2])
    | 10^3 | sgld | 1 | 1000 | -10% | -10% to -10% | 100% | 100% | 0/1 | – | 2.0 | 0/0/0 | 0 |
    """
    head = ("| bucket | sampler | runs | params (median) | median signed rel. error | IQR | within ±10% "
            "| within ±20% | NaN | Spearman ρ | s per estimate | verdicts ok/doubtful/unreliable | silent failures |\n"
            + "|---" * 13 + "|")
    lines = [head]
    for bucket in sorted({r["bucket"] for r in rows}, key=lambda b: int(b.split("^")[1])):
        for sampler in dict.fromkeys(r["sampler"] for r in rows):
            group = [r for r in rows if r["bucket"] == bucket and r["sampler"] == sampler]
            if not group:
                continue
            s = summarize([r | {"sampler_error": None, "estimator_bias": None} for r in group])
            q1, q3 = s["iqr_rel_error"]
            rho = "–" if s["spearman"] is None else f"{s['spearman']:.2f}"
            nan = sum(r["estimate"] is None for r in group)
            verdicts = "/".join(str(sum(r.get("verdict") == v for r in group)) for v in ("ok", "doubtful", "unreliable"))
            silent = sum(1 for r in group if r["rel_error"] is not None and abs(r["rel_error"]) > SILENT_FAILURE
                         and r.get("verdict") == "ok")
            lines.append(
                f"| {bucket} | {sampler} | {len(group)} | {int(np.median([r['params'] for r in group]))} "
                f"| {_pct(s['median_rel_error'])} | {_pct(q1)} to {_pct(q3)} | {_share(s['within_10'])} "
                f"| {_share(s['within_20'])} | {nan}/{len(group)} | {rho} | {s['seconds_per_run']:.1f} "
                f"| {verdicts} | {silent} |")
    return "\n".join(lines)
