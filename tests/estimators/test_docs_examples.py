"""Every code block of "Your model and data" in docs/estimators.md, and of "Usage" in
docs/observables.md, runs as written."""

import pathlib
import re
import warnings

import pytest

from estimators import LLCWarning

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"
SECTIONS = {("estimators.md", "Your model and data"): 7, ("observables.md", "Usage"): 1}


def _blocks(page: str, heading: str) -> list[str]:
    text = (DOCS / page).read_text()
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


@pytest.mark.parametrize("page, heading", sorted(SECTIONS))
def test_the_section_has_one_example_per_topic(page, heading):
    assert len(_blocks(page, heading)) == SECTIONS[(page, heading)]


@pytest.mark.parametrize("page, heading, index",
                         [(page, heading, i) for (page, heading), count in sorted(SECTIONS.items()) for i in range(count)])
def test_the_example_runs(page, heading, index):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LLCWarning)  # small budgets: the verdicts are not the point
        exec(compile(_blocks(page, heading)[index], f"{page} block {index}", "exec"), {})
