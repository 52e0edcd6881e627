"""Observables evaluated at the chains' draws (``estimate_llc(..., observables=...)``): each spec made
into a function of the chains' parameters, and the recorder that keeps their streaming moments (and,
on request, their traces) as the draws come."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable, Mapping

import numpy as np
import torch
from torch import Tensor

from ._chains import make_loss, per_sample_nll
from ._data import read_data
from ._objective import Objective, PairLoss, check_objective, pair_keys
from ._params import Params
from .errors import BadData, BadSetting
from .observables import LOSS, Observable, ObservableDraws

DENSE_MAX = 1024
"""Up to this many components (the training loss included), every pair's cross-moment is streamed;
above it, only each component's with the scalar observables (the rest needs traces)."""
_CHUNK = 8192


def evaluators(specs: Mapping[str, Observable | Callable], *, objective_for: Callable[[Callable], Objective],
               training_loss, center: Params, device, dtype, vectorize: bool, seed: int
               ) -> dict[str, Callable[[Params], Tensor]]:
    """``{name: params (chain axis first) -> values (chains, k)}`` for every observable spec.

    ``objective_for(loss)`` makes the :class:`Objective` of a loss with the estimate's module, fixed
    tensors and masks; ``training_loss`` is ``("loss_fn" | "batch_loss", callable or None)``, the form
    the estimate was given, used for a probe dataset without a loss of its own.
    """
    if not isinstance(specs, Mapping):
        raise BadSetting("observables", specs, "must be a mapping from a name to an observable "
                         "(estimators.observables.average_loss, sample_losses, or a function of the module)")
    made = {}
    for name, spec in specs.items():
        if not isinstance(name, str) or not name or name == LOSS or any(c in name for c in "/\\\0"):
            raise BadSetting("observables", name, f"names must be non-empty strings without path separators (they "
                             f"name the trace files), other than {LOSS!r} (the training loss, always recorded)")
        if callable(spec) and not isinstance(spec, Observable):
            spec = Observable("function", fn=spec)
        if not isinstance(spec, Observable):
            raise BadSetting("observables", spec, f"{name!r} must be an estimators.observables spec or a function of "
                             "the module")
        try:
            made[name] = _evaluator(name, spec, objective_for, training_loss, center, device, dtype, vectorize, seed)
        except BadData as err:
            raise BadData(f"observable {name!r}: {err}") from err
        except BadSetting:
            raise
        except (RuntimeError, ValueError, TypeError, IndexError, KeyError, AttributeError, ArithmeticError) as err:
            raise BadData(f"observable {name!r}: the model or its function rejected it ({type(err).__name__}: "
                          f"{err})") from err
    return made


def _evaluator(name: str, spec: Observable, objective_for, training_loss, center: Params, device, dtype,
               vectorize: bool, seed: int) -> Callable[[Params], Tensor]:
    if spec.kind == "function":
        return _function(objective_for(_Call(spec.fn)), name, center, vectorize)
    data = read_data(spec.data, device=device, dtype=dtype)
    objective = objective_for(_loss_of(spec, data, training_loss))
    check_objective(objective, center, data, seed=seed)
    return _average(objective, data, vectorize) if spec.kind == "average_loss" else _per_sample(objective, data)


class _Call:
    """A function of the module as an :class:`Objective`'s loss (the batch is unused)."""

    def __init__(self, fn: Callable):
        self.fn = fn

    def __call__(self, module: torch.nn.Module, batch) -> Tensor:
        return self.fn(module)


def _loss_of(spec: Observable, data, training_loss) -> Callable:
    form, fn = training_loss
    if spec.batch_loss is not None or (spec.loss_fn is None and form == "batch_loss"):
        return spec.batch_loss or fn
    loss_fn = spec.loss_fn or fn
    if loss_fn is None:
        raise BadSetting("observables", spec, "a probe dataset needs the loss of the estimate (loss_fn or "
                         "batch_loss given to estimate_llc) or its own loss_fn")
    return PairLoss(loss_fn, pair_keys(data.fields))


