"""An append-only JSON-lines file of result rows, so that long runs resume where they stopped, the
lock that keeps a second run from appending to it at the same time, and :func:`fill_rows`, which
computes the missing rows in this process or on any :class:`concurrent.futures.Executor`."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import secrets
import socket
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from typing import Any

import torch

from .errors import BadSetting

__all__ = ["ReadOnlyMapping", "RowLog", "exclusive", "fill_rows"]


class ReadOnlyMapping(Mapping):
    """A mapping that cannot be changed after it is built: the named columns of a frozen row record
    (a trajectory's components, a multiplicity fit).  Unlike ``types.MappingProxyType`` it pickles,
    so a record holding one comes back from a worker process (:func:`fill_rows`).

    Examples
    --------
    >>> columns = ReadOnlyMapping({"w": 1.5})
    >>> columns["w"], dict(columns), columns == {"w": 1.5}
    (1.5, {'w': 1.5}, True)
    >>> columns["v"] = 2.0
    Traceback (most recent call last):
    ...
    TypeError: 'ReadOnlyMapping' object does not support item assignment
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping | Sequence[tuple] = ()):
        object.__setattr__(self, "_items", dict(items))

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __reduce__(self):
        return type(self), (self._items,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


class RowLog:
    """Rows kept in ``path`` (one JSON object per line), keyed by ``key(row)``.

    Each :meth:`append` writes its line at once, so a run killed mid-way keeps every finished row;
    a new ``RowLog`` on the same file finds them again.  With ``path=None`` rows live in memory only.
    A last line cut off by a kill is removed.

    Rows are JSON objects (dicts), or records that ``dump`` turns into one and ``load`` reads
    back from one (e.g. a frozen dataclass's ``to_dict`` and ``from_dict``): the row type owns its
    JSON form, and ``key`` is taken of the loaded row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "rows.jsonl"
    >>> log = RowLog(path, key=lambda row: row["step"])
    >>> log.append({"step": 10, "llc": 1.5})
    >>> RowLog(path, key=lambda row: row["step"]).get(10)
    {'step': 10, 'llc': 1.5}
    >>> RowLog(path, key=lambda row: row[0], load=lambda d: (d["step"], d["llc"])).get(10)
    (10, 1.5)
    """

    def __init__(self, path: str | pathlib.Path | None, key: Callable[[Any], Hashable], *,
                 load: Callable[[dict], Any] | None = None, dump: Callable[[Any], dict] | None = None):
        self.path = None if path is None else pathlib.Path(path)
        self._key = key
        self._load = load or (lambda row: row)
        self._dump = dump or (lambda row: row)
        self._rows: dict[Hashable, Any] = {}
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                text = self.path.read_text()
                if text and not text.endswith("\n"):  # a line cut off by a kill: drop it before appending
                    text = text[: text.rfind("\n") + 1]
                    self.path.write_text(text)
                for line in text.splitlines():
                    try:
                        row = self._load(json.loads(line))
                    except json.JSONDecodeError:
                        continue
                    self._rows[key(row)] = row

    def get(self, key: Hashable) -> Any | None:
        """The row stored under ``key``, or None."""
        return self._rows.get(key)

    def append(self, row) -> None:
        """Store ``row`` (replacing one with the same key) and write it to the file."""
        self._rows[self._key(row)] = row
        if self.path is not None:
            with self.path.open("a") as handle:
                handle.write(json.dumps(self._dump(row)) + "\n")


@contextlib.contextmanager
def exclusive(path: str | pathlib.Path | None) -> Iterator[None]:
    """Hold the lock file ``<path>.lock`` while a run appends to the log ``path``.

    Two runs into one ``out=`` folder would each compute every missing row and append it, so the
    second one is refused while the first holds the lock.  The lock file is created atomically
    (``O_CREAT | O_EXCL``), holds the owner's process id, host and start time, and is removed when
    the block ends, by an exception too.  ``path=None``: nothing to lock.

    A lock left behind by a run that was killed is *stale* when it was taken on this host and its
    process is no longer running (POSIX; elsewhere no lock is ever judged stale).  A stale lock is
    taken over: it is first renamed away, which is atomic, so of several runs that find it one
    takes it over and the others are refused.  A lock from another host, or whose process is still
    running (or whose id has been reused), is never taken over: the error names it, and it can be
    deleted by hand when no run is using the folder.

    Raises
    ------
    BadSetting
        ``out`` (the log's folder) is in use by another run.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "rows.jsonl"
    >>> with exclusive(log):
    ...     with exclusive(log):
    ...         pass
    Traceback (most recent call last):
    ...
    estimators.errors.BadSetting: out='...' is in use by another run: ...
    >>> with exclusive(log):  # released at the end of the first block
    ...     pass
    """
    if path is None:
        yield
        return
    path = pathlib.Path(path)
    lock = path.with_name(path.name + ".lock")
    mine = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                       "started": time.strftime("%Y-%m-%d %H:%M:%S"), "token": secrets.token_hex(8)})
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            text = _read(lock)
            if text is not None and not _stale(text):
                raise BadSetting("out", str(path.parent), f"is in use by another run: {_owner(lock, text)}; wait for "
                                 "it to finish or write to another folder (if no run is using this one, delete "
                                 f"{lock.name})") from None
            if text is not None:
                _take_over(lock, text)
            continue  # create ours again (or find the lock that is there now)
        with os.fdopen(handle, "w") as file:
            file.write(mine)
        break
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _read(lock: pathlib.Path) -> str | None:
    """The text of the lock file, or None when it has just been removed."""
    try:
        return lock.read_text()
    except FileNotFoundError:
        return None


