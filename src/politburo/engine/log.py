"""What happened: events for the chronicle and votes with their tallies, as columns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from politburo.engine.jit import kernel

# Event kinds (a0..a2 meanings in brackets).
(FOUNDER_DEATH, FUNERAL, COALITION, POLEMIC, FACTION, RECANT, READMIT, PUBLISH, SUPPRESS,
 APPOINT, SHIFT, CONGRESS_ELECTS, BUREAU_SEAT, VICTORY, RELAPSE, ECONOMY) = range(16)
# Motion codes are in `engine.ladder`, body codes in `engine.bodies`.


@dataclass
class Log:
    events: list[tuple[np.ndarray, ...]] = field(default_factory=list)
    votes: list[tuple[np.ndarray, ...]] = field(default_factory=list)
    count: int = 0  # records so far: the order things happened in, for the chronicle

    def _seq(self) -> int:
        self.count += 1
        return self.count

    def event(self, month: int, kind: int, mask: np.ndarray, a0=-1, a1=-1, a2=-1) -> None:
        runs = np.flatnonzero(mask)
        if runs.size == 0:
            return
        n = runs.size
        cols = [a[runs] if isinstance(a, np.ndarray) and a.ndim else np.full(n, int(a)) for a in (a0, a1, a2)]
        self.events.append((runs, np.full(n, month), np.full(n, kind), *cols, np.full(n, self._seq())))

    def event_block(self, month: int, rec: np.ndarray, n: int) -> None:
        """Events recorded by compiled code: the first `n` rows of `rec`, columns (group, run,
        kind, a0, a1, a2), in order of run. Each group stands for one `event` call, in the
        order of the groups; a group gets one sequence number, as that call would."""
        if n == 0:
            return
        cols = _event_block(rec, n, month, self.count)  # (7, n): its rows are the columns
        self.count = int(cols[6, n - 1])
        self.events.append(cols)  # type: ignore[arg-type]

    def vote(self, month: int, mask: np.ndarray, body: int, motion, proposer, target, yes, no,
             abstain, passed, office=-1) -> None:
        cols_in = (motion, proposer, target, yes, no, abstain, passed, office)
        if mask.ndim == 1 and all(isinstance(a, np.ndarray) and a.shape == mask.shape for a in cols_in):
            # the usual case (a column per run): all columns in one compiled pass, as rows of one block
            block = _vote_block(mask, month, body, self.count + 1, cols_in)
            if block.shape[1]:
                self.count += 1
                self.votes.append(block)  # type: ignore[arg-type]
            return
        runs = np.flatnonzero(mask)
        if runs.size == 0:
            return
        shape = mask.shape
        cols = [a[runs] if isinstance(a, np.ndarray) and a.shape == shape
                else np.broadcast_to(np.asarray(a), shape)[runs]
                for a in (motion, proposer, target, yes, no, abstain, passed, office)]
        n = runs.size
        self.votes.append((runs, np.full(n, month), np.full(n, body), *cols, np.full(n, self._seq())))

    @staticmethod
    def _columns(rows: list[tuple[np.ndarray, ...]], names: tuple[str, ...]) -> dict[str, np.ndarray]:
        if not rows:
            return {k: np.zeros(0, dtype=np.int64) for k in names}
        cols = [np.concatenate([r[i] for r in rows]).astype(np.int64) for i in range(len(names))]
        order = np.lexsort((np.arange(cols[0].size), cols[1], cols[0]))
        return {k: c[order] for k, c in zip(names, cols)}

    def event_columns(self, seq: bool = False) -> dict[str, np.ndarray]:
        """Columns sorted by run and month. `seq` (the order of recording) is comparable only
        within one batch, so it is left out unless asked for (the chronicle sorts by it)."""
        cols = self._columns(self.events, ("run", "month", "kind", "a0", "a1", "a2", "seq"))
        return cols if seq else {k: v for k, v in cols.items() if k != "seq"}

    def vote_columns(self, seq: bool = False) -> dict[str, np.ndarray]:
        cols = self._columns(self.votes, ("run", "month", "body", "motion", "proposer", "target",
                                          "yes", "no", "abstain", "passed", "office", "seq"))
        return cols if seq else {k: v for k, v in cols.items() if k != "seq"}


@kernel
def _event_block(rec, n, month, count):  # pragma: no cover - compiled
    """The columns of `Log.event_block`: rows stably sorted by group (a counting sort), each
    group numbered in turn after `count`."""
    top = 0
    for k in range(n):
        top = max(top, rec[k, 0])
    starts = np.zeros(top + 2, dtype=np.int64)
    for k in range(n):
        starts[rec[k, 0] + 1] += 1
    for g in range(top + 1):
        starts[g + 1] += starts[g]
    out = np.empty((7, n), dtype=np.int64)
    group = np.empty(n, dtype=np.int64)
    for k in range(n):
        g = rec[k, 0]
        q = starts[g]
        starts[g] = q + 1
        group[q] = g
        out[0, q] = rec[k, 1]
        out[1, q] = month
        out[2, q] = rec[k, 2]
        out[3, q] = rec[k, 3]
        out[4, q] = rec[k, 4]
        out[5, q] = rec[k, 5]
    c = count
    for q in range(n):
        if q == 0 or group[q] != group[q - 1]:
            c += 1
        out[6, q] = c
    return out


@kernel
def _vote_block(mask, month, body, seq, cols):  # pragma: no cover - compiled
    """The columns of `Log.vote` (run, month, body, the eight columns `cols`, seq) as the rows
    of one (12, n) block, for the runs in `mask`."""
    motion, proposer, target, yes, no, abstain, passed, office = cols
    n = 0
    for r in range(mask.shape[0]):
        n += 1 if mask[r] else 0
    out = np.empty((12, n), dtype=np.int64)
    k = 0
    for r in range(mask.shape[0]):
        if not mask[r]:
            continue
        out[0, k] = r
        out[1, k] = month
        out[2, k] = body
        out[3, k] = motion[r]
        out[4, k] = proposer[r]
        out[5, k] = target[r]
        out[6, k] = yes[r]
        out[7, k] = no[r]
        out[8, k] = abstain[r]
        out[9, k] = passed[r]
        out[10, k] = office[r]
        out[11, k] = seq
        k += 1
    return out