def _function(objective: Objective, name: str, center: Params, vectorize: bool) -> Callable[[Params], Tensor]:
    def one(point: Params) -> Tensor:
        value = objective(point, None)
        if not isinstance(value, Tensor):
            raise BadSetting("observables", name, f"the function returned a {type(value).__name__}; it must return a "
                             "tensor (not .item() or a number)")
        return value.reshape(-1)

    with torch.no_grad():
        one(center)

    def looped(params: Params) -> Tensor:
        return torch.stack([one(point) for point in _points(params)])

    return _no_grad(_vectorized_or(torch.func.vmap(one), looped) if vectorize else looped)


def _average(objective: Objective, data, vectorize: bool) -> Callable[[Params], Tensor]:
    looped = make_loss(objective, per_chain_batch=False, vectorize=False)
    losses = _vectorized_or(make_loss(objective, per_chain_batch=False, vectorize=True), looped) if vectorize \
        else looped

    def values(params: Params) -> Tensor:
        total = sum(losses(params, batch).to(torch.float64) * rows for batch, rows in data.chunks(_CHUNK))
        return (total / data.n)[:, None]

    return values


def _per_sample(objective: Objective, data) -> Callable[[Params], Tensor]:
    def values(params: Params) -> Tensor:
        return torch.stack([per_sample_nll(objective, point, data, chunk=_CHUNK) for point in _points(params)])

    return values


def _points(params: Params) -> list[Params]:
    """Each chain's point of parameters with a leading chain axis."""
    chains = next(iter(params.values())).shape[0]
    return [{k: v[c] for k, v in params.items()} for c in range(chains)]


def _no_grad(fn: Callable) -> Callable:
    def call(*args):
        with torch.no_grad():
            return fn(*args)

    return call


def _vectorized_or(vectorized: Callable, looped: Callable) -> Callable:
    """``vectorized`` until it first fails (vmap refuses many modules and functions), then ``looped``
    for good: the refusal is paid once, not at every draw."""
    state = {"vectorized": True}

    def call(*args):
        if state["vectorized"]:
            try:
                return vectorized(*args)
            except Exception:  # any refusal by vmap: the loop over the chains handles them all
                state["vectorized"] = False
        return looped(*args)

    return call


class Recorder:
    """Streaming moments of the observables over the draws, per chain, shifted by their values at w*.

    Component 0 is the training loss as recorded at each draw (:data:`estimators.observables.LOSS`).
    Per chain: the count, Σv, Σv² and the cross-moments Σv·vᵀ (every pair up to :data:`DENSE_MAX`
    components, else each component with the scalar ones).  Memory without traces:
    chains × K × (2 + S) floats (S scalars), whatever the number of draws.  ``traces`` (True, or a
    folder) also keeps every draw, in memory or in one raw float32 file per observable.
    """

    def __init__(self, values: dict[str, Callable[[Params], Tensor]], center: Params, *, chains: int,
                 init_loss: float, nbeta: float, traces, exact_loss: bool):
        self.values, self.init_loss, self.nbeta, self.exact_loss = values, init_loss, nbeta, exact_loss
        with torch.no_grad():
            first = {name: fn({k: v.unsqueeze(0) for k, v in center.items()})[0].to(torch.float64)
                     for name, fn in values.items()}
        bad = [name for name, v in first.items() if not bool(v.isfinite().all())]
        if bad:
            raise BadData(f"observables {bad} are not finite at w*: every observable needs a finite value there")
        device = next(iter(center.values())).device
        self.reference = torch.cat([torch.tensor([init_loss], dtype=torch.float64, device=device)]
                                   + list(first.values()))
        sizes = [1] + [int(v.numel()) for v in first.values()]
        names = (LOSS, *values)
        offsets = np.cumsum([0] + sizes)
        self.slices = {name: slice(int(a), int(b)) for name, a, b in zip(names, offsets[:-1], offsets[1:])}
        total = int(offsets[-1])
        self.dense = total <= DENSE_MAX
        self.scalars = torch.tensor([self.slices[name].start for name, size in zip(names, sizes) if size == 1],
                                    device=self.reference.device)
        zeros = dict(dtype=torch.float64, device=self.reference.device)
        self.sum = torch.zeros((chains, total), **zeros)
        self.squares = torch.zeros((chains, total), **zeros)
        width = total if self.dense else len(self.scalars)
        self.cross = torch.zeros((chains, total, width), **zeros)
        self.count = 0
        self.traces = _Traces(traces, {name: sizes[i] for i, name in enumerate(names)}, chains)

    def __call__(self, t: int, params: Params, loss: Tensor) -> None:
        with torch.no_grad():
            parts = [loss.to(torch.float64)[:, None]] + [fn(params).to(torch.float64) for fn in self.values.values()]
            v = torch.cat(parts, dim=1) - self.reference
        self.sum += v
        self.squares += v.square()
        self.cross += v[:, :, None] * (v[:, None, :] if self.dense else v[:, None, self.scalars])
        self.count += 1
        self.traces.append({name: v[:, s] for name, s in self.slices.items()})

    def result(self, kept: list[int], *, verdict: str, reasons: tuple[str, ...]) -> ObservableDraws | None:
        if not self.count or not kept:
            return None
        index = torch.tensor(kept, device=self.sum.device)
        return ObservableDraws(
            slices=dict(self.slices), draws=self.count, chains=tuple(kept), nbeta=self.nbeta,
            reference=self.reference.cpu().numpy(), sums=self.sum[index].cpu().numpy(),
            squares=self.squares[index].cpu().numpy(), cross=self.cross[index].cpu().numpy(),
            scalars=None if self.dense else self.scalars.cpu().numpy(),
            traces=self.traces.result(kept, self.count), verdict=verdict, reasons=reasons, exact_loss=self.exact_loss)


