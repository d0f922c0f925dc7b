"""KeyProblem 17's cases, one small file each: what a CRM or spreadsheet export holds, and the leads (or the
reasons) it must give. Every test failed on the importer before this change."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.changes.leads import add_lead
from pipeline_tui.core.importing.export import export_csv, export_json
from pipeline_tui.core.importing.importer import apply_import, plan_import
from pipeline_tui.core.importing.plan import Mapping
from pipeline_tui.core.model.lead import new_id
from pipeline_tui.core.model.pipeline import Pipeline
from tests.conftest import TODAY, git


def plan_of(pipe, tmp_path, text: str, name: str = "export.csv", encoding: str = "utf-8", **kw):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return plan_import(pipe, path, today=TODAY, **kw)


def imported(pipe, tmp_path, text: str, **kw) -> dict[str, dict]:
    plan = plan_of(pipe, tmp_path, text, **kw)
    apply_import(pipe, plan, TODAY)
    return {x.name: x.data for x in Pipeline(pipe.root).leads()}


def row(plan, number):
    return next(r for r in plan.rows if r.row == number)


# 1 -----------------------------------------------------------------------------------------------------------
def test_a_row_with_more_cells_than_the_header_is_bad_not_truncated(pipe, tmp_path):
    plan = plan_of(pipe, tmp_path, "Name,Notes,Email,Lead Source\n"
                                   "Ann Lee,Called, left voicemail, try Friday,ann@lee.example,Web\n"
                                   "Bo Ek,Fine,bo@ek.example,Web\n")
    bad = row(plan, 2)
    assert bad.status == "error" and "has 6 cells but the header has 4" in bad.reason
    assert "email" not in bad.reason
    assert row(plan, 3).status == "new"


def test_extra_cells_that_can_only_be_the_last_columns_tail_are_joined_back_and_said(pipe, tmp_path):
    leads = imported(pipe, tmp_path, "Name,Lead Source,Notes\nAnn Lee,Web,Called, left voicemail, try Friday\n")
    assert leads["Ann Lee"]["log"][0]["text"] == "Called, left voicemail, try Friday"
    plan = plan_of(init_pipeline(tmp_path / "other"), tmp_path, "Name,Lead Source,Notes\nAnn Lee,Web,Called, left "
                   "voicemail\n", name="b.csv")
    assert row(plan, 2).status == "new" and "1 unquoted comma(s) in 'Notes' joined back" in row(plan, 2).reason


# 2 -----------------------------------------------------------------------------------------------------------
def test_amounts_are_read_per_column_with_currencies_suffixes_and_negatives(pipe, tmp_path):
    german = imported(pipe, tmp_path, "sep=;\nName;Quelle;Erstellt am;Wert\nA;Web;03.11.2026;1.250\n"
                                      "B;Web;04.11.2026;45.000\nC;Web;05.11.2026;12.500,00\nD;Web;05.11.2026;€2.500\n",
                      name="de.csv")
    assert [german[n]["value"] for n in "ABCD"] == [1250, 45000, 12500, 2500]
    assert german["A"]["created"] == dt.date(2026, 11, 3)
    us = imported(pipe, tmp_path, "Name,Lead Source,Amount\nE,Web,$1.2M\nF,Web,12.5k\nG,Web,\"(1,000)\"\n"
                                  "H,Web,\"$1,250.50\"\n", name="us.csv")
    assert (us["E"]["value"], us["F"]["value"], us["H"]["value"]) == (1200000, 12500, 1250.5)
    assert "value" not in us["G"] and us["G"]["extra"] == {"Amount": "(1,000)"}


def test_an_amount_that_stays_ambiguous_is_reported_not_guessed(pipe, tmp_path):
    plan = plan_of(pipe, tmp_path, "Name|Lead Source|Amount\nA|Web|1.250\nB|Web|2.500\n")
    assert any("could be read two ways" in n for n in plan.notes)
    assert "value" not in row(plan, 2).data and "ambiguous" in row(plan, 2).reason


# 3 -----------------------------------------------------------------------------------------------------------
def test_a_merge_keeps_the_rows_notes_and_every_differing_value_in_the_log(pipe, tmp_path):
    lead = add_lead(pipe, "Jane Doe", "referral", company="Acme", email="jane@acme.example", owner="bob",
                    today=TODAY).lead_id
    plan = plan_of(pipe, tmp_path, "Name,Email,Company,Lead Source,Owner,Notes,Title\n"
                                   "Jane Doe,jane@acme.example,Acme,Web,carol,Wants a demo in May,CTO\n",
                   duplicates="merge")
    apply_import(pipe, plan, TODAY)
    data = pipe.read(lead).data
    texts = [e["text"] for e in data["log"]]
    assert "Wants a demo in May" in texts
    assert data["owner"] == "bob" and data["title"] == "CTO"
    said = texts[-1]
    assert "owner 'carol' (the lead has 'bob')" in said and "source 'inbound-web'" in said and "export.csv row 2" in said


# 4 -----------------------------------------------------------------------------------------------------------
def test_a_won_row_without_a_close_date_gets_none_and_no_cycle(pipe, tmp_path, run):
    leads = imported(pipe, tmp_path, "Name,Lead Source,Status,Created\nWon Co,Web,Closed Won,2026-01-05\n")
    assert leads["Won Co"]["stage"] == "won" and "closed" not in leads["Won Co"]
    report = json.loads(run("-C", str(pipe.root), "report", "--json").out)
    assert report["sources"]["inbound-web"]["won"] == 1
    assert report["sources"]["inbound-web"]["median_cycle_days"] is None  # no cycle of 0 days made up


# 5 -----------------------------------------------------------------------------------------------------------
def test_salesforce_closed_converted_is_qualified_not_won(pipe, tmp_path):
    leads = imported(pipe, tmp_path, "First Name,Last Name,Lead Source,Lead Status\nAl,Bo,Web,Closed - Converted\n")
    assert leads["Al Bo"]["stage"] == "qualified"


# 6 -----------------------------------------------------------------------------------------------------------
def test_fallback_columns_and_every_unmapped_value_are_kept(pipe, tmp_path):
    plan = plan_of(pipe, tmp_path, "First Name,Last Name,Email,Email (Home),Phone,Mobile,Designation,Industry,"
                                   "Annual Revenue,Lead Source\n"
                                   "Al,Bo,,al@home.example,,+49 170 1,Head of IT,Retail,5M,Web\n"
                                   "Cy,Do,cy@work.example,cy@home.example,+49 30 1,+49 170 2,CFO,,,Web\n")
    assert "Annual Revenue" in plan.kept
    apply_import(pipe, plan, TODAY)
    leads = {x.name: x.data for x in Pipeline(pipe.root).leads()}
    al, cy = leads["Al Bo"], leads["Cy Do"]
    assert (al["email"], al["phone"], al["title"]) == ("al@home.example", "+49 170 1", "Head of IT")
    assert al["industry"] == "Retail" if "industry" in al else al["extra"]["Industry"] == "Retail"
    assert al["extra"]["Annual Revenue"] == "5M"
    assert cy["email"] == "cy@work.example" and cy["extra"]["Mobile"] == "+49 170 2"
    assert cy["extra"]["Email (Home)"] == "cy@home.example"


# 7 -----------------------------------------------------------------------------------------------------------
def test_lead_status_wins_over_lifecycle_stage_whatever_the_column_order(pipe, tmp_path):
    for i, header in enumerate(("Lifecycle Stage,Lead Status", "Lead Status,Lifecycle Stage")):
        first, second = header.split(",")
        cells = {"Lifecycle Stage": "lead", "Lead Status": "IN_PROGRESS"}
        plan = plan_of(pipe, tmp_path, f"Name,Original Source,{header}\nX,REFERRALS,{cells[first]},{cells[second]}\n",
                       name=f"h{i}.csv")
        assert row(plan, 2).data["stage"] == "contacted", header


# 8 -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_into_a_new_pipeline_gives_the_same_lead_data(pipe, tmp_path, fmt):
    add_lead(pipe, "Jane Doe", "referral", company="Acme", email="jane@acme.example", today=TODAY)
    add_lead(pipe, "Jane Doe", "event", company="Acme", today=TODAY)  # the same name and company: accepted
    odd = add_lead(pipe, "  Padded  Name ", "event", company="Acme", email="JANE@acme.example", today=TODAY).lead_id
    path = pipe.lead_path(odd)
    path.write_text(path.read_text() + 'mobile: "0123"\nstatus: "true"\ndescription: "2026-01-02"\n'
                    'notes: some notes\nzip: "01067"\npadded: "  x  "\nempty: ""\nnothing: null\n'
                    "renewal: 2026-05-01\ncount: 3\nflag: true\nnested: {a: [1, 2026-01-02, \"x\"]}\n")
    git(pipe.root, "commit", "-qam", "hand edit")
    source = {x.id: x.data for x in Pipeline(pipe.root).leads()}
    out = tmp_path / f"leads.{fmt}"
    out.write_text(export_csv(Pipeline(pipe.root).leads()) if fmt == "csv" else export_json(Pipeline(pipe.root).leads()))
    fresh = init_pipeline(tmp_path / "fresh")
    plan = plan_import(fresh, out, today=TODAY)
    assert plan.count("new") == 3, [(r.row, r.status, r.reason) for r in plan.rows]
    apply_import(fresh, plan, TODAY)
    assert {x.id: x.data for x in Pipeline(fresh.root).leads()} == source


# 10 ----------------------------------------------------------------------------------------------------------
def test_a_crms_record_id_is_crm_id_and_recognises_the_person_next_time(pipe, tmp_path):
    text = "Id,FirstName,LastName,Company,LeadSource,Status,CreatedDate\n" \
           "00Q5g00000AbCdEAA1,Al,Bo,Acme,Web,Open - Not Contacted,2026-11-02T10:00:00.000Z\n"
    leads = imported(pipe, tmp_path, text)
    assert leads["Al Bo"]["crm_id"] == "00Q5g00000AbCdEAA1" and leads["Al Bo"]["created"] == dt.date(2026, 11, 2)
    again = plan_of(pipe, tmp_path, text.replace(",Al,Bo,", ",Alan,Bo,"), name="again.csv")
    assert row(again, 2).status == "duplicate" and "same crm id" in row(again, 2).reason
    pipedrive = plan_of(pipe, tmp_path, "Person - ID,Person - Name,Person - Organization\n4711,Cy Do,Initech\n",
                        name="pd.csv", mapping=Mapping(default_source="referral"))
    assert row(pipedrive, 2).data["crm_id"] == "4711" and not row(pipedrive, 2).lead_id


# 11 ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("source, expected", [
    ("ORGANIC_SEARCH", "inbound-web"), ("AI_REFERRALS", "inbound-web"), ("PAID_SOCIAL", "social"),
    ("Online Store", "inbound-web"), ("Chat", "inbound-web"), ("X (Twitter)", "social"), ("Web Download", "inbound-web"),
    ("Internal Seminar", "event"), ("Purchased List", "prospecting")])
def test_documented_source_values_map(pipe, tmp_path, source, expected):
    plan = plan_of(pipe, tmp_path, f"Name,Lead Source\nX,{source}\n")
    assert row(plan, 2).data["source"] == expected


@pytest.mark.parametrize("status, expected", [
    ("Contact in Future", "contacted"), ("Junk Lead", "lost"), ("Lost Lead", "lost"), ("Pre-Qualified", "contacted"),
    ("Not Qualified", "lost"), ("Contact Made", "contacted"), ("Demo Scheduled", "qualified"),
    ("Proposal Made", "proposal"), ("Negotiations Started", "negotiation"), ("Potential", "new"), ("Bad Fit", "lost")])
def test_documented_status_values_map(pipe, tmp_path, status, expected):
    plan = plan_of(pipe, tmp_path, f"Name,Lead Source,Lead Status\nX,Web,{status}\n")
    assert row(plan, 2).data["stage"] == expected


def test_pipedrive_deal_status_overrides_its_stage_and_close_names_the_company(pipe, tmp_path):
    plan = plan_of(pipe, tmp_path, "Deal - Title,Deal - Status,Deal - Stage,Person - Name,Organization - Name\n"
                                   "Big deal,won,Proposal Made,Al Bo,Acme\nSmall,open,Demo Scheduled,Cy Do,Initech\n",
                   mapping=Mapping(default_source="referral"))
    assert row(plan, 2).data["stage"] == "won" and row(plan, 3).data["stage"] == "qualified"
    assert row(plan, 2).data["company"] == "Acme" and row(plan, 2).data["extra"]["Deal - Title"] == "Big deal"
    close = plan_of(pipe, tmp_path, "id,name,primary_contact_name,primary_contact_primary_email,status_label\n"
                                    "lead_abc,Acme Inc,Al Bo,al@acme.example,Qualified\n",
                    name="close.csv", mapping=Mapping(default_source="referral"))
    data = row(close, 2).data
    assert (data["name"], data["company"], data["crm_id"], data["stage"]) == ("Al Bo", "Acme Inc", "lead_abc",
                                                                             "qualified")


# 12 ----------------------------------------------------------------------------------------------------------
def test_default_source_fills_only_empty_cells(pipe, tmp_path):
    plan = plan_of(pipe, tmp_path, "Name,Lead Source\nA,Carrier pigeon\nB,\n",
                   mapping=Mapping(default_source="prospecting"))
    assert row(plan, 2).status == "error" and "unknown source 'Carrier pigeon'" in row(plan, 2).reason
    assert row(plan, 3).data["source"] == "prospecting"


# 13 ----------------------------------------------------------------------------------------------------------
def test_a_bad_optional_cell_costs_the_cell_not_the_row(pipe, tmp_path):
    playbook = pipe.root / "pipeline.yaml"
    playbook.write_text(playbook.read_text().replace("team: []", "team: [alice, bob]"))
    git(pipe.root, "commit", "-qam", "team")
    pipe = Pipeline(pipe.root)
    plan = plan_of(pipe, tmp_path, "Name,Lead Source,Amount,Email,Created,Owner\n"
                                   "A,Web,TBD,Ann <ann@a.example>,3-Nov-26,Zed\n"
                                   "B,Web,$ -,\"b@b.example; b2@b.example\",4-Nov-26,alice\n"
                                   "C,Web,10,mailto:lucy@c.example,5-Nov-26,bob\n"
                                   "D,Web,20,nora@blakeflorist,6-Nov-26,\n",
                   mapping=Mapping(default_owner="bob"))
    rows = {r.row: r for r in plan.rows}
    assert all(r.status == "new" for r in rows.values()), [(r.row, r.reason) for r in rows.values()]
    a, b, c, d = (rows[n].data for n in (2, 3, 4, 5))
    assert a["email"] == "ann@a.example" and a["created"] == dt.date(2026, 11, 3) and "value" not in a
    assert a["owner"] == "bob" and a["extra"] == {"Amount": "TBD", "Owner": "Zed"}
    assert "Owner 'Zed'" in rows[2].reason and "Amount 'TBD'" in rows[2].reason
    assert b["email"] == "b@b.example" and "value" not in b
    assert c["email"] == "lucy@c.example"
    assert "email" not in d and d["extra"] == {"Email": "nora@blakeflorist"}


def test_a_column_of_spreadsheet_day_numbers_reads_as_dates(pipe, tmp_path):
    plan = plan_of(pipe, tmp_path, "Name,Lead Source,Created\nA,Web,46329\nB,Web,45234\n")
    assert row(plan, 2).data["created"] == dt.date(2026, 11, 3)


# 14 ----------------------------------------------------------------------------------------------------------
def test_totals_repeated_headers_footers_and_sep_lines_are_skipped_and_said(pipe, tmp_path, run):
    text = ("sep=,\nName,Lead Source\nA,Web\nName,Lead Source\nB,Web\nTOTAL: 33 leads,\n\n"
            "\"Grand Totals (2 records)\"\n\"Confidential Information - Do Not Distribute\"\n"
            "\"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"\n")
    plan = plan_of(pipe, tmp_path, text)
    assert [r.row for r in plan.rows if r.status == "new"] == [3, 5]
    skipped = {r.row: r.reason for r in plan.rows if r.status == "skipped"}
    assert skipped[4] == "the header again" and "TOTAL" in skipped[6] and len(skipped) == 5
    assert plan.count("error") == 0 and any("sep=" in n for n in plan.notes)
    path = tmp_path / "export.csv"
    res = run("-C", str(pipe.root), "import", str(path), "--dry-run")
    assert "row 3: new: A as new, inbound-web" in res.out and "row 6: skipped" in res.out


def test_every_problem_of_a_bad_row_is_reported(pipe, tmp_path):
    plan = plan_of(pipe, tmp_path, "Name,Lead Source,Lead Status\n,Carrier pigeon,Something odd\n")
    reason = row(plan, 2).reason
    assert "no name" in reason and "unknown source" in reason and "unknown stage" in reason


# 16 ----------------------------------------------------------------------------------------------------------
def test_duplicates_fold_accents_case_punctuation_and_company_suffixes(pipe, tmp_path):
    add_lead(pipe, "Chloé Dubois", "referral", company="Maison Dubois SARL", email="Chloe@Dubois.example", today=TODAY)
    plan = plan_of(pipe, tmp_path, "Name,Company,Email,Lead Source\nChloe Dubois,Maison Dubois,,Web\n"
                                   "Someone Else,X,chloe@dubois.example,Web\n")
    assert row(plan, 2).status == "duplicate" and "same name and company" in row(plan, 2).reason
    assert row(plan, 3).status == "duplicate" and "same email" in row(plan, 3).reason


def test_non_latin_names_get_readable_ids():
    assert new_id("Иван Петров", "Волга").startswith("volga-ivan-petrov-")
    assert new_id("陈伟").startswith("chen-wei-")


def test_many_paths_go_to_git_on_standard_input(pipe, tmp_path, monkeypatch):
    """A 100,000-row import passed every path on git's command line, past the system's limit, and left its
    journal behind. Past MANY_PATHS they go on standard input (here the limit is 2, for a small file)."""
    from pipeline_tui.core.changes.undo import undo_last
    from pipeline_tui.core.git import repo as gitrepo

    monkeypatch.setattr(gitrepo, "MANY_PATHS", 2)
    rows = "".join(f"Person {i},Web\n" for i in range(6))
    imported(pipe, tmp_path, "Name,Lead Source\n" + rows)
    assert len(git(pipe.root, "show", "--name-only", "--format=", "HEAD").split()) == 6
    assert git(pipe.root, "status", "--porcelain") == ""
    undo_last(pipe)
    assert list(pipe.leads_dir.glob("*.yaml")) == [] and git(pipe.root, "status", "--porcelain") == ""


def test_a_column_whose_name_needs_quotes_imports(pipe, tmp_path):
    leads = imported(pipe, tmp_path, 'Name,Lead Source,"Phone #","Type: Partner",2024,Email,Email\n'
                                     "Ann Lee,Web,5,yes,x,ann@a.example,ann2@a.example\n")
    assert leads["Ann Lee"]["extra"] == {"Phone #": "5", "Type: Partner": "yes", "2024": "x",
                                         "Email (2)": "ann2@a.example"}


HARD_LEAD = """name: Hard Case
source: referral
created: 2026-01-05
crm_id: 123
tags: ["c#", "a,b", "x;y", " sp ", "1"]
next: {action: Call back, due: 2026-02-01, who: bob}
qualification: {interest: call, pain: "first line\\nsecond line\\n", extra_q: yes}
log:
  - {date: 2026-01-06T10:00, kind: call, text: "2026-01-02", at: "2026-03-04"}
