"""``singular bench``: the ground-truth benchmark, estimators against the exact catalog (with
``--workers N`` on a local Dask cluster, with ``--scheduler ADDRESS`` on a running one)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import pathlib
import sys
from collections.abc import Iterator
from concurrent.futures import Executor

from ._args import at_least, count, positive

__all__ = ["add_parser", "run"]

#: Seconds ``--scheduler`` waits for a first worker to join before it gives up.
_WORKER_WAIT = 120


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``bench`` to the subcommands ``commands``."""
    b = commands.add_parser("bench", help="the ground-truth benchmark: estimators against exact cases")
    b.add_argument("--suite", choices=("quick", "full"), default="quick",
                   help="quick: 12 cases with d <= 3, n = 2000, one seed, 1200 steps per estimate (under 3 minutes); "
                        "full: the whole catalog, n = 10000, 5000 steps (slow, resumable)")
    b.add_argument("--sampler", default="sgld,rmsprop_sgld",
                   help="comma-separated sampler names (default sgld,rmsprop_sgld; an unknown name lists them all)")
    b.add_argument("--seeds", type=positive, help="datasets (and chain seeds) per case (default: the suite's)")
    b.add_argument("--n", type=at_least(10), help="dataset size (default: the suite's)")
    b.add_argument("--max-steps", type=at_least(100),
                   help="budget per chain of the automatic settings (default: the suite's)")
    b.add_argument("--reference-draws", type=count, default=2000,
                   help="steps per chain of the MALA reference runs: the target of cases with d > 3, and the dataset "
                        "target where the empirical loss has no quadrature (default 2000; 0: none)")
    b.add_argument("--out", default="bench-report", help="folder for report.md/.csv/.json, plots and rows.jsonl")
    b.add_argument("--json", action="store_true", help="print the summaries and rows as one JSON object")
    where = b.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive, metavar="N",
                       help="run the estimates on a local Dask cluster of N single-threaded worker processes "
                            "(needs pip install singular-toolkit[distributed]); same rows as in this process")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the estimates on the workers of the running Dask scheduler at ADDRESS, e.g. "
                            "tcp://10.0.0.5:8786 (they need the toolkit installed); same rows as in this process")
    b.add_argument("--observables", action="store_true",
                   help="instead of the LLC: susceptibilities and Bayesian influence functions against their exact "
                        "values, and the multiplicity m from a temperature sweep (cases with d <= 3; report in "
                        "OUT/observables.md)")
    b.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run, print the table, write the report; rows already in --out are reused."""
    from estimators import EstimatorError

    from ..benchmark import DEFAULT_ESTIMATORS, SUITE_SETTINGS, run_benchmark
    from ..cases import case, suite
    from ..observable_benchmark import run_observable_benchmark

    names = [s.strip() for s in args.sampler.split(",") if s.strip()]
    unknown = [s for s in names if s not in DEFAULT_ESTIMATORS]
    if unknown or not names:
        raise EstimatorError(f"--sampler {args.sampler!r}: choose from {', '.join(DEFAULT_ESTIMATORS)}")
    preset = SUITE_SETTINGS[args.suite]
    seeds, n = args.seeds or preset["seeds"], args.n or preset["n"]
    max_steps = args.max_steps or preset["max_steps"]
    chosen = [dataclasses.replace(DEFAULT_ESTIMATORS[s], max_steps=max_steps) for s in names]
    progress = not args.json and sys.stderr.isatty()
    with _dask_executor(args.workers, args.scheduler) as executor:
        if args.observables:
            observed = run_observable_benchmark(chosen, [c for c in suite(args.suite) if case(c).d <= 3],
                                                seeds=range(seeds), n=n, out=args.out, progress=progress,
                                                executor=executor)
            path = pathlib.Path(args.out) / "observables.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(observed.to_markdown() + "\n")
            rows = [r.to_dict() for r in observed.rows]
            print(json.dumps({"summary": observed.summary(), "rows": rows}, ensure_ascii=False) if args.json
                  else observed.to_markdown() + f"\nwrote {path}")
            return 0
        report = run_benchmark(chosen, suite(args.suite), seeds=range(seeds), n=n, out=args.out, progress=progress,
                               reference_draws=args.reference_draws, executor=executor)
    written = report.write(args.out)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(report.to_markdown())
        print("wrote " + ", ".join(str(p) for p in written))
    return 0


@contextlib.contextmanager
def _dask_executor(workers: int | None, scheduler: str | None) -> Iterator[Executor | None]:
    """None (in this process) without ``--workers`` or ``--scheduler``; else the executor of a Dask
    client on a new ``LocalCluster`` of ``workers`` single-threaded processes, or on the scheduler
    at ``scheduler``, closed at the end."""
    if workers is None and scheduler is None:
        yield None
        return
    from estimators import EstimatorError

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise EstimatorError(f"--{'workers' if scheduler is None else 'scheduler'} runs the estimates on Dask's "
                             "distributed scheduler, which is not installed: pip install "
                             "singular-toolkit[distributed]") from None
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            client = stack.enter_context(Client(stack.enter_context(LocalCluster(n_workers=workers,
                                                                                threads_per_worker=1))))
        else:
            try:
                client = stack.enter_context(Client(scheduler))
                client.wait_for_workers(1, timeout=_WORKER_WAIT)
            except (ValueError, OSError) as exc:  # a malformed address, no scheduler there, no worker
                raise EstimatorError(f"--scheduler {scheduler!r}: {exc or type(exc).__name__}") from None
        yield client.get_executor()
