"""What kind of event a sentence reports, in ACLED's terms and the briefing's categories.

Keyword and pattern rules, tried in order; the first that fires decides. The order is
the judgement: violence before protest before arrests before diplomacy, deployment,
displacement and statements, because a sentence that reports violence is about the
violence, whatever else it mentions ("talks went on as strikes hit Rafah").

Choices, and why:

* An ambush is Battles / Armed clash even when missiles are fired: the attackers engage
  an armed force at close range and it can fight back, which is ACLED's line between a
  clash and remote violence. Missiles or shells fired with no ambush are Explosions/
  Remote violence / Shelling/artillery/missile attack.
* A remote weapon (air or drone strike, shelling, missiles, rockets, IEDs, landmines)
  decides the type even when the dead are civilians: ACLED's codebook keeps the weapon
  as the event type and marks the civilians with its civilian-targeting flag
  (:mod:`.targeting`), rather than calling it Violence against civilians. A strike with
  no weapon named ("an Israeli strike on a house") is an Air/drone strike.
* A weapon stopped before it did harm ("intercepted", "defused") is Strategic
  developments / Disrupted weapons use; one that hit all the same is the attack.
* Strategic developments, protests and the briefing's other non-violent categories are
  in :mod:`.strategic`. Its rules that report a change on the ground (territory handed
  over, forces moved, closures, agreements) fire only on acts that happened, not on
  plans, questions or denials ("the border will not be closed").
* Raids, incursions, ground operations are Battles / Armed clash, category "raid": ACLED
  codes an armed incursion where forces meet resistance as a clash; the category keeps
  the finer meaning for the map.
* A raid in which people are arrested, or property destroyed or looted, and nobody is
  killed is Strategic developments / Arrests or Looting/property destruction: that is
  what happened; ACLED codes such raids so.
* A running casualty total takes the violence type the sentence names ("the fighting
  has killed" is Battles / Armed clash); if it names none, Strategic developments /
  Other. A toll adds up many events of several kinds: calling it "Violence against
  civilians" would claim a targeting the sentence does not state. Its category is
  "casualty report" either way.
* Deaths with no act named: soldiers, fighters or militants killed are Battles / Armed
  clash; anyone else killed is Violence against civilians / Attack.
* None for sentences where nothing happens: sourcing ("spoke on condition of
  anonymity"), background ("there has been growing pressure", "in recent months"),
  hopes and plans ("the hope is that ...").
"""

from __future__ import annotations

import re

from webapp.extract.fatalities import count_fatalities
from webapp.extract.strategic import (ARRESTS, DISRUPTED, FACTUAL_ONLY, HARM_DONE,
                                      NON_VIOLENT, PROPERTY, STRATEGIC, Classification)
from webapp.extract.strategic import rule as _rule

__all__ = ["Classification", "classify"]

_EXPLOSIONS = "Explosions/Remote violence"
_STRATEGIC = STRATEGIC


_CIVILIANS = (r"(?:civilians?|residents?|villagers?|children|wom[ae]n|worshippers?|farmers?|"
              r"shepherds?|journalists?|aid workers?|medics?|paramedics?|passers-by|"
              r"bystanders?|famil(?:y|ies)|people|m[ae]n|boys?|girls?)")
# Nationalities whose "strikes" are a state's (as in "Israeli strikes", "Russian strikes").
_STRIKERS = (r"Israeli|Russian|Ukrainian|Syrian|American|U\.S\.|US|British|French|Turkish|"
             r"Iranian|Saudi|Sudanese|Iraqi|Pakistani|Indian|Ethiopian|coalition|army|military")
_KILLING = r"(?:kill(?:ed|ing|s)?|shot dead|shooting dead|executed|massacred|stabbed)"

