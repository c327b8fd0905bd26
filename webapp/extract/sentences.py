"""Splitting article text into sentences with their character spans.

Wire copy is regular enough for rules: a sentence ends at . ! or ? followed by space
and a capital letter or an opening quote, except after abbreviations news writes with
a full stop ("Oct. 7", "U.S.", "Gen.", "Mr."). Line breaks always end a sentence, so
the headline and the dateline stay apart from the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec mr mrs ms dr gen lt col maj capt sgt "
    "sen rep gov st mt ft vs etc inc corp co ltd jr sr prof rev dept est approx".split()
)
_END = re.compile(r"([.!?][\"'”’)]*)\s+(?=[\"“'‘(]?[A-Z0-9])")


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
        word = re.search(r"([A-Za-z]+)[.!?]?[\"'”’)]*\s*$", line[start:m.end()])
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
    if chunk:
        s = offset + start + lead
        out.append(Sentence(chunk, s, s + len(chunk), paragraph))
