"""Checks of the settings ``estimate_llc`` and its neighbours receive at the public boundary: numbers
(Python, numpy or 0-d tensors), ``"auto"``, and the device to run on; a bad one is a
:class:`~estimators.errors.BadSetting` naming the argument."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from .errors import BadSetting


def check_positive(name: str, value, *, allow_zero: bool = False) -> float:
    """A finite float ≥ 0 (or > 0); numpy scalars, 0-d arrays and 0-d tensors are numbers too."""
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray)) or np.ndim(value):
        raise BadSetting(name, value, "must be a number")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise BadSetting(name, value, "must be a finite number " + (">= 0" if allow_zero else "> 0"))
    return value


def check_count(name: str, value, minimum: int) -> int:
    """An integer ≥ ``minimum`` (numpy integers and 0-d integer tensors included) as a Python int."""
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < minimum:
        raise BadSetting(name, value, f"must be an integer >= {minimum}")
    return int(value)


def _scalar(value):
    """A 0-d tensor as its Python number; anything else as it is."""
    return value.item() if isinstance(value, Tensor) and value.dim() == 0 else value


def auto_or(name: str, value, check: Callable):
    """``None`` for ``"auto"``, else the value as ``check`` validates it."""
    if isinstance(value, str):
        if value != "auto":
            raise BadSetting(name, value, "must be a number or 'auto'")
        return None
    return check(name, value)


def check_device(device, model: torch.nn.Module) -> torch.device:
    """The device to run on: the one given (which must exist here), else the module's."""
    if any(p.is_meta for p in model.parameters()):
        raise BadSetting("model", type(model).__name__, "has parameters on the meta device (shapes without values): "
                         "load its weights first")
    if device is None:
        first = next(model.parameters(), None)
        return first.device if first is not None else torch.device("cpu")
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise BadSetting("device", device, f"is not a torch device ({err})") from err
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (device.index or 0) >= count:
            raise BadSetting("device", str(device), f"is not available: this machine has {count} CUDA device(s)")
    try:
        torch.empty(1, device=device)
    except (RuntimeError, NotImplementedError) as err:
        raise BadSetting("device", str(device), f"is not available here ({str(err).splitlines()[0]})") from err
    if device.type == "meta":
        raise BadSetting("device", str(device), "holds no values: choose a device the chains can run on")
    return device
