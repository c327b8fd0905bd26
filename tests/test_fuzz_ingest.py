"""Hostile files through the readers: articles, or one IngestError line, nothing else."""

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=100, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())


def _read(name: str, data: bytes):
    from webapp.ingest import IngestError, read_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            articles = read_file(path)
        except IngestError as err:
            assert "\n" not in str(err) and "Traceback" not in str(err)
            return None
    for a in articles:  # what is read can be stored: valid Unicode, a title, a text
        assert a.text.strip()
        (a.title + a.text + a.url).encode("utf-8")
    return articles


@SETTINGS
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".txt", ".json", ".rss"]))
def test_any_bytes(data, suffix):
    _read("x" + suffix, data)


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(any_char, max_size=50),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["title", "text", "published", "url", "x"]), inner,
                      max_size=5),
    max_leaves=20)


@SETTINGS
@given(value=json_value)
def test_any_json(value):
    raw = json.dumps(value, ensure_ascii=True)  # escapes: lone surrogates arrive as \ud800
    _read("x.json", raw.encode())


@SETTINGS
@given(title=st.text(any_char, max_size=80), body=st.text(any_char, max_size=200))
def test_any_feed_item(title, body):
    from xml.sax.saxutils import escape

    feed = (f"<?xml version='1.0'?><rss><channel><item><title>{escape(title)}</title>"
            f"<description>{escape(body)}</description><pubDate>{escape(body[:30])}"
            "</pubDate></item></channel></rss>")
    _read("x.rss", feed.encode("utf-8", "surrogatepass"))


def test_deep_nesting_is_one_clear_error():
    assert _read("x.json", b"[" * 100_000) is None
    assert _read("x.rss", b"<a>" * 50_000) is None
    assert _read("x.json", json.dumps({"text": "Rafah \ud800"}).encode()) is None


def test_feed_text_of_many_angle_brackets_is_read_quickly():
    import time

    body = "&lt;" * 200_000 + "Strikes hit Rafah."
    feed = (f"<rss><channel><item><title>Rafah</title><description>{body}</description>"
            "</item></channel></rss>").encode()
    started = time.monotonic()
    [article] = _read("x.rss", feed)
    assert article.text.endswith("Strikes hit Rafah.")
    assert time.monotonic() - started < 10  # quadratic before: about 90 s (0.9 s for 20,000)
