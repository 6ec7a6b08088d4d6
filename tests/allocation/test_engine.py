import random

from hypothesis import given, settings
from hypothesis import strategies as st

from phocap.allocation import engine


def person(rid, commune=1, group=6, year=1960, household=None):
    return engine.Person(rid, commune, household, group, year, year * 1000)


@settings(max_examples=200, deadline=None)
@given(
    need=st.dictionaries(st.integers(1, 8), st.integers(1, 60), min_size=1, max_size=8),
    earmark_share=st.floats(0, 1),
    general=st.integers(0, 300),
    seed=st.integers(0, 10**6),
)
def test_the_split_maximises_the_lowest_coverage(need, earmark_share, general, seed):
    rng = random.Random(seed)
    earmarked = {c: rng.randint(0, int(n * earmark_share) + 1) for c, n in need.items()}
    given_ = engine.fair_split(need, earmarked, general)
    own = {c: min(earmarked.get(c, 0), n) for c, n in need.items()}
    assert all(own[c] <= given_[c] <= need[c] for c in need)
    assert sum(given_.values()) - sum(own.values()) == min(general, sum(need[c] - own[c] for c in need))
    # no commune could gain a general device without one with lower (or equal) coverage losing:
    for i in need:
        for j in need:
            if i != j and given_[i] < need[i] and given_[j] > own[j]:
                assert (given_[j] - 1) / need[j] <= given_[i] / need[i] + 1e-12


def test_priority_groups_then_age_then_the_lottery():
    people = [
        person(1, group=6, year=1940),
        person(2, group=3, year=1980),
        person(3, group=3, year=1950),
        person(4, group=1, year=1990),
        person(5, group=3, year=1950),
    ]
    placed = engine.rank_and_select(people, {1: 3}, seed="S")
    order = [p.person.resident_id for p in sorted(placed, key=lambda p: p.rank)]
    assert order[0] == 4  # group 1 first whatever the age
    assert set(order[1:3]) == {3, 5}  # the older of group 3, tie broken by the lottery
    assert order[3:] == [2, 1]
    assert [p.person.resident_id for p in placed if p.selected] == order[:3]
    tie = sorted([3, 5], key=lambda r: engine.lottery("S", r))
    assert order[1:3] == tie


def test_the_lottery_is_reproducible_from_the_seed():
    people = [person(i) for i in range(1, 200)]
    first = [p.person.resident_id for p in engine.rank_and_select(people, {1: 50}, seed="2023-10-20 xổ số")]
    again = [p.person.resident_id for p in engine.rank_and_select(people, {1: 50}, seed="2023-10-20 xổ số")]
    other = [p.person.resident_id for p in engine.rank_and_select(people, {1: 50}, seed="khác")]
    assert first == again
    assert first != other


def test_one_phone_per_household_and_one_of_an_undecided_pair():
    people = [person(1, household=7, year=1940), person(2, household=7, year=1941), person(3), person(4), person(5)]
    placed = {p.person.resident_id: p for p in engine.rank_and_select(people, {1: 4}, seed="x", pairs=[(3, 4)])}
    assert placed[1].selected
    assert not placed[2].selected
    assert "hộ đã có người" in placed[2].note
    assert placed[3].selected != placed[4].selected
    assert "trùng" in (placed[3].note or placed[4].note)
    assert placed[5].selected
    many = engine.rank_and_select(people[:2], {1: 2}, seed="x", one_per_household=False)
    assert all(p.selected for p in many)


def test_the_groups_follow_the_policy():
    assert engine.group_of("poor", {"merit"}) == 1
    assert engine.group_of("near_poor", {"social_policy"}) == 2
    assert engine.group_of("poor", ()) == 3
    assert engine.group_of("near_poor", {"disability"}) == 4
    assert engine.group_of("none", {"elderly_alone"}) == 5
    assert engine.group_of("none", {"merit"}) == 5
    assert engine.group_of("none", ()) == 6
