"""The LLC over a training run: one estimate per checkpoint, resumable, with the same settings.

References
----------
Hoogland, Wang, Farrugia-Roberts, Carroll, Wei & Murfet (2024), "Loss landscape degeneracy drives
stagewise development in transformers" (arXiv:2402.02364): LLC curves over checkpoints;
Wang et al. (2024), arXiv:2410.02984: weight-refined LLCs per attention head.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import logging
import math
import os
import pathlib
import pickle
import re
import time
import types
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch

from .errors import BadData, BadSetting, LLCWarning
from .llc import estimate_llc
from .changepoints import Transition, defined_transitions
from .observables import Observable
from .plots import plot_observables
from .rowlog import ReadOnlyMapping, RowLog, exclusive, fill_rows
from .samplers import Sampler

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ComponentLLC", "Trajectory", "TrajectoryRow", "llc_trajectory"]

logger = logging.getLogger(__name__)

_SETTINGS_KEY = "settings"


@dataclass(frozen=True, slots=True)
class ComponentLLC:
    """The weight-refined LLC of one named component at one checkpoint (``estimate_llc(weights=...)``):
    ``llc`` λ̂, its ``std_err`` (None where every chain diverged) and its ``verdict``."""

    llc: float | None
    std_err: float | None
    verdict: str | None = None


_COMPONENT_COLUMNS = ("llc", "std_err", "verdict")


@dataclass(frozen=True, slots=True)
class TrajectoryRow:
    """One checkpoint of :func:`llc_trajectory`.

    ``step`` (the training step), ``llc`` λ̂ and its ``std_err`` (None where every chain diverged),
    ``loss`` L_n(w*), ``verdict``, ``step_size`` ε (chosen per checkpoint with ``"auto"``),
    ``warnings`` (the estimates' diagnostics, which are not raised as Python warnings along a
    trajectory), ``components`` (a read-only mapping name -> :class:`ComponentLLC`) and ``seconds``
    (wall clock).

    Its JSON form (a line of ``trajectory.jsonl``) is written and read here only
    (:meth:`to_dict` / :meth:`from_dict`); there a component's values are the columns
    ``llc/<name>``, ``std_err/<name>`` and ``verdict/<name>``, as :meth:`column` and
    :meth:`Trajectory.series` name them.  Lines written before rows were records read the same.

    Examples
    --------
    >>> row = TrajectoryRow(10, 1.5, 0.1, 0.02, "ok", 1e-3, components={"head": ComponentLLC(0.5, 0.05, "ok")})
    >>> row.components["head"].llc, row.column("llc/head")
    (0.5, 0.5)
    >>> row.to_dict()["std_err/head"], TrajectoryRow.from_dict(row.to_dict()) == row
    (0.05, True)
    """

    step: int | float
    llc: float | None
    std_err: float | None
    loss: float | None
    verdict: str | None = None
    step_size: float | None = None
    warnings: tuple[str, ...] = ()
    components: Mapping[str, ComponentLLC] = dataclasses.field(default_factory=ReadOnlyMapping)
    seconds: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "warnings", tuple(self.warnings))
        object.__setattr__(self, "components", ReadOnlyMapping(self.components))

    def to_dict(self) -> dict:
        """JSON-ready: the fields (warnings as a list), a component's values as ``llc/<name>``,
        ``std_err/<name>`` and ``verdict/<name>``."""
        out = {"step": self.step, "llc": self.llc, "std_err": self.std_err, "loss": self.loss, "verdict": self.verdict,
               "step_size": self.step_size, "warnings": list(self.warnings)}
        for name, part in self.components.items():
            out |= {f"{column}/{name}": getattr(part, column) for column in _COMPONENT_COLUMNS}
        return out | {"seconds": self.seconds}

    @classmethod
    def from_dict(cls, data: Mapping) -> TrajectoryRow:
        """The row of :meth:`to_dict`, or of a ``trajectory.jsonl`` line written before rows were records."""
        names = [key.split("/", 1)[1] for key in data if key.startswith("llc/")]
        components = {name: ComponentLLC(*(data.get(f"{column}/{name}") for column in _COMPONENT_COLUMNS))
                      for name in names}
        fixed = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name != "components" and f.name in data}
        return cls(**fixed, components=components)

    def column(self, name: str):
        """The value of the column ``name`` of :meth:`to_dict` (``'llc'``, ``'loss'``, ``'llc/<component>'``…).

        Raises
        ------
        KeyError
            No such column (the message lists them).
        """
        columns = self.to_dict()
        if name not in columns:
            raise KeyError(f"no column {name!r}; have {sorted(columns)}")
        return columns[name]


@dataclass(frozen=True)
class Trajectory:
    """LLC estimates (and the loss L_n(w*), and weight-refined LLCs) at each checkpoint.

    ``rows`` hold one :class:`TrajectoryRow` per checkpoint, in step order.
    """

    rows: tuple[TrajectoryRow, ...]
    settings: dict

    @property
    def steps(self) -> np.ndarray:
        return np.array([r.step for r in self.rows], dtype=float)

    def series(self, name: str = "llc") -> np.ndarray:
        """The column ``name`` (``'llc'``, ``'loss'``, ``'llc/<component>'``…; :meth:`TrajectoryRow.column`)
        as floats (NaN for None).

        Raises
        ------
        KeyError
            No such column.
        """
        values = [r.column(name) for r in self.rows]
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    @property
    def components(self) -> list[str]:
        return list(self.rows[0].components) if self.rows else []

    def transitions(self, name: str = "llc", *, std_err: Sequence[float] | None = None, max_changes: int = 3,
                    min_size: int = 3, log_steps: bool = False, alpha: float = 0.01) -> list[Transition]:
        """:func:`~estimators.changepoints.find_transitions` on one column (NaN rows dropped), with its
        keywords.

        For LLC columns the standard errors weight the fit unless ``std_err=`` is given.  With
        ``log_steps=True`` the rows at step 0 (any step <= 0) are left out, since log(0) is not on
        the axis, and the ``estimators.trajectory`` logger says so (INFO).  Each transition's
        ``index`` is that of its row in ``rows``.
        """
        if std_err is None and name.startswith("llc"):
            std_err = self.series(name.replace("llc", "std_err", 1))
        steps = self.steps
        if log_steps and np.any(steps <= 0):
            logger.info("log_steps: the points at steps %s are left out (log(step) needs step > 0)", steps[steps <= 0])
        return defined_transitions(steps, self.series(name), std_err, log_steps=log_steps, max_changes=max_changes,
                                   min_size=min_size, alpha=alpha)

    def plot(self, path: str | pathlib.Path | None = None, *, columns: Sequence[str] | None = None,
             transitions: Mapping[str, Sequence[Transition]] | None = None,
             fig: Figure | None = None) -> Figure:
        """Draw each column against the step, on linear (left) and log (right) step axes
        (:func:`~estimators.plot_observables`); return the figure, also saved to ``path`` when given.

        ``columns`` default to the LLC, the loss and every component; LLC columns get ±2 s.e. bands.
        ``transitions`` maps a column to change points to mark with dashed vertical lines (default:
        those :func:`~estimators.plot_observables` finds).  ``fig``: an empty figure to draw in
        (default a new one); pyplot and the backend are not touched.
        """
        from matplotlib.figure import Figure

        columns = list(columns or ["llc", "loss", *(f"llc/{c}" for c in self.components)])
        std_errs = {c: self.series(c.replace("llc", "std_err", 1)) for c in columns if c.startswith("llc")}
        fig = Figure(figsize=(11, 2.4 * len(columns))) if fig is None else fig
        plot_observables(self.steps, {c: self.series(c) for c in columns}, path, std_errs=std_errs,
                         transitions=transitions, title=f"LLC over training ({self.settings.get('sampler', 'sgld')})",
                         fig=fig)
        return fig


_STEP = re.compile(r"step[-_.= ]?(\d+)", re.IGNORECASE)


def _step_of(path: pathlib.Path) -> int:
    """The training step in a checkpoint file's name: the number right after "step"
    (``ckpt_step100_seed0.pt``: 100), else the only number in the name (``model_000200.pt``: 200).

    Examples
    --------
    >>> [_step_of(pathlib.Path(name)) for name in ("step_000120.pt", "ckpt_step100_seed0.pt", "model_200.pth")]
    [120, 100, 200]
    """
    numbers = _STEP.findall(path.stem) or re.findall(r"\d+", path.stem)
    if len(numbers) != 1:
        found = "no number" if not numbers else f"{len(numbers)} candidate steps ({', '.join(numbers)})"
        raise BadData(f"checkpoint file {path.name} has {found} in its name: name each file with one step, after "
                      "'step' (ckpt_step100_seed0.pt) or as its only number (model_000200.pt), or pass a dict "
                      "step -> state dict")
    return int(numbers[0])


def _files(folder: pathlib.Path) -> dict[int, pathlib.Path]:
    """The ``.pt``/``.pth`` files of ``folder`` by step (:func:`_step_of`); two files of one step are refused."""
    files: dict[int, pathlib.Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in (".pt", ".pth"):
            step = _step_of(path)
            if step in files:
                raise BadData(f"checkpoint files {files[step].name} and {path.name} in {folder} both hold step {step}: "
                              "keep one of them there, or pass a dict step -> state dict")
            files[step] = path
    return files


def _load(path: pathlib.Path, step) -> dict:
    """``torch.load`` of tensors only (``weights_only=True``), its failures named by file and step."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:  # torch's message would advise unsafe loading: not passed on
        held = re.search(r"GLOBAL (\S+)", str(exc))
        what = f"a {held.group(1)}" if held else "objects other than tensors in dicts and lists"
        raise BadData(f"checkpoint {path} (step {step}) holds {what}, and only tensors in dicts and lists are read "
                      "from a file, for safety: save the model's state_dict() with torch.save") from None
    except Exception as exc:
        cause = str(exc).split(". ")[0].strip()
        raise BadData(f"checkpoint {path} (step {step}) cannot be read: it is truncated, empty or not a file of "
                      f"torch.save ({type(exc).__name__}{': ' + cause if cause else ''})") from None


