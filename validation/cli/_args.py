"""The parser class and the argument types shared by the commands: a bad value is argparse's error
(one line on stderr, exit status 2) before any command runs."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["Parser", "at_least", "auto", "count", "positive", "seconds", "widths"]


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, ``singular: error: ...``, and exit status 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"singular: error: {message}\n")


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer >= ``minimum``.

    Examples
    --------
    >>> at_least(10)("12")
    12
    >>> at_least(10)("9")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected an integer >= 10, got '9'
    """
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value
    return parse


count = at_least(0)
positive = at_least(1)


def seconds(text: str) -> float:
    """An argparse type: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def auto(kind: Callable[[str], float | int]) -> Callable[[str], float | int | str]:
    """An argparse type: the word ``auto`` or a number of ``kind``."""
    def parse(text: str):
        if text == "auto":
            return text
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number or 'auto', got {text!r}") from None
    return parse


def widths(text: str) -> list[int]:
    """An argparse type: integers separated by commas, e.g. ``2,3,4,5``.

    Examples
    --------
    >>> widths("2,3,4")
    [2, 3, 4]
    """
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers separated by commas, e.g. 2,3,4,5, got {text!r}") from None
