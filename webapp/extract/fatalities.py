"""How many people a sentence says were killed, and whether that is a running total.

Only numbers tied to a death word count: "killed two soldiers", "20 people were
killed", "at least 20 dead", "the death toll rose to 45", "he later died of his
wounds". Wounded, displaced or held people are not deaths, and neither are tanks or
vehicles.

Choices, and why:

* Qualifiers are dropped: "more than 350" is 350, "at least 20" is 20. The stated
  figure is the most conservative one a report gives, which is ACLED's rule too.
* Vague quantities take a conservative lower bound: "tens" 10, "dozens" 12, "scores"
  40, "hundreds" 100, "thousands" 1,000 (ACLED's published figures for tens, dozens and
  hundreds), and 3 for "several", "a few", "many", "multiple" (plural, more than a
  couple). A briefing that adds figures up should under- rather than over-count.
* A breakdown after "including", "among them" or "of whom" is part of the figure before
  it, not added to it.
* Coordinated figures after one verb are added: "killed 10 civilians and 12 soldiers"
  is 22.
* A sentence that sets two tallies side by side ("X has killed 22, while in Lebanon 350
  have been killed") reports two events in two places. ``count`` is the first tally;
  the others are in ``other_tallies`` for a caller that splits the sentence.
* ``is_total`` marks running totals (a toll, "since the war began", "in the war", "so
  far", "the fighting has killed"): the caller keeps them but must not add them to the
  day's deaths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FatalityResult:
    count: int
    is_total: bool
    other_tallies: tuple[int, ...] = ()


_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_VAGUE = {"tens of thousands": 10_000, "hundreds of thousands": 100_000, "tens": 10,
          "dozens": 12, "a dozen": 12, "scores": 40, "hundreds": 100, "thousands": 1_000,
          "several": 3, "a few": 3, "many": 3, "multiple": 3, "numerous": 3, "a couple": 2}

_QUALIFIER = (r"(?:(?:at least|more than|over|nearly|almost|about|around|some|roughly|"
              r"approximately|an estimated|up to|as many as|close to|just over|just under|"
              r"fewer than|less than)\s+)?")
_WORD = (rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS[1:10])}))?|"
         rf"{'|'.join(sorted(_UNITS[1:], key=len, reverse=True))})")
_FIGURE = (rf"(?:(?:\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)(?![\d,.]?\d)|{_WORD})"
           r"(?:\s+(?:hundred|thousand|million))?"
           r"(?![-\s]*(?:thirds?|halves|half|quarters?|fifths?|percent|%|-year))")
_VAGUE_RE = "|".join(sorted(_VAGUE, key=len, reverse=True))
# A quantity; "a"/"an" and an age count as one ("killing an Israeli civilian",
# "killed 15-year-old Ahmad").
_QTY = (rf"(?<!\bno )(?P<q>{_QUALIFIER}(?:{_FIGURE}|(?:{_VAGUE_RE})(?:\s+of)?|an?(?=\s)|"
        r"\d+-year-old))")
# The words naming whom (up to three), stopping at a clause word.
_NP = (r"(?:\s+(?!(?:and|or|in|on|at|near|while|after|during|including|as|with|from|to|of|"
       r"by|but|when|since|were|was|have|has|had|are|is|been)\b)(?:\d+-)?[A-Za-z'’-]+){0,3}")
_KILL_VERB = (r"\b(?:kill(?:ed|ing|s)?|shot dead|shooting dead|shot and killed|executed|"
              r"executing|massacred|slew|claimed the lives of)\s+")
_OBJECT = re.compile(_KILL_VERB + _QTY + _NP, re.I)
_MORE = re.compile(r"^(?:\s*,\s*and\s+|\s*,\s*|\s+and\s+)(?:(?:her|his|their|its)\s+)?"
                   + _QTY + _NP, re.I)
# After the people: passive "were killed", or an intransitive death word ("have died",
# "dead"). A bare "killed" must end the phrase ("20 killed in ..."), or "two strikes
# killed 5" would count the strikes.
_DEATH = (r"(?:(?:(?:have|has|had)\s+)?(?:were|was|been|being|are|is)\s+(?:\w+\s+)?"
          r"(?:killed|shot dead|executed)\b|(?:(?:have|has|had|were|was|are|is|been|"
          r"reportedly|also|later|all)\s+)*(?:killed(?=\s*(?:[,.;:]|$|\s+(?:in|on|at|near|as|"
          r"when|after|during|by|and|while|since|so|overnight|today|yesterday)\b))|"
          r"dead\b(?!\s+end)|died\b|slain\b|perished\b|lost their lives\b|deaths\b|"
          r"fatalities\b))")
_SUBJECT = re.compile(_QTY + _NP + r"\s+" + _DEATH, re.I)
# Two groups of people, subjects of one death verb: "10 soldiers and 4 militants were
# killed" (not "3,546 cases and 91 dead": cases are not people); an unknown
# number adds nothing ("and an unknown number of militants").
_PEOPLE = (r"(?:soldiers|troops|militants|fighters|civilians|people|policemen|officers|"
           r"members|gunmen|rebels|insurgents|attackers|assailants|children|women|men)")
_PAIR = re.compile(_QTY + r"(?:\s+[\w-]+){0,2}?\s+" + _PEOPLE
                   + r"\s+and\s+(?:an?\s+unknown\s+number\s+of|"
                   + _QTY.replace("?P<q>", "?P<q2>") + ")" + _NP + r"\s+" + _DEATH, re.I)
_TOLL = re.compile(r"\b(?:death toll|toll|number of (?:dead|deaths|people killed))\b[^.;]{0,60}?"
                   r"\b(?:to|at|of|reached|hit|is|was)\s+" + _QTY, re.I)
_ONE = re.compile(r"\b(?:(?:he|she)\s+(?:\w+\s+)?(?:died|was killed|was shot dead|succumbed)|"
                  r"(?:killed|killing|shot dead|executed)\s+(?:him|her)\b)", re.I)
# A breakdown of the figure before it: blank it out (offsets kept).
_BREAKDOWN = re.compile(r"\b(?:including|among them|among whom|of whom)\b"
                        r"(?:[^,;.]|,\s*(?=\d|and\b))*", re.I)
# Bodies found or recovered later died in an earlier event: not this event's dead.
_RECOVERED = re.compile(r"\b(?:bodies|body|remains|corpses?)\b[^.;]{0,80}?\b(?:recovered|"
                        r"retrieved|pulled|found|exhumed|unearthed)\b|\b(?:recovered|retrieved|"
                        r"pulled out|found|exhumed)\s+(?:the\s+)?(?:\w+\s+){0,3}(?:bodies|"
                        r"remains|corpses)\b", re.I)
# A clause that tells another strike of the same report: its dead are added, not
# taken as the same dead told again ("; a second strike killed 2 others").
ANOTHER_ACT = re.compile(r"\b(?:another|a (?:second|third|fourth|further|separate|new|"
                         r"subsequent)|separately|in a separate)\b|\b(?:\d+|\w+) (?:more|others?)\s"
                         r"+(?:\w+\s+)?(?:were\s+)?(?:killed|dead|died)\b|\bkill\w* (?:\w+ )?"
                         r"(?:more|others?)\b", re.I)
_CLAUSES = re.compile(r";|,?\s+while\s+|,\s+whereas\s+|,\s+but\s+")
_DATE_BEFORE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s*$")
_TOTAL = re.compile(
    r"\bdeath toll\b|\btoll\b|\bin total\b|\ba total of\b|\bso far\b|\bto date\b|"
    r"\baltogether\b|\bcumulative\b|\bsince\b|\b(?:in|during|throughout) the (?:war|conflict|"
    r"fighting|offensive)\b|\bover the (?:past|last)\b|\bin recent (?:weeks|months|years)\b|"
    r"\b(?:war|fighting|conflict|violence|hostilities|clashes|offensive|campaign|bombardment|"
    r"exchanges)\s+(?:has|have)\s+(?:so far\s+|now\s+)?(?:killed|claimed)", re.I)


def count_fatalities(sentence: str) -> FatalityResult:
    """Deaths a sentence reports (0 when none), and whether they are a running total."""
    masked = _BREAKDOWN.sub(lambda m: " " * len(m.group()), sentence)
    clauses: list[tuple[int, str]] = []  # (deaths, clause text)
    start = 0
    for m in [*_CLAUSES.finditer(masked), None]:
        end = m.start() if m else len(masked)
        n = _clause_count(masked[start:end])
        clauses.append((n, masked[start:end]))
        start = m.end() if m else end
    tallies = [n for n, _ in clauses if n]
    if not tallies:
        return FatalityResult(0, False)
    is_total = bool(_TOTAL.search(sentence))
    first = next(i for i, (n, _) in enumerate(clauses) if n)
    if not is_total:  # later clauses that tell another strike add their dead
        added = [n for n, text in clauses[first + 1:] if n and ANOTHER_ACT.search(text)]
        if added:
            rest = [n for n, text in clauses[first + 1:] if n and not ANOTHER_ACT.search(text)]
            return FatalityResult(tallies[0] + sum(added), False, tuple(rest))
    return FatalityResult(tallies[0], is_total, tuple(tallies[1:]))


# Every counting pattern above needs one of these words: a clause without any is
# passed over without trying them (most clauses of news text; a fifth of extraction).
_ANY_DEATH_WORD = re.compile(r"toll|number of|kill|shot|execut|massacr|slew|lives|dead|"
                             r"died|slain|perish|death|fatalit|succumb", re.I)


def _clause_count(clause: str) -> int:
    if not _ANY_DEATH_WORD.search(clause) or _RECOVERED.search(clause):
        return 0
    counted: dict[int, int] = {}  # quantity offset -> value; each figure counts once

    def take(m: re.Match, article_ok: bool = True) -> None:
        value = _value(m.group("q"))
        if not article_ok and m.group("q").lower() in ("a", "an"):
            return  # "the toll is a reminder": a toll needs a figure
        if value and not _DATE_BEFORE.search(clause[:m.start("q")]):
            counted.setdefault(m.start("q"), value)

    for m in _TOLL.finditer(clause):
        take(m, article_ok=False)
    if counted:
        return max(counted.values())  # a toll states the whole; other figures are parts
    for m in _OBJECT.finditer(clause):
        take(m)
        rest, offset = clause[m.end():], m.end()
        while (more := _MORE.match(rest)) and _value(more.group("q")):
            counted.setdefault(offset + more.start("q"), _value(more.group("q")))
            rest, offset = rest[more.end():], offset + more.end()
    for m in _PAIR.finditer(clause):
        take(m)
        if m.group("q2") and (value := _value(m.group("q2"))):
            counted.setdefault(m.start("q2"), value)
    for m in _SUBJECT.finditer(clause):
        take(m)
    if not counted and _ONE.search(clause):
        return 1
    return sum(counted.values())


def _value(text: str) -> int:
    """The number a quantity phrase states (qualifiers dropped)."""
    text = re.sub(_QUALIFIER, "", text.lower(), count=1).strip()
    text = re.sub(r"\s+of$", "", text)
    if text in _VAGUE:
        return _VAGUE[text]
    if text in ("a", "an") or text.endswith("-year-old"):
        return 1
    words = text.replace("-", " ").split()
    scale = _SCALES.get(words[-1], 1) if len(words) > 1 else 1
    if scale > 1:
        words = words[:-1]
    head = " ".join(words)
    if re.fullmatch(r"[\d,]+(?:\.\d+)?", head):
        return int(float(head.replace(",", "")) * scale)
    total = 0
    for w in words:
        if w in _TENS:
            total += 20 + 10 * _TENS.index(w)
        elif w in _UNITS:
            total += _UNITS.index(w)
        else:
            return 0
    return total * scale
