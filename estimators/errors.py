"""Named exceptions of the estimators layer (all :class:`ValueError` subclasses), and the warning
category of estimates that should not be trusted as they are."""

from __future__ import annotations

__all__ = ["BadData", "BadSetting", "EstimatorError", "LLCWarning"]


class EstimatorError(ValueError):
    """Base class for bad input to :mod:`estimators`."""


class BadData(EstimatorError):
    """The data cannot be used: empty, non-finite, mismatched lengths, or rejected by the model."""

    def __init__(self, message: str):
        super().__init__(message)


class BadSetting(EstimatorError):
    """A sampler or estimator setting is out of range; carries the argument's name and value."""

    def __init__(self, name: str, value: object, fix: str):
        self.name = name
        self.value = value
        super().__init__(f"{name}={value!r} {fix}")


class LLCWarning(UserWarning):
    """An LLC estimate came back "doubtful" or "unreliable"; the message gives the reasons.

    Its own category, so that a caller can filter exactly these, e.g.
    ``warnings.simplefilter("ignore", LLCWarning)`` when the verdict is read from the result
    (``est.diagnostics.trust``) instead.
    """
