"""Competition ranking (1, 2, 2, 4) and awards by position, with ties at a cutoff left to the council."""

from hypothesis import given
from hypothesis import strategies as st

from thidua.ranking import AWARD, REVIEW, competition_ranks, positional, tie_groups


def test_competition_ranking_shares_ranks_and_skips():
    assert competition_ranks([95, 90, 90, 85, 80]) == [1, 2, 2, 4, 5]
    assert competition_ranks([70, 90, 90]) == [3, 1, 1]
    assert competition_ranks([]) == []


def test_whole_tie_group_inside_positions_gets_the_award():
    assert positional([95, 90, 90, 85], 2, 3) == {1: AWARD, 2: AWARD}


def test_tie_straddling_the_last_position_is_held_for_review():
    # positions 1..3; ranks 1, 2, 3, 3 -> the two at rank 3 hold positions 3 and 4
    assert positional([98, 97, 96.5, 96.5, 90], 1, 3) == {0: AWARD, 1: AWARD, 2: REVIEW, 3: REVIEW}


def test_tie_straddling_the_first_position_is_held_for_review():
    # Cờ thi đua xuất sắc, positions 2..3: a tie for first holds positions 1 and 2
    assert positional([95, 95, 90, 85], 2, 3) == {0: REVIEW, 1: REVIEW, 2: AWARD}


def test_minimum_score_applies_to_each_unit():
    assert positional([90, 86, 84.5, 80], 1, 5, min_score=85) == {0: AWARD, 1: AWARD}


scores = st.lists(st.sampled_from([70, 80, 85, 85.5, 90, 90, 95, 100]), max_size=30)


@given(scores)
def test_rank_is_one_plus_the_number_strictly_higher(values):
    assert competition_ranks(values) == [1 + sum(o > v for o in values) for v in values]


@given(scores, st.integers(1, 8), st.integers(0, 6))
def test_positional_awards_never_exceed_the_positions_and_ties_stay_together(values, first, width):
    last = first + width
    outcome = positional(values, first, last)
    assert sum(v == AWARD for v in outcome.values()) <= last - first + 1
    for group in tie_groups(values):
        verdicts = {outcome.get(i) for i in group.members}
        assert len(verdicts) == 1  # a tie group is always treated as one
        verdict = verdicts.pop()
        inside = first <= group.rank and group.last <= last
        overlaps = not (group.last < first or group.rank > last)
        assert verdict == (AWARD if inside else REVIEW if overlaps else None)
