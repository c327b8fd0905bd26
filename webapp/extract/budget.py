"""Bounds on the work one article may cost: a time budget, and text that can be stored.

A posted article is untrusted: it may be huge, or built to be slow (thousands of place
names, one endless sentence). The extractor takes a time limit and checks it between
small, bounded steps (a sentence, a place mention, a few hundred words); when the limit
passes it stops and raises :class:`ExtractionTimeout`, so nothing half-read is stored.
Each step is itself bounded: the patterns run in linear time, and a sentence longer
than :data:`MAX_SENTENCE_CHARS` is read in pieces (see :mod:`.sentences`), so the
limit is overshot by milliseconds, not seconds.
"""

from __future__ import annotations

import time

from webapp.errors import BriefingMapError


class ExtractionError(BriefingMapError):
    """An article the extractor will not read as given."""


class ExtractionTimeout(ExtractionError):
    """Reading an article took longer than its time budget; nothing was extracted."""


class UnreadableTextError(ExtractionError, ValueError):
    """An article's text is not valid Unicode (a lone surrogate): it could be neither
    stored nor shown, so it is refused whole (the caller's mistake: a 4xx, not a 5xx)."""


class Budget:
    """A deadline on the monotonic clock; ``check()`` raises once it has passed."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self._ends = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self._ends is not None and time.monotonic() > self._ends:
            raise ExtractionTimeout(
                f"the article took longer than {self.seconds:g} s to read and was not "
                "extracted; split it into shorter articles")

    @property
    def checker(self):
        """``check``, or None when unbounded (callees then skip the clock)."""
        return None if self._ends is None else self.check


def check_text(**fields: str | None) -> None:
    """Raise :class:`UnreadableTextError` when a field (``title=...``, ``text=...``) holds
    a lone surrogate: text a JSON ``"\\ud800"`` escape can produce, which UTF-8 cannot
    encode, so neither the store nor a page could hold it."""
    for name, value in fields.items():
        if not isinstance(value, str):
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise UnreadableTextError(
                f"the article's {name} is not valid Unicode: \\u{ord(value[err.start]):04x} "
                f"at character {err.start} is half of a UTF-16 surrogate pair with no "
                f"other half (a lone surrogate); send the text as UTF-8") from err
