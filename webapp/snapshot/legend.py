"""The legend of the browser's snapshot page, as HTML written by a Jinja template.

It prints the words of :mod:`webapp.snapshot.caption` (the same the matplotlib picture
prints): the types with their exact counts, a note when the marks are clusters, what
was selected but not drawn, and (single events only) the categories' glyph shapes.
The standalone export of many events prints it too, with its regions' classes.
Autoescape is on: report text never becomes markup; only the glyphs, SVG made by
:func:`webapp.map_html.glyph` from fixed shapes and checked colours, are passed as is.
"""

from __future__ import annotations

from collections import Counter

from jinja2 import Environment
from markupsafe import Markup

from webapp.map_html import CATEGORY_SHAPES, LEGEND_GLYPH_COLOUR, glyph
from webapp.models import vocabulary
from webapp.snapshot.caption import left_out_notes, legend_rows, marks_note
from webapp.snapshot.marks import Marks

_TEMPLATE = Environment(autoescape=True).from_string("""\
<h4>Events on the map</h4>
{%- if note %}<p class="bl-note bl-clusters">{{ note }}</p>{% endif -%}
<ul>
{%- for name, colour, count in rows -%}
<li><span class="bl-key bl-dot" style="background:{{ colour }}"></span>
{{- name or "Unknown type" }}<span class="bl-count">{{ "{:,}".format(count) }}</span></li>
{%- endfor -%}
</ul>
{%- if categories -%}
<details open><summary>Categories</summary><ul>
{%- for label, shape, count in categories -%}
<li><span class="bl-key">{{ shape }}</span>{{ label or "Uncategorised" }}
<span class="bl-count">{{ "{:,}".format(count) }}</span></li>
{%- endfor -%}
</ul></details>
{%- endif -%}
{%- for line in notes %}<p class="bl-note">{{ line }}</p>{% endfor -%}
{%- if regions -%}
<details><summary>Events per region</summary><ul>
{%- for label, colour in regions -%}
<li><span class="bl-key" style="background:{{ colour }};opacity:.8"></span>{{ label }}</li>
{%- endfor -%}
</ul><p class="bl-note">Tick “Events per region” above to shade admin-1 areas.</p>
</details>
{%- endif -%}
""")


def legend_html(marks: Marks, region_keys=(), note: str | None = None) -> str:
    """The legend's HTML for ``marks`` (with ``note`` instead of the picture's note on
    clusters, and the classes of a regions layer when given)."""
    labels = vocabulary()["categories"]
    drawn = Counter(e.category for e in marks.events)
    order = [c for c in labels if c in drawn] + sorted(c for c in drawn if c not in labels)
    categories = [(labels.get(c, {}).get("label", c),
                   Markup(glyph(CATEGORY_SHAPES.get(c, "circle"), LEGEND_GLYPH_COLOUR, 14)),
                   drawn[c]) for c in order]
    return _TEMPLATE.render(rows=legend_rows(marks), note=note or marks_note(marks),
                            categories=categories, notes=left_out_notes(marks),
                            regions=list(region_keys))
