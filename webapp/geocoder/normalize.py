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
