"""Guard your own LLC estimator in CI: copy this file into your project's tests.

Run with ``python -m pytest examples/test_my_estimator.py``.  The helper runs the estimator on the
quick suite (12 models whose learning coefficient is known exactly) and fails with the full table
when the median |relative error| exceeds the threshold.  That run is marked ``slow``: the toolkit's
pytest plugin (installed with it; ``pip install singular-toolkit[testing]`` brings pytest) knows the
mark and skips it unless ``--runslow`` is given.
"""

import pytest

from estimators import estimate_llc, gaussian_nll
from validation.testing import assert_estimator_calibrated


def my_estimator(model, data, w_star):
    """Any callable (model, data, w*) -> float or an object with .mean and .std_err."""
    return estimate_llc(model, data, loss_fn=gaussian_nll(1.0), step_size=3e-4, num_chains=4, num_draws=1000,
                        num_burnin=200, seed=0)


@pytest.mark.slow
def test_my_estimator_is_calibrated():
    assert_estimator_calibrated(my_estimator, suite="quick", max_median_rel_error=0.5)


def test_a_biased_estimator_is_caught():
    def too_low(model, data, w_star):
        return 0.35 * len(w_star)  # 0.7 · λ on the regular models

    with pytest.raises(AssertionError, match="not calibrated"):
        assert_estimator_calibrated(too_low, cases=["regular-1", "regular-2", "regular-3"], n=100)
