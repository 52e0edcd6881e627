"""The bridge: ground truth meets numerics.

The catalog of exact cases (:mod:`validation.cases`), the numeric quadrature route
(:mod:`validation.quadrature`: also exact posterior moments, susceptibilities and BIFs), the
benchmark and its report (:mod:`validation.benchmark`), the observables benchmark
(:mod:`validation.observable_benchmark`),
calibration (:mod:`validation.calibration`), hypothesis strategies (:mod:`validation.strategies`),
a pytest helper (:mod:`validation.testing`), the tour, tree drawings and the CLI.
"""

import lazy_loader

# The public names and their modules are listed once, in __init__.pyi.  A module is imported on the
# first use of one of its names (SPEC 1), so that the command line (``validation.cli``), whose exact
# commands need neither torch nor scipy.stats, starts without them.
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
