"""The geographic focus of a story: which first-level areas (states, provinces) it is about.

Local news names its home ground without saying so: a story datelined "PARIS, Texas --"
that goes on about Lamar County, or one that names Tyler and Anderson County before it
names Palestine, is about East Texas, and its "Palestine" is the Texan town, not the
country. The focus weighs, per (country code, admin-1 area):

- the dateline (a town qualified by its state counts most),
- the states, counties and towns the text names, early mentions (the lede) more,
- towns the text qualifies itself ("Detroit, Texas", "Wainwright, Alta."),
- the publisher's home region when its URL or feed names a state
  (``texastribune.org``, ``nj.com``, ``/news/ohio/``).

It also notes names the text calls a town ("the city of Turkey"), which are then not a
country or a state. The ranking turns all this into scores (see ranking.py).
"""

from __future__ import annotations

import re
from collections import Counter

from webapp.geocoder.kinds import LOCAL_KINDS, PlaceKind
from webapp.geocoder.normalize import exact_key

DATELINE_QUALIFIED = 3.0   # "SPRINGFIELD, Ill. (AP) --"
DATELINE_PLAIN = 1.5       # "WASHINGTON (AP) --"
QUALIFIED_IN_TEXT = 2.0    # "a man from Paris, Missouri"
AREA_MENTION = 1.0         # "Kentucky", "Anderson County"
TOWN_MENTION = 0.6         # a town read with confidence
LEDE_CHARS = 500           # mentions this early count twice
ORIGIN = 4.0               # the publisher's URL or feed names the state
FOCUS_FLOOR = 4.0          # a passing mention or two is not yet a focus

# "the city of Turkey", "the town of Lebanon", "City of Paris": the name is a town's.
_TOWN_CUE = re.compile(r"(?:\b[Tt]he\s|\b)(?:city|City|town|Town|village|Village|"
                       r"township|Township|borough|Borough)\s{1,3}of\s{1,3}(?=[A-Z])")

# The United States' states and their postal codes (public USPS table), for reading a
# publisher's URL: "nj.com", "/news/texas/", "kentucky.com", "new-york".
US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}
# Full names with their spaces dropped, as hosts write them ("newjersey", "westvirginia"),
# longest first so "westvirginia" is not read as "virginia".
_STATE_WORDS = sorted(((name.lower().replace(" ", ""), name) for name in US_STATES.values()),
                      key=lambda pair: -len(pair[0]))
# Postal codes that are also common words or language tags ("in", "me", "or", "de"...)
# say nothing when they stand alone in a URL.
_WORDY_CODES = frozenset({"IN", "ME", "OR", "OK", "HI", "DE", "ID", "LA", "MA", "PA", "CO",
                          "AL", "GA", "MS", "DC"})
# after a qualifier: ", Saskatchewan", " and Manitoba" (then it was a list of areas)
_LIST_GOES_ON = re.compile(r"(?:,\s|\s(?:and|or)\s)([A-Z][\w.'’ -]{0,40})")


def origin_states(origin: str) -> list[str]:
    """US states a publisher's URL, host or feed name names (at most two).

    A host label that is a postal code ("nj.com", "ky.gov"), or a host label or path
    segment that is, begins or ends with a state's name ("kentucky.com",
    "texastribune.org", "/news/new-jersey/", "ohio-news"). Two-letter codes that are
    also words count only as a whole host label ahead of the domain ending."""
    if not origin:
        return []
    text = origin.strip().lower()[:300]
    text = re.sub(r"^[a-z][a-z0-9+.-]{0,10}://", "", text)
    host, _, path = text.partition("/")
    labels = [label for label in host.split(".") if label and label != "www"]
    found: list[str] = []

    def add(name: str) -> None:
        if name not in found:
            found.append(name)

    for n, label in enumerate(labels[:-1]):   # the last label is the domain ending
        code = label.upper()
        if code in US_STATES and (n == len(labels) - 2 or code not in _WORDY_CODES):
            add(US_STATES[code])
    segments = labels[:-1] + [s for s in re.split(r"[/?#&=_]", path) if s]
    for segment in segments:
        squashed = segment.replace("-", "")
        for word, name in _STATE_WORDS:
            if squashed == word or (len(word) >= 5 and (squashed.startswith(word)
                                                         or squashed.endswith(word))):
                add(name)
                break
    return found[:2]


