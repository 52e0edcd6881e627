"""What a user passes as data, read into one :class:`Data`: every field a tensor whose first axis is
the sample, on one device, with the count n and how it was made said in words.

The rules (``docs/estimators.md``, "Your model and data"):

- ``(X, Y)`` tensors or numpy arrays, one tensor (e.g. token ids), or a mapping ``{"name": tensor}``:
  the fields as given (a batch has the same structure); n is their common length.
- A ``Dataset`` (not a loader): its items are *samples*, collated as a ``DataLoader`` with the
  default ``collate_fn`` would collate them (``torch.utils.data.default_collate``: tuples, mappings,
  numpy arrays and numbers); n = ``len(dataset)``.
- A ``DataLoader``: read by one pass over it, so that its sampler, batch sampler and ``collate_fn``
  apply (a ``SubsetRandomSampler`` over 100 rows gives n = 100; ``batch_size=None`` over a dataset
  whose items are batches gives every row of every item); n = the rows it yielded.  The pass runs
  under a fixed seed, its own generators (``generator=``) included, and leaves the caller's random
  states as they were.
- Floating-point fields are cast to the dtype the module is evaluated in; integer fields are kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.utils._pytree import tree_flatten, tree_map
from torch.utils.data import DataLoader, Dataset, TensorDataset, default_collate

from .errors import BadData

Batch = object
"""A pytree (tuple, list or mapping, possibly nested) of tensors sharing their first axis."""

_LOADER_SEED = 0x5EED


@dataclass(frozen=True)
class Data:
    """The n samples of L_n as a pytree of tensors with a leading sample axis (``fields``).

    ``source`` says how n was counted and what was cast; ``loader_batch_size`` is the batch size of
    a ``DataLoader`` that was given (``None`` otherwise).
    """

    fields: Batch
    n: int
    source: str
    loader_batch_size: int | None = None

    def take(self, index: Tensor) -> Batch:
        """The rows ``index`` (any integer shape, e.g. ``(chains, B)``) of every field."""
        return tree_map(lambda t: t[index], self.fields)

    def rows(self, start: int, stop: int) -> Batch:
        return tree_map(lambda t: t[start:stop], self.fields)

    def chunks(self, size: int) -> Iterator[tuple[Batch, int]]:
        """``(batch, rows)`` over the data in order, ``size`` rows at a time."""
        for start in range(0, self.n, size):
            stop = min(start + size, self.n)
            yield self.rows(start, stop), stop - start


def read_data(data, *, device: torch.device, dtype: torch.dtype) -> Data:
    """The :class:`Data` of anything in the module docstring's list; :class:`BadData` otherwise."""
    loader_batch = None
    if isinstance(data, DataLoader):
        loader_batch = data.batch_size or getattr(data.batch_sampler, "batch_size", None)
        fields, how = _read_loader(data)
    elif isinstance(data, TensorDataset):
        fields, how = tuple(data.tensors), f"the {len(data)} rows of the TensorDataset"
    elif isinstance(data, Dataset):
        fields, how = _read_dataset(data)
    elif isinstance(data, list) and data and all(isinstance(item, (tuple, list, Mapping)) for item in data):
        fields, how = _collate(data), f"the {len(data)} items of the list, each a sample"
    elif isinstance(data, (tuple, list, Mapping, Tensor, np.ndarray)):
        fields, how = _as_tensors(data), "the rows of the tensors given"
    else:
        raise BadData(f"data of type {type(data).__name__} is not tensors ((X, Y), one tensor or a mapping of named "
                      "fields), a Dataset or a DataLoader")
    leaves, _ = tree_flatten(fields)
    if any(isinstance(t, Tensor) and (t.is_sparse or t.layout != torch.strided or t.is_meta) for t in leaves):
        raise BadData("the data holds a sparse or meta tensor; pass dense tensors with values (X.to_dense())")
    if not leaves or not all(isinstance(t, Tensor) for t in leaves):
        kinds = sorted({type(t).__name__ for t in leaves if not isinstance(t, Tensor)})
        raise BadData(f"data must be tensors or numpy arrays; got {', '.join(kinds) or 'no fields'}")
    if any(t.dim() == 0 for t in leaves):
        raise BadData("every field of the data needs a leading sample axis; got a 0-dimensional tensor")
    lengths = {int(t.shape[0]) for t in leaves}
    if len(lengths) > 1:
        raise BadData(f"the data's fields have {sorted(lengths)} rows; they must match on the first axis")
    n = lengths.pop()
    if n == 0:
        raise BadData("the dataset is empty (0 samples)")
    for t in leaves:
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            bad = int((~torch.isfinite(t)).reshape(t.shape[0], -1).any(dim=1).nonzero()[0])
            raise BadData(f"the data has a non-finite value (first in sample {bad}); remove or impute it")
    cast = sorted({str(t.dtype).removeprefix("torch.") for t in leaves if t.is_floating_point() and t.dtype != dtype})
    with torch.inference_mode(False):  # tensors made under inference mode cannot enter autograd: copies can
        fields = tree_map(lambda t: (t.clone() if t.is_inference() else t).to(
            device=device, dtype=dtype if t.is_floating_point() else t.dtype), fields)
    if cast:
        how += f"; {'/'.join(cast)} fields cast to {str(dtype).removeprefix('torch.')}, the dtype the module runs in"
    return Data(fields=fields, n=n, source=f"n = {n}: {how}", loader_batch_size=loader_batch)


