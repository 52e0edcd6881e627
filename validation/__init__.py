"""The bridge: ground truth meets numerics (for now: the tour and the CLI)."""

from .cli import main
from .tour import TOUR, TourStop, format_tour, run_tour

__all__ = ["TOUR", "TourStop", "format_tour", "main", "run_tour"]
