"""``singular estimate EXPR --params ...``: sample data from the regression model y = EXPR + noise at
w0 and estimate its LLC beside the exact value (and, for d <= 3, the estimator's targets by quadrature)."""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings

from ._args import auto, count, positive

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``estimate`` to the subcommands ``commands``."""
    e = commands.add_parser("estimate", help="estimate the LLC of y = EXPR + noise from sampled data, beside the exact value")
    e.add_argument("expr", metavar="EXPR", help="the regression function f(x, w), e.g. 'a*b*x'")
    e.add_argument("--params", required=True, help="parameter names, e.g. a,b")
    e.add_argument("--inputs", default="", help="input names, e.g. x")
    e.add_argument("--at", help="the true parameter w* = w0, e.g. a=0,b=0 (default the origin)")
    e.add_argument("--input-dist", choices=("normal", "uniform"), default="normal")
    e.add_argument("--sigma", default="1", help="noise standard deviation, exact (default 1)")
    e.add_argument("--n", type=positive, default=10_000, help="number of samples (default 10000)")
    e.add_argument("--sampler", choices=("sgld", "rmsprop_sgld", "sghmc", "mala"), default="sgld")
    e.add_argument("--step-size", type=auto(float), default="auto", help="ε, or auto (default: chosen in burn-in)")
    e.add_argument("--nbeta", type=float, help="nβ (default n / log n)")
    e.add_argument("--localization", type=float, default=1.0, help="γ (default 1)")
    e.add_argument("--chains", type=count, default=8, help="number of chains (default 8)")
    e.add_argument("--draws", type=auto(int), default="auto", help="draws per chain, or auto (default)")
    e.add_argument("--burnin", type=auto(int), default="auto", help="burn-in steps per chain, or auto (default)")
    e.add_argument("--batch-size", type=count, help="minibatch size (default: chosen from the gradient noise)")
    e.add_argument("--max-steps", type=count, default=20_000,
                   help="budget per chain of the automatic settings (default 20000)")
    e.add_argument("--seed", type=count, default=0, help="seed of the data and of the chains (default 0)")
    e.add_argument("--seconds", type=float, default=60.0, help="budget of the exact value (default 60)")
    e.add_argument("--plot", metavar="FILE", help="draw the loss traces and running LLC to a PNG")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Sample data from the model at w0, estimate, compare."""
    from estimators import LLCWarning, estimate_llc
    from singular.models import RegressionModel

    from ..torch_bridge import regression_data, regression_module

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


def _targets(model, x, y, estimate) -> dict:
    """The estimator's targets λ(nβ, γ) and λ_n(nβ, γ) by quadrature, where the model allows (d <= 3)."""
    from ..quadrature import dataset_target_llc, target_llc

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