def town_cued_keys(text: str, gaz) -> frozenset:
    """Exact keys of the names the text calls a town ("the city of Turkey")."""
    keys = set()
    for m in _TOWN_CUE.finditer(text):
        words = re.match(r"[A-Z][\w'’.-]{0,40}(?:\s[A-Z][\w'’.-]{0,40}){0,2}",
                         text[m.end():m.end() + 130])
        if not words:
            continue
        parts = words.group().rstrip(".").split(" ")
        for n in range(len(parts), 0, -1):   # longest known name first
            key = exact_key(re.sub(r"['’]s?$", "", " ".join(parts[:n])))
            if key in gaz.exact:
                keys.add(key)
                break
    return frozenset(keys)


def qualified_mentions(mentions: list, text: str, gaz) -> dict:
    """Names the text qualifies with the area they are in: "Detroit, Texas",
    "Paris, Missouri, man", "Wainwright, Alta.". Returns key -> list of
    (start, country code, admin-1 name or "" for a country). A list of areas
    ("Alberta, Saskatchewan and Manitoba") qualifies nothing."""
    out: dict[str, list] = {}
    for here, after in zip(mentions, mentions[1:]):
        if text[here.end:after.start] != ", ":
            continue
        areas = _area_of(after.key, gaz)
        # a town of that name must lie in the area ("Lebanon, Ohio"), and a country's
        # name followed by another country's is two countries ("Lebanon, Syria")
        if not any(gaz.kinds[j] in (PlaceKind.CITY, PlaceKind.COUNTY)
                   and ((gaz.country_codes[j], gaz.admin1[j]) in areas
                        or (gaz.country_codes[j], "") in areas)
                   for j in gaz.exact.get(here.key, ())):
            continue
        if _area_first(here.key, gaz) and all(not a1 for _cc, a1 in areas):
            continue
        # a list of areas: the qualifier is followed by another area
        rest = _LIST_GOES_ON.match(text, after.end, after.end + 45)
        if rest and any(_area_of(exact_key(" ".join(rest.group(1).split()[:n])), gaz)
                        for n in (1, 2, 3)):
            continue
        out.setdefault(here.key, []).extend((here.start, *area) for area in areas)
    return out


def pinned_readings(qualified: dict, dateline, gaz) -> dict:
    """Names whose reading the text itself fixes, key -> record: the town of a qualified
    dateline ("PARIS, Texas --") and towns qualified by their area ("Detroit, Texas")."""
    pinned = {}
    for key, rows in qualified.items():
        areas = {(cc, a1) for _start, cc, a1 in rows}
        inside = [j for j in gaz.exact.get(key, ())
                  if (gaz.country_codes[j], gaz.admin1[j]) in areas
                  or (gaz.country_codes[j], "") in areas]
        if len({(gaz.country_codes[j], gaz.admin1[j]) for j in inside}) == 1:
            pinned[key] = max(inside, key=lambda j: gaz.prior[j])
    if dateline and dateline[4]:
        pinned[dateline[3]] = dateline[0]
    return pinned


def _area_first(key: str, gaz) -> bool:
    """Whether a name's most important reading is a country or an admin area."""
    ids = gaz.exact.get(key)
    return bool(ids) and gaz.kinds[max(ids, key=lambda j: gaz.prior[j])] in (
        PlaceKind.COUNTRY, PlaceKind.ADMIN_AREA)


def _area_of(key: str, gaz) -> list:
    """The (cc, admin-1) of each admin area and country a key names ("" as the
    admin-1 of a country): "Georgia" is both the state and the country."""
    out = []
    for j in gaz.exact.get(key, ()):
        if gaz.kinds[j] == PlaceKind.ADMIN_AREA and gaz.admin1[j]:
            out.append((gaz.country_codes[j], gaz.admin1[j]))
        elif gaz.kinds[j] == PlaceKind.COUNTRY:
            out.append((gaz.country_codes[j], ""))
    return out


