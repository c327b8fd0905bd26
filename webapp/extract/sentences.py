"""Splitting article text into sentences with their character spans.

Wire copy is regular enough for rules: a sentence ends at . ! or ? followed by space
and a capital letter or an opening quote, except after abbreviations news writes with
a full stop ("Oct. 7", "U.S.", "Gen.", "Mr."). Line breaks always end a sentence, so
the headline and the dateline stay apart from the body.

A "sentence" longer than :data:`MAX_SENTENCE_CHARS` is not prose (a table, a list, text
without punctuation): it is cut into pieces of at most that length, at a space where
there is one, so that the rules run on each sentence cost a bounded time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec mr mrs ms dr gen lt col maj capt sgt "
    "sen rep gov st mt ft vs etc inc corp co ltd jr sr prof rev dept est approx".split()
)
_END = re.compile(r"([.!?][\"'”’)]*+)\s++(?=[\"“'‘(]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)[.!?]?[\"'”’)]*\s*$")
_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS))
MAX_SENTENCE_CHARS = 2000


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int
    paragraph: int  # index of the paragraph (blank-line separated) it belongs to


def split(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    paragraph, pos, blank = 0, 0, False
    for line in text.split("\n"):
        if not line.strip():
            blank = True
        else:
            if blank and out:
                paragraph += 1  # a blank line closed the paragraph before
            blank = False
            _split_line(line, pos, paragraph, out)
        pos += len(line) + 1
    return out


def _split_line(line: str, offset: int, paragraph: int, out: list[Sentence]) -> None:
    start = 0
    for m in _END.finditer(line):
        # The word before the stop; a few letters suffice to tell an abbreviation, and
        # reading back no further keeps a line of many stops linear, not quadratic.
        lookback = max(start, m.start() - _LONGEST_ABBREVIATION - 2)
        word = _WORD_BEFORE.search(line, lookback, m.end())
        token = word.group(1).lower() if word else ""
        if line[m.start()] == "." and (token in _ABBREVIATIONS or len(token) == 1):
            continue  # "Oct. 7", "U.S. officials", "J. Smith"
        _add(line, start, m.end(1), offset, paragraph, out)
        start = m.end()
    _add(line, start, len(line), offset, paragraph, out)


def _add(line, start, end, offset, paragraph, out) -> None:
    chunk = line[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    chunk = chunk.strip()
    s = offset + start + lead
    while len(chunk) > MAX_SENTENCE_CHARS:
        cut = max(chunk.rfind(" ", 0, MAX_SENTENCE_CHARS),
                  chunk.rfind("\t", 0, MAX_SENTENCE_CHARS))
        if cut < MAX_SENTENCE_CHARS // 2:
            cut = MAX_SENTENCE_CHARS  # no space near the limit: cut inside the word
        piece = chunk[:cut].rstrip()
        if piece:
            out.append(Sentence(piece, s, s + len(piece), paragraph))
        rest = chunk[cut:]
        s += cut + len(rest) - len(rest.lstrip())
        chunk = rest.strip()
    if chunk:
        out.append(Sentence(chunk, s, s + len(chunk), paragraph))
