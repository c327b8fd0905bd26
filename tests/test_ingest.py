"""Reading reports: text, JSON, feeds and folders; bad files fail alone and clearly."""

import json
from datetime import date

import pytest

from webapp.ingest import IngestError, expand, read_file


def test_plain_text_headline_and_body(tmp_path):
    f = tmp_path / "story.txt"
    f.write_text("Talks resume in Cairo\n\nCAIRO (AP) -- Mediators met on Friday.\n", "utf-8")
    [article] = read_file(f, published=date(2024, 5, 3))
    assert article.title == "Talks resume in Cairo"
    assert article.text.startswith("Talks resume in Cairo")
    assert article.published == date(2024, 5, 3)


def test_json_object_and_list(tmp_path):
    f = tmp_path / "items.json"
    f.write_text(json.dumps([
        {"title": "A", "text": "Shelling near Tyre.", "published": "2024-04-26",
         "url": "https://example.org/a"},
        {"title": "B", "text": "Rockets hit Metula.", "published": "2024-04-27T10:00:00Z"},
    ]), "utf-8")
    a, b = read_file(f)
    assert a.published == date(2024, 4, 26) and a.url == "https://example.org/a"
    assert b.published == date(2024, 4, 27)
    assert "Shelling near Tyre." in a.text


def test_rss_feed(tmp_path):
    f = tmp_path / "feed.rss"
    f.write_text("""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Strike on Rafah</title><link>https://example.org/1</link>
<description>&lt;p&gt;Jets struck &lt;b&gt;Rafah&lt;/b&gt; overnight.&lt;/p&gt;</description>
<pubDate>Fri, 26 Apr 2024 08:00:00 GMT</pubDate></item></channel></rss>""", "utf-8")
    [article] = read_file(f)
    assert article.title == "Strike on Rafah"
    assert "Jets struck" in article.text and "<b>" not in article.text
    assert article.published == date(2024, 4, 26) and article.url == "https://example.org/1"


def test_feed_with_entity_bomb_is_refused(tmp_path):
    f = tmp_path / "bomb.xml"
    f.write_text("""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><rss><channel><item><title>&lol2;</title>
</item></channel></rss>""", "utf-8")
    with pytest.raises(IngestError):
        read_file(f)


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x00\x00binary", "binary"),
    ("Caf\xe9".encode("latin-1"), "UTF-8"),
])
def test_bad_files_give_one_clear_error(tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(IngestError, match=message):
        read_file(f)


def test_huge_and_missing_files(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(11 * 1024 * 1024)
    with pytest.raises(IngestError, match="too large"):
        read_file(big)
    with pytest.raises(IngestError, match="no such file"):
        read_file(tmp_path / "missing.txt")


def test_folders_expand_to_news_files(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("x", "utf-8")
    (tmp_path / "sub" / "b.json").write_text("{}", "utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    names = [p.name for p in expand([tmp_path])]
    assert names == ["a.txt", "b.json"]