def _stale(text: str) -> bool:
    """Whether a lock was taken on this host by a process that is no longer running."""
    try:
        owner = json.loads(text)
        pid, host = int(owner["pid"]), owner["host"]
    except (ValueError, KeyError, TypeError):  # being written, or not ours: not stale
        return False
    if host != socket.gethostname() or os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # running, as another user
        return False
    return False


def _take_over(lock: pathlib.Path, text: str) -> None:
    """Remove the stale lock whose text is ``text``, unless another run has replaced it meanwhile."""
    grave = lock.with_name(f"{lock.name}.stale-{secrets.token_hex(8)}")
    try:
        os.rename(lock, grave)
    except FileNotFoundError:  # another run removed it first
        return
    if grave.read_text() == text:
        grave.unlink()
    else:  # another run took it over in between: give its lock back
        os.rename(grave, lock)


def _owner(lock: pathlib.Path, text: str) -> str:
    try:
        owner = json.loads(text)
        return f"{lock} was created by process {owner['pid']} on {owner['host']} at {owner['started']}"
    except (ValueError, KeyError, TypeError):
        return f"{lock} exists"


def fill_rows(log: RowLog, tasks: Sequence[tuple[Hashable, Callable[..., Any], tuple]], *,
              executor: Executor | None = None, record: Callable[[Any], None] | None = None,
              progress: bool = False, desc: str = "rows") -> list:
    """The row of every task, in the order of ``tasks``: from ``log`` when it holds the task's key, else
    computed by ``function(*args)`` and recorded (``record``, default ``log.append``) as soon as it is done.

    Each task is ``(key, function, args)``; ``key`` must be the key ``log`` gives the row the
    function returns.  With ``executor=None`` the missing rows are computed here, one after
    another.  With an :class:`~concurrent.futures.Executor` (``ProcessPoolExecutor``, a Dask
    ``Client.get_executor()``, ``mpi4py.futures.MPIPoolExecutor``…) every missing task is
    submitted at once; ``function`` and ``args`` must then be picklable (a module-level function
    and plain values).  Only this process records rows, as they arrive: two workers never write
    one file, and a run killed mid-way keeps every row that had come back.

    Every task runs with one torch thread (``torch.set_num_threads(1)``; this process's count is
    restored at the end), here and on an executor: torch divides large sums and matrix products
    between its threads, so their number changes the last bits of a loss and, through the
    automatic step size, of an estimate (a deep linear network of 1.1·10⁴ parameters on 10⁵ samples
    gave 1526.6802 with two threads and 1526.6807 with one).  A task's result then depends on its
    arguments only (the seeds are among them): the rows are the same whatever the executor, its
    number of workers and the machine's cores, and the returned list is in task order whatever
    order they finished in.  To use more cores, use an executor with more workers.

    Tasks in threads of one process (a ``ThreadPoolExecutor``, a Dask worker with several threads)
    run one at a time: a task's warnings are part of its row, and Python's warning filters and
    records (``warnings.catch_warnings``) are shared by the threads of a process, so two tasks at
    once would swap each other's warnings.  Use processes (one thread per worker) for parallelism.

    Raises
    ------
    BadSetting
        ``executor`` is not a :class:`concurrent.futures.Executor` (for Dask, pass
        ``client.get_executor()``, not the client).
    Exception
        The first exception of a task.  In this process the run stops there; on an executor the
        tasks not yet finished are cancelled, the rows that had come back are recorded, and the
        exception is raised without waiting for the tasks already running (a re-run computes
        their rows).

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> log = RowLog(None, key=lambda row: row["x"])
    >>> log.append({"x": 2, "square": 4})
    >>> tasks = [(x, dict, ((("x", x), ("square", x * x)),)) for x in (3, 2, 1)]
    >>> with ThreadPoolExecutor(2) as pool:
    ...     fill_rows(log, tasks, executor=pool)
    [{'x': 3, 'square': 9}, {'x': 2, 'square': 4}, {'x': 1, 'square': 1}]
    """
    from tqdm.auto import tqdm

    if executor is not None and not isinstance(executor, Executor):
        hint = " (for Dask, pass client.get_executor())" if hasattr(executor, "get_executor") else ""
        raise BadSetting("executor", type(executor).__name__, "must be a concurrent.futures.Executor, e.g. a "
                         f"ProcessPoolExecutor instance{hint}, or None for this process")
    record = log.append if record is None else record
    missing: dict[Hashable, tuple] = {}  # a key given twice (seeds=(0, 0)) is computed once, as before
    for key, function, args in tasks:
        if log.get(key) is None:
            missing.setdefault(key, (key, function, args))
    threads = torch.get_num_threads()  # restored at the end: a thread pool's tasks run in this process
    with tqdm(total=len(missing), desc=desc, disable=not progress, leave=False) as bar:
        try:
            if executor is None:
                for _, function, args in missing.values():
                    record(_one_thread(function, *args))
                    bar.update()
            else:
                _gather(executor, list(missing.values()), record, bar)
        finally:
            torch.set_num_threads(threads)
    return [log.get(key) for key, _, _ in tasks]


