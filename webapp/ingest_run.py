"""One ingest run: files are read into articles, articles become events, and both go
to the store, here in this process. :mod:`webapp.ingest_dask` does the same on a Dask
cluster; both keep the same tally, so they end with the same summary line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from webapp.geocoder.user_places import keep_current
from webapp.ingest import IngestError, read_file
from webapp.models import Article, Event


@dataclass
class IngestTally:
    """What a run did: articles stored, articles already there, files (or articles)
    that failed, and the stored events per type."""

    added: int = 0
    duplicates: int = 0
    failed: int = 0
    per_type: Counter = field(default_factory=Counter)

    def count_stored(self, batch: list[tuple[Article, list[Event]]],
                     stored: list[bool]) -> None:
        for (_, events), new in zip(batch, stored):
            if new:
                self.added += 1
                self.per_type.update(e.event_type for e in events)
            else:
                self.duplicates += 1

    def summary(self) -> str:
        types = ", ".join(f"{t} {n}" for t, n in self.per_type.most_common()) or "none"
        return (f"{self.added} article(s) ingested, {self.duplicates} already stored, "
                f"{self.failed} failed; {sum(self.per_type.values())} event(s): {types}")


def ingest_here(files, store, extractor, *, published=None, by: str | None = None,
                report: Callable[[str], None] = lambda message: None,
                files_done: Callable[[int], None] = lambda n: None,
                corrections: bool = False) -> IngestTally:
    """Ingest ``files`` in this process, one article (one transaction) at a time. A
    file that cannot be read is reported and counted; the others go on. With
    ``corrections``, an event reported again updates the stored one
    (:func:`store_article`)."""
    tally = IngestTally()
    for path in files:
        try:
            articles = read_file(path, published)
        except IngestError as err:
            report(str(err))
            tally.failed += 1
            files_done(1)
            continue
        for article in articles:
            # the store's user places, read again only when they changed
            keep_current(extractor.geocoder, store)
            events = extractor.events(article)
            new, events = store_article(store, article, events, by=by,
                                        corrections=corrections)
            tally.count_stored([(article, events)], [new])
        files_done(1)
    return tally


def store_article(store, article: Article, events: list[Event], *, by: str | None = None,
                  feed=None, corrections: bool = True) -> tuple[bool, list[Event]]:
    """Store one article with its events, in one transaction: with ``corrections``,
    events that report a stored event again correct it instead of being added
    (:mod:`webapp.corrections`). Returns (whether the article was new, the events
    added as new). ``feed`` (a watched source's poll) is written in the same
    transaction."""
    from webapp.corrections import reconcile

    if not corrections:
        return store.add_articles([(article, events)], by=by, feed=feed)[0], events
    if article.content_hash in store.has_articles([article.content_hash]):
        if feed is not None:
            store.add_articles([], feed=feed)
        return False, []
    keep, changes = reconcile(store, article, events)
    stored = store.add_articles([(article, keep)], by=by, feed=feed,
                                corrections={article.content_hash: changes})
    return stored[0], keep if stored[0] else []
