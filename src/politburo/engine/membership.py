"""Membership drives: recruits join every region; the share the apparatus steers owes its
card to the Secretariat and votes as the secretary tells it."""

from __future__ import annotations

import numpy as np

from politburo.engine.common import controls
from politburo.engine.spec import Spec
from politburo.engine.state import State


def membership(spec: Spec, st: State) -> None:
    p = spec.params
    t = st.month
    w = st.members / st.members.sum(axis=1, keepdims=True)
    added = spec.drive[t] * w
    steering = p["recruit_steering"] * np.asarray(controls(spec, st, "recruit").any(axis=1), dtype=np.float64)
    growth = 1.0 + p["organic_growth"]
    st.steered = st.steered * growth + added * steering[:, None]
    st.members = np.maximum(st.members * growth + added, 1.0)
    st.steered = np.minimum(st.steered, st.members)
    st.line_month = -1
