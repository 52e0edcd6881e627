"""The studies' figures: matplotlib ``Figure`` objects drawn by Agg, apart from pyplot, so that a
user's backend and open figures are left alone."""

from __future__ import annotations


def figure(figsize: tuple[float, float]):
    """A new ``matplotlib.figure.Figure`` of ``figsize`` inches, with an Agg canvas to save it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig
