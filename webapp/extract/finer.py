"""A place inside another beats the place around it.

"A strike on a house in the Zeitoun neighbourhood of Gaza City", "Shujaiya, in Gaza
City", "Gaza City's Sheikh Radwan": a coder places the event in the neighbourhood, not
at the city's centre point, which may be five kilometres away. The sentence's place
(the first one a locative introduces) is replaced by a finer place the same sentence
names inside it: a neighbourhood, camp, hospital or other site within the city's
built-up reach, or any town of the province the sentence names.
"""

from __future__ import annotations

from webapp.geocoder.context import haversine_km
from webapp.geocoder.kinds import PlaceKind
from webapp.models import Toponym

# Kinds that lie inside a town rather than beside it (a village or a town is a place of
# its own, even when a larger town is close).
INSIDE_TOWN = frozenset({
    PlaceKind.NEIGHBOURHOOD, PlaceKind.CAMP, PlaceKind.FACILITY, PlaceKind.HOSPITAL,
    PlaceKind.UNIVERSITY, PlaceKind.LANDMARK, PlaceKind.JUNCTION, PlaceKind.ROUNDABOUT,
    PlaceKind.PORT, PlaceKind.CROSSING, PlaceKind.AREA,
})
# How far from a city's point its neighbourhoods reach: Gaza City's coastal districts
# lie 4-5 km from its centre, Beirut's southern suburbs 5-7 km.
TOWN_REACH_KM = 8.0


def finest_inside(place: Toponym | None, others: list[Toponym]) -> Toponym | None:
    """``place``, or the first of ``others`` that lies inside it and is finer."""
    if place is None or place.kind not in (PlaceKind.CITY, PlaceKind.ADMIN_AREA):
        return place
    for other in others:
        if other is place or other.country_code != place.country_code or other.weak:
            continue
        if place.kind == PlaceKind.CITY:
            inside = (other.kind in INSIDE_TOWN and haversine_km(
                place.latitude, place.longitude, other.latitude, other.longitude)
                <= TOWN_REACH_KM)
        else:  # a province: any town, village or site in it
            inside = (other.geo_precision == 1 and other.admin1 == place.admin1
                      and other.kind != PlaceKind.ADMIN_AREA)
        if inside:
            return other
    return place