def _as_tensors(fields):
    """Numpy arrays (and nested tuples, lists, mappings of them) as tensors; tensors as they are."""
    if isinstance(fields, Mapping):
        return {key: _as_tensors(value) for key, value in fields.items()}
    if isinstance(fields, (tuple, list)):
        return tuple(_as_tensors(value) for value in fields)
    if isinstance(fields, np.ndarray):
        if fields.dtype.kind not in "biuf":
            raise BadData(f"a numpy array of dtype {fields.dtype} cannot be a tensor; give numbers (float or int)")
        return torch.from_numpy(np.ascontiguousarray(fields, dtype=fields.dtype.newbyteorder("=")))
    return fields


def _read_dataset(dataset: Dataset):
    try:
        count = len(dataset)
        items = [dataset[i] for i in range(count)]
    except (TypeError, NotImplementedError, KeyError, IndexError) as err:
        raise BadData(f"the Dataset cannot be read as items 0 … len − 1 ({type(err).__name__}: {err}); pass a "
                      "DataLoader over it (with a sampler over its keys) or tensors") from err
    if not items:
        raise BadData("the dataset is empty (0 samples)")
    return _collate(items), f"the {count} items of the Dataset, each a sample"


def _collate(items: list):
    """Samples stacked as a DataLoader's default ``collate_fn`` would."""
    try:
        return _as_tensors(default_collate(items))
    except (RuntimeError, TypeError) as err:
        raise BadData(f"the items do not stack into tensors ({err}); give them equal shapes, or pass a "
                      "DataLoader with a collate_fn that does") from err


def _generators(loader: DataLoader) -> list[torch.Generator]:
    """The random generators a loader's pass draws from, besides the global one."""
    holders = (loader, loader.sampler, loader.batch_sampler, getattr(loader.batch_sampler, "sampler", None))
    found = [getattr(holder, "generator", None) for holder in holders]
    return list({id(g): g for g in found if isinstance(g, torch.Generator)}.values())


def _read_loader(loader: DataLoader):
    generators = _generators(loader)
    states = [g.get_state() for g in generators]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_LOADER_SEED)
        for g in generators:
            g.manual_seed(_LOADER_SEED)
        try:
            batches = [_as_tensors(batch) for batch in loader]
        except (RuntimeError, TypeError, KeyError, IndexError) as err:
            raise BadData(f"one pass over the DataLoader failed ({type(err).__name__}: {err})") from err
        finally:
            for g, state in zip(generators, states):
                g.set_state(state)
    if not batches:
        raise BadData("the DataLoader yielded no batches (0 samples)")
    try:
        fields = tree_map(lambda *parts: torch.cat(parts), batches[0], *batches[1:])
    except (RuntimeError, ValueError, TypeError) as err:
        raise BadData(f"the DataLoader's batches do not concatenate along the first axis ({err}); pad every batch "
                      "to the same shape") from err
    return fields, (f"the rows of one pass over the DataLoader ({len(batches)} batches; its sampler and "
                    "collate_fn applied)")
