"""`pipeline forecast` through the real entry point: the JSON shape, the text, exit codes; `expected_close`."""

from __future__ import annotations

import json

import pytest

from tests.conftest import commit_count

HOSTILE = "Eve \x1b[31mred\u202e [b]x[/b]"


@pytest.fixture
def root(tmp_path, run):
    r = run("init", str(tmp_path / "p"))
    assert r.code == 0, r
    root = tmp_path / "p"
    for name, extra in (("Jane Doe", ["--value", "12000", "--owner", "alice", "--stage", "negotiation"]),
                        ("Bob Roe", ["--value", "3000", "--stage", "proposal"]),
                        ("No Value", ["--owner", "evil"])):
        r = run("-C", str(root), "add", name, "--source", "referral", "--next", "Call", "--due", "tomorrow", *extra)
        assert r.code == 0, r
    path = root / "leads" / f"{r.out.strip()}.yaml"  # the tool refuses such text; a hand edit does not
    text = path.read_text(encoding="utf-8")
    assert "owner: evil\n" in text
    path.write_text(text.replace("owner: evil\n", 'owner: "Eve \\e[31mred\\u202e [b]x[/b]"\n'), encoding="utf-8")
    return root


def test_forecast_json_shape(root, run):
    ids = json.loads(run("-C", str(root), "list", "--json").out)
    jane = next(x["id"] for x in ids if x["name"] == "Jane Doe")
    assert run("-C", str(root), "set", jane, "expected_close=2027-02-10").code == 0
    res = run("-C", str(root), "forecast", "--json")
    assert res.code == 0, res
    data = json.loads(res.out)
    assert set(data) == {"periods", "total", "probabilities"}
    for period in data["periods"]:
        assert set(period) == {"period", "best", "weighted", "committed", "leads"}
    assert "2027-02" in [p["period"] for p in data["periods"]]
    assert data["total"] == {"best": 15000, "weighted": 12000 * 0.75 + 3000 * 0.5, "committed": 12000, "leads": 3}
    assert set(data["probabilities"]) == {"new", "contacted", "qualified", "proposal", "negotiation"}
    assert data["probabilities"]["proposal"] == {"p": 0.5, "from": "playbook"}
    for by, names in (("quarter", {"2027-Q1"}), ("owner", {"alice", HOSTILE, "(none)"}), ("source", {"referral"})):
        res = run("-C", str(root), "forecast", "--by", by, "--json")
        assert res.code == 0, res
        got = {p["period"] for p in json.loads(res.out)["periods"]}
        assert names <= got, (by, got)


def test_forecast_text_and_bad_by(root, run):
    res = run("-C", str(root), "forecast", "--by", "owner")
    assert res.code == 0, res
    assert "total" in res.out and "15,000" in res.out and "\x1b[31m" not in res.out and "\u202e" not in res.out
    before = commit_count(root)
    bad = run("-C", str(root), "forecast", "--by", "week")
    assert bad.code == 2 and bad.out == "" and "--by" in bad.err and len(bad.err.strip().splitlines()) == 1
    assert commit_count(root) == before


def test_expected_close_is_a_date(root, run):
    lead = json.loads(run("-C", str(root), "list", "--json").out)[0]["id"]
    before = commit_count(root)
    bad = run("-C", str(root), "set", lead, "expected_close=someday")
    assert bad.code == 2 and commit_count(root) == before
    path = root / "leads" / f"{lead}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "expected_close: soon\n", encoding="utf-8")
    check = run("-C", str(root), "check")
    assert check.code == 1 and "expected_close must be a date" in check.out + check.err
    assert run("-C", str(root), "forecast", "--json").code == 0  # a bad date: placed by its cycle, no crash


def test_forecast_outside_a_pipeline_exits_3(tmp_path, run):
    res = run("-C", str(tmp_path), "forecast")
    assert res.code == 3, res