def _checkpoints(checkpoints, steps) -> tuple[list, Callable[[object], object], Callable[[object], str]]:
    """(steps, source(step), where(step): the step and its file, for messages) for every form of ``checkpoints``.

    ``source(step)`` is the state dict itself when it is in memory, else a function of no arguments
    that reads it (from its file, or by calling ``checkpoints``), so that a task on an executor
    reads its own checkpoint."""
    if steps is not None:
        steps = list(steps)
        repeated = sorted({s for s in steps if steps.count(s) > 1})
        if not steps or repeated:
            raise BadSetting("steps", steps, f"repeats step {repeated[0]}: give each step once" if repeated
                             else "is empty: give the steps to estimate at, or None for every checkpoint")
    if isinstance(checkpoints, (str, pathlib.Path)):
        folder = pathlib.Path(checkpoints)
        if not folder.is_dir():
            raise BadData(f"checkpoint folder {folder} does not exist")
        files = _files(folder)
        if not files:
            raise BadData(f"no .pt or .pth files in {folder}")
        chosen = sorted(files) if steps is None else steps
        missing = [s for s in chosen if s not in files]
        if missing:
            raise BadData(f"no checkpoint file for steps {missing} in {folder}")
        return chosen, lambda s: functools.partial(_load, files[s], s), lambda s: f"step {s} ({files[s]})"
    if callable(checkpoints):
        if steps is None:
            raise BadSetting("steps", None, "must be given when checkpoints is a callable step -> state dict")
        return steps, lambda s: functools.partial(checkpoints, s), _at
    if isinstance(checkpoints, Mapping):
        chosen = sorted(checkpoints) if steps is None else steps
        missing = [s for s in chosen if s not in checkpoints]
        if missing:
            raise BadData(f"no checkpoint for steps {missing} in the dict (it has steps {sorted(checkpoints)})")
        return chosen, checkpoints.__getitem__, _at
    if not isinstance(checkpoints, Iterable):
        raise BadSetting("checkpoints", checkpoints, "must be a folder of .pt/.pth files, a list of state dicts, a "
                                                     "dict step -> state dict, or a callable step -> state dict")
    states = list(checkpoints)
    chosen = list(range(len(states))) if steps is None else steps
    if len(chosen) != len(states):
        raise BadData(f"{len(states)} state dicts but {len(chosen)} steps")
    return chosen, dict(zip(chosen, states)).__getitem__, _at


