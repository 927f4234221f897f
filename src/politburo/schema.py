"""The scenario schema: what a scenario file may contain, validated with pydantic v2.

A scenario is data. Every historical number carries a `source`; every calibrated
parameter a default and a prior range. Cross-references (an office's holder, a
region's patron, a factor's overrides) are checked here so that the engine can
trust what it compiles.

Every number has a finite domain: no field accepts nan or ±inf, every float has a range,
and sizes are bounded by the limits below (documented in docs/scenarios.md, section 3,
"Domains and limits"), so that what passes validation is something the engine can allocate
and compute with.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from politburo.engine.parameters import PARAMETERS
from politburo.engine.powers import POWERS
from politburo.engine.sanctions import SANCTIONS

DATE_RE = re.compile(r"^(\d{4})-(\d{2})$")

# ------------------------------------------------------------------ limits
# The largest sizes a scenario may have. The engine keeps, per run, arrays of leaders x leaders,
# regions x axes and months x leaders (the monthly records), so these bound what one run
# allocates (a run at every limit at once needs well under 1 MB); coalitions are recorded as 32-bit
# masks with one bit per leader, which caps the leaders at 31. Counts of people stay far inside
# the 2**53 that a float64 holds exactly.
MAX_LEADERS = 31
MAX_AXES = 8
MAX_OFFICES = 64
MAX_REGIONS = 500
MAX_DOCUMENTS = 32
MAX_MONTHS = 600  # from the first simulated month to the last, and any span of months
MAX_MEMBERS = 10**9  # members of a region, recorded membership, recruits of one drive
MAX_SEATS = 100_000  # delegates to a congress or conference, seats on the committee or bureau
MAX_PRESTIGE = 1.5  # the engine keeps prestige within [0, 1.5]
MAX_SHOCK = 10.0  # |mean| and sd of a shock; the economy's pull on sentiment saturates long before

# The domain of each parameter: its prior must lie inside it (and its value inside the prior).
# Shares, chances and monthly rates lie in [0, 1]; switches are 0 or 1; amounts of prestige (or
# heir legitimacy) lie in [0, 1.5], the range the engine keeps prestige in; logit weights in [0, 20]
# (a logit of 20 is a certainty to 8 decimal places); other weights, thresholds and utilities in [0, 10].
_SHARE, _PRESTIGE, _LOGIT, _WEIGHT = (0.0, 1.0), (0.0, MAX_PRESTIGE), (0.0, 20.0), (0.0, 10.0)
PARAMETER_DOMAINS: dict[str, tuple[float, float]] = {
    "appointment_capacity": (0.0, 100.0),  # secretaries per month
    "appointment_strength": _SHARE,
    "loyalty_decay": _SHARE,
    "recruit_steering": _SHARE,
    "network_rate": _SHARE,
    "organic_growth": (-0.5, 0.5),  # a monthly growth rate: membership x (1 + rate)
    "home_base": _SHARE,
    "insight": _SHARE,
    "insight_reveal": (0.0, 0.5),  # doubled at a congress, where insight must stay within 1
    "hidden_weight": _WEIGHT,
    "bonaparte_fear": _WEIGHT,
    "alliance_distance": _WEIGHT,  # an ideological distance (at most 2 x sqrt(axes))
    "alliance_loyalty": _SHARE,
    "threat_floor": _WEIGHT,
    "target_hysteresis": _SHARE,
    "opportunist_cost": _PRESTIGE,
    "polemics": _SHARE,
    "polemic_damage": _PRESTIGE,
    "polemic_self_cost": _PRESTIGE,
    "bystander_gain": _PRESTIGE,
    "bloc_discipline": _LOGIT,
    "prestige_weight": _LOGIT,
    "ideology_weight": _LOGIT,
    "bandwagon": _LOGIT,
    "vote_noise": _LOGIT,
    "severity": _LOGIT,
    "supermajority": (0.5, 1.0),  # a share of the votes cast; a simple majority is 0.5
    "faction_ban": _SHARE,
    "grounds_weight": _LOGIT,
    "deviation": _WEIGHT,
    "factionalism_charge": _LOGIT,
    "ladder_pause": (0.0, float(MAX_MONTHS)),  # months
    "motion_threshold": _SHARE,
    "failed_motion_cost": _PRESTIGE,
    "slate_bonus": _WEIGHT,
    "defection": _SHARE,
    "document_decay": _SHARE,
    "desperation": _PRESTIGE,
    "removal_push": _LOGIT,
    "news_control": _SHARE,
    "heir_gain": _PRESTIGE,
    "heir_absence": _PRESTIGE,
    "sentiment_drift": _SHARE,
    "economy_persistence": _SHARE,
    "economy_noise": _WEIGHT,
    "economy_pull": _WEIGHT,
    "shift_cost": _WEIGHT,
    "shift_step": (0.0, 2.0),  # positions lie in [-1, 1]
    "policy_noise": _LOGIT,
    "recant_threshold": _WEIGHT,
    "readmission": _SHARE,
    "relapse": _SHARE,
    "faction_drive": _WEIGHT,
}


def month_index(date: str, start: str) -> int:
    """Months from `start` to `date`, both "YYYY-MM"."""
    y, m = (int(x) for x in date.split("-"))
    y0, m0 = (int(x) for x in start.split("-"))
    return (y - y0) * 12 + (m - m0)


class Strict(BaseModel):
    # allow_inf_nan=False: every float field, list and table value refuses nan and +-inf
    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False)


def _check_date(v: str) -> str:
    m = DATE_RE.match(v)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"date {v!r} is not of the form YYYY-MM")
    return v


Unit = Field(ge=0.0, le=1.0)
Signed = Field(ge=-1.0, le=1.0)


def _whole(v: Any) -> Any:
    """A float that names a whole number (1e30) as that int, so that an integer field's range
    check reports it rather than the float-to-int conversion."""
    return int(v) if isinstance(v, float) and math.isfinite(v) and v.is_integer() else v


Whole = BeforeValidator(_whole)
Members = Annotated[int, Whole, Field(ge=1, le=MAX_MEMBERS)]
Recruits = Annotated[int, Whole, Field(ge=0, le=MAX_MEMBERS)]
Seats = Annotated[int, Whole, Field(ge=1, le=MAX_SEATS)]
Months = Annotated[int, Whole, Field(ge=1, le=MAX_MONTHS)]
SignedFloat = Annotated[float, Field(ge=-1.0, le=1.0)]
Damage = Annotated[float, Field(ge=-MAX_PRESTIGE, le=MAX_PRESTIGE)]


class Axis(Strict):
    id: str
    name: str
    low_label: str
    high_label: str
    high_appeal: float = Field(0.0, ge=-1.0, le=1.0,
                               description="steady extra appeal of the high end to members")
    source: str = ""


class Leader(Strict):
    id: str
    name: str
    offices: list[str] = []
    oratory: float = Unit
    organisation: float = Unit
    ambition: float = Unit
    caution: float = Unit
    rigidity: float = Unit
    network: float = Field(0.0, ge=0.0, le=1.0, description="contacts from inspection/nationality posts")
    prestige: float = Unit
    ideology: dict[str, float]
    bureau: StrictBool = True
    committee: StrictBool = True
    away: StrictBool = Field(False, description="away from the capital when the founder dies")
    source: str

    @field_validator("ideology")
    @classmethod
    def _range(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if not -1.0 <= x <= 1.0:
                raise ValueError(f"ideology.{k} = {x} is outside [-1, 1]")
        return v


class Office(Strict):
    id: str
    name: str
    powers: list[str]
    patron: str | None = Field(None, description="a leader whose client holds the office")
    source: str

    @field_validator("powers")
    @classmethod
    def _known_powers(cls, v: list[str]) -> list[str]:
        for p in v:
            if p not in POWERS:
                raise ValueError(f"unknown power {p!r} (known: {', '.join(sorted(POWERS))})")
        return v


class Region(Strict):
    id: str
    name: str
    members: Members
    patron: str | None = None
    loyalty: float = Unit
    home_of: str | None = None
    national: StrictBool = False
    sentiment: dict[str, SignedFloat]
    source: str


class Document(Strict):
    id: str
    name: str
    damage: dict[str, Damage] = Field(description="prestige damage per leader when published")
    removal: dict[str, str] = Field({}, description="leader -> office the document asks him to leave")
    forced_release: str | None = Field(None, description="intervention: published on this date")
    source: str

    _v = field_validator("forced_release")(lambda cls, v: v if v is None else _check_date(v))


EventKind = Literal[
    "founder_death",
    "funeral",
    "congress",
    "conference",
    "plenum",
    "membership_drive",
    "economic_shock",
    "foreign_shock",
    "bureau_size",
    "document",
]


class Event(Strict):
    date: str
    kind: EventKind
    name: str = ""
    delegates: Seats | None = None
    committee_size: Seats | None = None
    size: Seats | None = None
    members: Recruits | None = Field(None, description="members a drive adds")
    months: Months = 1
    mean: float = Field(0.0, ge=-MAX_SHOCK, le=MAX_SHOCK)
    sd: float = Field(0.0, ge=0.0, le=MAX_SHOCK)
    axis: str | None = None
    document: str | None = None
    source: str

    _v = field_validator("date")(lambda cls, v: _check_date(v))

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Event:
        need = {
            "congress": ["delegates", "committee_size"],
            "conference": ["delegates"],
            "membership_drive": ["members"],
            "bureau_size": ["size"],
            "foreign_shock": ["axis"],
            "document": ["document"],
        }.get(self.kind, [])
        for f in need:
            if getattr(self, f) is None:
                raise ValueError(f"a {self.kind} event needs {f!r}")
        return self


class Parameter(Strict):
    value: float
    prior: tuple[float, float]
    description: str = ""
    source: str

    @model_validator(mode="after")
    def _prior_holds_value(self) -> Parameter:
        lo, hi = self.prior
        if lo > hi:
            raise ValueError(f"prior [{lo}, {hi}] is empty")
        if not lo <= self.value <= hi:
            raise ValueError(f"value {self.value} lies outside its prior [{lo}, {hi}]")
        return self


class Factor(Strict):
    group: Literal["position", "rivals_errors", "ideology"]
    description: str
    set: dict[str, Any]


class MembershipPoint(Strict):
    date: str
    members: Members
    source: str
    _v = field_validator("date")(lambda cls, v: _check_date(v))


PatternKind = Literal[
    # who wins (the baseline ensemble)
    "win_rate",
    "max_other_win_rate",
    "others_win_rate",
    "ranked_win_rate",
    "no_winner",
    "elimination_order",
    "median_victory",
    # the pace
    "office_lost_by",
    "office_lost_median",
    "office_lost_peak",
    "defeat_window",
    "committee_majority_by",
    "membership",
    # who stood with whom, and where
    "coalition_by",
    "coalition_ever",
    "apart_by",
    "line_shifts",
    # fates
    "sanction_rate",
    # causes: a second ensemble of a changed scenario, same seed and runs
    "all_factors_off",
    "factor_off_drop",
    "factor_off_rivals",
    "swap",
]

# What each kind of pattern needs besides `id`, `kind` and `text` (docs/scenarios.md, section 8).
PATTERN_FIELDS: dict[str, tuple[str, ...]] = {
    "win_rate": ("leader",),
    "max_other_win_rate": ("leader",),
    "others_win_rate": ("leader",),
    "ranked_win_rate": ("rank",),
    "no_winner": (),
    "elimination_order": ("leader", "order"),
    "median_victory": ("leader", "start", "by"),
    "office_lost_by": ("office", "by"),
    "office_lost_median": ("office", "start", "by"),
    "office_lost_peak": ("office",),
    "defeat_window": ("leader",),
    "committee_majority_by": ("leader", "by"),
    "membership": ("tolerance",),
    "coalition_by": ("members", "by"),
    "coalition_ever": ("members",),
    "apart_by": ("groups", "by"),
    "line_shifts": ("members", "axis", "direction", "start", "by"),
    "sanction_rate": ("leader", "sanction"),
    "all_factors_off": (),
    "factor_off_drop": ("leader", "factor"),
    "factor_off_rivals": ("leader", "factor"),
    "swap": ("swap",),
}
# Kinds whose band is not `min`, `max` or `above`: a month window (`start` to `by`), a tolerance,
# or (swap) a difference that must be within sampling error of zero.
BANDLESS_KINDS = ("median_victory", "office_lost_median", "membership", "swap")


class Pattern(Strict):
    id: Annotated[int, Whole, Field(ge=0, le=1_000_000)]
    kind: PatternKind
    text: str
    group: str = Field("", description="the heading the report lists the pattern under")
    leader: str | None = None
    members: list[str] = []
    target: str | None = None
    office: str | None = None
    order: list[list[str]] = []
    groups: list[list[str]] = Field([], description="apart_by: two groups of leaders")
    rank: Annotated[int, Whole, Field(ge=1, le=MAX_LEADERS)] | None = None
    sanction: str | None = None
    axis: str | None = None
    direction: Literal["low", "high"] | None = None
    factor: str | None = None
    swap: list[str] = Field([], description="swap: the two leaders whose data are exchanged")
    start: str | None = None
    by: str | None = None
    min: float | None = Field(None, ge=0.0, le=1.0)
    max: float | None = Field(None, ge=0.0, le=1.0)
    above: float | None = Field(None, ge=-1.0, le=1.0, description="the observed value must exceed it")
    tolerance: float | None = Field(None, ge=0.0, le=1.0)

    _v = field_validator("start", "by")(lambda cls, v: v if v is None else _check_date(v))

    @field_validator("sanction")
    @classmethod
    def _known_sanction(cls, v: str | None) -> str | None:
        if v is not None and v not in SANCTIONS:
            raise ValueError(f"unknown sanction {v!r} (known: {', '.join(SANCTIONS)})")
        return v

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Pattern:
        for f in PATTERN_FIELDS[self.kind]:
            if getattr(self, f) in (None, []):
                raise ValueError(f"a pattern of kind {self.kind!r} needs {f!r}")
        if self.kind == "apart_by" and len(self.groups) != 2:
            raise ValueError(f"a pattern of kind 'apart_by' needs two groups, not {len(self.groups)}")
        if self.kind == "swap" and (len(self.swap) != 2 or self.swap[0] == self.swap[1]):
            raise ValueError(f"a pattern of kind 'swap' needs two different leaders, not {self.swap}")
        if self.kind not in BANDLESS_KINDS and self.min is None and self.max is None and self.above is None:
            raise ValueError(f"a pattern of kind {self.kind!r} needs a band: 'min', 'max' or 'above'")
        if self.start is not None and self.by is not None and self.by < self.start:
            raise ValueError(f"by {self.by} is before start {self.start}")
        return self


class Meta(Strict):
    name: str
    title: str
    description: str
    start: str
    end: str
    decisive_by: str
    founder: str = Field(description="how the chronicle names the founder")
    committee_size: Seats = Field(description="committee members at the start")
    bureau_size: Seats = Field(description="bureau full members at the start, the founder included")
    bodies: dict[Literal["congress", "conference", "committee", "bureau", "control"], str]
    source: str = ""
    worlds: str | None = Field(None, min_length=1,
                               description="the plausible worlds: a CSV file beside this one (experiments/worlds.py)")

    _v = field_validator("start", "end", "decisive_by")(lambda cls, v: _check_date(v))


class Scenario(Strict):
    scenario: Meta
    axes: list[Axis] = Field(min_length=1, max_length=MAX_AXES)
    leaders: list[Leader] = Field(min_length=2, max_length=MAX_LEADERS)
    offices: list[Office] = Field(max_length=MAX_OFFICES)
    regions: list[Region] = Field(min_length=1, max_length=MAX_REGIONS)
    documents: list[Document] = Field([], max_length=MAX_DOCUMENTS)
    events: list[Event] = []
    membership_record: list[MembershipPoint] = []
    parameters: dict[str, Parameter]
    factors: dict[str, Factor] = {}
    patterns: list[Pattern] = []

    @property
    def months(self) -> int:
        return month_index(self.scenario.end, self.scenario.start) + 1

    def month(self, date: str) -> int:
        return month_index(date, self.scenario.start)


def _finite(x: Any) -> bool:
    """A finite int or float (not a bool); ints too large for a float are not."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def _ids(items: Any) -> list[Any]:
    return [x.get("id") for x in items if isinstance(x, dict)] if isinstance(items, list) else []


