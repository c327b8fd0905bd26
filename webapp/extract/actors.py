"""Who did it (actor1) and to whom (actor2), by rules on one sentence.

Actors are found as:

* named groups: Hezbollah, Hamas, Islamic Jihad, the Houthis … ("Lebanon's militant
  Hezbollah group" and "Hezbollah fighters" are both "Hezbollah"; "Hamas official" keeps
  the role);
* a nationality and a force, office or body: "Israeli military", "Israeli troops",
  "Egyptian delegation", "Lebanese army", "Israeli military convoy";
* a country's office: "Egypt's intelligence chief";
* a country standing for its state: "Egypt", "Israel" (not where it is a place: "in
  Lebanon", "southern Israel", "the Israel-Lebanon border");
* plain nouns for people (civilians, soldiers, militants), only when nothing better is
  found.

The text's own wording is kept, tidied: articles and ranks ("top", "senior", "militant")
go, "IDF" is spelled out. Roles come from the verb that reports the act: the actor
before it is actor1 and the first after it actor2 ("X fired at Y", "X sent a
delegation to Y"); "Y was killed by X" turns that round; "X said its fighters
ambushed Y" gives the act to X. Trailing attributions (", two officials said") are
sources, not actors, and are cut off first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GROUPS = [  # (pattern, name)
    (r"Hez?bollah|Hizbollah|Hizballah", "Hezbollah"),
    (r"(?:Palestinian\s+)?Islamic\s+Jihad", "Islamic Jihad"),
    (r"(?:the\s+)?(?:al-)?Qassam\s+Brigades", "Hamas"),
    (r"Hamas", "Hamas"),
    (r"Houthis?(?:\s+rebels)?|Ansar\s+Allah", "Houthis"),
    (r"Fatah", "Fatah"),
    (r"Palestinian\s+Authority", "Palestinian Authority"),
    (r"UNIFIL", "UNIFIL"),
    (r"Israel\s+Defen[cs]e\s+Forces|IDF", "Israel Defense Forces"),
]
_COUNTRIES = (r"Israel|Egypt|Lebanon|Iran|Syria|Jordan|Qatar|Turkey|Saudi\s+Arabia|Yemen|Iraq|"
              r"Russia|China|France|Britain|Germany|the\s+United\s+States|United\s+States|"
              r"the\s+U\.S\.|U\.S\.|the\s+United\s+Nations|the\s+European\s+Union")
_DEMONYMS = (r"Israeli|Egyptian|Lebanese|Palestinian|Iranian|Syrian|Jordanian|Qatari|Saudi|"
             r"Emirati|Turkish|Yemeni|Iraqi|American|U\.S\.|British|French|German|Russian|"
             r"Chinese|European|Western|Arab|U\.N\.|UN")
_RANKS = r"(?:top|senior|high-level|high-ranking|militant|so-called|chief)"
_MODIFIERS = (r"(?:military|army|armed|security|border|naval|air|intelligence|defen[cs]e|"
              r"foreign|special|ground|combat|reserve|government|health|state|"
              rf"{_RANKS})")
_HEADS = (r"(?:military|army|forces|force|troops|soldiers?|police|officials?|delegation|"
          r"government|president|prime\s+minister|leaders?|minister|diplomats?|envoy|"
          r"negotiators|mediators|civilians?|convoy|tanks|jets|warplanes|aircraft|drones?|"
          r"navy|chief|authorities|militants|fighters|gunmen|settlers|commanders?|"
          r"spokes(?:man|woman|person)|ambassador|cabinet|service|ministry|reservists|"
          r"positions|posts?|bases?|outposts?|patrol|vehicles?|prisoners|hostages|captives|"
          r"m[ae]n|wom[ae]n|boys?|girls?|teenagers?|child(?:ren)?|famil(?:y|ies)|"
          r"journalists?|residents|farmers?|workers?)")
_GROUP_TAIL = r"(?:\s+(?:group|fighters|militants|members|movement|operatives|gunmen))?"
_ROLE_TAIL = r"\s+(?:officials?|leaders?|delegation|negotiators|commanders?|spokes(?:man|woman))"
_GENERIC = (r"(?:(?i:security\s+forces|forces|civilians|soldiers|troops|militants|fighters|"
            r"gunmen|residents|protesters|demonstrators|police|settlers|convoy|children|"
            r"journalists|medics|villagers)|"
            r"Palestinians|Israelis|Egyptians|Lebanese|Syrians)")

_PATTERNS = (  # (kind, regex); kinds rank ties between overlapping mentions
    [("group", re.compile(rf"(?:\b[A-Z]\w+['’]s\s+)?(?:{_RANKS}\s+)?\b(?P<name>{p})\b"
                          rf"(?P<role>{_ROLE_TAIL})?{_GROUP_TAIL}(?:['’]s?)?"))
     for p, _ in _GROUPS]
    + [("state", re.compile(rf"\b(?:{_DEMONYMS})(?:\s+(?i:{_MODIFIERS}))*\s+(?i:{_HEADS})\b")),
       ("office", re.compile(rf"\b(?:{_COUNTRIES})['’]s(?:\s+(?i:{_MODIFIERS}))*\s+"
                             rf"(?i:{_HEADS})\b")),
       ("country", re.compile(rf"\b(?:{_COUNTRIES})(?![\w-])(?:['’]s)?")),
       ("generic", re.compile(rf"\b{_GENERIC}\b"))]
)
_RANK = {"group": 0, "state": 1, "office": 1, "country": 2, "generic": 3}  # for overlaps
# Words that make a country a place rather than an actor.
_PLACE_BEFORE = re.compile(r"\b(?:in|at|near|inside|into|across|along|from|toward|towards|"
                           r"within|throughout|outside|of|southern|northern|eastern|western|"
                           r"central|border\s+with|side\s+of)\s+$", re.I)
# Half of a compound names a conflict or a border, not an actor: "the Israel-Hamas war".
_COMPOUND = re.compile(r"[A-Za-z]-$")
# Verbs that report an act; the first one splits doer from done-to.
_ACT = re.compile(
    r"\b(?:fir(?:ed|ing)|opened\s+fire|launch(?:ed|es|ing)|struck|hit|shell(?:ed|ing)|"
    r"bomb(?:ed|ing)|attack(?:ed|ing)|ambush(?:ed|es)|raid(?:ed|ing)|storm(?:ed|ing)|"
    r"kill(?:ed|s|ing)|shot|targeted|wound(?:ed|ing)|injur(?:ed|ing)|destroy(?:ed|ing)|"
    r"clash(?:ed|es)|fought|sen(?:t|ds?)|dispatched|met|visit(?:ed|s|ing)|called|"
    r"warn(?:ed|s|ing)|caution(?:ed|s)|threaten(?:ed|s)|mass(?:ed|ing)|amassed|"
    r"deploy(?:ed|s|ing)|moved|arrest(?:ed|s)|detain(?:ed|s)|abduct(?:ed|s)|kidnap(?:ped|s)|"
    r"seized|captured|conduct(?:ed|ing|s)|carried\s+out|lead(?:ing|s)?|led|"
    r"discuss(?:ed|es)?|intercepted|protest(?:ed|ing)|evacuat(?:ed|ing)|rejected|shared|"
    r"tolerate)\b", re.I)
_REPORT = re.compile(r"\b(?:said|says|told|announced|claimed|reported|stated|confirmed|added)"
                     r"\b(?:\s+that)?", re.I)
# Only acts: "Hezbollah, which is backed by Iran, fired ..." is not Iran's act.
_PASSIVE_BY = re.compile(r"\b(?:was|were|been|being|is|are)\s+(?:\w+\s+)?(?:killed|shot|"
                         r"attacked|ambushed|struck|hit|targeted|wounded|injured|abducted|"
                         r"kidnapped|arrested|detained|held|sparked|launched|carried\s+out|fired|"
                         r"shelled|bombed|raided|stormed|captured|seized|destroyed)\s+by\s+", re.I)
# ", two officials said." / ", according to health officials, ...": a source, cut off.
_ATTRIBUTION = re.compile(r",[\"”]?\s+(?:(?:according\s+to\b)|[^,]{0,80}?\b(?:said|says|told|"
                          r"reported|added)\b)[^\"“”]*$", re.I)
# "were killed" with no "by": the one before the verb suffered the act.
_PASSIVE_BEFORE = re.compile(r"\b(?:was|were|been|being)\s+(?:\w+\s+)?$", re.I)
# Verbs whose two sides may both stand before them: "X and Y clashed".
_MUTUAL = re.compile(r"clash(?:ed|es)|fought", re.I)
# A second clause ("..., while in Lebanon ...") tells another event: its actors are not ours.
_CLAUSE_END = re.compile(r";|,?\s+while\s+|,\s+whereas\s+|,\s+but\s+", re.I)
# "X said it/its fighters ...": the reported act is X's own.
_PRONOUN_SUBJECT = re.compile(r"\s*(?:it|its|they|their)\b", re.I)
_DROP = re.compile(rf"^(?:the|an?)\s+|\b{_RANKS}\s+|['’]s?$", re.I)


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    name: str
    kind: str


# "an Israeli air strike", "Syrian shelling": the act names whose forces did it.
_FORCES_ACT = re.compile(rf"\b(?P<who>{_DEMONYMS})\s+(?:(?:air|drone|missile|artillery|naval|"
                         r"tank)\s*)?(?:strikes?|airstrikes?|shelling|artillery|gunfire|"
                         r"bombardment|bombing|raids?)\b")


def find_actors(sentence: str) -> tuple[str, str]:
    """(actor1, actor2): who acted and on whom; "" where the sentence does not say. With
    no doer named, forces named by their act ("an Israeli strike") are the doer."""
    actor1, actor2 = _find_actors(sentence)
    if not actor1 and (act := _FORCES_ACT.search(sentence)):
        actor1 = f"{act.group('who')} forces"
    return actor1, actor2


def _find_actors(sentence: str) -> tuple[str, str]:
    text = _ATTRIBUTION.sub("", sentence)
    mentions = _mentions(text)
    passive = _PASSIVE_BY.search(text)
    if passive:  # "Y was killed by X"
        return (_object(text, mentions, passive.end()),
                _subject(text, mentions, 0, passive.start()))
    verb, report, start = _ACT.search(text), _REPORT.search(text), 0
    if report and (verb is None or report.start() < verb.start()):
        speaker = _subject(text, mentions, 0, report.start())
        start = report.end()
        verb = _ACT.search(text, start)
        lead = [m for m in mentions if m.start >= start
                and re.fullmatch(r"\s*(?:the\s+)?", text[start:m.start])]
        if verb is None:  # a report with no act in it: "X said Egypt has intensified ..."
            actor1 = lead[0].name if lead else speaker
            return actor1, _object(text, mentions, lead[0].end if lead else start, actor1)
        if _PRONOUN_SUBJECT.match(text, start):
            actor1 = speaker  # "Hezbollah said its fighters ambushed ...": its own act
        else:  # "The army said the ambush wounded ...": the speaker only reports it
            actor1 = _subject(text, mentions, start, verb.start())
    elif verb is None:
        return (mentions[0].name if mentions else "",
                mentions[1].name if len(mentions) > 1 else "")
    elif (_PASSIVE_BEFORE.search(text, 0, verb.start())
          and not verb.group().endswith("ing")):  # "two soldiers were killed"
        return "", _subject(text, mentions, 0, verb.start())
    else:
        actor1 = _subject(text, mentions, 0, verb.start())
    actor2 = _object(text, mentions, verb.end(), actor1)
    if not actor2 and _MUTUAL.fullmatch(verb.group()):  # "X and Y clashed"
        both = [m.name for m in mentions if start <= m.start < verb.start() and m.name != actor1]
        actor2 = both[0] if both else ""
    return actor1, actor2


def _subject(text: str, mentions: list[_Mention], start: int, end: int) -> str:
    """The doer before a verb: from the last comma-separated stretch if it names one
    ("In Lebanon, where Hezbollah is based, Israeli jets struck"), else the first."""
    region = [m for m in mentions if start <= m.start and m.end <= end]
    cut = max(text.rfind(",", start, end), text.rfind(" -- ", start, end))
    near = [m for m in region if m.start > cut]
    return _first(near or region)


def _object(text: str, mentions: list[_Mention], start: int, exclude: str = "") -> str:
    """The first actor after the verb, within its clause, named ones before plain nouns."""
    end = _CLAUSE_END.search(text, start)
    stop = end.start() if end else len(text)
    return _first([m for m in mentions if start <= m.start < stop and m.name != exclude])


def _first(mentions: list[_Mention]) -> str:
    specific = [m for m in mentions if m.kind != "generic"]
    return (specific or mentions)[0].name if mentions else ""


def _mentions(text: str) -> list[_Mention]:
    found: list[_Mention] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if kind == "country" and _PLACE_BEFORE.search(text[:m.start()]):
                continue
            if _COMPOUND.search(text[:m.start()]) or text.startswith("-", m.end()):
                continue
            found.append(_Mention(m.start(), m.end(), _name(kind, m), kind))
    # Overlaps: the better kind wins, then the longer match ("Israeli military convoy"
    # over "Israel").
    found.sort(key=lambda m: (_RANK[m.kind], -(m.end - m.start), m.start))
    kept: list[_Mention] = []
    for m in found:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def _name(kind: str, m: re.Match) -> str:
    if kind == "group":
        name = next(n for p, n in _GROUPS if re.fullmatch(p, m.group("name"), re.I))
        role = m.group("role")
        return f"{name} {role.strip()}" if role else name
    text = re.sub(r"\s+", " ", m.group())
    while (tidy := _DROP.sub("", text)) != text:
        text = tidy
    return text
