"""The rungs of the sanction ladder a leader can suffer, and what happens to him after: the codes
are the columns of `Records.sanctions` (engine.state). Plain data, importable without the
engine (the scenario schema validates pattern fields against the names)."""

LOST_OFFICE, LEFT_BUREAU, LEFT_COMMITTEE, EXPELLED, EXILED, RECANTED, READMITTED = range(7)
SANCTIONS = ("lost_office", "left_bureau", "left_committee", "expelled", "exiled", "recanted", "readmitted")
