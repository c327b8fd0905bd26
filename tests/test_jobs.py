"""Long articles and batches as jobs: 202, a status URL, bounded time and a bounded queue."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest

from conftest import browser_client, editor_client
from conftest import make_app as shared_make_app

from webapp.errors import BriefingMapError
from webapp.jobs import JobRunner, JobsBusy, TimeLimitExceeded, run_in_child
from webapp.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = (ROOT / "webapp" / "samples" / "sitrep-2024-05-03.txt").read_text(encoding="utf-8")


def long_text(kib: int = 40) -> str:
    """A real report's paragraphs repeated past ``kib`` KiB, each copy a day apart."""
    copies, size, day = [], 0, 0
    while size < kib * 1024:
        copy = SAMPLE.replace("Friday", ["Monday", "Tuesday", "Wednesday"][day % 3])
        copies.append(f"Day {day}.\n\n{copy}")
        size += len(copies[-1]) + 2
        day += 1
    return "\n\n".join(copies)


@pytest.fixture
def db(empty_db):
    return empty_db


def make_app(db, geocoder, tmp_path, **config):
    return shared_make_app(db, geocoder, tmp_path, **{"RATELIMIT_ENABLED": False, **config})


@pytest.fixture
def app(db, geocoder, tmp_path):
    return make_app(db, geocoder, tmp_path)


def wait_for(client, status_url: str, seconds: float = 90) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(status_url)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.json
        if body["status"] in ("done", "failed"):
            return body
        assert body["status"] in ("queued", "running")
        assert response.headers["Retry-After"]
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def stored_articles(db) -> int:
    with SQLiteStore(db) as store:
        return store.articles_count()


def test_a_long_article_is_a_job_with_a_status_url(app, db):
    client = editor_client(app, db)
    text = long_text()
    response = client.post("/api/articles", json={"title": "Long report", "text": text,
                                                  "published": "2024-05-03"})
    assert response.status_code == 202, response.get_data(as_text=True)
    status_url = response.headers["Location"]
    assert status_url == response.json["status_url"]
    assert re.fullmatch(r"/api/jobs/[A-Za-z0-9_-]{24,}", status_url)   # unguessable
    assert response.json["status"] in ("queued", "running")

    done = wait_for(client, status_url)
    assert done["status"] == "done", done
    result = done["result"]
    assert result["stored"] is True and result["events"] > 10
    listed = client.get(f"/api/events?article={result['article']}&include_flagged=1")
    assert len(listed.json["features"]) == result["events"]
    assert stored_articles(db) == 1
    # the page of the job goes to the article's map, with the usual banner
    page = client.get(response.json["page_url"])
    assert page.status_code == 303
    assert page.headers["Location"].endswith(
        f"article={result['article']}&notice=stored-{result['events']}")


def test_a_short_article_is_still_answered_at_once(app, db):
    response = editor_client(app, db).post("/api/articles", json={
        "title": "Short", "text": SAMPLE, "published": "2024-05-03"})
    assert response.status_code == 201 and response.json["features"]


def test_a_short_article_read_past_the_request_time_limit_is_422_and_stores_nothing(
        db, geocoder, tmp_path):
    # a text read while the client waits is bounded too: a thread is not held for it
    client = editor_client(make_app(db, geocoder, tmp_path, REQUEST_TIME_LIMIT=0.001), db)
    response = client.post("/api/articles", json={"title": "Short", "text": SAMPLE,
                                                  "published": "2024-05-03"})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "longer than 0.001 s" in response.json["error"]
    assert "Nothing was stored" in response.json["error"]
    assert stored_articles(db) == 0


def test_the_paste_form_sends_a_long_article_to_a_page_that_waits_for_it(app, db):
    client, token = browser_client(app, db)
    response = client.post("/api/articles", data={
        "csrf_token": token, "title": "Long report", "text": long_text(),
        "published": "2024-05-03", "url": ""}, headers={"Accept": "text/html"})
    assert response.status_code == 303
    page_url = response.headers["Location"]
    assert page_url.startswith("/jobs/")
    first = client.get(page_url)
    if first.status_code == 200:   # still working: the page says so and reloads itself
        text = first.get_data(as_text=True)
        assert "Extracting the article" in text and 'http-equiv="refresh"' in text
    deadline = time.monotonic() + 90
    while (answer := client.get(page_url)).status_code == 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert answer.status_code == 303 and "notice=stored-" in answer.headers["Location"]
    assert client.get(answer.headers["Location"]).status_code == 200


def test_a_batch_is_one_job_and_each_article_is_stored(app, db):
    client = editor_client(app, db)
    batch = [{"title": "One", "text": SAMPLE, "published": "2024-05-03"},
             {"title": "Two", "text": SAMPLE + "\n\nTwo people were killed in Tyre on "
                                               "Saturday.", "published": "2024-05-04"},
             {"title": "One", "text": SAMPLE, "published": "2024-05-03"}]
    response = client.post("/api/articles", json=batch)
    assert response.status_code == 202 and response.json["kind"] == "batch"
    done = wait_for(client, response.headers["Location"])
    assert done["status"] == "done", done
    items = done["result"]["articles"]
    assert [item["stored"] for item in items] == [True, True, False]
    assert items[2]["duplicate"] is True and done["result"]["stored"] == 2
    assert stored_articles(db) == 2
    with SQLiteStore(db) as store:   # stored by the job's thread, in the poster's name
        assert [entry.who for entry in store.audit_trail()
                if entry.action == "article.add"] == ["ed", "ed"]


