"""The plan's rounding rule, "cứ K chọn 1, nếu số lẻ nhiều hơn 0,5 làm tròn 1", and the plan's own totals."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thidua.evaluate import _positions
from thidua.rules import quota, unit_quota


@pytest.mark.parametrize("n, k, expected", [
    (12, 8, 1),    # 1.5: a remainder of exactly one half does not round up
    (13, 8, 2),    # 1.625
    (109, 8, 14),  # 13.625: the plan's 14 communes
    (811, 50, 16),  # 16.22: the plan's 16 Ban công tác Mặt trận
    (811, 150, 5),  # 5.41
    (11, 5, 2),    # 2.2: two districts for Bằng khen Trung ương
    (109, 35, 3),  # 3.11
    (4, 8, 0),     # 0.5
    (5, 8, 1),     # 0.625
    (0, 8, 0),
])
def test_quota_examples(n, k, expected):
    assert quota(n, k) == expected


@given(st.integers(0, 10_000), st.integers(1, 500))
def test_quota_is_floor_plus_one_only_above_half(n, k):
    exact = Fraction(n, k)
    floor = n // k
    assert quota(n, k) == floor + (1 if exact - floor > Fraction(1, 2) else 0)


@given(st.integers(0, 5_000), st.integers(1, 200))
def test_quota_never_decreases_with_more_units(n, k):
    assert quota(n + 1, k) >= quota(n, k)


@given(st.integers(0, 200), st.integers(1, 200))
def test_exact_multiples_give_the_multiple(m, k):
    assert quota(m * k, k) == m


def test_seed_totals_36_collectives_and_59_individuals(config, registry):
    """"2.1. Tập thể: 36 tập thể" and "2.2. Cá nhân: 59 cá nhân" of Bằng khen Ủy ban MTTQ Việt Nam tỉnh."""
    caps = {q.key: q.cap for q in config.quotas}
    ranked = sum(last - first + 1
                 for a in config.ranked_awards if a.ranking == "huyen" and a.award == "BK_MTTQ_TINH"
                 for first, last in [_positions(a, "huyen", registry, config)])
    collectives = sum(cap for (kind, _, award), cap in caps.items() if kind == "collective" and award == "BK_MTTQ_TINH")
    individuals = sum(cap for (kind, _, award), cap in caps.items() if kind == "individual" and award == "BK_MTTQ_TINH")
    assert collectives + ranked == 36
    assert individuals == 59


def test_caps_agree_with_quota_of_the_registry_totals(config, registry):
    """The plan's 14 and 16 are the quota of the province's 109 communes and 811 Ban công tác Mặt trận."""
    for rule in config.quotas:
        if rule.per_unit_divisor:
            assert rule.cap == quota(registry.total(rule.count), rule.per_unit_divisor)


def test_ranked_positions_follow_the_plan(config, registry):
    positions = {(a.ranking, a.award): _positions(a, a.ranking, registry.submitters, config)
                 for a in config.ranked_awards}
    assert positions[("huyen", "CO_XSTD")] == (1, 1)
    assert positions[("huyen", "CO_XS")] == (2, 3)
    assert positions[("huyen", "BK_TW_MTTQ")] == (1, 2)
    assert positions[("huyen", "BK_MTTQ_TINH")] == (4, 5)
    assert positions[("xa", "BK_TW_MTTQ")] == (1, 3)
    assert positions[("bctmt", "BK_TW_MTTQ")] == (1, 5)


def test_unit_quota_uses_the_registry_counts(config, registry):
    ke_sach = registry.get("943")  # 13 communes, 106 Ban công tác Mặt trận
    rule = config.quota_rule("collective", "xa", "BK_MTTQ_TINH")
    assert unit_quota(rule, ke_sach, config) == 2
    assert unit_quota(config.quota_rule("collective", "bctmt", "BK_MTTQ_TINH"), ke_sach, config) == 2
    assert unit_quota(config.quota_rule("collective", "tinh", "BK_MTTQ_TINH"), ke_sach, config) == 0
