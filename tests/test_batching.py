"""Recognition batches bounded by lines x width (engines/batching.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ocr_loaders.engines.batching import MIN_RATIO, rec_batches


@given(ratios=st.lists(st.floats(0.1, 200), max_size=60), max_lines=st.integers(1, 8),
       budget=st.floats(1, 300))
def test_batches_partition_the_lines_within_the_budget(ratios, max_lines, budget) -> None:
    batches = rec_batches(ratios, max_lines=max_lines, budget=budget)
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(len(ratios)))  # every line once
    assert [ratios[i] for i in flat] == sorted(ratios)  # narrowest first: little padding
    for batch in batches:
        widest = max(max(ratios[i] for i in batch), MIN_RATIO)
        assert len(batch) <= max_lines
        assert len(batch) == 1 or len(batch) * widest <= budget


def test_narrow_lines_share_batches_and_wide_lines_go_alone() -> None:
    ratios = [5, 8, 9, 10, 10, 10, 40, 41, 90]
    assert rec_batches(ratios, max_lines=6, budget=60) == [[0, 1, 2, 3, 4, 5], [6], [7], [8]]
    assert rec_batches([20.0] * 7, max_lines=6, budget=60) == [[0, 1, 2], [3, 4, 5], [6]]