def _at(step) -> str:
    return f"step {step}"


def llc_trajectory(
    checkpoints,
    data,
    *,
    model: torch.nn.Module,
    step_size: float | Literal["auto"] = "auto",
    steps: Sequence[float] | None = None,
    components: Mapping[str, Sequence[str]] | None = None,
    out: str | pathlib.Path | None = None,
    progress: bool = False,
    executor: Executor | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    batch_loss: Callable[[torch.nn.Module, object], torch.Tensor] | None = None,
    sampler: Literal["sgld", "rmsprop_sgld", "sghmc", "mala"] | Sampler = "sgld",
    nbeta: float | None = None,
    localization: float = 1.0,
    num_chains: int = 4,
    num_draws: int | Literal["auto"] = "auto",
    num_burnin: int | Literal["auto"] = "auto",
    batch_size: int | None = None,
    control_variate: bool = True,
    gradient_control_variate: bool | None = None,
    target_rse: float = 0.05,
    max_steps: int = 5000,
    checks: bool = True,
    traces: Sequence[str] = (),
    observables: Mapping[str, Observable | Callable] | None = None,
    observable_traces: bool | str | os.PathLike = False,
    waic: bool = False,
    vectorize: bool = True,
    chain_batch: int | Literal["auto"] = "auto",
    seed: int = 0,
    device: torch.device | str | None = None,
) -> Trajectory:
    """Estimate the LLC at every checkpoint of a training run, with one set of sampler settings.

    Parameters
    ----------
    checkpoints : list of state dicts, dict step -> state dict, folder, or callable
        A list (steps 0, 1, … unless ``steps`` is given); a mapping from step to state dict; a folder
        of ``.pt``/``.pth`` files saved with ``torch.save(state_dict)``; or a callable
        ``step -> state dict`` (then ``steps`` is required).  A file's step is the number right
        after "step" in its name (``ckpt_step100_seed0.pt``: 100), else the only number in it
        (``model_000200.pt``: 200); a name with no such number or several, and two files of one
        step (``model_000200.pt`` and ``model_000200_backup.pt``), are refused.  Files are read
        with ``torch.load(weights_only=True)``: tensors in dicts and lists only.
    data : (X, Y), Dataset or DataLoader
        The samples defining L_n, as for :func:`~estimators.estimate_llc`.
    model : torch.nn.Module
        The architecture; each checkpoint is loaded into a copy of it (the module itself is not changed).
    step_size : float or "auto"
        ε, the same at every checkpoint; or ``"auto"`` (default): chosen for each checkpoint by
        :func:`~estimators.estimate_llc` (recorded in each row), so that every estimate is held at
        the same predicted bias rather than the same step.
    steps : sequence, optional
        The training steps to use (and their order); default all, ascending.
    components : dict name -> list of parameter names or patterns, or name -> masks, optional
        Also a weight-refined LLC per named component (``estimate_llc(weights=...)``), e.g.
        ``{"layer 0 head 1": ["blocks.0.attn.heads.1.*"]}``, or the masks of each attention head,
        ``attention_head_masks(model)`` (:mod:`estimators.heads`).
    out : path, optional
        A folder: each checkpoint's row is appended to ``out/trajectory.jsonl`` as soon as it is
        done, and a re-run skips the steps already there, so a killed run resumes where it stopped.
        The file starts with every setting of :func:`~estimators.estimate_llc` (the defaults too)
        and the components; resuming with any that differs is refused, naming it.  A run holds
        ``out/trajectory.jsonl.lock`` while it writes, so a second run into the same folder is
        refused (:func:`~estimators.rowlog.exclusive`; a lock left by a killed run on this host
        is taken over).
    progress : bool
        A tqdm bar over the checkpoints.
    executor : concurrent.futures.Executor, optional
        Where the estimates run, one task per checkpoint: a Dask ``Client.get_executor()``, a
        ``ProcessPoolExecutor``… (default: one after another in this process).  Each estimate
        runs with one torch thread, so the rows are the same whatever the executor and its number
        of workers, and this process alone writes ``out`` (:func:`estimators.rowlog.fill_rows`).
        Each task reads its own checkpoint (a file, or a call of ``checkpoints``), so ``model``,
        ``data``, the settings and a callable ``checkpoints`` must be picklable (for a
        ``ProcessPoolExecutor``: module-level functions, no lambdas).
    loss_fn, batch_loss, sampler, nbeta, localization, num_chains, num_draws, num_burnin, batch_size, \
control_variate, gradient_control_variate, target_rse, max_steps, checks, traces, observables, \
observable_traces, waic, vectorize, chain_batch, seed, device
        The settings of :func:`~estimators.estimate_llc` (the same defaults), fixed for the whole run
        (a keyword it does not take is a ``TypeError``; ``weights``: use ``components``).
        Recorded (in ``Trajectory.settings`` and ``out``) as: numbers, strings and containers as
        they are; tensors and arrays by shape, dtype and the SHA-256 of their bytes; functions and
        classes by module and qualified name (``mypackage.losses.mse``; an edit of the function's
        body between runs is not detected); ``functools.partial`` by its function and arguments;
        other objects by their repr and public attributes (``gaussian_nll(sigma=0.5)``).  A lambda,
        a function or class defined inside a function, or an object whose repr holds a memory
        address has no name that another run would share: with ``out`` it is refused, without
        ``out`` it is kept by its repr.

    Returns
    -------
    Trajectory

    Raises
    ------
    BadSetting
        Settings that differ from those stored in ``out`` (naming the first and each other one),
        or that cannot be recorded with ``out``; ``out`` in use by another run; ``checkpoints`` that is
        none of the forms above or holds nothing, ``model`` not a module, ``steps`` repeating a
        step, or missing for a callable.
    BadData
        A checkpoint that is missing, cannot be read (named by file and step), or does not fit
        ``model``; a file name with no step or several, two files of one step.

    Examples
    --------
    >>> gen = torch.Generator().manual_seed(0)
    >>> x = torch.randn(500, 2, generator=gen)
    >>> y = x @ torch.tensor([1.0, -1.0]) + torch.randn(500, generator=gen)
    >>> net = torch.nn.Linear(2, 1, bias=False)
    >>> states = [{"weight": torch.tensor([[0.5 * k, -0.5 * k]])} for k in range(3)]
    >>> traj = llc_trajectory(states, (x, y), model=net, step_size=1e-3, num_draws=100, num_burnin=50)
    >>> traj.steps.tolist(), traj.series("llc").shape
    ([0.0, 1.0, 2.0], (3,))
    """
    if not isinstance(model, torch.nn.Module):
        raise BadSetting("model", model, "must be a torch.nn.Module, the architecture each checkpoint is loaded into")
    if components is not None and not (isinstance(components, Mapping) and all(
            isinstance(p, Iterable) and not isinstance(p, str) for p in components.values())):
        raise BadSetting("components", components, "must map each name to a list of parameter names or patterns, "
                                                   "e.g. {'first layer': ['0.*']}, or to masks {parameter: mask}")
    settings = dict(
        step_size=step_size, loss_fn=loss_fn, batch_loss=batch_loss, sampler=sampler, nbeta=nbeta,
        localization=localization, num_chains=num_chains, num_draws=num_draws, num_burnin=num_burnin,
        batch_size=batch_size, control_variate=control_variate, gradient_control_variate=gradient_control_variate,
        target_rse=target_rse, max_steps=max_steps, checks=checks, traces=traces, observables=observables,
        observable_traces=observable_traces, waic=waic, vectorize=vectorize, chain_batch=chain_batch, seed=seed,
        device=device,
    )
    stored = _settings(settings, components, out)
    chosen, source, where = _checkpoints(checkpoints, steps)
    if not chosen:
        raise BadSetting("checkpoints", checkpoints, "holds no checkpoint to estimate at")
    chosen = [s.item() if isinstance(s, np.generic) else s for s in chosen]  # numpy steps: JSON-ready
    path = None if out is None else pathlib.Path(out) / "trajectory.jsonl"
    with exclusive(path):
        log = RowLog(path, key=_row_key, load=_load_line, dump=_dump_line)
        previous = log.get(_SETTINGS_KEY)
        if previous is not None:
            _compare(previous[_SETTINGS_KEY], stored, out)

        def record(row: TrajectoryRow) -> None:
            if log.get(_SETTINGS_KEY) is None:  # written with the first row: a run that failed before binds nothing
                log.append({_SETTINGS_KEY: stored})
            log.append(row)

        tasks = [(step, _row, (step, where(step), source(step), data, model, components or {}, settings))
                 for step in chosen]
        rows = fill_rows(log, tasks, executor=executor, record=record, progress=progress, desc="trajectory")
    return Trajectory(tuple(rows), stored)