custom: {since: "2026-01-02", list: ["2026-01-02", x, 3]}
a.b: dotted
next.due: sneaky
$text: [zip]
1: one
empty_list: []
empty_map: {}
"""


@pytest.mark.parametrize("how", [["export"], ["export", "--format", "json"], ["export", "--excel"]])
def test_what_the_attacker_found_round_trips_exactly(pipe, tmp_path, run, how):
    """Nested keys of one's own, dotted keys, date-like texts below the top, a log time, a pain's final
    newline, tags with , ; # and spaces, a numeric crm_id, no stage, empty containers, a numeric key."""
    (pipe.leads_dir / "hard-case.yaml").write_text(HARD_LEAD)
    git(pipe.root, "add", "-A")
    git(pipe.root, "commit", "-qm", "hand")
    source = {x.id: x.data for x in Pipeline(pipe.root).leads()}
    out = tmp_path / ("leads.json" if "json" in how else "leads.csv")
    assert run("-C", str(pipe.root), *how, "-o", str(out)).code == 0
    fresh = init_pipeline(tmp_path / "fresh")
    res = run("-C", str(fresh.root), "import", str(out))
    assert res.code == 0, res
    assert {x.id: x.data for x in Pipeline(fresh.root).leads()} == source


def test_an_export_edited_in_a_spreadsheet_keeps_every_cell_nobody_touched(pipe, tmp_path, run):
    """The edited cell is laid over the exported data: the pain's last line break, the tags with a comma,
    the log's time and everything else stay as they were; the preview names the row and the column."""
    import csv

    (pipe.leads_dir / "hard-case.yaml").write_text(HARD_LEAD)
    git(pipe.root, "add", "-A")
    git(pipe.root, "commit", "-qm", "hand")
    source = Pipeline(pipe.root).read("hard-case").data
    out = tmp_path / "leads.csv"
    run("-C", str(pipe.root), "export", "-o", str(out))
    rows = list(csv.reader(out.open(newline="")))
    rows[1][rows[0].index("company")] = "Acme Two"  # the cell a person edits; the $yaml cell is left alone
    with out.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    fresh = init_pipeline(tmp_path / "fresh")
    res = run("-C", str(fresh.root), "import", str(out))
    assert res.code == 0 and "row 2: edited since the export: company (the rest as exported)" in res.out
    assert Pipeline(fresh.root).read("hard-case").data == {**source, "company": "Acme Two"}


