"""Ranking the readings of a name: importance, how well the name matches, context.

Scores are in log10(population)-like units, so "ten times bigger" and "named by the
article's context" can be weighed against each other. The weights were set by
measuring on the development corpora (see bench/README.md), not per place.
"""

from __future__ import annotations

import numpy as np

from webapp.geocoder.context import EMPTY, Context, haversine_km
from webapp.geocoder.kinds import AREA_KINDS, SUPRANATIONAL, PlaceKind
from webapp.geocoder.normalize import exact_key, loose_key

LOOSE_MATCH = -1.0      # found only through transliteration folding
OWN_NAME = 0.5          # the query is the place's own name, not one of its aliases
ALIAS_NAME = -0.3
COUNTRY_SHARE = 2.5     # times the share of the text's evidence pointing at the country
ADMIN1_NAMED = 1.5      # a city in an admin-1 area the text names
NEAR_ANCHOR = ((50, 1.5), (150, 1.0), (400, 0.4))  # km to a place the text names
DATELINE_COUNTRY = 0.5
COUNTRY_NAMESAKE = 2.0  # a small province named like a country yields to the country
NAMESAKE_NEAR_KM = 150  # a province's namesake city this close is the province's own
DATELINE_SELF = 10.0    # a dateline names a town: at the dateline, towns before areas
SMALL_PROVINCE_KM2 = 60_000
NEAR_IN_TEXT = 1.5
CONTEXT_CAP = 6.0
SUPRANATIONAL_BONUS = 1.0      # the country is named within a few sentences of the name
# The story's focus (focus.py): a town, county or state in the admin-1 area the story is
# about, times its share of the focus. Beyond CONTEXT_CAP: in local news it is what
# decides between Lebanon, Tennessee and the country.
FOCUS = 3.0
QUALIFIED_ELSEWHERE = 3.0  # "Paris, Missouri" earlier: a later bare "Paris" is that one
OUT_OF_FOCUS_SHARE = 0.5   # a story this much about one area has a home (_local_terms)
IN_NAMED_COUNTY = 3.0      # "Palestine" and "Anderson County": the town in that county
NAMED_ABROAD = 2.0         # the famous city abroad, its country named near the name
FAMOUS_GAP = 1.0           # a namesake abroad ten times more important is "famous"
TOWN_CUE = 4.0             # "the city of Turkey": not the country, not a state


