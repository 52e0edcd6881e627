"""Every code block of "Your model and data" in docs/estimators.md runs as written."""

import pathlib
import re
import warnings

import pytest

from estimators import LLCWarning

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "estimators.md"


def _blocks() -> list[str]:
    text = DOC.read_text()
    section = text.split("## Your model and data", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_section_has_one_example_per_topic():
    assert len(_blocks()) == 7


@pytest.mark.parametrize("index", range(7))
def test_the_example_runs(index):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)  # small budgets: the verdicts are not the point
        exec(compile(_blocks()[index], f"{DOC.name} block {index}", "exec"), {})
