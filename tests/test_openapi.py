"""The OpenAPI description at /api/openapi.json, and schemathesis against a live server
(``python -m webapp serve`` on a temporary store): every generated request, valid or
not by the description, must get an answer the description allows, and never a 5xx."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from conftest import add_user, make_event
from webapp.models import Article
from webapp.store import SQLiteStore
from webapp.web import create_app

ROOT = Path(__file__).resolve().parents[1]

# Generated cases per operation and mode: >= 1,000 in all, in 80-140 s on 2 shared cores.
# Snapshots draw a picture each (up to 4,000 px a side) and geocoding reads up to
# 100,000 characters of context each, so they get fewer.
EXAMPLES = {"snapshot": 25, "geocode": 60, "postArticle": 100, "openapi": 5, "job": 20}
DEFAULT_EXAMPLES = 120


def test_the_description_is_served_and_names_every_api_route(tmp_path, geocoder):
    app = create_app({"DB": str(tmp_path / "e.sqlite"), "GEOCODER": geocoder},
                     instance_path=tmp_path / "instance")
    spec = app.test_client().get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)   # Werkzeug's to OpenAPI's
              for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") or rule.rule == "/snapshot.png"}
    assert routes == set(spec["paths"])
    limit = next(p for p in spec["paths"]["/api/events"]["get"]["parameters"]
                 if p["name"] == "limit")
    assert limit["schema"]["maximum"] == app.config["MAX_PAGE"] == 10_000
    post = spec["paths"]["/api/articles"]["post"]
    assert post["security"] == [{"bearer": []}]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert post["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """``python -m webapp serve --port 0`` on a store of a few dozen events."""
    folder = tmp_path_factory.mktemp("live")
    db = folder / "events.sqlite"
    events = [make_event(f"live-{i:03d}", 31.2 + i / 100, 34.3 + i / 100, location="Rafah",
                         country_code="PS", admin1="Gaza Strip", fatalities=i % 3,
                         notes=f"Strike {i} on Rafah.", day=date(2024, 5, 1 + i % 9))
              for i in range(30)]
    with SQLiteStore(db) as store:
        store.add_article(Article(title="Strikes", text="Strikes on Rafah.",
                                  published=date(2024, 5, 9)), events)
    token = add_user(db, password=None)   # an editor's: posts reach the extractor
    # limits high enough that generated cases reach the views, not the rate limiter or
    # a full job queue (those answers, 429 and 503, have tests of their own)
    env = {**os.environ, "BRIEFING_SNAPSHOT_BROWSER": "none", "BRIEFING_JOB_QUEUE": "1000",
           "BRIEFING_WRITE_RATE_LIMIT": "100000/minute",
           "BRIEFING_SNAPSHOT_RATE_LIMIT": "100000/minute",
           "BRIEFING_INSTANCE_PATH": str(ROOT / "instance")}
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp", "serve", "--db", str(db), "--port", "0",
         "--threads", "4"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    try:
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", process.stdout.readline())
        assert match, "serve printed no address"
        base = match.group(1)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/openapi.json", timeout=10) as resp:
                    spec = json.load(resp)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.2)
        yield base, spec, token
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stdout.close()


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_description(
        live_server):
    import requests
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        ignored_auth,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    base, spec, token = live_server
    schema = schemathesis.openapi.from_dict(spec)
    # ignored_auth: an operation that names a security scheme answers 401 when the
    # request is sent again without its credentials
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_headers_conformance, response_schema_conformance, ignored_auth]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    cases: Counter = Counter()
    statuses: Counter = Counter()
    failures: list[str] = []
    started = time.monotonic()
    timings: dict[str, float] = {}

    for result in schema.get_all_operations():
        operation = result.ok()
        name = operation.definition.raw["operationId"]
        # (a path's one string, a job's id, has no invalid value a URL can carry)
        has_inputs = bool([p for p in operation.definition.raw.get("parameters", ())
                           if p["in"] != "path"]
                          or operation.definition.raw.get("requestBody"))
        modes = [GenerationMode.POSITIVE] + [GenerationMode.NEGATIVE] * has_inputs
        for mode in modes:   # (nothing to get wrong when nothing is asked)

            @settings(max_examples=EXAMPLES.get(name, DEFAULT_EXAMPLES), deadline=None,
                      database=None, derandomize=True, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call(base_url=base, session=session, timeout=60)
                cases[name, mode.value] += 1
                statuses[response.status_code] += 1
                try:
                    case.validate_response(response, checks=checks)
                except (Exception, BaseExceptionGroup) as err:   # kept; the run goes on
                    failures.append(f"{case.method} {case.formatted_path} "
                                    f"{str(case.query)[:200]} {str(case.body)[:200]!r} -> "
                                    f"{response.status_code}: {str(err)[:400]}")

            run()
            timings[name] = timings.get(name, 0) + time.monotonic() - started - sum(
                timings.values())

    took = time.monotonic() - started
    total = sum(cases.values())
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(f"\nschemathesis: {total} cases in {took:.0f} s, {server_errors} server errors; "
          f"statuses {dict(sorted(statuses.items()))}; per operation {dict(cases)}; seconds {timings}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:15])
    assert server_errors == 0
    assert total >= 1000, cases
