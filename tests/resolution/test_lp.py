"""The exact simplex method on programs with textbook answers."""

from fractions import Fraction as F

import pytest

from resolution._lp import Unbounded, minimize


def test_a_two_by_two_system():
    # x + 2y = 4, 3x + y = 6 has the single solution (8/5, 6/5).
    s = minimize([1, 1], [[1, 2], [3, 1]], [4, 6])
    assert s.x == (F(8, 5), F(6, 5)) and s.value == F(14, 5)


def test_beale_cycling_example_terminates_at_the_optimum():
    # Beale (1955): Dantzig's rule can cycle here; the optimum is -5/4 at x4 = x6 = 1, x1 = 3/4.
    c = [0, 0, 0, F(-3, 4), 20, F(-1, 2), 6]
    rows = [
        [1, 0, 0, F(1, 4), -8, -1, 9],
        [0, 1, 0, F(1, 2), -12, F(-1, 2), 3],
        [0, 0, 1, 0, 0, 1, 0],
    ]
    s = minimize(c, rows, [0, 0, 1], basis=[0, 1, 2])
    assert s.value == F(-5, 4)
    assert s.x == (F(3, 4), 0, 0, 1, 0, 1, 0)


def test_infeasible_and_unbounded():
    assert minimize([1], [[1]], [-1]) is None
    with pytest.raises(Unbounded):
        minimize([-1, 0], [[1, -1]], [0])


def test_redundant_rows_are_dropped():
    s = minimize([1, 2, 0], [[1, 1, 1], [2, 2, 2]], [1, 2])
    assert s.value == 0 and s.x == (0, 0, 1)


def test_reduced_costs_are_the_dual_slacks():
    # min x + y s.t. x + y - s = 1: any split is optimal; the dual is y = 1, so the slack's
    # reduced cost is 0 - (-1)·1 = 1 and the others are 0.
    s = minimize([1, 1, 0], [[1, 1, -1]], [1])
    assert s.value == 1 and s.reduced_costs == (0, 0, 1)
