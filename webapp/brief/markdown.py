"""The brief as Markdown, its maps as PNG files beside it (``<stem>-overview.png``...).

Report text is escaped so that it reads as typed: no link, heading, table cell or HTML
can be made by the words of a report.
"""

from __future__ import annotations

import re

from webapp.brief.content import Brief, Row
from webapp.brief.pictures import Picture
from webapp.snapshot.caption import filters_text

# With the brackets escaped no link or image can start, so parentheses stay as typed.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def text(value) -> str:
    """Report text on one line, Markdown's and HTML's special characters escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(value).split())).replace("&", "&amp;")


def picture_file(stem: str, picture: Picture) -> str:
    return f"{stem}-{picture.name}.png"


def brief_markdown(brief: Brief, pictures: list[Picture], stem: str) -> str:
    """The document; ``stem`` (a safe file stem) names the PNGs it links to."""
    out = [f"# {text(brief.title)}", "", f"**{text(brief.period_words)}**", "",
           text(brief.summary), ""]
    if pictures:
        out += [_image(pictures[0], stem), "", f"*{text(pictures[0].caption)}*", ""]
    out += [f"Made {brief.made_at:%Y-%m-%d %H:%M} UTC from the filters: "
            f"{text(filters_text(brief.filters))}.", "", "## Counts", ""]
    for heading, label, rows in (("By event type", "Event type", brief.by_type),
                                 ("By category", "Category", brief.by_category),
                                 ("By region", "Region", brief.by_region)):
        out += [f"### {heading}", ""] + _table(brief, label, rows, heading == "By region")
    if brief.compared:
        out += ["### Rose sharply", ""]
        out += [f"- {text(r.name)}: {r.now:,} events, {r.change}" for r in brief.rising] \
            or ["No region rose sharply."]
        out += ["", "### New areas", ""]
        out += [f"- {text(r.name)}: {r.now:,} events, none in the previous period"
                for r in brief.new_areas[:15]] or \
            ["No region without events in the previous period has any now."]
        out.append("")
    for picture in pictures[1:]:
        out += [f"## {text(picture.caption)}", "", _image(picture, stem), ""]
    out += ["## Key events", ""]
    if brief.key_events:
        out += ["| Date | Place | What happened | Actors | Fatalities | Source |",
                "|---|---|---|---|---:|---|"]
        for e in brief.key_events:
            what = ("**updated** " if e.updated else "") + text(e.summary) + \
                f" *({text(e.event_type)} · {e.why})*"
            source = f"<{e.source_url}>" if e.source_url and _plain_url(e.source_url) \
                else text(e.source)
            out.append(f"| {e.day or 'undated'} | {text(e.place)} | {what} | "
                       f"{text(e.actors)} | {e.fatalities} | {source} |")
    else:
        out.append("No key events in this period.")
    out += ["", "## Method and sources", ""]
    for note in brief.method:
        out += [text(note), ""]
    return "\n".join(out)


def _image(picture: Picture, stem: str) -> str:
    return f"![{text(picture.caption)}]({picture_file(stem, picture)})"


def _plain_url(url: str) -> bool:
    """A URL that an autolink carries as it is (no space, angle bracket or pipe)."""
    return not re.search(r"[\s<>|`]", url)


def _table(brief: Brief, label: str, rows: list[Row], fatalities: bool) -> list[str]:
    if not rows:
        return ["No events.", ""]
    heads = [label, "Events"] + (["Fatalities"] if fatalities else []) + (
        ["Previous", "Change"] if brief.compared else [])
    lines = ["| " + " | ".join(heads) + " |",
             "|---" + "|---:" * (len(heads) - 1) + "|"]
    for row in rows:
        cells = [text(row.name), f"{row.now:,}"] + (
            [f"{row.fatalities or 0:,}"] if fatalities else [])
        if brief.compared:
            cells += [f"{row.before:,}", row.change]
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]
