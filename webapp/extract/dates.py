"""When a sentence says its event happened, relative to the article's publication date.

Wire copy rarely prints full dates; it says "on Friday", "overnight", "last week",
"Oct. 7". :func:`resolve_date` turns those into a calendar date and ACLED's time
precision (1 day, 2 week, 3 month).

Choices, and why:

* A weekday means the latest such day on or before publication: news reports what has
  happened, and a Friday story's "Friday" is that same day. "last Friday" is the one
  before that; "next Friday" is the one after.
* "Overnight", "last night" and "yesterday" are the day before publication: the night
  before a morning story starts on that day, and ACLED codes an event to its first day.
* A month and day without a year is the latest such date not after publication, so
  "Oct. 7" in an April 2024 story is 2023-10-07.
* A week is coded to its Wednesday and a month to its 15th ("early"/"late" to the 5th
  and 25th), never later than publication: the middle keeps the error under half the
  period either way.
* When a sentence has several dates, the most precise wins, and among equally precise
  ones the latest: a sentence that recalls old history ("the Oct. 7 raid") and reports
  news ("on Tuesday") is about the news.
* "since Oct. 7", "until May 5" bound a period; they are not the event's date.
* No date words at all: ``event_date`` is None, so the caller can take the neighbouring
  sentence's date. Words that name a stretch of time but no date ("in recent months",
  "in the war", "in 2006") also give None, with ``vague`` True, so the caller knows not
  to borrow a neighbour's date either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

HISTORICAL_DAYS = 14  # older than this before publication: history recalled, not news


@dataclass(frozen=True)
class DateResult:
    event_date: date | None
    time_precision: int      # 1 day, 2 week, 3 month; 0 when event_date is None
    historical: bool         # more than HISTORICAL_DAYS before publication
    vague: bool = False      # a period is named but no date ("in recent months")


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
           "sep": 9, "oct": 10, "nov": 11, "dec": 12}
# Capitalised only: "may" and "march" are also an auxiliary and a verb.
_MONTH = (r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
          r"Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?")
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!-year|,\d)(?:,?\s+{_YEAR}\b)?")
_DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR}\b)?")
_ISO = re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")
_WEEKDAY = re.compile(r"\b(?:(?P<rel>last|next|this coming)\s+)?(?P<wd>" + "|".join(_WEEKDAYS)
                      + r")(?!s\b)(?:['’]s)?\b", re.IGNORECASE)
_MONTH_ONLY = re.compile(rf"\b(?P<pre>in|during|since|until|by|of|early|mid|late|earlier in|"
                         rf"later in)(?:\s+|-){_MONTH}(?!\s*\d)(?:,?\s+{_YEAR}\b)?")
# "in 2006", and "the 2006 war" (but not "the 2000 people").
_YEAR_ONLY = re.compile(rf"\b(?P<pre>in|during|since|until|by|of|the)\s+{_YEAR}\b(?![-,]\d)"
                        rf"(?P<war>\s+(?:war|conflict|fighting|invasion|offensive)\b)?")

# (pattern, days before publication), checked longest first.
_DAY_WORDS = [
    (re.compile(r"\bthe day before yesterday\b", re.I), 2),
    (re.compile(r"\b(?:yesterday|overnight|last night|the previous day)\b", re.I), 1),
    (re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", re.I), 0),
]
_WEEK_WORDS = [  # (pattern, which week: 0 this, -1 last; "days" anchors a few days back)
    (re.compile(r"\b(?:last|past|previous) week\b", re.I), -1),
    (re.compile(r"\b(?:earlier )?this week\b", re.I), 0),
    (re.compile(r"\b(?:in recent days|(?:over )?the (?:past|last) (?:few|several) days)\b",
                re.I), "days"),
    (re.compile(r"\b(?:over the|last|this past) weekend\b", re.I), "weekend"),
]
_MONTH_WORDS = [
    (re.compile(r"\b(?:earlier )?this month\b", re.I), 0),
    (re.compile(r"\b(?:last|previous|past) month\b", re.I), -1),
]
# A stretch of time with no date in it.
_VAGUE = re.compile(
    r"\b(?:in|over|during) (?:the )?(?:recent|past|last|coming) (?:few |several )?"
    r"(?:weeks|months|years)\b|\bfor (?:weeks|months|years)\b|\b(?:in|during|throughout) "
    r"the (?:war|conflict|fighting)\b|\bsince the (?:war|conflict|fighting|start|beginning|"
    r"outbreak)\b|\bnear-daily\b", re.I)
_VAGUE_PAST = re.compile(r"\blast year\b|\byears ago\b|\bdecades ago\b", re.I)
# Words before a date that make it a bound of a period, not the event's date.
_PERIOD_BOUND = re.compile(r"\b(?:since|until|till|through|by|from)\s+(?:the\s+)?$", re.I)
# Words before a date that make it the day the news was told, not the day it happened:
# ", the group said on Tuesday". Such a date counts only when the sentence has no other.
_REPORTED_ON = re.compile(r"\b(?:said|says|told|announced|reported|confirmed|stated|added|"
                          r"claimed|reporting|announcing)\b(?:\s+[\w-]+){0,3}?\s+"
                          r"(?:(?:late|early)\s+)?on\s+$", re.I)


def resolve_date(sentence: str, published: date) -> DateResult:
    """The event date a sentence states, resolved against the publication date."""
    found: list[tuple[int, date]] = []       # (precision, date)
    told: list[tuple[int, date]] = []        # days the news was told ("said on Monday")
    vague = bool(_VAGUE.search(sentence))
    vague_past = bool(_VAGUE_PAST.search(sentence))

    for m in (*_MONTH_DAY.finditer(sentence), *_DAY_MONTH.finditer(sentence),
              *_ISO.finditer(sentence)):
        if _PERIOD_BOUND.search(sentence[:m.start()]):
            vague = True
            continue
        when = _month_day(m, published)
        if when:
            (told if _REPORTED_ON.search(sentence[:m.start()]) else found).append((1, when))
    for m in _WEEKDAY.finditer(sentence):
        if not _PERIOD_BOUND.search(sentence[:m.start()]):
            when = _weekday(m.group("wd"), (m.group("rel") or "").lower(), published)
            (told if _REPORTED_ON.search(sentence[:m.start()]) else found).append((1, when))
    for pattern, back in _DAY_WORDS:
        if pattern.search(sentence):
            found.append((1, published - timedelta(days=back)))
            break
    for pattern, which in _WEEK_WORDS:
        if pattern.search(sentence):
            found.append((2, _week(which, published)))
            break
    for pattern, which in _MONTH_WORDS:
        if pattern.search(sentence):
            found.append((3, _month(published.year, published.month + which, published)))
            break
    for m in _MONTH_ONLY.finditer(sentence):
        if m.group("pre") in ("since", "until", "by"):
            vague = True
            continue
        found.append((3, _named_month(m, published)))
    for m in _YEAR_ONLY.finditer(sentence):
        if m.group("pre") == "the" and not m.group("war"):
            continue
        if int(m.group("year")) < published.year:
            vague_past = True
        else:
            vague = True

    found = found or told
    if found:
        precision, when = min(found, key=lambda f: (f[0], -f[1].toordinal()))
        return DateResult(when, precision, _is_historical(when, published))
    if vague_past:
        return DateResult(None, 0, True, vague=True)
    return DateResult(None, 0, False, vague=vague)


def _is_historical(when: date, published: date) -> bool:
    return (published - when).days > HISTORICAL_DAYS


def _month_day(m: re.Match, published: date) -> date | None:
    """A month-day date; without a year, the latest one not after publication."""
    month_text = m.group("month")
    month = int(month_text) if month_text.isdigit() else _MONTHS[month_text[:3].lower()]
    day = int(m.group("day"))
    if m.group("year"):
        try:
            return date(int(m.group("year")), month, day)
        except ValueError:
            return None
    for year in range(published.year, published.year - 8, -1):  # Feb 29 needs a leap year
        try:
            when = date(year, month, day)
        except ValueError:
            if day > 29 or month != 2:
                return None  # "Feb. 30", "April 31": not a date
            continue
        if when <= published:
            return when
    return None


def _weekday(name: str, rel: str, published: date) -> date:
    target = _WEEKDAYS.index(name.capitalize())
    back = (published.weekday() - target) % 7  # 0 when publication day is that weekday
    if rel == "last":
        back = back or 7
    elif rel in ("next", "this coming"):
        return published + timedelta(days=(target - published.weekday()) % 7 or 7)
    return published - timedelta(days=back)


def _week(which, published: date) -> date:
    if which == "days":
        return published - timedelta(days=3)
    if which == "weekend":  # the latest Saturday before publication day
        return published - timedelta(days=(published.weekday() - 5) % 7 or 7)
    monday = published - timedelta(days=published.weekday()) + timedelta(weeks=which)
    return min(monday + timedelta(days=2), published)


def _month(year: int, month: int, published: date, day: int = 15) -> date:
    while month < 1:
        year, month = year - 1, month + 12
    return min(date(year, month, day), published)


def _named_month(m: re.Match, published: date) -> date:
    """"in April", "late October 2023": the latest such month not after publication."""
    month = _MONTHS[m.group("month")[:3].lower()]
    pre = m.group("pre").lower()
    day = 5 if pre == "early" else 25 if pre == "late" else 15
    if m.group("year"):
        return date(int(m.group("year")), month, day)
    year = published.year if month <= published.month else published.year - 1
    return _month(year, month, published, day)
