"""The studies' docstring examples: studies/ sits outside the packages whose doctests pytest collects
(``testpaths`` in pyproject.toml), so they run here."""

import doctest
import importlib
import pkgutil

import pytest

import studies

MODULES = ["studies", *(f"studies.{m.name}" for m in pkgutil.iter_modules(studies.__path__))]


def test_every_study_module_is_listed():
    assert {"studies.dln_scale", "studies.tms", "studies.grokking", "studies.induction"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0
