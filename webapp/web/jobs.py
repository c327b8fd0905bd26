"""Long articles and batches as jobs: ``POST /api/articles`` answers ``202 Accepted`` with
the job's status URL (``Location``) when the text is over ``ASYNC_ARTICLE_BYTES`` or the
body is a list of articles; ``GET /api/jobs/<id>`` says queued, running, done (with the
result) or failed (with the reason), and ``/jobs/<id>`` is the same for a person: a page
that reloads itself until the article's map is ready, then goes there.

The work runs in :class:`webapp.jobs.JobRunner` (``JOB_WORKERS`` at once, ``JOB_QUEUE``
waiting, then 503 with Retry-After); each article's extraction is stopped after
``ARTICLE_TIME_LIMIT`` seconds. Job state lives in the server's memory.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, g, redirect, render_template, url_for

from webapp.errors import BriefingMapError
from webapp.geocoder.user_places import keep_current
from webapp.jobs import DONE, FAILED, Job, JobRunner, JobsBusy, run_in_child
from webapp.models import Article
from webapp.web import error_response, get_store, services

bp = Blueprint("jobs", __name__)

RETRY_AFTER_BUSY = 30   # seconds: about one long article's extraction


def init_app(app) -> None:
    config = app.config
    app.extensions["briefing_jobs"] = JobRunner(
        workers=config["JOB_WORKERS"], queue_size=config["JOB_QUEUE"],
        keep_seconds=config["JOB_KEEP_SECONDS"])
    app.register_blueprint(bp)

    @app.errorhandler(JobsBusy)
    def busy(err: JobsBusy):
        response = current_app.make_response(
            error_response(503, f"{err}: try again in a minute. Nothing was stored."))
        response.headers["Retry-After"] = str(RETRY_AFTER_BUSY)
        return response


def runner() -> JobRunner:
    return current_app.extensions["briefing_jobs"]


def is_large(article: Article) -> bool:
    """Long enough to be a job rather than answered while the client waits."""
    return len(article.text.encode("utf-8")) > current_app.config["ASYNC_ARTICLE_BYTES"]


def submit_articles(articles: list[Article], map_urls: list[str], batch: bool = False) -> Job:
    """A job that extracts and stores ``articles`` one by one (each bounded in time):
    one article's result, or for a ``batch`` one entry per article."""
    app = current_app._get_current_object()
    seconds = app.config["ARTICLE_TIME_LIMIT"]
    by = g.user.name   # the job's thread has no request: who asked is kept for the audit

    def work():
        with app.app_context():
            extractor = services().extractor   # loaded here, so each child inherits it
            _warm(extractor)
            keep_current(extractor.geocoder, get_store())   # the user's places too
            done = [_one(extractor, article, url, seconds, by)
                    for article, url in zip(articles, map_urls)]
        if not batch:
            if "error" in done[0]:
                raise BriefingMapError(done[0]["error"])
            return done[0]
        return {"articles": done, "stored": sum(1 for d in done if d.get("stored")),
                "failed": sum(1 for d in done if "error" in d)}

    return runner().submit("batch" if batch else "article", work)


_warmed: set[int] = set()
WARM_UP = Article(title="", text="Two people were killed in an air strike on Rafah, Gaza, "
                                 "on Friday.\n", published=date(2024, 5, 3))


def _warm(extractor) -> None:
    """One short article extracted in this process first: the regions' lookup trees
    are built on first use, and built here they are inherited by every child instead
    of being built again in each (a 1.6 kB article took 0.7-0.95 s in a cold child,
    0.34 s in a warm one)."""
    if id(extractor) not in _warmed:
        extractor.events(WARM_UP)
        _warmed.add(id(extractor))


def _one(extractor, article: Article, map_url: str, seconds: float, by: str) -> dict:
    answer = {"article": article.content_hash, "title": article.title, "map_url": map_url}
    try:
        found = run_in_child(extractor.events, (article,), seconds,
                             what=f"extracting events from {len(article.text):,} characters")
    except BriefingMapError as err:
        return {**answer, "error": f"{err}; nothing was stored"}
    stored = get_store().add_article(article, found, by=by)
    return {**answer, "stored": stored, "duplicate": not stored, "events": len(found)}


def accepted(job: Job):
    """The 202 answer to a JSON post that became a job."""
    status_url = url_for("jobs.status", job_id=job.id)
    body = {**job.as_dict(), "status_url": status_url,
            "page_url": url_for("jobs.page", job_id=job.id)}
    return body, 202, {"Location": status_url, "Retry-After": "2"}


def _find(job_id: str) -> Job | None:
    return runner().get(job_id) if len(job_id) <= 64 else None


def _missing():
    return error_response(404, "No such job: it finished over an hour ago, or the server "
                               "has restarted since (finished articles are stored).")


@bp.get("/api/jobs/<job_id>")
def status(job_id: str):
    job = _find(job_id)
    if job is None:
        return _missing()
    headers = {} if job.status in (DONE, FAILED) else {"Retry-After": "2"}
    return job.as_dict(), 200, {**headers, "Cache-Control": "no-store"}


@bp.get("/jobs/<job_id>")
def page(job_id: str):
    """For the paste form: waits (reloading itself) and then shows the article's map."""
    job = _find(job_id)
    if job is None:
        return _missing()
    if job.status == DONE and job.kind == "article":
        notice = "duplicate" if job.result["duplicate"] else f"stored-{job.result['events']}"
        return redirect(f"{job.result['map_url']}&notice={notice}", code=303)
    return render_template("job.html", job=job), 200, {"Cache-Control": "no-store"}
