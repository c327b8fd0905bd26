"""The three triggers that keep a count table (cells, points, days) in step with the
events: what an inserted event adds, a deleted one takes away, and an updated one
does both."""

from __future__ import annotations

from collections.abc import Callable


def count_triggers(name: str, upsert: str, row_sql: Callable[[str, str], str],
                   watched: str) -> dict[str, str]:
    """{trigger name: CREATE TRIGGER} for the table ``name`` ("cells"): ``upsert`` is
    its INSERT ... ON CONFLICT with a ``{select}`` slot, ``row_sql(prefix, sign)`` the
    SELECT of what the event ``NEW``/``OLD`` adds (``sign`` "" or "-"), ``watched`` the
    columns whose change moves the event's counts."""
    add = upsert.format(select=row_sql("NEW", ""))
    remove = upsert.format(select=row_sql("OLD", "-"))
    return {
        f"events_{name}_insert": f"CREATE TRIGGER events_{name}_insert AFTER INSERT ON "
                                 f"events BEGIN {add}; END",
        f"events_{name}_delete": f"CREATE TRIGGER events_{name}_delete AFTER DELETE ON "
                                 f"events BEGIN {remove}; END",
        f"events_{name}_update": f"CREATE TRIGGER events_{name}_update AFTER UPDATE OF "
                                 f"{watched} ON events BEGIN {remove}; {add}; END",
    }
