"""find_transitions: known breaks are found where they are, noise gives few false alarms."""

import numpy as np
import pytest

from estimators import BadData, BadSetting, find_transitions


def test_a_level_shift_is_found_at_its_step():
    x = np.arange(80.0)
    y = np.where(x < 47, 2.0, 5.0) + np.random.default_rng(0).normal(0, 0.5, 80)
    (t,) = find_transitions(x, y)
    assert t.step == 47 and t.index == 47 and t.kind == "level"
    assert t.level_change == pytest.approx(3.0, abs=0.6) and t.p_value < 1e-10


def test_two_bends_are_found():
    x = np.arange(120.0)
    y = np.piecewise(x, [x < 40, (x >= 40) & (x < 80), x >= 80], [0.0, lambda t: t - 40, lambda t: 40 - 2 * (t - 80)])
    y = y + np.random.default_rng(1).normal(0, 1, 120)
    found = find_transitions(x, y)
    assert [t.kind for t in found] == ["slope", "slope"]
    assert abs(found[0].step - 40) <= 3 and abs(found[1].step - 80) <= 3
    assert found[0].slope_change == pytest.approx(1, abs=0.2) and found[1].slope_change == pytest.approx(-3, abs=0.3)


def test_pure_noise_rarely_gives_a_transition():
    x = np.arange(50.0)
    alarms = sum(bool(find_transitions(x, np.random.default_rng(s).normal(0, 1, 50))) for s in range(200))
    assert alarms / 200 <= 0.03  # alpha = 0.01, Bonferroni-corrected: conservative


def test_a_straight_line_with_noise_has_no_transition():
    x = np.arange(60.0)
    y = 3 * x + np.random.default_rng(2).normal(0, 5, 60)
    assert find_transitions(x, y) == []


def test_standard_errors_discount_noisy_points():
    x = np.arange(40.0)
    y = np.random.default_rng(3).normal(0, 0.1, 40)
    y[20:24] += 5.0  # four wild points...
    se = np.full(40, 0.1)
    se[20:24] = 50.0  # ...that the caller knows to be wild
    assert find_transitions(x, y, std_err=se) == []
    assert find_transitions(x, y) != []


def test_log_steps_find_a_break_in_log_time():
    steps = np.unique(np.round(np.logspace(0, 4, 60)))
    values = np.where(steps < 300, 1.0, 1.0 + np.log(steps / 300)) + np.random.default_rng(4).normal(0, 0.05, len(steps))
    (t,) = find_transitions(steps, values, log_steps=True)
    assert t.kind == "slope" and 200 <= t.step <= 450


@pytest.mark.parametrize(
    "steps, values, kwargs, error",
    [
        ([1, 2, 3], [1, 2], {}, BadData),
        (list(range(5)), [0.0] * 5, {}, BadData),  # fewer than 2·min_size points
        ([0, 2, 1, 3, 4, 5, 6], [0.0] * 7, {}, BadData),
        (list(range(8)), [0.0] * 7 + [np.nan], {}, BadData),
        (list(range(8)), [0.0] * 8, {"min_size": 1}, BadSetting),
        (list(range(8)), [0.0] * 8, {"alpha": 0}, BadSetting),
        (list(range(8)), [0.0] * 8, {"log_steps": True}, BadData),
        (list(range(8)), [0.0] * 8, {"std_err": [1.0] * 7}, BadData),
    ],
)
def test_bad_input_is_named(steps, values, kwargs, error):
    with pytest.raises(error):
        find_transitions(steps, values, **kwargs)


def test_segment_costs_from_prefix_sums_equal_direct_fits():
    """Every segment's weighted RSS, from the prefix sums, against numpy's lstsq on that segment."""
    from estimators.changepoints import _segment_costs

    rng = np.random.default_rng(5)
    x = np.sort(rng.uniform(0, 1000, 30))
    y = rng.normal(0, 1, 30) + 0.01 * x
    w = rng.uniform(0.2, 3, 30)
    cost = _segment_costs(x, y, w, 3)
    for i in range(30):
        for j in range(i + 3, 31):
            a = np.column_stack([np.ones(j - i), x[i:j]]) * np.sqrt(w[i:j])[:, None]
            coef, *_ = np.linalg.lstsq(a, y[i:j] * np.sqrt(w[i:j]), rcond=None)
            assert cost[i, j] == pytest.approx(np.sum((a @ coef - y[i:j] * np.sqrt(w[i:j])) ** 2), abs=1e-9)
    assert np.isinf(cost[0, 2])