def test_keys_named_like_the_exports_own_marks_round_trip(pipe, tmp_path, run):
    """A lead's own `id`, `$yaml` or `$text` key, and NaN: the JSON record's marks never hide them."""
    lead = pipe.leads_dir / "marks.yaml"
    lead.write_text('name: Marks\nsource: referral\ncreated: 2026-01-05\nid: other-lead\n"$yaml": sneaky\n'
                    '"$text": [x]\nratio: .nan\n')
    add_lead(pipe, "Other", "referral", today=TODAY)
    git(pipe.root, "add", "-A")
    git(pipe.root, "commit", "-qm", "hand")
    source = {x.id: x.data for x in Pipeline(pipe.root).leads()}
    for how in (["export"], ["export", "--format", "json"]):
        out = tmp_path / ("x.json" if "json" in how else "x.csv")
        run("-C", str(pipe.root), *how, "-o", str(out))
        fresh = init_pipeline(tmp_path / f"fresh-{len(how)}")
        assert run("-C", str(fresh.root), "import", str(out)).code == 0
        got = {x.id: x.data for x in Pipeline(fresh.root).leads()}
        assert set(got) == set(source)
        assert got["marks"]["id"] == "other-lead" and got["marks"]["$yaml"] == "sneaky"
        assert got["marks"]["ratio"] != got["marks"]["ratio"]  # NaN


def test_a_row_without_a_create_date_is_not_created_after_its_own_first_contact(pipe, tmp_path):
    plan = plan_of(pipe, tmp_path, "Name,Lead Source,First Contact,Status,Close Date\n"
                                   "Ann,Web,2026-10-02,New,\nBo,Web,,Closed Won,2026-09-01\n")
    assert [r.status for r in plan.rows] == ["new", "new"], [r.reason for r in plan.rows]
    assert row(plan, 2).data["created"] == dt.date(2026, 10, 2) and row(plan, 3).data["created"] == dt.date(2026, 9, 1)
