"""Offices change hands: the one place that writes who holds an office (docs/model.md §6).

Offices change hands only by a passed motion (`motions.apply`): the sanction ladder's
first rung, an expulsion, or a document's removal read to a congress. Every such change goes
through `transfer`, which also dates the first loss of the office."""

from __future__ import annotations

from politburo.engine.jit import kernel


@kernel
def transfer(offices, r, o, holder, patron, month):  # pragma: no cover - compiled
    """Give office `o` of run `r` to `holder` in person (-1 none) with `patron` the leader whose
    client then holds it (-1 none); record `month` as the office's first loss.

    Reads: offices.lost (B, O) month.
    Writes: offices.holder, offices.patron, offices.lost (B, O) at [r, o]."""
    if offices.lost[r, o] < 0:
        offices.lost[r, o] = month
    offices.holder[r, o] = holder
    offices.patron[r, o] = patron