# Violence first: weapons and fighting, then victims, then forces entering an area.
_VIOLENCE = [
    _rule(r"\bambush(?:ed|es|ing)?\b", "Battles", "Armed clash", "armed clash"),
    _rule(r"\b(?:air\s*strikes?|airstrikes?|air raids?|drone (?:strikes?|attacks?)|"
          r"warplanes?|fighter jets?|jets struck|aerial (?:bombardment|attack)|"
          r"drones? (?:struck|hit|fired|bombed|targeted|attacked)|(?:glide|barrel|guided|"
          r"aerial|cluster) bombs?)\b",
          _EXPLOSIONS, "Air/drone strike", "strike"),
    _rule(r"\b(?:suicide (?:bomb(?:er|ing)?|attack)|blew (?:himself|herself) up)\b",
          _EXPLOSIONS, "Suicide bomb", "strike"),
    _rule(r"\b(?:roadside bomb|IED|landmine|improvised explosive|car bomb)\b",
          _EXPLOSIONS, "Remote explosive/landmine/IED", "strike"),
    _rule(r"\b(?:shell(?:ed|ing|s)|artillery|rockets?|missiles?|mortars?|anti-tank|"
          r"projectiles?|barrages?)\b", _EXPLOSIONS, "Shelling/artillery/missile attack",
          "strike"),
    _rule(r"\bgrenades?\b", _EXPLOSIONS, "Grenade", "strike"),
    # A strike with no weapon named, or a bombing: from the air, as in the reports
    # ACLED codes (its notes say "air strike" for the unspecified strikes of a war).
    # Said of a strike that hit something, or of a state's strikes; not a labour strike.
    _rule(rf"\b(?:strikes?|bombardment)\s+(?:on|hit|hits|killed|kills|targeted|targeting|"
          rf"struck|destroyed|against|that (?:killed|hit))\b|\b(?:{_STRIKERS})\s+strikes?\b|"
          r"\bkilled (?:\w+\s+){0,3}in (?:an?|the) (?:\w+\s+)?strikes?\b|"
          r"\b(?:bombard(?:ed|ing)|bombardment by)\b", _EXPLOSIONS, "Air/drone strike",
          "strike"),
    _rule(r"\b(?:clash(?:ed|es)?|firefights?|gun ?battles?|exchanged? (?:of )?fire|"
          r"fought|battled|skirmish(?:es)?|fighting)\b", "Battles", "Armed clash",
          "armed clash"),
    _rule(r"\briot(?:s|ed|ers|ing)?\b|\bviolent (?:demonstration|protest)s?\b|"
          r"\b(?:threw|hurled) (?:stones|rocks|molotov)", "Riots", "Violent demonstration",
          "riot"),
    _rule(r"\bmob\b|\blynch(?:ed|ing)\b", "Riots", "Mob violence", "riot"),
    _rule(rf"\b(?:fired on|opened fire on|{_KILLING})\s+(?:\w+\s+){{0,3}}"
          r"(?:protesters|demonstrators)\b", "Protests",
          "Excessive force against protesters", "protest"),
    _rule(r"\b(?:protest(?:s|ed|ers|ing)?|rall(?:y|ies|ied)|demonstrat(?:ion|ions|ors|ed)|"
          r"march(?:ed|es)|sit-in)\b(?=.*\b(?:dispers\w*|tear gas|arrested|detained)\b)|"
          r"\b(?:dispers\w*|tear gas)\b(?=.*\b(?:protest(?:s|ers)?|rall(?:y|ies)|"
          r"demonstrat(?:ion|ions|ors)|march(?:es)?|sit-in)\b)",
          "Protests", "Protest with intervention", "protest"),
    _rule(rf"\b{_KILLING}\b[^.;]{{0,60}}?\b{_CIVILIANS}\b|\b{_CIVILIANS}\s+(?:\w+\s+){{0,2}}"
          rf"(?:was|were|have been|has been)\s+(?:\w+\s+)?{_KILLING}",
          "Violence against civilians", "Attack", "attack on civilians"),
    _rule(r"\b(?:opened fire|fired|shot)\s+(?:live (?:ammunition|rounds)\s+)?(?:on|at)\s+"
          r"(?:\w+\s+){0,2}(?:civilians?|fishermen|fishing boats?|farmers?|shepherds?|"
          r"residents|journalists?|medics?|paramedics?|ambulances?|children|worshippers)\b",
          "Violence against civilians", "Attack", "attack on civilians"),
    _rule(r"\b(?:kidnap(?:ped|ping|s)?|abduct(?:ed|ion|ions|s|ing)?|hostage-taking|"
          r"(?:took|taken|seized)\s+(?:\w+\s+){0,3}(?:as\s+)?(?:hostages?|captives?)|"
          r"taken (?:hostage|captive)|forced disappearance)\b", "Violence against civilians",
          "Abduction/forced disappearance", "abduction"),
    _rule(r"\b(?:raid(?:s|ed|ing)?|incursions?|ground (?:operation|offensive|assault)s?|"
          r"storm(?:ed|ing)|swept into|pushed into)\b", "Battles", "Armed clash", "raid"),
]
# Every rule after the violence ones (the vocabulary test reads them all).
_OTHER_EVENTS = [DISRUPTED, *NON_VIOLENT]
_COMBATANTS = re.compile(r"\b(?:soldiers?|troops|fighters?|militants?|gunmen|members|"
                         r"officers?|commanders?|reservists?)\b", re.I)