class Ranker:
    def __init__(self, gaz):
        self.gaz = gaz

    def scored(self, name: str, ctx: Context, allowed=frozenset(), areas_only=False) -> list:
        """(score, record id) of every reading of a name, best first."""
        gaz = self.gaz
        exact, loose = gaz.lookup(name)
        key = exact_key(name)
        demonym_of = gaz.demonyms.get(key)
        if demonym_of and gaz.country(demonym_of) is not None:
            # "Lebanese", "U.S.": a weak, country-level mention of that country.
            exact = [gaz.country(demonym_of), *exact]
        if not exact and not loose:
            return []
        namesakes = self._namesake_cities(name, exact)
        biggest_namesake = max(namesakes.values(), default=0)
        # "Mali", "Zaire": a country's own name, which a small province elsewhere shares
        country_named = any(gaz.kinds[i] == PlaceKind.COUNTRY and exact_key(gaz.names[i]) == key
                            for i in exact)
        ids, scores, own = [], [], []
        for group, match_bonus in ((exact, 0.0), (loose, LOOSE_MATCH)):
            for i in group:
                cc, kind = gaz.country_codes[i], gaz.kinds[i]
                if allowed and cc not in allowed:
                    continue
                if areas_only and (kind not in AREA_KINDS or i not in gaz.shapes_wkb):
                    continue
                score = float(gaz.prior[i])
                score += match_bonus
                own_name = exact_key(gaz.names[i]) == key
                score += OWN_NAME if own_name else ALIAS_NAME
                if kind == PlaceKind.ADMIN_AREA:
                    if areas_only:
                        # "northern Gaza": the region around the namesake city is meant
                        score += 1.0 if namesakes.get(cc, 0) >= 20000 else 0.0
                    elif namesakes.get(cc, 0) >= 20000:
                        # "Aleppo", "Rafah" mean the city, not the province around it;
                        # "New York", "Quebec" more often the state or province; and a
                        # town far away ("Delaware", Ohio) takes nothing from the state.
                        if (gaz.area_km2.get(i, 0) < SMALL_PROVINCE_KM2
                                and self._namesake_inside(name, exact, i)):
                            score -= 2.5
                    elif biggest_namesake >= 200000:
                        score -= 1.0  # "Gaza" is the city before Mozambique's province
                    if country_named and gaz.area_km2.get(i, 0) < SMALL_PROVINCE_KM2:
                        score -= COUNTRY_NAMESAKE
                ids.append(i)
                scores.append(score)
                own.append(own_name)
        if ctx is not EMPTY and ids:
            scores = np.asarray(scores) + self._context_bonus(ids, ctx, key, own)
        order = np.argsort(-np.asarray(scores), kind="stable")
        return [(float(scores[k]), ids[k]) for k in order]

    def best_with_margin(self, key: str, ctx: Context):
        """Best record for a mention in a context, and its lead over the best reading
        in another country (used by the context's second pass)."""
        scored = self.scored(key, ctx)
        if not scored:
            return None, 0.0
        best_score, best = scored[0]
        cc = self.gaz.country_codes[best]
        rival = next((s for s, i in scored[1:] if self.gaz.country_codes[i] != cc), None)
        return best, (best_score - rival) if rival is not None else 9.0

    def _namesake_inside(self, name: str, exact: list[int], area: int) -> bool:
        """Whether a city of 20,000 or more named ``name`` lies in or by the admin area
        ``area`` (its admin-1 is the area, or it is within NAMESAKE_NEAR_KM of it)."""
        gaz, lkey = self.gaz, loose_key(name)
        cc, region = gaz.country_codes[area], loose_key(gaz.admin1[area] or gaz.names[area])
        for j in exact:
            if (gaz.kinds[j] != PlaceKind.CITY or gaz.country_codes[j] != cc
                    or gaz.population[j] < 20000 or loose_key(gaz.names[j]) != lkey):
                continue
            if loose_key(gaz.admin1[j] or "") == region or haversine_km(
                    gaz.lat[j], gaz.lon[j], gaz.lat[area], gaz.lon[area]) < NAMESAKE_NEAR_KM:
                return True
        return False

    def _namesake_cities(self, name: str, exact: list[int]) -> dict[str, int]:
        """Largest population, per country, of cities whose own name is the query."""
        gaz, lkey, out = self.gaz, loose_key(name), {}
        for i in exact:
            if gaz.kinds[i] == PlaceKind.CITY and loose_key(gaz.names[i]) == lkey:
                cc = gaz.country_codes[i]
                out[cc] = max(out.get(cc, 0), int(gaz.population[i]))
        return out

    def _context_bonus(self, ids: list[int], ctx: Context, key: str, own: list) -> np.ndarray:
        """Score points from the text around the name; ``own`` tells, per reading,
        whether the name is the place's own (not an alias)."""
        gaz = self.gaz
        idx = np.asarray(ids)
        distance = ctx.anchor_distances(gaz.lat[idx], gaz.lon[idx], exclude=key)
        bonus = np.zeros(len(ids))
        near_cc, near_admin1 = ctx.nearby(exclude=key)
        at_dateline, dateline_record = False, None
        if ctx.dateline_place:
            record, start, end, name, qualified = ctx.dateline_place
            at_dateline = ctx.position is not None and start <= ctx.position < end
            # "COLUMBIA, Ky.": the town the qualifier picked, wherever it is named again
            dateline_record = record if qualified and name == key else None
        out_of_focus, local = self._local_terms(ids, ctx, key, own, near_cc, distance)
        for n, i in enumerate(ids):
            cc, kind = gaz.country_codes[i], gaz.kinds[i]
            share = ctx.country_share(cc, exclude=key)
            b = COUNTRY_SHARE * share * (0.5 if out_of_focus[n] else 1.0)
            if cc in near_cc:
                b += NEAR_IN_TEXT
                if (cc, gaz.admin1[i]) in near_admin1:
                    b += NEAR_IN_TEXT / 2
            if ctx.dateline and cc == ctx.dateline[2]:
                b += DATELINE_COUNTRY
            # Areas hold the evidence that points at them: a country gets what its
            # named places would give a city in it, an admin area what its cities give.
            if kind == PlaceKind.COUNTRY:
                b += 1.5 * share + 1.0 if share > 0 else 0.0
            elif kind == PlaceKind.ADMIN_AREA:
                b += 2.5 if ctx.names_admin1(cc, gaz.admin1[i], exclude=key) else 0.0
            elif kind in SUPRANATIONAL:
                b += SUPRANATIONAL_BONUS
            else:
                if ctx.names_admin1(cc, gaz.admin1[i], exclude=key):
                    b += ADMIN1_NAMED
                for limit_km, value in NEAR_ANCHOR:
                    if distance[n] < limit_km:
                        b += value
                        break
            bonus[n] = min(b, CONTEXT_CAP)
            bonus[n] += local[n]
            if at_dateline and kind == PlaceKind.CITY:
                bonus[n] += DATELINE_SELF
            if i == dateline_record:
                bonus[n] += DATELINE_SELF
        return bonus

    def _local_terms(self, ids: list[int], ctx: Context, key: str, own: list, near_cc,
                     distance):
        """What the story's focus (focus.py) says of each reading: whether the reading
        is a town of the home country outside the story's area, named like a famous
        place abroad (its share of the country's evidence is halved), and a bonus."""
        gaz = self.gaz
        out_of_focus = np.zeros(len(ids), dtype=bool)
        local = np.zeros(len(ids))
        if not (ctx.focus or ctx.qualified or ctx.town_keys or len(ctx.counties[0])):
            return out_of_focus, local
        here_qualified, qualified = ctx.qualifier_at(key) if key in ctx.qualified else ((), ())
        # "California, Pennsylvania" or "Ontario, New York" is not lifted over the
        # state or province by the focus: states are named far more often than such towns
        area_named = any(gaz.kinds[i] == PlaceKind.ADMIN_AREA and o for i, o in zip(ids, own))
        # "the city of Turkey": when a town of that very name is among the readings
        town_cued = key in ctx.town_keys and any(
            gaz.kinds[i] == PlaceKind.CITY and o for i, o in zip(ids, own))
        home, home_share = ctx.main_focus(exclude=key)
        shares = ctx.focus_shares(exclude=key)
        home_cc = home[0] if home and home_share >= OUT_OF_FOCUS_SHARE else None
        # "in France ... on Paris' Champs-Elysees": when the text names, near the name,
        # the country of a reading abroad, the story's home focus does not choose
        abroad = {gaz.country_codes[i] for i in ids} & near_cc - {home[0] if home else ""}
        focus_weight = 0.0 if abroad else FOCUS
        best_by_cc: dict = {}   # the name's most important city or country, per country
        for i in ids:
            if gaz.kinds[i] in (PlaceKind.CITY, PlaceKind.COUNTRY):
                c = gaz.country_codes[i]
                best_by_cc[c] = max(best_by_cc.get(c, -1.0), float(gaz.prior[i]))
        # the two most important countries' best readings: "elsewhere" is one of them
        ranked = sorted(best_by_cc.items(), key=lambda pair: -pair[1])[:2] + [("", -1.0)] * 2
        in_county = ctx.in_named_county(gaz.lat[ids], gaz.lon[ids], exclude=key)
        for n, i in enumerate(ids):
            cc, kind, admin1 = gaz.country_codes[i], gaz.kinds[i], gaz.admin1[i]
            own_name = own[n]
            famous_elsewhere = ranked[1][1] if ranked[0][0] == cc else ranked[0][1]
            # a New Jersey story's "Paris" is no likelier the Texan one for being
            # American: the country's evidence is the state's
            out_of_focus[n] = (cc == home_cc and kind in (PlaceKind.CITY, PlaceKind.COUNTY)
                               and gaz.prior[i] + FAMOUS_GAP <= famous_elsewhere
                               and distance[n] > NEAR_ANCHOR[1][0]
                               and shares.get((cc, admin1), 0.0) == 0.0)
            if (cc in abroad and home_cc is not None and kind == PlaceKind.CITY
                    and gaz.prior[i] >= FAMOUS_GAP + best_by_cc.get(home_cc, 99.0)):
                local[n] += NAMED_ABROAD   # a Kentucky paper's "in France ... Paris"
            if in_county[n] and own_name and kind == PlaceKind.CITY:
                local[n] += IN_NAMED_COUNTY
            if (own_name and kind != PlaceKind.COUNTRY and kind not in SUPRANATIONAL
                    and not (kind != PlaceKind.ADMIN_AREA and area_named)):
                local[n] += focus_weight * shares.get((cc, admin1), 0.0)
            if (cc, admin1) in here_qualified or (cc, "") in here_qualified:
                local[n] += DATELINE_SELF
            elif (cc, admin1) in qualified or (cc, "") in qualified:
                local[n] += QUALIFIED_ELSEWHERE
            if town_cued and kind in (PlaceKind.COUNTRY, PlaceKind.ADMIN_AREA):
                local[n] -= TOWN_CUE
        return out_of_focus, local


__all__ = ["Ranker"]
