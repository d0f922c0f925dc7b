"""`pipeline costs` through the real entry point: the JSON shape, the text and its warnings, bad months
refused with exit 2, and names from the files never reaching the terminal as escape codes."""

from __future__ import annotations

import json

import pytest

KEYS = {"source", "spend", "leads", "sales_qualified", "won", "won_value", "cost_per_lead", "cost_per_sql",
        "cost_per_win", "return"}


@pytest.fixture
def root(tmp_path, run):
    r = run("init", str(tmp_path / "p"))
    assert r.code == 0, r
    root = tmp_path / "p"
    with (root / "pipeline.yaml").open("a") as f:
        f.write('spend:\n  referral: {2026-11: 500}\n  event: {"2026-10": 4000, 2026-11: 1000}\n')
    for name, value in (("Jane Doe", "12000"), ("John Roe", "3000")):
        r = run("-C", str(root), "add", name, "--source", "referral", "--stage", "won", "--value", value)
        assert r.code == 0, r
    return root


def test_json_shape_and_figures(root, run):
    r = run("-C", str(root), "costs", "--json")
    assert r.code == 0, r
    data = json.loads(r.out)
    assert set(data) == {"period", "sources", "total", "warnings"}
    assert data["period"] == {"from": None, "to": None}
    rows = {row["source"]: row for row in data["sources"]}
    assert set(rows) == {"referral", "event"}
    for row in [*data["sources"], data["total"]]:
        assert set(row) >= KEYS
    assert rows["referral"] == {**rows["referral"], "spend": 500, "leads": 2, "won": 2, "won_value": 15000,
                                "cost_per_lead": 250.0, "cost_per_win": 250.0, "return": 30.0}
    assert rows["event"] == {**rows["event"], "spend": 5000, "leads": 0, "won": 0, "cost_per_lead": None,
                             "cost_per_sql": None, "cost_per_win": None, "return": 0.0}
    assert data["total"]["spend"] == 5500 and data["total"]["won_value"] == 15000
    assert [(w["code"], w["source"]) for w in data["warnings"]] == [("spend-no-leads", "event")]
    r = run("-C", str(root), "costs", "--from", "2026-10", "--to", "2026-10", "--json")
    data = json.loads(r.out)
    assert data["period"] == {"from": "2026-10", "to": "2026-10"}
    assert [(row["source"], row["spend"], row["leads"]) for row in data["sources"]] == [("event", 4000, 0)]


def test_text_names_the_sources_that_cost_and_won_nothing(root, run):
    r = run("-C", str(root), "costs")
    assert r.code == 0, r
    assert "SPEND" in r.out and "referral" in r.out and "30.00x" in r.out
    assert "warning: event cost 5,000 in all and brought no lead" in r.out


@pytest.mark.parametrize("args", [("--from", "2026-9"), ("--to", "2026-13"), ("--from", "2026-11", "--to", "2026-10"),
                                  ("--from", "last month")])
def test_a_bad_month_is_exit_2_with_one_line(root, run, args):
    r = run("-C", str(root), "costs", *args, "--json")
    assert r.code == 2, r
    assert r.out == "" and r.err.startswith("pipeline: ") and r.err.count("\n") == 1


def test_hostile_names_never_reach_the_terminal(root, run):
    text = (root / "pipeline.yaml").read_text()
    text = text.replace("sources:\n", 'sources:\n  "ev\\x1b[2Jil\\u202e": {group: events, origin: seller}\n', 1)
    text += '  "ev\\x1b[2Jil\\u202e": {2026-11: 9}\n  "\\x1b]0;x\\x07": {2026-11: 1}\n'
    (root / "pipeline.yaml").write_text(text)
    (root / "leads" / "odd.yaml").write_text('name: Odd\nsource: "ev\\x1b[2Jil\\u202e"\ncreated: 2026-11-02\n')
    for args in (("costs",), ("costs", "--json")):
        r = run("-C", str(root), *args)
        assert r.code == 0, r
        for ch in ("\x1b", "\u202e", "\x07"):
            assert ch not in r.out and ch not in r.err, (args, r)
    data = json.loads(run("-C", str(root), "costs", "--json").out)
    assert any(row["source"] == "ev\x1b[2Jil\u202e" and row["spend"] == 9 for row in data["sources"])
    r = run("-C", str(root), "check")
    assert "is not a source of the playbook" in r.out and "\x1b" not in r.out