def trace_folder(where, names) -> None:
    """Check ``observable_traces=`` before sampling: False, True, or a folder that can be made and
    holds no trace files of these ``names`` (an earlier estimate's memory maps read them)."""
    if where is False or where is None or where is True:
        return
    if not isinstance(where, (str, os.PathLike)):
        raise BadSetting("observable_traces", where, "must be False, True (in memory) or a folder to write to")
    folder = pathlib.Path(where)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BadSetting("observable_traces", str(where), f"cannot be used as a folder ({err})") from err
    taken = sorted(name for name in (LOSS, *names) if (folder / f"{name}.f32").exists())
    if taken:
        raise BadSetting("observable_traces", str(where), f"already holds the traces {taken} of another estimate, "
                         "which may still read them: give each estimate a folder of its own")
    for name in names:
        try:
            (folder / f"{name}.f32").write_bytes(b"")
            (folder / f"{name}.f32").unlink()
        except OSError as err:
            raise BadSetting("observables", name, f"cannot name a trace file in {folder} ({err})") from err


class _Traces:
    """Every draw's shifted values, per observable: nowhere (``False``), in memory (``True``), or
    appended to ``<folder>/<name>.f32`` (draws × chains × k, float32) and read back as memory maps."""

    def __init__(self, where, sizes: dict[str, int], chains: int):
        self.sizes, self.chains = sizes, chains
        self.folder = None
        self.rows: dict[str, list[np.ndarray]] | None = None
        if where is False or where is None:
            return
        if where is True:
            self.rows = {name: [] for name in sizes}
            return
        self.folder = pathlib.Path(where)
        for name in sizes:
            self._path(name).write_bytes(b"")

    def _path(self, name: str) -> pathlib.Path:
        return self.folder / f"{name}.f32"

    def append(self, values: dict[str, Tensor]) -> None:
        if self.rows is not None:
            for name, v in values.items():
                self.rows[name].append(v.cpu().numpy().astype(np.float32))
        elif self.folder is not None:
            for name, v in values.items():
                with self._path(name).open("ab") as out:
                    out.write(v.cpu().numpy().astype(np.float32).tobytes())

    def result(self, kept: list[int], draws: int) -> dict[str, np.ndarray] | None:
        """``{name: (chains kept, draws, k)}``: memory maps for a folder (copies in memory when a chain
        was dropped)."""
        if self.rows is not None:
            return {name: np.stack(rows, axis=1)[kept] for name, rows in self.rows.items()}
        if self.folder is None:
            return None
        views = {name: np.memmap(self._path(name), dtype=np.float32, mode="r",
                                 shape=(draws, self.chains, size)).transpose(1, 0, 2) for name, size in self.sizes.items()}
        return views if len(kept) == self.chains else {name: v[kept] for name, v in views.items()}