_WEAPON_TYPES = ("Air/drone strike", "Shelling/artillery/missile attack", "Armed clash",
                 "Suicide bomb", "Remote explosive/landmine/IED", "Grenade")

# Sourcing and framing that report no act; cut out before the rules run.
_SOURCING = re.compile(r"\b(?:spoke|speaking|who spoke) on (?:the )?condition of anonymity\b"
                       r"[^,.;]*|\bwas not authori[sz]ed to [^,.;]*|\bdeclined to comment\b",
                       re.I)
_BACKGROUND = re.compile(
    r"\bthere (?:has|have) been (?:growing|mounting|increasing|renewed)\b|"
    r"^(?:the )?(?:hope|goal|aim|idea|fear|concern) is\b|\bin recent (?:months|years)\b|"
    r"\bover the (?:past|last) (?:few )?(?:months|years)\b|\bfor (?:months|years)\b|"
    r"\bhas (?:long|repeatedly)\b", re.I)
_NEGATED = re.compile(r"\b(?:not|never|no|denied|denies|deny)\s+(?:\w+\s+){0,2}(?:be\s+)?$",
                      re.I)
_FUTURE = re.compile(r"\b(?:will|shall|if|whether)\b[^.;]*$", re.I)
# Violence only threatened, feared or planned is not violence that happened.
_HYPOTHETICAL = re.compile(r"\b(?:threaten(?:ed|s|ing)? to|vow(?:ed|s)? to|would|could|might|"
                           r"plans? to|preparations? for|avert|prevent|risk of|"
                           r"warn(?:ed|s|ing)? (?:of|against|that)|ahead of|in preparation "
                           r"for|expected)\b[^.;]*$", re.I)


def classify(sentence: str) -> Classification | None:
    """The sentence's event type, or None when it reports nothing happening."""
    text = _SOURCING.sub(" ", sentence)
    deaths = count_fatalities(text)
    if deaths.count and deaths.is_total:
        return _casualty_report(text)
    if _BACKGROUND.search(text):
        return None
    if not deaths.count and DISRUPTED[0].search(text) and not HARM_DONE.search(text):
        return DISRUPTED[1]  # the weapon was stopped: no attack took place
    for pattern, found in _VIOLENCE:
        if any(not _HYPOTHETICAL.search(text, 0, m.start()) for m in pattern.finditer(text)):
            if found.category == "raid" and not deaths.count:
                # A raid where nobody was hurt is coded by what it did: arrests, or
                # property destroyed or looted.
                for then in (ARRESTS, PROPERTY):
                    if then[0].search(text):
                        return then[1]
            return found
    for pattern, found in NON_VIOLENT:
        if id(found) in FACTUAL_ONLY:
            if any(not _HYPOTHETICAL.search(text, 0, m.start()) and
                   not _FUTURE.search(text, 0, m.start()) and
                   not _NEGATED.search(text, max(0, m.start() - 20), m.start())
                   for m in pattern.finditer(text)):
                return found
        elif pattern.search(text):
            return found
    if deaths.count:  # deaths with no act named
        if _COMBATANTS.search(text):
            return Classification("Battles", "Armed clash", "armed clash")
        return Classification("Violence against civilians", "Attack", "attack on civilians")
    return None


def _casualty_report(text: str) -> Classification:
    """A toll typed by the weapons or fighting it names; raids and victims do not count,
    as they do not say how the people died."""
    for pattern, found in _VIOLENCE:
        if found.sub_event_type in _WEAPON_TYPES and found.category != "raid" \
                and pattern.search(text):
            return Classification(found.event_type, found.sub_event_type, "casualty report")
    return Classification(_STRATEGIC, "Other", "casualty report")
