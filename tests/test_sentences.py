from webapp.extract.sentences import split


def test_spans_and_abbreviations():
    text = ("Headline on its own line\n\nCAIRO (AP) -- Talks began on Oct. 7 in Cairo. "
            "U.S. envoys arrived. Gen. Smith said \"no.\" Then rockets fell!\n\nNew paragraph here.")
    sentences = split(text)
    assert [s.text for s in sentences] == [
        "Headline on its own line",
        "CAIRO (AP) -- Talks began on Oct. 7 in Cairo.",
        "U.S. envoys arrived.",
        "Gen. Smith said \"no.\"",
        "Then rockets fell!",
        "New paragraph here.",
    ]
    assert all(text[s.start:s.end] == s.text for s in sentences)
    assert [s.paragraph for s in sentences] == [0, 1, 1, 1, 1, 2]
