"""Offices change hands (engine/offices.py): the one writer of office holders."""

from __future__ import annotations

from conftest import offices
from hypothesis import given, settings
from hypothesis import strategies as st

from politburo.engine import offices as offices_module


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(moves=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(-1, 4), st.integers(-1, 4)),
                      min_size=1, max_size=12))
def test_a_transfer_sets_holder_and_patron_and_dates_only_the_first_loss(
        moves: list[tuple[int, int, int, int]]) -> None:
    """A sequence of transfers (run, office, holder, patron) in months 1, 2, ...: each office
    ends with its last holder and patron, its loss dated by the first transfer, and offices
    never transferred are untouched."""
    offs = offices(3, 4, holder=[[0, 1, 2, 3]])
    first: dict[tuple[int, int], int] = {}
    last: dict[tuple[int, int], tuple[int, int]] = {}
    for month, (r, o, h, p) in enumerate(moves, start=1):
        offices_module.transfer(offs, r, o, h, p, month)
        first.setdefault((r, o), month)
        last[(r, o)] = (h, p)
    for r in range(3):
        for o in range(4):
            if (r, o) in first:
                assert offs.lost[r, o] == first[(r, o)]
                assert (offs.holder[r, o], offs.patron[r, o]) == last[(r, o)]
            else:
                assert (offs.lost[r, o], offs.holder[r, o], offs.patron[r, o]) == (-1, o, -1)
