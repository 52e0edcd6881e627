"""Turning what a user passes as data into two tensors on one device, with clear errors."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, TensorDataset

from .errors import BadData


def as_tensors(data, *, device: torch.device) -> tuple[Tensor, Tensor, int | None]:
    """``(X, Y, loader_batch_size)`` from ``(X, Y)`` tensors, a ``Dataset`` of pairs, or a ``DataLoader``."""
    batch_size = None
    if isinstance(data, DataLoader):
        batch_size = data.batch_size
        data = data.dataset
    if isinstance(data, TensorDataset):
        tensors = data.tensors
    elif isinstance(data, (tuple, list)):
        tensors = tuple(data)
    elif isinstance(data, Dataset):
        tensors = _stack_dataset(data)
    else:
        raise BadData(f"data of type {type(data).__name__} is not (X, Y) tensors, a Dataset or a DataLoader")
    if len(tensors) != 2 or not all(isinstance(t, Tensor) for t in tensors):
        raise BadData(f"data must hold exactly two tensors (inputs X, targets Y); got {len(tensors)} items")
    x, y = tensors
    if x.dim() == 0 or y.dim() == 0:
        raise BadData("X and Y need a leading sample axis; got a 0-dimensional tensor")
    if x.shape[0] != y.shape[0]:
        raise BadData(f"X has {x.shape[0]} samples but Y has {y.shape[0]}; they must match on the first axis")
    if x.shape[0] == 0:
        raise BadData("the dataset is empty (0 samples)")
    for name, t in (("X", x), ("Y", y)):
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            bad = int((~torch.isfinite(t)).reshape(t.shape[0], -1).any(dim=1).nonzero()[0])
            raise BadData(f"{name} has a non-finite value (first in sample {bad}); remove or impute it")
    return x.to(device), y.to(device), batch_size


def _stack_dataset(dataset: Dataset) -> tuple[Tensor, ...]:
    try:
        items = [dataset[i] for i in range(len(dataset))]
    except TypeError as err:
        raise BadData(f"the Dataset has no length or cannot be indexed ({err}); pass (X, Y) tensors") from err
    if not items:
        raise BadData("the dataset is empty (0 samples)")
    try:
        return tuple(torch.stack([torch.as_tensor(item[k]) for item in items]) for k in range(len(items[0])))
    except (RuntimeError, TypeError) as err:
        raise BadData(f"the Dataset's items do not stack into tensors ({err})") from err
