"""Import from files in the shapes of common CRM and spreadsheet exports (tests/fixtures/import), and the
export/import round trip. What is checked is what lands in the lead files and in git."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.changes.leads import add_lead
from pipeline_tui.core.changes.undo import undo_last
from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.importing.importer import apply_import, parse_when, plan_import
from pipeline_tui.core.importing.plan import Mapping
from pipeline_tui.core.model.pipeline import Pipeline
from tests.conftest import TODAY, commit_count, git

FIX = Path(__file__).parents[1] / "fixtures" / "import"


def by_email(pipe: Pipeline) -> dict[str, dict]:
    return {x.email: x.data for x in Pipeline(pipe.root).leads() if not x.broken}


def test_hubspot_contacts_become_leads_in_one_commit_that_undo_reverts(pipe):
    before = commit_count(pipe.root)
    plan = plan_import(pipe, FIX / "hubspot_contacts.csv", today=TODAY)
    assert plan.encoding == "UTF-8 with BOM" and plan.delimiter == "comma"
    assert plan.columns["Original Source"] == "source" and "Annual Revenue" in plan.kept
    assert plan.source_values["Offline Sources"] == ("prospecting", 1)
    sha, new_ids, merged = apply_import(pipe, plan, TODAY)
    assert len(new_ids) == 5 and merged == [] and commit_count(pipe.root) == before + 1
    assert git(pipe.root, "log", "-1", "--format=%s").strip() == "import hubspot_contacts.csv: 5 new"
    leads = by_email(pipe)
    jane = leads["jane@acme.example"]
    assert (jane["name"], jane["company"], jane["title"], jane["source"], jane["stage"], jane["source_detail"]) == (
        "Jane Doe", "Acme Corp", "VP Operations", "inbound-web", "new", "google")
    assert jane["created"] == dt.date(2026, 11, 1) and jane["phone"] == "+1 555 0100"
    assert leads["chloe@dubois.example"]["name"] == "Chloé Dubois"
    assert leads["raj@patel.example"]["source"] == "referral"
    # lost with no close date in the file: none is invented (it used to be the create date)
    assert leads["ana@lopez.example"]["stage"] == "lost" and "closed" not in leads["ana@lopez.example"]
    assert git(pipe.root, "status", "--porcelain") == ""
    undo_last(pipe)
    assert by_email(pipe) == {} and git(pipe.root, "status", "--porcelain") == ""


def test_salesforce_report_in_cp1252_with_us_dates_and_quoted_commas(pipe):
    plan = plan_import(pipe, FIX / "salesforce_leads.csv", today=TODAY)
    assert plan.encoding == "Windows-1252"
    apply_import(pipe, plan, TODAY)
    leads = by_email(pipe)
    assert leads["zoe@pixel.example"]["name"] == "Zoë Martin"
    # "Closed - Converted": the lead became an opportunity in Salesforce, not a win
    assert leads["zoe@pixel.example"]["stage"] == "qualified" and leads["zoe@pixel.example"]["source"] == "referral"
    assert leads["noah@williams.example"]["company"] == "Williams Auto Repair, LLC"
    assert leads["hannah@bergmann.example"]["created"] == dt.date(2026, 11, 3)
    assert leads["hannah@bergmann.example"]["source"] == "event"
    assert leads["sofia@bella.example"]["stage"] == "lost"


def test_a_european_spreadsheet_with_a_mapping_file(pipe, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n  Firma: company\n  Quelle: source\n  Erstellt: created\n  Betrag: value\n"
                       "  Telefon: phone\nsources:\n  Empfehlung: referral\n  Messe: event\n"
                       "stages:\n  neu: new\n  kontaktiert: contacted\n", encoding="utf-8")
    plan = plan_import(pipe, FIX / "excel_de_semicolon_cp1252.csv", Mapping.load(mapping), today=TODAY)
    assert plan.delimiter == "semicolon" and plan.encoding == "Windows-1252" and plan.count("error") == 0
    assert any("day/month/year" in n for n in plan.notes)
    apply_import(pipe, plan, TODAY)
    leads = by_email(pipe)
    jm = leads["juergen@mueller.example"]
    assert (jm["name"], jm["company"], jm["source"], jm["stage"], jm["created"], jm["value"], jm["owner"]) == (
        "Jürgen Müller", "Müller Bäckerei", "referral", "new", dt.date(2026, 10, 23), 1250.5, "alice")
    assert leads["elodie@fabre.example"]["stage"] == "contacted"


def test_pipedrive_people_and_flags_instead_of_a_file(pipe):
    mapping = Mapping()
    mapping.add_flags(sources=["Cold call=prospecting"], owners=["Alice Smith=alice"])
    apply_import(pipe, plan_import(pipe, FIX / "pipedrive_people.csv", mapping, today=TODAY), TODAY)
    kai = by_email(pipe)["kai@berg.example"]
    assert kai["company"] == "Berg Consulting" and kai["tags"] == ["Hot lead", "q4"] and kai["owner"] == "alice"
    assert kai["created"] == dt.date(2026, 11, 10) and kai["source"] == "event"


def test_bad_rows_are_reported_by_number_and_the_good_ones_imported(pipe, run):
    res = run("-C", str(pipe.root), "import", str(FIX / "bad_rows_utf16.txt"))
    assert res.code == 0, res
    errors = [ln for ln in res.err.splitlines() if ": row " in ln and "imported;" not in ln]
    assert [ln.split(": row ")[1].split(":")[0] for ln in errors] == ["3", "5"]
    assert "row 3: no name" in res.err and "unknown source 'Carrier pigeon'" in res.err
    # a bad optional cell does not cost the row: the cell is said, and kept under extra:
    assert "row 4: imported; not used (kept under extra:): Created '2026-02-30'" in res.err
    assert "row 6: imported; not used (kept under extra:): Email 'not-an-email'" in res.err
    assert "row 8: duplicate: same person as row 2" in res.out
    leads = {x.name: x.data for x in Pipeline(pipe.root).leads()}
    assert "row 7: imported; not used (kept under extra:): Status 'Something odd'" in res.err
    assert sorted(leads) == ["Bad Date", "Bad Mail", "Good Person", "Odd Status"]
    assert leads["Odd Status"]["stage"] == "new" and leads["Odd Status"]["extra"] == {"Status": "Something odd"}
    assert leads["Bad Date"]["extra"] == {"Created": "2026-02-30"} and leads["Bad Date"]["created"] == TODAY
    assert "email" not in leads["Bad Mail"] and leads["Bad Mail"]["extra"] == {"Email": "not-an-email"}


def test_dry_run_writes_nothing_and_shows_the_mapping(pipe, run):
    before = commit_count(pipe.root)
    res = run("-C", str(pipe.root), "import", str(FIX / "hubspot_contacts.csv"), "--dry-run")
    assert res.code == 0 and "Original Source" in res.out and "-> prospecting" in res.out
    assert "would import 5 new lead(s)" in res.out and "nothing written" in res.out
    assert commit_count(pipe.root) == before and by_email(pipe) == {}
    data = json.loads(run("-C", str(pipe.root), "import", str(FIX / "hubspot_contacts.csv"), "--dry-run",
                          "--json").out)
    assert data["new"] == 5 and data["columns"]["Email"] == "email" and data["dry_run"] is True


def test_duplicates_of_existing_leads_are_skipped_or_merged_never_overwritten(pipe):
    jane = add_lead(pipe, "Jane Doe", "referral", company="Acme Corp", email="jane@acme.example",
                    owner="bob", today=TODAY).lead_id
    plan = plan_import(pipe, FIX / "hubspot_contacts.csv", today=TODAY)
    assert plan.count("duplicate") == 1 and plan.count("new") == 4
    dup = next(r for r in plan.rows if r.status == "duplicate")
    assert dup.row == 2 and dup.lead_id == jane and "same email" in dup.reason
    plan = plan_import(pipe, FIX / "hubspot_contacts.csv", duplicates="merge", today=TODAY)
    merge = next(r for r in plan.rows if r.status == "merge")
    assert "filled in" in merge.reason and "title" in merge.reason
    apply_import(pipe, plan, TODAY)
    data = pipe.read(jane).data
    assert data["owner"] == "bob" and data["source"] == "referral"  # kept: never overwritten
    assert data["title"] == "VP Operations" and data["phone"] == "+1 555 0100"  # filled in
    assert "Imported again from hubspot_contacts.csv row 2" in data["log"][-1]["text"]


def test_a_failure_half_way_puts_every_file_back(pipe):
    jane = add_lead(pipe, "Jane Doe", "referral", company="Acme Corp", email="jane@acme.example",
                    today=TODAY).lead_id
    plan = plan_import(pipe, FIX / "hubspot_contacts.csv", duplicates="merge", today=TODAY)
    plan.rows.append(plan.rows.pop(0))  # the merge row last: four new files are written before it fails
    (pipe.leads_dir / f"{jane}.yaml").unlink()  # the lead to merge into vanished since the preview
    git(pipe.root, "commit", "-qam", "gone")
    before = commit_count(pipe.root)
    with pytest.raises(BadInput):
        apply_import(pipe, plan, TODAY)
    assert sorted(p.name for p in pipe.leads_dir.glob("*.yaml")) == []
    assert commit_count(pipe.root) == before and git(pipe.root, "status", "--porcelain") == ""


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_into_a_new_pipeline_gives_the_same_leads(tmp_path, fmt, run):
    from pipeline_tui.core.changes.demo import build_demo

    demo = build_demo(tmp_path / "demo", today=TODAY)
    (demo.leads_dir / "acme-corp-jane-doe-g2t7.yaml").write_text(
        (demo.leads_dir / "acme-corp-jane-doe-g2t7.yaml").read_text() + "industry: Manufacturing\nemployees: 120\n"
        "custom: {tier: gold, since: 2024-01-01}\n")
    git(demo.root, "commit", "-qam", "unknown keys")
    out = tmp_path / f"leads.{fmt}"
    assert run("-C", str(demo.root), "export", "--format", fmt, "-o", str(out)).code == 0
    fresh = init_pipeline(tmp_path / "fresh")
    (fresh.root / "pipeline.yaml").write_text((demo.root / "pipeline.yaml").read_text())
    git(fresh.root, "commit", "-qam", "same playbook")
    res = run("-C", str(fresh.root), "import", str(out))
    assert res.code == 0 and f"imported {len(demo.lead_ids())} new lead(s)" in res.out, res
    original = {x.id: x.data for x in Pipeline(demo.root).leads()}
    copied = {x.id: x.data for x in Pipeline(fresh.root).leads()}
    assert copied == original


def test_export_csv_and_json_shapes(pipe, run):
    add_lead(pipe, "Jane Doe", "referral", company="Acme", tags=["q4", "smb"], next_action="Call", due="+2d",
             today=TODAY)
    text = run("-C", str(pipe.root), "export").out
    header, row = text.splitlines()[:2]
    assert header.startswith("id,name,company") and "next.action" in header
    assert "q4;smb" in row and "Call" in row
    data = json.loads(run("-C", str(pipe.root), "export", "--format", "json").out)
    assert data[0]["name"] == "Jane Doe" and data[0]["tags"] == ["q4", "smb"] and data[0]["next"]["due"] == "2026-11-25"


def test_unreadable_files_are_bad_input(pipe, tmp_path, run):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    res = run("-C", str(pipe.root), "import", str(empty))
    assert res.code == 2 and "empty" in res.err
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    res = run("-C", str(pipe.root), "import", str(binary))
    assert res.code == 2 and "not a text file" in res.err
    res = run("-C", str(pipe.root), "import", str(tmp_path / "missing.csv"))
    assert res.code == 2


@pytest.mark.parametrize("text,day_first,want", [
    ("2026-11-01", False, dt.date(2026, 11, 1)), ("2026-11-01 14:30", False, dt.datetime(2026, 11, 1, 14, 30)),
    ("2026-11-01T14:30:00Z", False, dt.datetime(2026, 11, 1, 14, 30)), ("11/3/2026 2:30 PM", False,
                                                                        dt.datetime(2026, 11, 3, 14, 30)),
    ("03.11.2026", True, dt.date(2026, 11, 3)), ("3 Nov 2026", False, dt.date(2026, 11, 3)),
    ("12/1/26", False, dt.date(2026, 12, 1)), ("12/1/26", True, dt.date(2026, 1, 12)),
])
def test_dates_as_crms_write_them(text, day_first, want):
    assert parse_when(text, day_first) == want


HEADERS = st.lists(st.sampled_from(["Name", "First Name", "Last Name", "Email", "Company", "Lead Source", "Status",
                                    "Create Date", "Owner", "Amount", "Tags", "Notes", "x", "log", "id"]),
                   min_size=1, max_size=6, unique=True)
CELL = st.one_of(st.text(max_size=12), st.sampled_from(["Web", "Referral", "New", "2026-11-01", "13/13/2026",
                                                        "a@b.example", "1.250,50", "[1,2]", "{\"a\":1}", ""]))


@settings(max_examples=150)
@given(HEADERS, st.lists(st.lists(CELL, min_size=1, max_size=6), max_size=5), st.sampled_from([",", ";", "\t"]))
def test_any_csv_is_planned_or_refused_in_one_line(tmp_path_factory, header, rows, sep):
    import csv
    import io

    folder = tmp_path_factory.mktemp("fuzz")
    pipe = Pipeline(folder)  # a pipeline folder is not needed to plan: the default playbook is used
    (folder / "leads").mkdir()
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep).writerows([header] + rows)
    path = folder / "in.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    try:
        plan = plan_import(pipe, path, today=TODAY)
    except BadInput as exc:
        assert "\n" not in exc.one_line()
        return
    for r in plan.rows:
        assert r.status in ("new", "duplicate", "error")
        if r.status == "error":
            assert r.reason and "\n" not in r.reason
        else:
            assert r.data["name"] and r.data["source"]
