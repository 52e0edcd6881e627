"""``singular model rrr|dln|tanh|regression ...``: a model's learning coefficient by its closed form,
by the symbolic route, or both with ``--verify``."""

from __future__ import annotations

import argparse
import json

from ._args import Parser, count, seconds, widths

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``model`` to the subcommands ``commands``."""
    m = commands.add_parser("model", help="the learning coefficient of a model family or a regression model")
    kinds = m.add_subparsers(dest="kind", required=True, parser_class=Parser)
    rr = kinds.add_parser("rrr", help="reduced-rank regression y = B A x (Aoyagi & Watanabe 2005)")
    rr.add_argument("--inputs", type=count, required=True, help="M, the input dimension")
    rr.add_argument("--outputs", type=count, required=True, help="N, the output dimension")
    rr.add_argument("--rank", type=count, required=True, help="H, the model's rank")
    rr.add_argument("--true-rank", type=count, default=0, help="r, the true rank (default 0)")
    dl = kinds.add_parser("dln", help="deep linear network (Aoyagi 2024)")
    dl.add_argument("--widths", type=widths, required=True, help="H_0 (input),...,H_L (output), e.g. 2,3,4,5")
    dl.add_argument("--true-rank", type=count, default=0, help="r, the true rank (default 0)")
    th = kinds.add_parser("tanh", help="one hidden layer of tanh units fitting 0 (Aoyagi & Watanabe 2005)")
    th.add_argument("--hidden", type=count, required=True, help="H, the number of hidden units")
    rg = kinds.add_parser("regression", help="y = f(x, w) + N(0, sigma^2), by the symbolic route")
    rg.add_argument("--f", required=True, help="the regression function, e.g. 'a*tanh(b*x)'")
    rg.add_argument("--params", required=True, help="parameter names, e.g. a,b")
    rg.add_argument("--inputs", default="", help="input names, e.g. x")
    rg.add_argument("--at", help="the true parameter, e.g. a=0,b=0 (default the origin)")
    rg.add_argument("--input-dist", choices=("normal", "uniform"), default="normal")
    rg.add_argument("--sigma", default="1", help="noise standard deviation, exact (default 1)")
    for k in (rr, dl, th, rg):
        k.add_argument("--json", action="store_true", help="print one JSON object")
        k.add_argument("--seconds", type=seconds, default=None,
                       help="wall-clock cut-off of the symbolic route in seconds (default none)")
    for k in (rr, dl, th):
        k.add_argument("--verify", action="store_true", help="also run the symbolic route and compare")
    m.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """The family formula, the symbolic route, or both."""
    formula, symbolic, name, d = _routes(args)
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


def _routes(args: argparse.Namespace):
    """(formula, symbolic, name, d): the closed form (None for a regression model) and the symbolic
    route's result (None unless asked for); the symbolic model is built only when it is run."""
    from singular import families, rlct
    from singular.models import RegressionModel

    if args.kind == "regression":
        model = RegressionModel(args.f, params=args.params, inputs=args.inputs, at=args.at,
                                input_dist=args.input_dist, sigma=args.sigma)
        return None, model.rlct(seconds=args.seconds), model.name, model.d
    if args.kind == "rrr":
        sizes = (args.inputs, args.outputs, args.rank, args.true_rank)
        formula, (name, d) = families.rrr(*sizes), families.rrr_size(*sizes)
        verify = lambda: families.rrr_model(*sizes).rlct(seconds=args.seconds)  # noqa: E731
    elif args.kind == "dln":
        formula, (name, d) = families.dln(args.widths, args.true_rank), families.dln_size(args.widths, args.true_rank)
        verify = lambda: families.dln_model(args.widths, args.true_rank).rlct(seconds=args.seconds)  # noqa: E731
    else:
        formula, (name, d) = families.tanh(args.hidden), families.tanh_size(args.hidden)
        verify = lambda: rlct(families.tanh_ideal(args.hidden), seconds=args.seconds)  # noqa: E731
    return formula, verify() if args.verify else None, name, d


def _agree(formula, symbolic) -> bool | None:
    if not symbolic.certified:
        return None
    same_m = formula.multiplicity is None or formula.multiplicity == symbolic.multiplicity
    return formula.value == symbolic.value and same_m
