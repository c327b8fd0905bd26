"""Rules for the events that are not violence: ACLED's strategic developments, protests
without violence and the briefing's finer non-violent categories.

Each rule is (pattern, Classification); :mod:`.classify` tries them in order after the
violence rules, except :data:`DISRUPTED`, which it tries first (see there).

ACLED's strategic-development sub-types, as read from its public codebook and how a
sentence shows them:

* Looting/property destruction: property destroyed, burned, bulldozed, looted or
  confiscated with nobody hurt ("demolished three homes", "set fire to olive trees",
  "confiscated land").
* Arrests: people detained by an authority ("arrested five", "detained a journalist").
* Agreement: a ceasefire, truce, pause, exchange or deal agreed or signed.
* Headquarters or base established: a base, outpost or command post set up.
* Disrupted weapons use: a weapon stopped before it did harm: rockets or drones
  intercepted or shot down, a bomb defused, weapons or explosives seized, a plot foiled.
* Non-violent transfer of territory: a place changing hands without a fight ("withdrew
  without resistance", "took control of ... without meeting resistance", "handed over").
* Other: what matters but fits none of the above: forces moved, massed, advancing or
  withdrawing; reservists called up; security measures (curfews, closures of crossings
  and roads, closed military zones, evacuation orders); talks, statements, tolls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Classification:
    event_type: str
    sub_event_type: str
    category: str


STRATEGIC = "Strategic developments"


def rule(pattern: str, event_type: str, sub_event_type: str, category: str):
    return re.compile(pattern, re.I), Classification(event_type, sub_event_type, category)


# Tried before the violence rules: "intercepted a drone", "defused a roadside bomb" name a
# weapon, but the weapon did nothing. Only when nothing was hit (see classify).
_WEAPONS = (r"(?:drones?|UAVs?|aircraft|jets?|planes?|helicopters?|missiles?|rockets?|"
            r"projectiles?|shells?|bombs?|explosives?|devices?|IEDs?|charges?|mines?|"
            r"attacks?|plots?|attempts?|bombings?|infiltrations?|shipments?)")
DISRUPTED = rule(
    r"\b(?:intercept(?:ed|ing|s|ions?)|defus(?:ed|ing)|"
    rf"(?:shot down|downed|dismantl(?:ed|ing)|neutrali[sz](?:ed|ing)|foil(?:ed|ing)|"
    rf"thwart(?:ed|ing))\s+(?:an?\s+|the\s+|\d+\s+|\w+\s+)?(?:[\w-]+\s+){{0,2}}{_WEAPONS}|"
    r"(?:seized|found|uncovered|discovered|confiscated)\s+(?:an?\s+|the\s+)?(?:\w+\s+){0,3}"
    r"(?:weapons|explosives|arms|ammunition|rocket launchers?))\b",
    STRATEGIC, "Disrupted weapons use", "other")
# The weapon did harm after all: then it is the attack, not its disruption.
HARM_DONE = re.compile(r"\b(?:hit|struck|landed|impacted|kill\w*|wound\w*|injur\w*|"
                       r"damag\w*|dead|died)\b", re.I)

ARRESTS = rule(r"\b(?:arrest(?:ed|s|ing)?|detain(?:ed|ing|s)?|rounded up|"
               r"taken into custody)\b", STRATEGIC, "Arrests", "arrests")
PROPERTY = rule(
    r"\b(?:torch(?:ed|ing)|set (?:fire to|ablaze)|demolish(?:ed|ing)|bulldoz(?:ed|ing)|"
    r"raz(?:ed|ing)|loot(?:ed|ing)|ransack(?:ed|ing)|vandali[sz]ed|"
    r"(?:confiscat|seiz)(?:ed|ing)\s+(?:\w+\s+){0,4}(?:land|farmland|property|homes?|houses?|"
    r"dunums|olive|livestock|sheep|vehicles?|tractors?|equipment)|"
    r"uproot(?:ed|ing)\s+(?:\w+\s+){0,2}(?:trees|olive))\b",
    STRATEGIC, "Looting/property destruction", "other")

_FORCES = (r"(?:troops|forces|tanks|vehicles|bulldozers|units|soldiers|army|military|"
           r"brigades?|battalions?|divisions?|convoys?|columns?|reinforcements|armou?r)")
_TERRITORY = (r"(?:town|city|village|area|district|neighbourhood|quarter|crossing|base|"
              r"posts?|positions?|territory|airport|port|region|province|capital|camp|hill)")
_TRANSFER = rule(
    r"\b(?:(?:took|taken|take|takes|assumed|regained|retook|seized)\s+(?:back\s+)?"
    rf"(?:full\s+|operational\s+)?control\s+of\s+(?:the\s+)?(?:[\w-]+\s+){{0,3}}"
    rf"(?:{_TERRITORY}|side)|took over\s+(?:the\s+)?(?:[\w-]+\s+){{0,2}}{_TERRITORY}|"
    rf"handed\s+(?:over\s+)?(?:\w+\s+){{0,3}}(?:control|{_TERRITORY})|without\s+(?:meeting\s+|"
    r"any\s+)?(?:resistance|a fight))\b", STRATEGIC, "Non-violent transfer of territory",
    "military deployment")
# What a security closure closes; the words between may not start a new clause.
_CLOSED = (r"(?:the\s+|its\s+|all\s+|two\s+|three\s+|a\s+)?(?:(?!(?:because|and|but|after|"
           r"since|as|when|to|until|for)\b)[\w-]+\s+){0,3}(?:crossings?|checkpoints?|roads?|"
           r"border|gates?|entrances?|airspace|bridges?|towns?|villages?|camps?|ports?)\b")
_SECURITY = rule(
    rf"\bcurfews?\b|\b(?:closed|shut|sealed)\s+(?:off\s+|down\s+)?{_CLOSED}|"
    rf"\bclosures?\s+of\s+{_CLOSED}|\bdeclared\s+(?:\w+\s+){{0,3}}(?:closed\s+)?military "
    r"zone|\bimposed\s+(?:an?\s+)?(?:\w+\s+){0,2}(?:siege|closure|blockade)",
    STRATEGIC, "Other", "other")
_MOVEMENT = rule(
    rf"\b{_FORCES}\b(?:\s+[\w-]+){{0,3}}?\s+(?:(?:moved|advanced|pushed|rolled|crossed)\s+"
    r"(?:deeper\s+|further\s+)?(?:into|to|toward|towards|along|on|up to|across|closer)|"
    r"entered\s+(?:the\s+)?[A-Z\w]|withdrew from|pulled (?:out of|back from)|repositioned|"
    r"took up positions)\b|\btook up positions\b|"
    r"\b(?:a?mass(?:ed|ing)|deploy(?:ed|ing|s)|redeploy(?:ed|ing)|reinforcements|"
    r"build-?up|mobiliz(?:ed|ing)|called up\s+(?:\w+\s+){0,3}(?:reservists|reserve \w+|"
    r"brigades?|battalions?|divisions?)|(?:moved|sent|withdrew|pulled out)\s+(?:\w+\s+){0,2}"
    r"(?:troops|tanks|forces|units|brigades?|battalions?|divisions?|warships|"
    r"reinforcements))\b", STRATEGIC, "Other", "military deployment")

_AGREEMENT = rule(
    r"\b(?:(?:agreed|reached|signed|struck|sealed|clinched)\s+(?:on\s+|to\s+)?"
    r"(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}(?:agreement|deal|cease-?fire|truce|accord|"
    r"pause|halt|exchange|arrangement|understanding)|(?:agreement|deal|cease-?fire|"
    r"truce|accord)\s+(?:was|has been|had been)\s+(?:reached|signed|agreed)|"
    r"(?:took|went into|came into) (?:effect|force))\b",
    STRATEGIC, "Agreement", "diplomacy")
# Rules that need the act to have happened: "will take control", "the border will not
# be closed" are plans and refusals (classify checks these against its hypothetical words).
FACTUAL_ONLY = frozenset({id(_TRANSFER[1]), id(_SECURITY[1]), id(_MOVEMENT[1]),
                          id(_AGREEMENT[1])})

NON_VIOLENT = [
    PROPERTY,
    rule(r"\b(?:protest(?:s|ed|ers|ing)?|(?:a|the) rally|rall(?:ies|ied)|"  # not "rally support"
         r"demonstrat(?:ion|ions|ors|ed)|march(?:ed|es)|sit-in|vigil)\b", "Protests",
         "Peaceful protest", "protest"),
    ARRESTS,
    _AGREEMENT,
    rule(r"\b(?:established|set up|built|erected)\s+(?:an?\s+)?(?:new\s+)?(?:military\s+)?"
         r"(?:base|outpost|headquarters|command post|position)\b", STRATEGIC,
         "Headquarters or base established", "military deployment"),
    _TRANSFER,
    _SECURITY,
    _MOVEMENT,
    rule(r"\b(?:delegations?|talks|negotiat(?:ions|ors|ed|ing)|mediat(?:ors|ion|ed|ing)|"
         r"envoys?|summit|(?:tele)?phone call|spoke by phone|met with|visit(?:ed|s|ing)?|"
         r"shared intelligence|broker(?:ed|ing)?|hosted|(?:released|freed|handed over)\s+"
         r"(?:\w+\s+){0,3}(?:hostages?|prisoners|detainees|captives)|(?:hostages?|prisoners|"
         r"detainees|captives)\s+(?:were|was|have been|has been)\s+(?:released|freed|"
         r"handed over))\b", STRATEGIC, "Other", "diplomacy"),
    rule(r"\b(?:(?:have|has|had|were|was|been|being)\s+(?:\w+\s+)?(?:displaced|uprooted|"
         r"evacuated|forced (?:to flee|from their homes))|fled|fleeing|flee|sheltering|"
         r"(?:sought|seeking|taken) refuge|evacuation orders?|(?:ordered|told|instructed)\s+"
         r"(?:\w+\s+){0,6}to (?:evacuate|leave)|(?:ordered|announced|issued)\s+(?:the\s+|an?\s+)?"
         r"(?:\w+\s+)?evacuation|evacuat(?:ed|ing) (?:the\s+)?residents)\b",
         STRATEGIC, "Other", "displacement"),
    rule(r"\b(?:warn(?:ed|s|ing)|caution(?:ed|s)|threat(?:ened|ens)|vow(?:ed|s)|"
         r"(?:will|would) not (?:tolerate|accept|allow)|condemn(?:ed|s)|denounc(?:ed|es)|"
         r"rejected|demanded|pledged|ultimatum|claimed responsibility)\b", STRATEGIC,
         "Other", "statement"),
    rule(r"\b(?:cease-?fire|truce|peace (?:deal|talks|plan|proposal)|hostage (?:deal|"
         r"release)|prisoner exchange|proposal|compromise)\b", STRATEGIC, "Other",
         "diplomacy"),
]
