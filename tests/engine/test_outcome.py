"""Defeat and victory (engine/outcome.py, docs/model.md section 7.13)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import leaders

from politburo.engine import outcome
from politburo.engine.state import Records


def test_defeat_is_losing_every_office_being_voted_out_or_expelled() -> None:
    """Leaders: 0 had an office and lost it; 1 had one and keeps it; 2 never had one; 3 voted
    out of the bureau; 4 expelled; 5 already defeated in month 4 (the record stays)."""
    L = 6
    defeated = np.full((1, L), -1, dtype=np.int64)
    defeated[0, 5] = 4
    lead = leaders(1, L, had_office=[[True, True, False, False, False, True]])
    lead.removed[0, 3] = True
    lead.expelled[0, 4] = True
    holder = np.array([[1, -1]])
    outcome._defeats(defeated, lead, holder, 9)
    assert defeated[0].tolist() == [9, -1, -1, 9, 9, 4]


def _victory(top: list[bool], clients: list[int], unaligned: int, in_bureau: list[bool],
             submitted: list[bool] | None = None, expelled: list[bool] | None = None) -> tuple[bool, int]:
    """outcome._victory in one run of three leaders; leader 0 alone sits in the committee."""
    in_committee = [True, False, False]
    L = len(top)
    share = outcome._share(np.array([[*clients, unaligned]]), np.array([in_committee]))
    won, w = outcome._victory(np.array([top]), share,
                              np.array([in_bureau]), np.array([submitted or [False] * L]),
                              np.array([expelled or [False] * L]), np.array([True]))
    return bool(won[0]), int(w[0])


def test_victory_needs_the_top_office_a_committee_majority_and_no_rival_in_the_bureau() -> None:
    """Three leaders; leader 0 holds the top office. Committee: his 10 clients and himself (11)
    of 21 (a majority) or 9 + 1 = 10 of 21 (not), or exactly half."""
    top, alone = [True, False, False], [True, False, False]
    assert _victory(top, [10, 3, 2], 5, alone) == (True, 0)
    # without the top office (or with it held by another)
    assert not _victory([False, False, False], [10, 3, 2], 5, alone)[0]
    assert not _victory([False, True, False], [10, 3, 2], 5, alone)[0]
    # 10 of 21 is no majority; exactly half (11 of 22) is not more than half
    assert not _victory(top, [9, 3, 2], 6, alone)[0]
    assert not _victory(top, [10, 3, 2], 6, alone)[0]
    # a rival still in the bureau blocks it, unless he has submitted or been expelled
    assert not _victory(top, [10, 3, 2], 5, [True, True, False])[0]
    assert _victory(top, [10, 3, 2], 5, [True, True, False], submitted=[False, True, False])[0]
    assert _victory(top, [10, 3, 2], 5, [True, True, False], expelled=[False, True, False])[0]
    # a rival who has submitted but is not the one in the bureau does not help
    assert not _victory(top, [10, 3, 2], 5, [True, True, False], submitted=[False, False, True])[0]


def test_victory_is_final_and_recorded_once() -> None:
    top = np.array([[False, True]])
    committee = np.array([[0, 8, 1]])
    lead = leaders(1, 2, in_committee=[[True, True]], in_bureau=[[False, True]])
    running = np.array([True])
    records = Records(sanctions=np.full((1, 2, 7), -1, dtype=np.int64), defeated=np.full((1, 2), -1, dtype=np.int64),
                      winner=np.array([-1]), victory=np.array([-1]),
                      coalition_first=np.full((1, 2, 2), -1, dtype=np.int64))
    ev = np.empty((1, 6), dtype=np.int64)
    n = outcome._check_victory(top, committee, lead, running, records, 17, ev)
    assert (n, int(records.winner[0]), int(records.victory[0]), bool(running[0])) == (1, 1, 17, False)
    n = outcome._check_victory(top, committee, lead, running, records, 18, ev)
    assert (n, int(records.winner[0]), int(records.victory[0])) == (0, 1, 17)


def test_committee_share_counts_clients_and_the_principal_himself() -> None:
    share = outcome._share(np.array([[3, 0, 5]]), np.array([[True, True]]))
    assert share[0].tolist() == pytest.approx([4 / 10, 1 / 10])
