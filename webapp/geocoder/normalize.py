"""Name normalisation: the keys under which the gazetteer files and looks up names.

Two keys per name:

* :func:`exact_key` – case, accents, punctuation and spacing folded; "Dayr al-Balah"
  and "dayr al balah" meet here.
* :func:`loose_key` – additionally drops Arabic/Hebrew articles and folds the
  transliteration variants English-language news uses ("Deir el-Balah" and
  "Dayr al Balah", "Khan Younis" and "Khan Yunis", "Shujaiya" and "Ash Shuja'iyah").

Both functions must be applied alike to indexed names and to queries.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters NFKD does not decompose into ASCII on its own.
_SPECIAL_LETTERS = str.maketrans({
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th",
    "ł": "l", "ı": "i", "ħ": "h", "ŧ": "t", "ŋ": "ng",
})
# Apostrophe-like marks vanish ("Ra'anana" -> "raanana"); they mark ayin/hamza,
# which English spellings drop as often as they keep.
_APOSTROPHES = re.compile(r"[\u0027\u2018\u2019\u02bb\u02bc\u02be\u02bf\u0060\u00b4]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Arabic definite-article forms (sun-letter assimilations included) and the
# Hebrew "ha-"; they are written joined, hyphenated or spaced, or left out.
_ARTICLES = frozenset(
    "al el ad ed an en ar er as es ash esh at et ath az ez ul il ha".split()
)
# Whole-token spellings that differ between news and GeoNames.
_TOKEN_VARIANTS = {
    "saint": "st", "sainte": "ste", "mount": "mt", "fort": "ft",
    "deir": "dayr", "dair": "dayr", "dier": "dayr",
    "beit": "bayt", "bait": "bayt", "beyt": "bayt", "beth": "bayt",
    "tel": "tall", "tell": "tall", "tal": "tall",
    "kafr": "kfar", "kefar": "kfar", "kafar": "kfar",
    "khirbet": "khirbat", "kherbet": "khirbat",
    "ein": "ayn", "ain": "ayn", "en": "ayn",
    "abu": "abu", "bab": "bab", "jabal": "jabal", "jebel": "jabal", "jbel": "jabal",
    "wadi": "wadi", "nahr": "nahr", "sheikh": "shaykh", "shaikh": "shaykh", "sheik": "shaykh",
}
# Letter-level folds, applied in order inside tokens.
_LETTER_FOLDS = (
    (re.compile(r"ou|oo|uu"), "u"),
    (re.compile(r"ee|ii"), "i"),
    (re.compile(r"aa"), "a"),
    (re.compile(r"gh"), "g"),
    (re.compile(r"dj"), "j"),
    (re.compile(r"q"), "k"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"(?<=.)y"), "i"),
    (re.compile(r"ei|ai|ay"), "ai"),
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"(?<=[aeiou])h$"), ""),
)


def fold_text(text: str) -> str:
    """Lower-case ASCII with accents stripped; non-letters kept as they are."""
    text = unicodedata.normalize("NFKD", text).lower().translate(_SPECIAL_LETTERS)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=1 << 17)
def exact_key(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key."""
    folded = _APOSTROPHES.sub("", fold_text(name))
    return _NON_ALNUM.sub(" ", folded).strip()


def _fold_token(token: str) -> str:
    token = _TOKEN_VARIANTS.get(token, token)
    for pattern, repl in _LETTER_FOLDS:
        token = pattern.sub(repl, token)
    return token


@lru_cache(maxsize=1 << 17)
def loose_key(name: str) -> str:
    """Key that also ignores articles and common transliteration differences."""
    tokens = exact_key(name).split()
    # Drop articles except when the article is the whole name ("El" stays "el").
    kept = [t for t in tokens if t not in _ARTICLES] or tokens
    return " ".join(_fold_token(t) for t in kept)


def is_latin(name: str) -> bool:
    """True when the name is written in Latin script (after removing accents)."""
    folded = fold_text(name)
    letters = [ch for ch in folded if ch.isalpha()]
    return bool(letters) and all("a" <= ch <= "z" for ch in letters)


# -- spelling variants --------------------------------------------------------------
# The name index recognises a mention only by its exact key, so the spellings news,
# OCHA and ACLED use for one Arabic or Hebrew name are generated at build time rather
# than listed by hand: the article written several ways or left out, the common name
# heads ("Tal", "Sheikh", "Beit"...) in each transliteration, and the letter-level
# habits (ei/ay/ai, ou/u, -iya/-iyeh/-ia, -a/-ah/-eh, doubled letters, q/k).

# Name heads that are spelled several ways; each set lists every spelling.
_HEAD_SPELLINGS = [
    {"tal", "tel", "tall", "tell"},
    {"shaykh", "sheikh", "shaikh", "sheik", "sheykh"},
    {"bayt", "beit", "beyt", "bait"},
    {"dayr", "deir", "dair"},
    {"kafr", "kfar", "kufr", "kefar"},
    {"burj", "borj", "bourj"},
    {"ayn", "ein", "ain"},
    {"khirbat", "khirbet", "khirbit"},
    {"jabal", "jebel", "jabel", "jbel"},
    {"bani", "beni"},
    {"umm", "um", "om"},
    {"abu", "abou"},
    {"younis", "yunis", "younes", "yunus", "younus"},
    {"kiryat", "qiryat", "kiriat"},
    {"haret", "harat"},
    {"madinat", "medinat"},
    {"mukhayyam", "mukhayam"},
]
_HEAD_CLASS = {spelling: sorted(group) for group in _HEAD_SPELLINGS for spelling in group}
# Heads of a construct ("Beit Lahia", "Khan Younis"): never preceded by an article
# ("Sheikh" is: "ash-Sheikh Radwan").
_CONSTRUCT_HEADS = frozenset(
    "tal tel tall tell bayt beit beyt bait dayr deir dair kafr "
    "kfar kufr kefar burj borj bourj ayn ein ain khirbat khirbet jabal jebel bani beni umm "
    "um abu abou khan wadi ras bab nahr bir jisr marj majdal qasr hay haret harat madinat "
    "mukhayyam mount kiryat qiryat ramat givat neve nir kibbutz moshav".split())