def _gather(executor: Executor, missing: list, record: Callable[[Any], None], bar) -> None:
    """Submit every task to ``executor`` and record each row as it arrives (see :func:`fill_rows`)."""
    futures = [executor.submit(_one_thread, function, *args) for _, function, args in missing]
    failure, recorded = None, set()
    try:
        for future in as_completed(futures):
            if future.cancelled():
                continue
            failure = future.exception()
            if failure is not None:
                break
            record(future.result())
            recorded.add(future)
            bar.update()
    finally:  # a failure or an interruption: nothing more is started, and nothing cancelled is waited for
        for future in futures:
            future.cancel()
    if failure is not None:
        for future in futures:  # rows that came back while the failure was read
            if future not in recorded and future.done() and not future.cancelled() and future.exception() is None:
                record(future.result())
        raise failure


#: Held by each task of :func:`fill_rows` while it runs: the tasks in threads of one process run one
#: at a time, since the warnings each row records are process-wide state.  Re-entrant, so that a task
#: that itself fills rows in this process (an estimator that runs a trajectory) does not wait on itself.
_TASK_LOCK = threading.RLock()


def _one_thread(function: Callable[..., Any], *args):
    """``function(*args)`` with one torch thread (a task of :func:`fill_rows`; the count is left at one, as
    every task sets it, and :func:`fill_rows` restores the caller's)."""
    with _TASK_LOCK:
        torch.set_num_threads(1)
        return function(*args)
