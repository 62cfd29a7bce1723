"""The per-process store of cop/person_cache.py stays within its weight, oldest out first."""

from cop import person_cache


def test_the_kept_values_stay_within_their_weight_oldest_out_first():
    kept = person_cache._Kept()
    kept.put((1, "dashboard"), 7, ["card"] * 10, None, weight=11)
    for user_id in range(2, person_cache.KEPT_WEIGHT + 2):
        kept.put((user_id, "bell"), 7, user_id, None)
    assert kept.weight <= person_cache.KEPT_WEIGHT
    assert kept.get((1, "dashboard"), 7) is None  # the oldest went first
    assert kept.get((person_cache.KEPT_WEIGHT + 1, "bell"), 7) == person_cache.KEPT_WEIGHT + 1
    assert kept.get((person_cache.KEPT_WEIGHT + 1, "bell"), 8) is None  # another key: not kept
    kept.put((5, "bell"), 9, 0, None)  # replaced, not counted twice
    assert kept.weight == len(kept.entries)