def focus_weights(ctx, gaz, mentions: list, pinned: dict, qualified: dict,
                  origin: str = "", dateline_qualifier: str = "") -> tuple[Counter, dict]:
    """The focus of a story: a Counter of (cc, admin1) -> weight, and the part of it
    each name contributed (key -> Counter), so a name is no evidence for itself.

    A state or a county or town named counts for its admin-1 area. A name several areas
    share ("Anderson County", "Springfield") is spread over them, so the areas that
    several such names share add up: "Anderson County" with "Tyler" and "Hall County"
    is Texas. Only countries the text already points at take part, so a capitalised
    word that is some faraway village's name adds nothing."""
    total, by_key = Counter(), {}

    def add(key: str, area: tuple, weight: float) -> None:
        total[area] += weight
        by_key.setdefault(key, Counter())[area] += weight

    readings: dict[str, list] = {}
    for m in mentions:
        if m.key not in readings:
            readings[m.key] = _readings(m.key, pinned.get(m.key), ctx, gaz)
        areas, town = readings[m.key]
        if m.in_run and town and m.key not in pinned:
            continue   # "Tyler Smith", "Lebanon Valley College"; not "Ohio State Police"
        lede = 2.0 if m.start < LEDE_CHARS else 1.0
        for area, weight in areas:
            add(m.key, area, weight * lede / len(areas))
    for key, rows in qualified.items():
        for _start, cc, admin1 in rows:
            if admin1:
                add(key, (cc, admin1), QUALIFIED_IN_TEXT)
    if ctx.dateline_place:
        record, _start, _end, _key, is_qualified = ctx.dateline_place
        admin1 = gaz.admin1[record]
        states = [area for area in _area_of(exact_key(dateline_qualifier), gaz) if area[1]]
        # (under no name's key: the dateline is evidence for the town it names too)
        if is_qualified and admin1:
            add("", (gaz.country_codes[record], admin1), DATELINE_QUALIFIED)
        elif len(states) == 1:
            # "HOLLIDAY, Mo. --" for a village the gazetteer lacks: still Missouri
            add("", states[0], DATELINE_QUALIFIED)
        elif admin1 and not dateline_qualifier:
            add("", (gaz.country_codes[record], admin1), DATELINE_PLAIN)
    for name in origin_states(origin):
        add("", ("US", name), ORIGIN)
    return total, by_key


def _readings(key: str, pinned, ctx, gaz) -> list:
    """The (cc, admin1) areas a name may be about, each with its mention weight (and
    whether the name is first a town's): the
    pinned reading alone, else the readings within a factor of ten of the name's best
    (a country or a sea as best reading: none), in countries the text points at."""
    ids = [pinned] if pinned is not None else gaz.exact.get(key, ())
    if not ids:
        return [], False
    best = max(ids, key=lambda j: gaz.prior[j])
    if gaz.kinds[best] not in LOCAL_KINDS:
        return [], False
    out = {}
    for j in ids:
        kind, cc, admin1 = gaz.kinds[j], gaz.country_codes[j], gaz.admin1[j]
        if (kind in LOCAL_KINDS and admin1 and gaz.prior[j] > gaz.prior[best] - 1.0
                and ctx.country_weight.get(cc, 0) > 0 and exact_key(gaz.names[j]) == key):
            weight = (AREA_MENTION if kind in (PlaceKind.ADMIN_AREA, PlaceKind.COUNTY)
                      else TOWN_MENTION)
            out[(cc, admin1)] = max(out.get((cc, admin1), 0.0), weight)
    return list(out.items()), gaz.kinds[best] == PlaceKind.CITY


__all__ = ["origin_states", "town_cued_keys", "qualified_mentions", "pinned_readings",
           "focus_weights",
           "US_STATES", "FOCUS_FLOOR"]