def _listed(item: dict[str, Any], key: str) -> list[Any]:
    """A field of raw data that should be a list, or [] if it is not."""
    v = item.get(key)
    return v if isinstance(v, list) else []


def _label(items: list[Any], i: int) -> str:
    item = items[i]
    return str(item.get("id", i)) if isinstance(item, dict) else str(i)


def cross_check(raw: dict[str, Any]) -> list[str]:
    """Checks across sections (who holds what, dates inside the scenario, known names).
    Works on the raw TOML data so that it can report alongside field errors."""
    errors: list[str] = []
    meta: dict[str, Any] = raw["scenario"] if isinstance(raw.get("scenario"), dict) else {}
    start, end = str(meta.get("start")), str(meta.get("end"))
    dated = bool(DATE_RE.match(start) and DATE_RE.match(end))
    months = month_index(end, start) + 1 if dated else None
    if months is not None and months < 1:
        errors.append(f"scenario.end: {end} is before start {start}")
    if months is not None and months > MAX_MONTHS:
        errors.append(f"scenario.end: the scenario spans {months} months ({start} to {end}); "
                      f"at most {MAX_MONTHS} are allowed")

    def inside(where: str, date: Any) -> None:
        if (months is not None and isinstance(date, str) and DATE_RE.match(date)
                and not 0 <= month_index(date, start) < months):
            errors.append(f"{where}: {date} is outside the scenario ({start} to {end})")

    def lst(key: str) -> list[Any]:
        v = raw.get(key, [])
        return v if isinstance(v, list) else []

    leaders, offices, axes = _ids(lst("leaders")), _ids(lst("offices")), _ids(lst("axes"))
    docs = _ids(lst("documents"))
    for kind in ("leaders", "offices", "axes", "regions", "documents"):
        seen: set[Any] = set()
        for i, x in enumerate(_ids(lst(kind))):
            if x in seen:
                errors.append(f"{kind}[{i}].id: duplicate id {x!r}")
            seen.add(x)
    holders: dict[str, str] = {}
    items = lst("leaders")
    for i, ld in enumerate(items):
        if not isinstance(ld, dict):
            continue
        where = f"leaders[{_label(items, i)}]"
        if isinstance(ld.get("ideology"), dict) and set(ld["ideology"]) != set(axes):
            errors.append(f"{where}.ideology: needs exactly the axes {axes}")
        for o in ld.get("offices", []) if isinstance(ld.get("offices"), list) else []:
            if o not in offices:
                errors.append(f"{where}.offices: unknown office {o!r}")
            elif o in holders:
                errors.append(f"{where}.offices: office {o!r} is already held by {holders[o]!r}")
            else:
                holders[o] = str(ld.get("id"))
    items = lst("offices")
    for i, o in enumerate(items):
        if isinstance(o, dict) and o.get("patron") is not None:
            where = f"offices[{_label(items, i)}].patron"
            if o["patron"] not in leaders:
                errors.append(f"{where}: unknown leader {o['patron']!r}")
            elif o.get("id") in holders:
                errors.append(f"{where}: office {o.get('id')!r} is held by {holders[o['id']]!r} himself")
    if items and not any(isinstance(o, dict) and "top_party_office" in (o.get("powers") or []) for o in items):
        errors.append("offices: no office has the power 'top_party_office'")
    items = lst("regions")
    for i, r in enumerate(items):
        if not isinstance(r, dict):
            continue
        where = f"regions[{_label(items, i)}]"
        for key in ("patron", "home_of"):
            if r.get(key) is not None and r[key] not in leaders:
                errors.append(f"{where}.{key}: unknown leader {r[key]!r}")
        if isinstance(r.get("sentiment"), dict) and set(r["sentiment"]) != set(axes):
            errors.append(f"{where}.sentiment: needs exactly the axes {axes}")
    items = lst("documents")
    for i, d in enumerate(items):
        if not isinstance(d, dict):
            continue
        where = f"documents[{_label(items, i)}]"
        for key in ("damage", "removal"):
            for k in d.get(key, {}) if isinstance(d.get(key), dict) else {}:
                if k not in leaders:
                    errors.append(f"{where}.{key}: unknown leader {k!r}")
        for k, o in (d.get("removal") or {}).items() if isinstance(d.get("removal"), dict) else []:
            if o not in offices:
                errors.append(f"{where}.removal.{k}: unknown office {o!r}")
        inside(f"{where}.forced_release", d.get("forced_release"))
    items = lst("events")
    for i, e in enumerate(items):
        if not isinstance(e, dict):
            continue
        inside(f"events[{i}].date", e.get("date"))
        if e.get("axis") is not None and e["axis"] not in axes:
            errors.append(f"events[{i}].axis: unknown axis {e['axis']!r}")
        if e.get("document") is not None and e["document"] not in docs:
            errors.append(f"events[{i}].document: unknown document {e['document']!r}")
    for i, m in enumerate(lst("membership_record")):
        if isinstance(m, dict):
            inside(f"membership_record[{i}].date", m.get("date"))
    params = raw.get("parameters")
    if isinstance(params, dict):
        for name in PARAMETERS:
            if name not in params:
                errors.append(f"parameters.{name}: missing (the engine needs it)")
        for name in params:
            if name not in PARAMETERS:
                errors.append(f"parameters.{name}: unknown parameter")
            prior = params[name].get("prior") if isinstance(params[name], dict) else None
            if name in PARAMETER_DOMAINS and isinstance(prior, (list, tuple)) and len(prior) == 2 \
                    and all(_finite(x) for x in prior):
                lo, hi = PARAMETER_DOMAINS[name]
                if prior[0] <= prior[1] and (prior[0] < lo or prior[1] > hi):  # (empty: reported)
                    shown = f"[{prior[0]:g}, {prior[1]:g}]"
                    errors.append(f"parameters.{name}.prior: {shown} goes beyond the parameter's "
                                  f"domain [{lo:g}, {hi:g}]")
    factors: dict[str, Any] = raw["factors"] if isinstance(raw.get("factors"), dict) else {}
    items = lst("patterns")
    for i, p in enumerate(items):
        if not isinstance(p, dict):
            continue
        where = f"patterns[{_label(items, i)}]"  # by its number, as the schema's messages
        names = [p.get("leader"), p.get("target"), *_listed(p, "members"), *_listed(p, "swap"),
                 *(x for key in ("order", "groups") for grp in _listed(p, key) if isinstance(grp, list) for x in grp)]
        for who in names:
            if who is not None and who not in leaders:
                errors.append(f"{where}: unknown leader {who!r}")
        if p.get("office") is not None and p["office"] not in offices:
            errors.append(f"{where}.office: unknown office {p['office']!r}")
        if p.get("axis") is not None and p["axis"] not in axes:
            errors.append(f"{where}.axis: unknown axis {p['axis']!r} (known: {', '.join(map(str, axes))})")
        if p.get("factor") is not None and p["factor"] not in factors:
            known = ", ".join(map(str, factors)) or "none"
            errors.append(f"{where}.factor: unknown factor {p['factor']!r} (known: {known})")
        for key in ("start", "by"):
            inside(f"{where}.{key}", p.get(key))
    return errors
