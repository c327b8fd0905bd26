"""An online geopy geocoder behind the offline one: used only on a miss, and cached."""

from geopy.exc import GeocoderUnavailable
from geopy.location import Location
import pytest

from webapp.errors import GeocoderServiceError
from webapp.geocoder import make_geocoder


class FakeService:
    """Stands in for Nominatim and friends: no network in tests."""

    def __init__(self, fail=False):
        self.calls = []
        self.fail = fail

    def geocode(self, query, exactly_one=True, timeout=None):
        self.calls.append(query)
        if self.fail:
            raise GeocoderUnavailable("service down")
        if query == "221B Baker Street, London":
            return Location("221B Baker Street, London, UK", (51.5238, -0.1586), {"id": 1})
        return None


@pytest.fixture
def chain(geocoder, tmp_path):
    service = FakeService()
    config = {"GEOCODER_FALLBACK": service, "INSTANCE_PATH": str(tmp_path),
              "GEOCODER_FALLBACK_DELAY": 0}
    return make_geocoder(config, offline=geocoder), service, tmp_path


def test_offline_answers_first(chain):
    g, service, _ = chain
    assert g.geocode("Rafah").raw["source"].startswith("geonames:")
    assert service.calls == []


def test_miss_goes_online_once_then_comes_from_the_disk_cache(chain, geocoder):
    g, service, tmp_path = chain
    loc = g.geocode("221B Baker Street, London")
    assert round(loc.latitude, 3) == 51.524 and loc.raw["source"] == "fakeservice"
    assert g.geocode("221B Baker Street, London").address == loc.address
    assert service.calls == ["221B Baker Street, London"]
    # a new chain over the same instance folder still remembers, misses included
    assert g.geocode("Qwxzzy Plorb") is None
    again = make_geocoder({"GEOCODER_FALLBACK": service, "INSTANCE_PATH": str(tmp_path),
                           "GEOCODER_FALLBACK_DELAY": 0}, offline=geocoder)
    assert again.geocode("Qwxzzy Plorb") is None
    assert service.calls.count("Qwxzzy Plorb") == 1


def test_service_failure_is_translated(geocoder, tmp_path):
    g = make_geocoder({"GEOCODER_FALLBACK": FakeService(fail=True), "INSTANCE_PATH": str(tmp_path),
                       "GEOCODER_FALLBACK_DELAY": 0}, offline=geocoder)
    with pytest.raises(GeocoderServiceError):
        g.geocode("Somewhere Not Offline 12")


def test_offline_is_the_default(geocoder):
    assert make_geocoder({}, offline=geocoder) is geocoder


def test_service_by_name_is_a_geopy_class(geocoder, tmp_path):
    g = make_geocoder({"GEOCODER_FALLBACK": "nominatim",
                       "GEOCODER_FALLBACK_OPTIONS": {"user_agent": "briefing-map-test"},
                       "INSTANCE_PATH": str(tmp_path)}, offline=geocoder)
    assert type(g.online).__name__ == "Nominatim"
    with pytest.raises(GeocoderServiceError):
        make_geocoder({"GEOCODER_FALLBACK": "no-such-service", "INSTANCE_PATH": str(tmp_path)},
                      offline=geocoder)
