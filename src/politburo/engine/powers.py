"""Named capabilities an office may carry. Scenarios attach them to offices."""

POWERS: dict[str, str] = {
    "top_party_office": "the post a winner must hold; controls the news of ceremonies",
    "appoint": "appoints regional secretaries, up to a monthly capacity",
    "recruit": "steers membership drives (recruits owe their card to the apparatus)",
    "army": "commands the army: visible power and fear of a Bonaparte",
    "international": "leads the international movement: visible power",
    "press": "edits the party press: strength of polemics",
    "control": "chairs the control commission: brings disciplinary charges",
    "police": "directs the political police: suppresses documents and opposition printing",
    "network": "inspects officials or manages national republics: builds a network of contacts",
    "city_machine": "leads a city party machine: home-base delegates",
    "government": "heads or deputises in the government: visible power",
    "mass_organisation": "leads a mass organisation (unions): visible power",
    "chair": "chairs the leadership's meetings: visible power",
}

# Weight of each power in a leader's visible power (seen by everyone at once).
VISIBLE_WEIGHT: dict[str, float] = {
    "top_party_office": 0.15,
    "army": 0.9,
    "international": 0.5,
    "press": 0.35,
    "city_machine": 0.5,
    "government": 0.35,
    "mass_organisation": 0.25,
    "chair": 0.2,
    "control": 0.1,
    "police": 0.1,
    "appoint": 0.0,
    "recruit": 0.0,
    "network": 0.05,
}
