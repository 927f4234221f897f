"""Calibrated parameters the engine reads. Values and priors live in the scenario.

`PARAMETERS` is the table (name: meaning); `Params` is the typed record generated from it,
one float per parameter, read by name (`params.alliance_loyalty`) in NumPy and compiled code
alike."""

from typing import NamedTuple

PARAMETERS: dict[str, str] = {
    # circular flow and membership
    "appointment_capacity": "regional secretaries the appointing office can replace per month",
    "appointment_strength": "how far a loyal secretary delivers his delegates (Daniels strong, Harris weak)",
    "loyalty_decay": "monthly decay of a client's loyalty when his patron cannot reward him",
    "recruit_steering": "share of drive recruits whose votes the apparatus steers",
    "network_rate": "monthly chance per unit network that a secretary becomes a contact-client",
    "organic_growth": "monthly net growth of membership outside drives",
    "home_base": "extra delivery of a home-base organisation to its leader",
    # perception
    "insight": "share of hidden (apparatus) power that rivals see at the start",
    "insight_reveal": "how much a recorded vote or a new committee reveals of hidden power",
    "hidden_weight": "weight of apparatus power in real power",
    "bonaparte_fear": "extra threat felt from a leader who commands the army",
    # coalitions and polemics
    "alliance_distance": "largest ideological distance at which two leaders ally",
    "alliance_loyalty": "discount on the threat a leader sees in his current allies",
    "threat_floor": "threat below which a rival is not worth targeting",
    "target_hysteresis": "how much more threatening a new rival must look to switch target",
    "opportunist_cost": "prestige lost per unit of past enmity when allying with a former enemy",
    "polemics": "1 if public polemics are possible, 0 if not",
    "polemic_damage": "prestige a polemic costs its target",
    "polemic_self_cost": "prestige a polemic costs its author as a unifier",
    "bystander_gain": "prestige gained by leaders who stay out of a month's feuds",
    # votes and motions
    "bloc_discipline": "logit weight of a patron's stance on his clients' votes",
    "prestige_weight": "logit weight of the prestige gap between proposer and target",
    "ideology_weight": "logit weight of ideological fit in votes",
    "bandwagon": "logit weight of the expected winning side (fear of being on the losing side)",
    "vote_noise": "standard deviation of a body's shared mood in one vote",
    "severity": "logit penalty per rung of the sanction ladder",
    "supermajority": "share of votes needed to expel a committee member",
    "faction_ban": "1 if a faction exposes its members to expulsion, 0 if not",
    "grounds_weight": "logit weight of the pretext a leader's own polemics and factions give his enemies",
    "deviation": "monthly grounds given by a line far from the party's mood (a 'deviation')",
    "factionalism_charge": "logit bonus of a motion against a member of a banned faction",
    "ladder_pause": "months after a sanction before the next rung can be voted",
    "motion_threshold": "estimated chance of passing below which a leader will not propose",
    "failed_motion_cost": "prestige lost by the proposer of a failed motion",
    "slate_bonus": "over-representation of the congress majority's slate in the new committee",
    "defection": "monthly share of a defeated patron's clients who change patron",
    # documents and ceremonies
    "document_decay": "monthly decay of a document's force after it reaches the leaders",
    "desperation": "prestige penalty for publishing a document while losing",
    "removal_push": "logit bonus of a removal motion that a published document asks for",
    "news_control": "chance the holder of the top office withholds a ceremony's date from a rival",
    "heir_gain": "heir legitimacy gained by a leader present at the funeral",
    "heir_absence": "heir legitimacy lost by a leader absent from the funeral",
    # ideology and economy
    "sentiment_drift": "monthly drift of members' sentiment toward the vindicated position",
    "economy_persistence": "monthly persistence of the economy index",
    "economy_noise": "monthly noise of the economy index",
    "economy_pull": "pull of a bad economy on sentiment toward the low end of the first axis",
    "shift_cost": "prestige cost per unit of position change, times rigidity",
    "shift_step": "largest position change in one month",
    # policy
    "policy_noise": "scale of the noise in leaders' choices",
    "recant_threshold": "sanction pressure above which a cautious leader recants",
    "readmission": "monthly chance a recanted, expelled leader is readmitted",
    "relapse": "monthly chance a leader who submitted returns to opposition",
    "faction_drive": "utility of organising a faction when in a losing coalition",
}


class Params(NamedTuple):
    """The calibrated parameters of a scenario, one float per entry of `PARAMETERS`, in its
    order (written out so that type checkers know the names; `python -m
    politburo.engine.parameters` prints this class from the table, and a test checks that the
    two agree). numba passes it to compiled code as one argument and caches kernels taking it."""

    appointment_capacity: float
    appointment_strength: float
    loyalty_decay: float
    recruit_steering: float
    network_rate: float
    organic_growth: float
    home_base: float
    insight: float
    insight_reveal: float
    hidden_weight: float
    bonaparte_fear: float
    alliance_distance: float
    alliance_loyalty: float
    threat_floor: float
    target_hysteresis: float
    opportunist_cost: float
    polemics: float
    polemic_damage: float
    polemic_self_cost: float
    bystander_gain: float
    bloc_discipline: float
    prestige_weight: float
    ideology_weight: float
    bandwagon: float
    vote_noise: float
    severity: float
    supermajority: float
    faction_ban: float
    grounds_weight: float
    deviation: float
    factionalism_charge: float
    ladder_pause: float
    motion_threshold: float
    failed_motion_cost: float
    slate_bonus: float
    defection: float
    document_decay: float
    desperation: float
    removal_push: float
    news_control: float
    heir_gain: float
    heir_absence: float
    sentiment_drift: float
    economy_persistence: float
    economy_noise: float
    economy_pull: float
    shift_cost: float
    shift_step: float
    policy_noise: float
    recant_threshold: float
    readmission: float
    relapse: float
    faction_drive: float


def make_params(values: dict[str, float]) -> Params:
    """The `Params` record of a scenario's parameter values (every entry of `PARAMETERS`).

    Raises KeyError naming the first parameter missing from `values`."""
    return Params(*(float(values[name]) for name in PARAMETERS))


def _class_source() -> str:
    """The source of `Params`, generated from `PARAMETERS`."""
    head = "class Params(NamedTuple):\n"
    return head + "".join(f"    {name}: float\n" for name in PARAMETERS)


if __name__ == "__main__":
    print(_class_source(), end="")
