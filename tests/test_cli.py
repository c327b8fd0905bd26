"""The command line as a user runs it: JSON out, one-line errors, batch mode."""

import json

import pytest

from conftest import run_cli


def test_geocode_prints_one_json_object():
    result = run_cli("geocode", "Khan Younis", "--context", "Israeli strikes in southern Gaza")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["query"] == "Khan Younis"
    assert data["country_code"] == "PS" and data["kind"] == "city"
    assert data["geometry"] == {"type": "Point", "coordinates": [data["longitude"],
                                                                 data["latitude"]]}


def test_no_match_exits_1_with_one_line():
    result = run_cli("geocode", "Qwxzzy Plorb")
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not found" in result.stderr


@pytest.mark.parametrize("query", ["", "x" * 1001])
def test_bad_query_is_one_line_not_a_traceback(query):
    result = run_cli("geocode", query)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_batch_answers_every_line_in_order(tmp_path):
    lines = [
        json.dumps({"query": "Tripoli", "context": "Beirut and northern Lebanon"}),
        json.dumps({"query": "Qwxzzy Plorb"}),
        "{not json",
        json.dumps(["Rafah"]),
        json.dumps({"query": 7}),
        "",
        json.dumps({"query": "the Israel-Lebanon border"}),
    ]
    path = tmp_path / "queries.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("geocode", "--batch", str(path))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 6  # the blank line is skipped, every other line answered
    assert out[0]["country_code"] == "LB"
    assert out[1] == {"query": "Qwxzzy Plorb", "error": "not found"}
    assert out[2]["line"] == 3 and "JSON" in out[2]["error"]
    assert out[3]["line"] == 4 and "query" in out[3]["error"]
    assert out[4]["line"] == 5 and "text" in out[4]["error"]
    assert out[5]["kind"] == "border"


def test_batch_from_stdin():
    result = run_cli("geocode", "--batch", "-", input_text='{"query": "Cairo"}\n')
    assert json.loads(result.stdout)["country_code"] == "EG"


@pytest.mark.parametrize("command", ["geocode", "geoparse", "ingest", "import", "export",
                                     "snapshot", "serve", "build-index"])
def test_every_command_has_help(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout
