"""The ``singular`` command line.

``singular rlct EXPR`` computes an exact RLCT; ``singular resolve EXPR``
resolves its singularities and shows the tree (summary, JSON, DOT, PNG);
``singular model rrr|dln|tanh|regression ...`` gives a model's learning coefficient (closed form,
or the symbolic route, or both with ``--verify``); ``singular estimate EXPR --params ...`` samples
data from the regression model y = EXPR + noise and estimates its LLC beside the exact value;
``singular bench`` runs the ground-truth benchmark (estimators against the exact catalog; with
``--workers N`` on a local Dask cluster, with ``--scheduler ADDRESS`` on a running one);
``singular tour`` runs the tour of classic examples.  Bad input exits with status 2 and one line on
stderr; any computed result, certified or not, exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import pathlib
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Sequence

from resolution import GermError
from resolution.tree import tree_to_dict
from singular import SingularError, rlct
from singular.families import (
    dln,
    dln_model,
    dln_size,
    rrr,
    rrr_model,
    rrr_size,
    tanh,
    tanh_ideal,
    tanh_model,
    tanh_size,
)
from singular.models import RegressionModel

# The estimators, the benchmark, the quadrature and the tour (torch, scipy.stats) are imported by the
# commands that use them, so that the exact commands start in the time sympy takes to load.

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"singular: error: {message}\n")


def _germ_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expr", metavar="EXPR", help="a polynomial or analytic function, e.g. 'x^2*y^4' ('^' or '**')")
    p.add_argument("--vars", help="variable order, e.g. x,y,z (default: sorted names in EXPR)")
    p.add_argument("--prior", help="prior monomial times a positive constant, e.g. 'x^2*y' (default 1)")
    p.add_argument("--at", help="the point, e.g. x=1,y=0 (default the origin)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--max-depth", type=_count, default=40, help="resolution budget: depth (default 40)")
    p.add_argument("--max-charts", type=_count, default=2000, help="resolution budget: charts (default 2000)")
    p.add_argument("--max-terms", type=_count, default=2_000_000,
                   help="resolution budget: polynomial terms built (default 2000000)")
    p.add_argument("--seconds", type=_seconds, default=None,
                   help="wall-clock cut-off in seconds (default none); it only stops a run, and says so")


def _at_least(minimum: int):
    """An argparse type: an integer >= ``minimum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value
    return parse


_count = _at_least(0)
_positive = _at_least(1)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="singular", description="Exact learning coefficients of singular models.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = commands.add_parser("rlct", help="the exact RLCT of |EXPR| at a point")
    _germ_arguments(p)
    p.add_argument("--nonneg", help="variables constrained to be >= 0, e.g. t,s")
    p.add_argument("--method", choices=("auto", "monomial", "newton", "resolution"), default="auto")
    r = commands.add_parser("resolve", help="resolve the singularities of EXPR and show the tree")
    _germ_arguments(r)
    r.add_argument("--dot", metavar="FILE", help="write the tree as Graphviz DOT")
    r.add_argument("--png", metavar="FILE", help="draw the tree as a PNG")
    commands.add_parser("tour", help="exact RLCTs of classic examples beside their literature values")
    m = commands.add_parser("model", help="the learning coefficient of a model family or a regression model")
    kinds = m.add_subparsers(dest="kind", required=True, parser_class=_Parser)
    rr = kinds.add_parser("rrr", help="reduced-rank regression y = B A x (Aoyagi & Watanabe 2005)")
    rr.add_argument("--inputs", type=_count, required=True, help="M, the input dimension")
    rr.add_argument("--outputs", type=_count, required=True, help="N, the output dimension")
    rr.add_argument("--rank", type=_count, required=True, help="H, the model's rank")
    rr.add_argument("--true-rank", type=_count, default=0, help="r, the true rank (default 0)")
    dl = kinds.add_parser("dln", help="deep linear network (Aoyagi 2024)")
    dl.add_argument("--widths", required=True, help="H_0 (input),...,H_L (output), e.g. 2,3,4,5")
    dl.add_argument("--true-rank", type=_count, default=0, help="r, the true rank (default 0)")
    _estimate_arguments(commands)
    _bench_arguments(commands)
    th = kinds.add_parser("tanh", help="one hidden layer of tanh units fitting 0 (Aoyagi & Watanabe 2005)")
    th.add_argument("--hidden", type=_count, required=True, help="H, the number of hidden units")
    rg = kinds.add_parser("regression", help="y = f(x, w) + N(0, sigma^2), by the symbolic route")
    rg.add_argument("--f", required=True, help="the regression function, e.g. 'a*tanh(b*x)'")
    rg.add_argument("--params", required=True, help="parameter names, e.g. a,b")
    rg.add_argument("--inputs", default="", help="input names, e.g. x")
    rg.add_argument("--at", help="the true parameter, e.g. a=0,b=0 (default the origin)")
    rg.add_argument("--input-dist", choices=("normal", "uniform"), default="normal")
    rg.add_argument("--sigma", default="1", help="noise standard deviation, exact (default 1)")
    for k in (rr, dl, th, rg):
        k.add_argument("--json", action="store_true", help="print one JSON object")
        k.add_argument("--seconds", type=_seconds, default=None,
                       help="wall-clock cut-off of the symbolic route in seconds (default none)")
    for k in (rr, dl, th):
        k.add_argument("--verify", action="store_true", help="also run the symbolic route and compare")
    return parser


def _bench_arguments(commands) -> None:
    b = commands.add_parser("bench", help="the ground-truth benchmark: estimators against exact cases")
    b.add_argument("--suite", choices=("quick", "full"), default="quick",
                   help="quick: 12 cases with d <= 3, n = 2000, one seed, 1200 steps per estimate (under 3 minutes); "
                        "full: the whole catalog, n = 10000, 5000 steps (slow, resumable)")
    b.add_argument("--sampler", default="sgld,rmsprop_sgld",
                   help="comma-separated sampler names (default sgld,rmsprop_sgld; an unknown name lists them all)")
    b.add_argument("--seeds", type=_positive, help="datasets (and chain seeds) per case (default: the suite's)")
    b.add_argument("--n", type=_positive, help="dataset size (default: the suite's)")
    b.add_argument("--max-steps", type=_positive,
                   help="budget per chain of the automatic settings (default: the suite's)")
    b.add_argument("--reference-draws", type=_count, default=2000,
                   help="steps per chain of the MALA reference runs: the target of cases with d > 3, and the dataset "
                        "target where the empirical loss has no quadrature (default 2000; 0: none)")
    b.add_argument("--out", default="bench-report", help="folder for report.md/.csv/.json, plots and rows.jsonl")
    b.add_argument("--json", action="store_true", help="print the summaries and rows as one JSON object")
    where = b.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive, metavar="N",
                       help="run the estimates on a local Dask cluster of N single-threaded worker processes "
                            "(needs pip install singular-toolkit[distributed]); same rows as in this process")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the estimates on the workers of the running Dask scheduler at ADDRESS, e.g. "
                            "tcp://10.0.0.5:8786 (they need the toolkit installed); same rows as in this process")
    b.add_argument("--observables", action="store_true",
                   help="instead of the LLC: susceptibilities and Bayesian influence functions against their exact "
                        "values, and the multiplicity m from a temperature sweep (cases with d <= 3; report in "
                        "OUT/observables.md)")


def _bench(args: argparse.Namespace) -> int:
    """``singular bench``: run, print the table, write the report; rows already in --out are reused."""
    from estimators import EstimatorError

    from .benchmark import DEFAULT_ESTIMATORS, SUITE_SETTINGS, run_benchmark
    from .cases import case, suite
    from .observable_benchmark import run_observable_benchmark

    names = [s.strip() for s in args.sampler.split(",") if s.strip()]
    unknown = [s for s in names if s not in DEFAULT_ESTIMATORS]
    if unknown or not names:
        raise EstimatorError(f"--sampler {args.sampler!r}: choose from {', '.join(DEFAULT_ESTIMATORS)}")
    preset = SUITE_SETTINGS[args.suite]
    seeds, n = args.seeds or preset["seeds"], args.n or preset["n"]
    max_steps = args.max_steps or preset["max_steps"]
    if seeds < 1 or n < 10 or max_steps < 100:
        raise EstimatorError("--seeds must be >= 1, --n >= 10 and --max-steps >= 100")
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
            print(json.dumps({"summary": observed.summary(), "rows": observed.rows}, ensure_ascii=False) if args.json
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


#: Seconds ``--scheduler`` waits for a first worker to join before it gives up.
_WORKER_WAIT = 120


def _estimate_arguments(commands) -> None:
    e = commands.add_parser("estimate", help="estimate the LLC of y = EXPR + noise from sampled data, beside the exact value")
    e.add_argument("expr", metavar="EXPR", help="the regression function f(x, w), e.g. 'a*b*x'")
    e.add_argument("--params", required=True, help="parameter names, e.g. a,b")
    e.add_argument("--inputs", default="", help="input names, e.g. x")
    e.add_argument("--at", help="the true parameter w* = w0, e.g. a=0,b=0 (default the origin)")
    e.add_argument("--input-dist", choices=("normal", "uniform"), default="normal")
    e.add_argument("--sigma", default="1", help="noise standard deviation, exact (default 1)")
    e.add_argument("--n", type=_positive, default=10_000, help="number of samples (default 10000)")
    e.add_argument("--sampler", choices=("sgld", "rmsprop_sgld", "sghmc", "mala"), default="sgld")
    e.add_argument("--step-size", type=_auto(float), default="auto", help="ε, or auto (default: chosen in burn-in)")
    e.add_argument("--nbeta", type=float, help="nβ (default n / log n)")
    e.add_argument("--localization", type=float, default=1.0, help="γ (default 1)")
    e.add_argument("--chains", type=_count, default=8, help="number of chains (default 8)")
    e.add_argument("--draws", type=_auto(int), default="auto", help="draws per chain, or auto (default)")
    e.add_argument("--burnin", type=_auto(int), default="auto", help="burn-in steps per chain, or auto (default)")
    e.add_argument("--batch-size", type=_count, help="minibatch size (default: chosen from the gradient noise)")
    e.add_argument("--max-steps", type=_count, default=20_000,
                   help="budget per chain of the automatic settings (default 20000)")
    e.add_argument("--seed", type=_count, default=0, help="seed of the data and of the chains (default 0)")
    e.add_argument("--seconds", type=float, default=60.0, help="budget of the exact value (default 60)")
    e.add_argument("--plot", metavar="FILE", help="draw the loss traces and running LLC to a PNG")
    e.add_argument("--json", action="store_true", help="print one JSON object")


def _auto(kind):
    """An argparse type: the word ``auto`` or a number of ``kind``."""
    def parse(text: str):
        if text == "auto":
            return text
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number or 'auto', got {text!r}") from None
    return parse


def _estimate(args: argparse.Namespace) -> int:
    """``singular estimate EXPR ...``: sample data from the model at w0, estimate, compare."""
    from estimators import LLCWarning, estimate_llc

    from .torch_models import regression_data, regression_module

    model = RegressionModel(args.expr, params=args.params, inputs=args.inputs, at=args.at,
                            input_dist=args.input_dist, sigma=args.sigma)
    x, y, loss_fn = regression_data(model, args.n, seed=args.seed)
    with warnings.catch_warnings():  # the verdict and its reasons are printed with the estimate
        warnings.simplefilter("ignore", LLCWarning)
        estimate = estimate_llc(
            regression_module(model), (x, y), loss_fn=loss_fn, sampler=args.sampler, step_size=args.step_size,
            nbeta=args.nbeta, localization=args.localization, num_chains=args.chains, num_draws=args.draws,
            num_burnin=args.burnin, batch_size=args.batch_size, max_steps=args.max_steps, seed=args.seed,
            progress=not args.json and sys.stderr.isatty(),
        )
    if args.plot:
        estimate.plot(args.plot)
    exact = model.rlct(seconds=args.seconds)
    value = float(exact.value) if exact.certified else None
    finite = math.isfinite(estimate.mean)  # a diverged estimate is printed too, its error as null
    error = None if value is None or value == 0 or not finite else (estimate.mean - value) / value
    targets = _targets(model, x, y, estimate)
    if args.json:
        payload = {
            "expression": args.expr, "model": model.name, "d": model.d, **estimate.to_dict(),
            "exact": exact.to_dict(), "relative_error": error, "targets": targets,
        }
        print(json.dumps(payload, ensure_ascii=False, allow_nan=False))
        return 0
    print(f"{model.name}, d = {model.d}, n = {args.n}")
    print(estimate.summary())
    exact_text = f"{exact.value}, multiplicity {exact.multiplicity}" if exact.certified else "not certified"
    print(f"exact λ        {exact_text} ({exact.method})")
    if targets["population"] is not None:
        print(f"λ(nβ, γ)       {targets['population']:.4f}: an exact sampler's value with the population loss K "
              "(quadrature)")
    if targets["dataset"] is not None:
        print(f"λ_n(nβ, γ)     {targets['dataset']:.4f}: an exact sampler's value on this dataset (quadrature of L_n; "
              "the data's noise moves the minimum of L_n off w*)")
    if error is not None:
        note = (" (at finite nβ the estimator's own target lies below λ when m > 1)"
                if exact.multiplicity is not None and exact.multiplicity > 1 else "")
        print(f"relative error {error:+.1%}{note}")
    return 0


def _targets(model: RegressionModel, x, y, estimate) -> dict:
    """The estimator's targets λ(nβ, γ) and λ_n(nβ, γ) by quadrature, where the model allows (d <= 3)."""
    from .quadrature import dataset_target_llc, target_llc

    found = {"population": None, "dataset": None}
    if model.d > 3 or not estimate.config.localization > 0:
        return found
    nbeta, gamma = estimate.nbeta, estimate.config.localization
    try:
        found["population"] = target_llc(model, nbeta, gamma)
        found["dataset"] = dataset_target_llc(model, x.numpy(), y.numpy(), nbeta, gamma)
    except ValueError:  # no closed form for K or L_n: the targets stay unknown
        pass
    return found



def _widths(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise SingularError(f"--widths={text!r}: expected integers separated by commas, e.g. 2,3,4,5") from None


def _model(args: argparse.Namespace) -> int:
    """``singular model ...``: the family formula, the symbolic route, or both."""
    if args.kind == "regression":
        model = RegressionModel(args.f, params=args.params, inputs=args.inputs, at=args.at,
                                input_dist=args.input_dist, sigma=args.sigma)
        formula, symbolic = None, model.rlct(seconds=args.seconds)
        name, d = model.name, model.d
    else:
        if args.kind == "rrr":
            sizes = (args.inputs, args.outputs, args.rank, args.true_rank)
            formula, (name, d), build = rrr(*sizes), rrr_size(*sizes), lambda: rrr_model(*sizes)
        elif args.kind == "dln":
            widths = _widths(args.widths)
            formula, (name, d) = dln(widths, args.true_rank), dln_size(widths, args.true_rank)
            build = lambda: dln_model(widths, args.true_rank)  # noqa: E731
        else:
            formula, (name, d), build = tanh(args.hidden), tanh_size(args.hidden), lambda: tanh_model(args.hidden)
        symbolic = None
        if args.verify:
            symbolic = rlct(tanh_ideal(args.hidden), seconds=args.seconds) if args.kind == "tanh" else \
                build().rlct(seconds=args.seconds)
    main_result = formula or symbolic
    if args.json:
        payload = {**main_result.to_dict(), "model": name, "d": d}
        if formula is not None and symbolic is not None:
            payload["symbolic"] = symbolic.to_dict()
            payload["agree"] = _agree(formula, symbolic)
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    print(f"{name}, d = {d}")
    print(main_result.summary())
    if formula is not None and symbolic is not None:
        print("Symbolic route:")
        print(symbolic.summary())
        verdict = {True: "agree", False: "DISAGREE", None: "symbolic route not certified (bounds above)"}
        print(f"Formula and symbolic route: {verdict[_agree(formula, symbolic)]}")
    return 0


def _agree(formula, symbolic) -> bool | None:
    if not symbolic.certified:
        return None
    same_m = formula.multiplicity is None or formula.multiplicity == symbolic.multiplicity
    return formula.value == symbolic.value and same_m


def _resolve_summary(result) -> str:
    tree = result.tree
    best = tree.minimum()
    lines = [
        f"charts: {tree.number_of_nodes()}, depth: {tree.depth}, leaves: {len(tree.leaves)}; "
        + ("every leaf normal crossing or monomial." if tree.complete else f"not finished: {tree.graph['stopped'] or 'open nodes'}."),
    ]
    if best is not None:
        value, multiplicity, leaf = best
        chart = tree.nodes[leaf]["chart"]
        power = tree.graph.get("power", 1)
        coordinates = ", ".join(f"{v} = {c}" for v, c in zip(tree.graph["variables"], chart.coordinates))
        lines.append(f"Minimizing leaf {leaf}: (λ, m) = ({value / power}, {multiplicity}); coordinates {coordinates}")
    return "\n".join([result.summary(), *lines])


def _write_tree(args: argparse.Namespace, tree) -> None:
    from resolution.tree import tree_to_dot

    if args.dot:
        pathlib.Path(args.dot).write_text(tree_to_dot(tree))
    if args.png:
        from .plots import draw_tree

        draw_tree(tree, args.png, title=args.expr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples
    --------
    >>> main(["rlct", "x^2*y^4"])
    RLCT 1/4, multiplicity 1 (method: monomial, certified)
      f = x^2*y^4; prior monomial 1.
      Normal crossing: λ = min_j (h_j+1)/k_j = min((0+1)/2, (0+1)/4) = 1/4, attained by y, so m = 1 (Lin 2011, Prop. 3.7).
    0
    """
    args = _parser().parse_args(argv)
    if args.command == "tour":
        from .tour import format_tour, run_tour

        print(format_tour(run_tour()))
        return 0
    if args.command in ("model", "estimate", "bench"):
        handler = {"model": _model, "estimate": _estimate, "bench": _bench}[args.command]
        errors: tuple[type[Exception], ...] = (GermError, SingularError, OSError)
        if args.command != "model":
            from estimators import EstimatorError

            errors += (EstimatorError,)
        try:
            return handler(args)
        except errors as exc:
            print(f"singular: error: {exc}", file=sys.stderr)
            return 2
    resolving = args.command == "resolve"
    try:
        result = rlct(
            args.expr,
            variables=args.vars,
            prior=args.prior,
            at=args.at,
            nonneg=() if resolving else (args.nonneg or ()),
            method="resolution" if resolving else args.method,
            max_depth=args.max_depth,
            max_charts=args.max_charts,
            max_terms=args.max_terms,
            seconds=args.seconds,
        )
        if resolving and result.tree is not None:
            _write_tree(args, result.tree)
    except (GermError, SingularError, OSError) as exc:
        print(f"singular: error: {exc}", file=sys.stderr)
        return 2
    if resolving and result.tree is not None:
        if args.json:
            print(json.dumps({**result.to_dict(), "tree": tree_to_dict(result.tree)}, ensure_ascii=False))
        else:
            print(_resolve_summary(result))
        return 0
    print(json.dumps(result.to_dict(), ensure_ascii=False) if args.json else result.summary())
    return 0