def test_a_batch_of_one_is_still_a_batch(app, db):
    client = editor_client(app, db)
    response = client.post("/api/articles", json=[{"title": "One", "text": SAMPLE}])
    assert response.status_code == 202 and response.json["kind"] == "batch"
    done = wait_for(client, response.headers["Location"])
    assert [item["stored"] for item in done["result"]["articles"]] == [True]
    page = client.get(response.json["page_url"])   # a list of the batch's articles
    assert page.status_code == 200 and "Batch done" in page.get_data(as_text=True)


@pytest.mark.parametrize("batch, word", [
    ([], "1 to"), ([{"text": SAMPLE}, "not an object"], "article 2"),
    ([{"text": SAMPLE}, {"text": ""}], "article 2 of the batch: the article's text is empty"),
])
def test_a_bad_batch_is_refused_whole(app, db, batch, word):
    response = editor_client(app, db).post("/api/articles", json=batch)
    assert response.status_code == 400 and word in response.json["error"]
    assert stored_articles(db) == 0


def test_a_batch_over_the_limit_is_refused(db, geocoder, tmp_path):
    client = editor_client(make_app(db, geocoder, tmp_path, MAX_BATCH_ARTICLES=2), db)
    response = client.post("/api/articles", json=[{"text": SAMPLE}] * 3)
    assert response.status_code == 400 and "1 to 2 articles" in response.json["error"]


def test_an_article_over_its_time_limit_fails_clearly_and_stores_nothing(db, geocoder,
                                                                         tmp_path):
    client = editor_client(make_app(db, geocoder, tmp_path, ARTICLE_TIME_LIMIT=0.01), db)
    response = client.post("/api/articles", json={"text": long_text(128),
                                                  "published": "2024-05-03"})
    done = wait_for(client, response.headers["Location"])
    assert done["status"] == "failed"
    assert "took longer than 0.01 s" in done["error"] and "nothing was stored" in done["error"]
    assert "/" not in done["error"]   # no path or internals
    assert stored_articles(db) == 0


def test_a_full_queue_is_503_with_retry_after_and_nothing_stored(db, geocoder, tmp_path):
    app = make_app(db, geocoder, tmp_path, JOB_WORKERS=1, JOB_QUEUE=1)
    release = threading.Event()
    runner = app.extensions["briefing_jobs"]
    held = [runner.submit("test", release.wait) for _ in range(2)]   # one running, one queued
    try:
        client = editor_client(app, db)
        response = client.post("/api/articles", json={"text": long_text()})
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert "busy" in response.json["error"] and "Nothing was stored" in response.json["error"]
        page = client.post("/api/articles", json=[{"text": SAMPLE}],
                           headers={"Accept": "text/html"})
        assert page.status_code == 503
    finally:
        release.set()
    for job in held:
        deadline = time.monotonic() + 10
        while runner.get(job.id).status != "done":
            assert time.monotonic() < deadline
            time.sleep(0.05)
    # with the queue free again, the next long article is taken
    assert client.post("/api/articles", json={"text": long_text()}).status_code == 202


def test_an_unknown_job_is_a_404(app):
    client = app.test_client()
    response = client.get("/api/jobs/not-a-job")
    assert response.status_code == 404 and "No such job" in response.json["error"]
    page = client.get("/jobs/" + "x" * 300)
    assert page.status_code == 404 and page.mimetype == "text/html"


# -- the runner and the child process on their own ----------------------------------

def test_the_runner_refuses_past_workers_plus_queue_and_reports_failures():
    runner = JobRunner(workers=1, queue_size=1)
    release = threading.Event()
    first = runner.submit("wait", release.wait)
    second = runner.submit("fail", lambda: (_ for _ in ()).throw(BriefingMapError("bad input")))
    with pytest.raises(JobsBusy):
        runner.submit("third", lambda: None)
    release.set()
    deadline = time.monotonic() + 10
    while runner.get(second.id).status not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert runner.get(first.id).status == "done"
    assert runner.get(second.id).as_dict()["error"] == "bad input"
    runner.shutdown()


def test_work_in_a_child_is_stopped_at_its_time_limit():
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded, match="took longer than 0.3 s"):
        run_in_child(time.sleep, (30,), 0.3, what="sleeping")
    assert time.monotonic() - started < 5


def test_a_child_that_dies_or_fails_is_one_clear_error():
    with pytest.raises(BriefingMapError, match="stopped unexpectedly"):
        run_in_child(os._exit, (3,), 10, what="the work")
    with pytest.raises(BriefingMapError, match="failed unexpectedly"):
        run_in_child(int, ("not a number",), 10)
    assert run_in_child(sum, ([1, 2, 3],), 10) == 6
