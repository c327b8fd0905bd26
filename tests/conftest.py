"""Shared fixtures: the real gazetteer (built once, cached under instance/)."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BRIEFING_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def regions():
    from webapp.regions import Regions

    return Regions.load()


def make_event(event_id, lat, lon, event_type="Explosions/Remote violence",
               sub="Air/drone strike", category="strike", day=date(2024, 5, 3), **fields):
    """A located event with the fields a test cares about; an air strike by default."""
    from webapp.models import Event

    fields.setdefault("geo_precision", 1)
    return Event(event_id=event_id, event_date=day, time_precision=1, event_type=event_type,
                 sub_event_type=sub, category=category, latitude=lat, longitude=lon,
                 **fields)


@pytest.fixture(scope="session")
def geocoder():
    from webapp.geocoder import OfflineGeocoder

    return OfflineGeocoder()


def run_cli(*args, input_text=None):
    """Run ``python -m webapp`` as a user would; returns the CompletedProcess."""
    import subprocess

    return subprocess.run([sys.executable, "-m", "webapp", *args], cwd=ROOT, input=input_text,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's) for every real-browser test of the run."""
    from browsing import CHROMIUM, chromium

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    with chromium() as opened:
        yield opened
