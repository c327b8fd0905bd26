"""ACLED's actor types ("inter" codes) and interaction codes, from the actor's name.

ACLED sorts every actor into one of eight types; its codebook's numbers:

    1 state forces (a state's military, police and other agents),
    2 rebel groups (armed groups fighting to overturn or secede from a state),
    3 political militias (armed groups serving a political end, and armed groups whose
      identity is unknown: "gunmen"),
    4 identity militias (armed groups organised around a community: settlers, clans),
    5 rioters, 6 protesters, 7 civilians,
    8 external/other forces (international bodies, peacekeepers, foreign companies).

The interaction code puts the two types side by side, the lower first ("17": state
forces and civilians); an actor alone pairs with 0 ("10").

Choices, and why:

* Named groups take the type ACLED's public data gives them: Hamas, Islamic Jihad and
  the Houthis rebel groups (2), Hezbollah and Fatah political militias (3), the
  Palestinian Authority a state's forces (1), UNIFIL and UN bodies external (8).
* A state's forces are 1 wherever they act: telling apart forces at home from forces
  abroad needs the actor's own country, which the extractor does not know.
* An unnamed actor is typed by its noun: troops, police, jets, tanks, officials are 1;
  militants and fighters 2; gunmen 3; settlers 4; rioters 5; protesters 6; civilians,
  residents, children, journalists and the like 7. Nothing recognisable: no code.
"""

from __future__ import annotations

import re

STATE, REBELS, POLITICAL, IDENTITY, RIOTERS, PROTESTERS, CIVILIANS, EXTERNAL = range(1, 9)

_GROUPS = {"Hamas": REBELS, "Islamic Jihad": REBELS, "Houthis": REBELS,
           "Hezbollah": POLITICAL, "Fatah": POLITICAL, "Palestinian Authority": STATE,
           "UNIFIL": EXTERNAL, "Israel Defense Forces": STATE}
# (pattern on the actor's name, type), first match wins: the head noun decides before
# a nationality does ("Palestinian protesters" are protesters, not a state).
_BY_WORD = [(re.compile(p, re.I), code) for p, code in (
    (r"\b(?:protesters|demonstrators|marchers)\b", PROTESTERS),
    (r"\b(?:rioters|mobs?)\b", RIOTERS),
    (r"\b(?:U\.?N\.?|United Nations|peacekeepers?|European Union|UNRWA)\b", EXTERNAL),
    (r"\bsettlers?\b|\b(?:clan|tribal|tribe)\b", IDENTITY),
    (r"\bgunmen\b|\bassailants\b|\bunidentified\b", POLITICAL),
    (r"\b(?:militants|fighters|insurgents|rebels)\b", REBELS),
    (r"\b(?:civilians?|residents|villagers|farmers?|children|child|wom[ae]n|m[ae]n|boys?|"
     r"girls?|teenagers?|famil(?:y|ies)|journalists?|medics?|workers?|prisoners|hostages|"
     r"captives)\b|^(?:Palestinians|Israelis|Egyptians|Lebanese|Syrians)$", CIVILIANS),
    (r"\b(?:military|army|forces|force|troops|soldiers?|police|officials?|delegation|"
     r"government|president|prime minister|leaders?|minister|ministry|diplomats?|envoy|"
     r"negotiators|mediators|convoy|tanks|jets|warplanes|aircraft|drones?|navy|chief|"
     r"authorities|commanders?|spokes(?:man|woman|person)|ambassador|cabinet|service|"
     r"reservists|positions?|posts?|bases?|outposts?|patrol|vehicles?|intelligence)\b", STATE),
)]
# A country standing for its state ("Israel", "Egypt's"): its forces or government.
_COUNTRY = re.compile(r"^(?:the\s+)?(?:[A-Z][a-z]+|U\.S\.|United States|Saudi Arabia)"
                      r"(?:['’]s)?$")


def inter_code(actor: str) -> int | None:
    """ACLED's type code (1-8) of an actor named as the extractor names it; None if the
    name says nothing of its type."""
    if not actor:
        return None
    for group, code in _GROUPS.items():
        if actor == group or actor.startswith(group + " "):
            return code
    for pattern, code in _BY_WORD:
        if pattern.search(actor):
            return code
    if _COUNTRY.match(actor):
        return STATE
    return None


def interaction(inter1: int | None, inter2: int | None) -> str:
    """ACLED's two-digit interaction code: the lower type first, a lone actor with 0."""
    codes = sorted(c for c in (inter1, inter2) if c)
    if not codes:
        return ""
    return f"{codes[0]}{codes[1] if len(codes) > 1 else 0}"