# Arabic sun letters assimilate the article: al-Shati -> ash-Shati, al-Daraj -> ad-Daraj.
_SUN_PREFIXES = ("sh", "th", "dh", "t", "d", "r", "z", "s", "n", "l")
# Word endings written several ways: the -iyya of "Shujaiya" and the final -a of "Khuza'a".
_NISBA_ENDING = re.compile(r"(?:iyyah|iyya|iyah|iyeh|iya|ieh|ia|iye|yeh|yah|ya)$")
_NISBA_SPELLINGS = ("iya", "iyah", "iyeh", "ia", "ieh", "iyya", "ya")
_FINAL_A = re.compile(r"(?<=[^iy])(?:ah|eh|a)$")
_FINAL_A_SPELLINGS = ("a", "ah", "eh")
_DIPHTHONG = re.compile(r"(?:ei|ai|ay|ey)(?![aeiouy])")
_DOUBLE = re.compile(r"([bcdfghjklmnpqrstvwxz])\1")
_PER_TOKEN = 10


def _article_forms(word: str) -> list[str]:
    sun = next((p for p in _SUN_PREFIXES if word.startswith(p)), "")
    forms = ["al", "el"]
    if sun and sun != "l":
        forms += ["a" + sun, "e" + sun]
    return forms


def _ending_variants(token: str) -> list[str]:
    for ending, spellings in ((_NISBA_ENDING, _NISBA_SPELLINGS), (_FINAL_A, _FINAL_A_SPELLINGS)):
        m = ending.search(token)
        if m and m.start() >= 3:
            return [token[: m.start()] + e for e in spellings]
    return []


def _token_variants(token: str) -> list[str]:
    """Spellings of one word, the word itself first, at most _PER_TOKEN."""
    if token in _HEAD_CLASS:
        return [token] + [t for t in _HEAD_CLASS[token] if t != token]
    if len(token) < 5 or not token.isalpha():
        return [token]  # short words would turn into common ones ("Sa'ad" -> "sad")
    out = [token]

    def add(word):
        if word not in out:
            out.append(word)

    for diphthong in ("ei", "ay", "ai"):
        add(_DIPHTHONG.sub(diphthong, token))
    add(token.replace("ou", "u"))
    add(re.sub(r"(?<![oq])u", "ou", token))
    add(_DOUBLE.sub(r"\1", token))
    add(token.replace("q", "k"))
    add(token.replace("aa", "a"))
    for word in _ending_variants(token):
        add(word)
    # the commonest pairings: news' "ei"+"ou" and GeoNames' "ay"+"u"
    add(_DIPHTHONG.sub("ay", token).replace("ou", "u"))
    add(re.sub(r"(?<![oq])u", "ou", _DIPHTHONG.sub("ei", token)))
    return out[:_PER_TOKEN]


def spelling_variants(name: str, arabic: bool = True, limit: int = 48) -> list[str]:
    """Exact keys of the spellings in common use for ``name``, its own key first.

    Each word's spellings are combined, fewest changes first, up to ``limit`` keys.
    ``arabic`` allows an article before the first word when it has none.
    """
    tokens = exact_key(name).split()
    if not tokens:
        return []
    slots: list[list[str]] = []
    for k, t in enumerate(tokens):
        if t in _ARTICLES and k + 1 < len(tokens) and t != "ha":
            slots.append([t, *(f for f in _article_forms(tokens[k + 1]) if f != t), ""])
        elif t == "refugee" and tokens[k + 1:] == ["camp"]:
            slots.append(["refugee", ""])
        elif t == "camp" and k == len(tokens) - 1 and (k == 0 or tokens[k - 1] != "refugee"):
            slots.append(["camp", "refugee camp"])
        else:
            slots.append(_token_variants(t))
    out = _combinations(slots, limit)
    if arabic and tokens[0] not in _ARTICLES and tokens[0] not in _CONSTRUCT_HEADS:
        # "Shati" is also written "al-Shati" and "ash-Shati": the likeliest few only
        for key in out[:3]:
            out.extend(f"{a} {key}" for a in _article_forms(key))
    return list(dict.fromkeys(out))


def _combinations(slots: list[list[str]], limit: int) -> list[str]:
    """Keys made of one choice per slot, breadth first over how many slots leave their
    first choice (the likeliest spellings first), at most ``limit``."""
    out, seen = [], set()
    frontier = [tuple(0 for _ in slots)]
    visited = set(frontier)
    while frontier and len(out) < limit:
        following = []
        for choice in frontier:
            key = " ".join(" ".join(slot[c] for c, slot in zip(choice, slots)).split())
            if key and key not in seen:
                seen.add(key)
                out.append(key)
                if len(out) >= limit:
                    break
            for n, slot in enumerate(slots):
                if choice[n] + 1 < len(slot):
                    moved = choice[:n] + (choice[n] + 1,) + choice[n + 1:]
                    if moved not in visited:
                        visited.add(moved)
                        following.append(moved)
        frontier = following
    return out
