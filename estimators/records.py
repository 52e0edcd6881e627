"""An append-only JSON-lines file of result rows, so that long runs resume where they stopped."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable, Hashable

__all__ = ["RowLog"]


class RowLog:
    """Rows kept in ``path`` (one JSON object per line), keyed by ``key(row)``.

    Each :meth:`append` writes its line at once, so a run killed mid-way keeps every finished row;
    a new ``RowLog`` on the same file finds them again.  With ``path=None`` rows live in memory only.
    A last line cut off by a kill is removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "rows.jsonl"
    >>> log = RowLog(path, key=lambda row: row["step"])
    >>> log.append({"step": 10, "llc": 1.5})
    >>> RowLog(path, key=lambda row: row["step"]).get(10)
    {'step': 10, 'llc': 1.5}
    """

    def __init__(self, path: str | pathlib.Path | None, key: Callable[[dict], Hashable]):
        self.path = None if path is None else pathlib.Path(path)
        self._key = key
        self._rows: dict[Hashable, dict] = {}
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                text = self.path.read_text()
                if text and not text.endswith("\n"):  # a line cut off by a kill: drop it before appending
                    text = text[: text.rfind("\n") + 1]
                    self.path.write_text(text)
                for line in text.splitlines():
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    self._rows[key(row)] = row

    def get(self, key: Hashable) -> dict | None:
        """The row stored under ``key``, or None."""
        return self._rows.get(key)

    def append(self, row: dict) -> None:
        """Store ``row`` (replacing one with the same key) and write it to the file."""
        self._rows[self._key(row)] = row
        if self.path is not None:
            with self.path.open("a") as handle:
                handle.write(json.dumps(row) + "\n")