def _load_line(data: dict) -> TrajectoryRow | dict:
    """A line of ``trajectory.jsonl``: its settings (a dict) or a row."""
    return data if _SETTINGS_KEY in data else TrajectoryRow.from_dict(data)


def _dump_line(line: TrajectoryRow | dict) -> dict:
    return line if isinstance(line, dict) else line.to_dict()


def _row_key(line: TrajectoryRow | dict):
    return _SETTINGS_KEY if isinstance(line, dict) else line.step


def _settings(given: dict, components, out) -> dict:
    """The settings of :func:`~estimators.estimate_llc` and the components, as stored.

    Each value is :func:`_recorded`; one that cannot be is refused when ``out`` is given (a
    resumed run could not tell it from another), and kept by its repr otherwise.
    """
    stored = {}
    for name, value in {**given, "components": dict(components or {})}.items():
        try:
            stored[name] = _recorded(value)
        except _Unrecognizable as exc:
            if out is not None:
                raise BadSetting(name, value, f"cannot be recognized when the run in out={str(out)!r} is resumed: "
                                 f"it is {exc}; define it at module level (a function is recorded by module and "
                                 "name) or pass an object whose repr names its parameters, e.g. "
                                 "gaussian_nll(sigma=0.5)") from None
            stored[name] = repr(value)
    return stored


