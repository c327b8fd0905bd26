"""ACLED's civilian-targeting flag: whether civilians were the target of the violence.

ACLED's codebook marks every event of Violence against civilians as "Civilian
targeting", and also explosions and remote violence in which civilians were the
target (an air strike on a family's home, shelling of a shelter). The event keeps the
type of its weapon (an air strike stays an Air/drone strike); the flag says who it hit.

Civilians are named, not inferred: "killing 7 civilians", "a woman and her two
children", "four aid workers", "displaced families". Plain "people" or "Palestinians"
is not enough: a strike that kills "12 people" does not say whether they were the
target or fighters, and ACLED's coders flag only what the report supports. Battles
are never flagged: both sides are armed.
"""

from __future__ import annotations

import re

CIVILIAN_TARGETING = "Civilian targeting"  # ACLED's value for the column

_CIVILIANS = (r"(?:civilians?|children|child|infants?|babies|toddlers?|wom[ae]n|girls?|"
              r"boys?|famil(?:y|ies)|aid workers?|humanitarian workers?|relief workers?|"
              r"journalists?|reporters?|medics?|paramedics?|doctors?|nurses?|"
              r"rescuers?|displaced|refugees?|worshippers?|farmers?|shepherds?|"
              r"fishermen|fishing boats?|residents?|passers-by|bystanders?|students?|"
              r"pupils|teachers?|elderly)")
_HARM = r"(?:kill\w*|wound\w*|injur\w*|target\w*|hit|hitting|struck|striking|shot|shooting)"
_VICTIMS = re.compile(
    rf"\b{_HARM}\b[^.;]{{0,80}}?\b{_CIVILIANS}\b|\b{_CIVILIANS}\b[^.;]{{0,50}}?\b"
    r"(?:were|was|have been|has been)\s+(?:\w+\s+)?(?:killed|wounded|injured|hit)\b", re.I)
_REMOTE = "Explosions/Remote violence"


def civilian_targeting(event_type: str, text: str) -> bool:
    """Whether an event of ``event_type`` told by ``text`` targeted civilians."""
    if event_type == "Violence against civilians":
        return True
    return event_type == _REMOTE and bool(_VICTIMS.search(text))
