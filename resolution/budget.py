"""One budget for every exact route: deterministic limits decide, the wall clock only cuts short.

What is certified must not depend on how loaded the machine is, so every limit that can stop a
computation *and leave the answer uncertified on purpose* counts work, not time: the depth and
the number of charts of a resolution tree, and the number of polynomial terms the resolver builds
(its operation count).  The same input with the same :class:`Budget` gives the same answer on any
machine.  ``seconds`` is an outer cut-off only: when it runs out, the computation stops where it is
and the answer says that the wall clock stopped it (so a rerun with more time may certify).
"""

from __future__ import annotations

import math
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from .errors import BadArgument, BudgetExceeded

__all__ = ["Budget", "WallClockExceeded", "check_wall_clock", "wall_clock"]


class WallClockExceeded(BudgetExceeded):
    """The outer wall-clock limit ran out (not a deterministic budget: a rerun with more time may finish)."""

    def __init__(self, seconds: float):
        self.what, self.budget, self.seconds = "the wall clock", seconds, seconds
        RuntimeError.__init__(
            self,
            f"stopped by the wall-clock limit of {seconds:g} s before any deterministic budget (depth, charts, "
            "terms) ran out; this cut depends on the machine's load: rerun with a larger seconds= (--seconds) or none",
        )


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadArgument(name, value, "must be a non-negative integer")
    return value


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits of an exact computation.

    Attributes
    ----------
    max_depth : int
        Deepest chain of maps from the root of a resolution tree.
    max_charts : int
        Number of charts a resolution builds: the tree's nodes, and the trial charts of blow-up
        centres it tried and rejected.
    max_terms : int
        Total number of polynomial terms the resolver may build, over all charts: a deterministic
        count of its work (and a bound on its memory).
    max_germ_terms : int
        The largest polynomial expanded from the input (by a bound computed before expanding,
        :func:`resolution.germ.expanded_size`): every route's work grows with it.
    seconds : float or None
        Wall-clock cut-off (None: none).  Never decides what is certified on its own: it stops
        the run, and the answer says so.

    Raises
    ------
    resolution.errors.BadArgument
        A limit that is not a non-negative integer, or seconds that is not a positive finite number.

    Examples
    --------
    >>> Budget(max_charts=10)
    Budget(max_depth=40, max_charts=10, max_terms=2000000, seconds=None, max_germ_terms=50000)
    >>> Budget(seconds=float("nan"))
    Traceback (most recent call last):
    ...
    resolution.errors.BadArgument: seconds=nan: must be a positive finite number of seconds, or None for no wall-clock limit
    """

    max_depth: int = 40
    max_charts: int = 2000
    max_terms: int = 2_000_000
    seconds: float | None = None
    max_germ_terms: int = 50_000

    def __post_init__(self) -> None:
        for name in ("max_depth", "max_charts", "max_terms", "max_germ_terms"):
            _count(name, getattr(self, name))
        seconds = self.seconds
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds)
            or seconds <= 0
        ):
            raise BadArgument("seconds", seconds, "must be a positive finite number of seconds, or None for no "
                                                  "wall-clock limit")


_deadline = threading.local()


def _raise_on_alarm(signum, frame) -> None:  # pragma: no cover - timing dependent
    raise WallClockExceeded(_deadline.seconds)


@contextmanager
def wall_clock(seconds: float | None) -> Iterator[None]:
    """Run the body under an outer wall-clock limit; raise :class:`WallClockExceeded` when it runs out.

    In the main thread an interval timer (SIGALRM) interrupts the running Python code wherever it
    is, so one long step (a factorization, an expansion) cannot overrun the limit; elsewhere, or
    where timers do not exist, :func:`check_wall_clock` calls at the resolver's steps cut it.
    Nested calls keep the outermost limit.

    Examples
    --------
    >>> with wall_clock(None):
    ...     pass
    """
    if seconds is None or getattr(_deadline, "at", None) is not None:
        yield
        return
    _deadline.at, _deadline.seconds = time.monotonic() + seconds, seconds
    timer = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous = signal.signal(signal.SIGALRM, _raise_on_alarm) if timer else None
    if timer:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _deadline.at = None


def check_wall_clock() -> None:
    """Raise :class:`WallClockExceeded` if the enclosing :func:`wall_clock` limit has run out."""
    at = getattr(_deadline, "at", None)
    if at is not None and time.monotonic() > at:
        raise WallClockExceeded(_deadline.seconds)