class _Unrecognizable(Exception):
    """A setting that has no name that would be the same in another run."""


def _recorded(value):
    """``value`` as a JSON value that names it the same way in every run (see :func:`llc_trajectory`)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (torch.Tensor, np.ndarray)):
        flat = torch.as_tensor(value).detach().cpu().contiguous().reshape(-1)
        digest = hashlib.sha256(flat.view(torch.uint8).numpy().tobytes()).hexdigest()
        return {"shape": list(value.shape), "dtype": str(value.dtype), "sha256": digest}
    if isinstance(value, (list, tuple)):
        return [_recorded(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _recorded(v) for k, v in value.items()}
    if isinstance(value, functools.partial):
        return {"partial": _recorded(value.func), "args": _recorded(value.args), "keywords": _recorded(value.keywords)}
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
        return _qualified(value)
    text = _qualified(type(value)) if type(value).__repr__ is object.__repr__ else repr(value)
    if re.search(r" at 0x[0-9a-fA-F]+", text):
        raise _Unrecognizable(f"an object whose repr {text} holds a memory address")
    attributes = {k: _recorded(v) for k, v in sorted(getattr(value, "__dict__", {}).items()) if not k.startswith("_")}
    return f"{text} with {json.dumps(attributes)}" if attributes else text


def _qualified(value) -> str:
    name = f"{value.__module__}.{value.__qualname__}"
    if "<" in value.__qualname__:  # <lambda>, <locals>: nothing tells two of them apart in another run
        raise _Unrecognizable(f"{name}, a lambda or defined inside a function")
    return name


_ABSENT = "(not recorded)"


def _compare(previous: dict, stored: dict, out) -> None:
    """Refuse to resume the run in ``out`` with settings other than its own, naming each that differs."""
    names = dict.fromkeys([*previous, *stored])
    first, *others = [name for name in names if previous.get(name, _ABSENT) != stored.get(name, _ABSENT)] or [None]
    if first is None:
        return
    also = "".join(f"; so does {name}={stored.get(name, _ABSENT)!r} (it used {previous.get(name, _ABSENT)!r})"
                   for name in others)
    raise BadSetting(first, stored.get(first, _ABSENT), f"differs from the run in {out}, which used "
                     f"{first}={previous.get(first, _ABSENT)!r}{also}; resume with its settings, or write to another "
                     "out= folder")


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _row(step, where: str, checkpoint, data, model, components, settings) -> TrajectoryRow:
    """The row of one checkpoint (a state dict, or a function of no arguments that reads it): a task of
    :func:`~estimators.rowlog.fill_rows`."""
    state = checkpoint() if callable(checkpoint) else checkpoint
    net = copy.deepcopy(model)
    try:
        net.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError) as exc:
        raise BadData(f"checkpoint at {where} does not fit the model: {exc}") from exc
    start = time.perf_counter()
    with warnings.catch_warnings():  # each estimate's warnings are kept in its row instead
        warnings.simplefilter("ignore", LLCWarning)
        est = estimate_llc(net, data, **settings)
        notes, parts = list(est.diagnostics.warnings), {}
        for name, patterns in components.items():
            weights = dict(patterns) if isinstance(patterns, Mapping) else list(patterns)
            part = estimate_llc(net, data, weights=weights, **settings)
            parts[name] = ComponentLLC(_finite(part.mean), _finite(part.std_err), part.verdict)
            notes += [f"{name}: {text}" for text in part.diagnostics.warnings]
    return TrajectoryRow(step, _finite(est.mean), _finite(est.std_err), _finite(est.init_loss), est.verdict,
                         est.config.step_size, tuple(notes), parts, time.perf_counter() - start)
