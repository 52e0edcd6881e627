"""The bridge: ground truth meets numerics (for now: the tour, tree drawings and the CLI)."""

from .cli import main
from .tour import TOUR, TourStop, format_tour, run_tour
from .treeplot import draw_tree

__all__ = ["TOUR", "TourStop", "draw_tree", "format_tour", "main", "run_tour"]
