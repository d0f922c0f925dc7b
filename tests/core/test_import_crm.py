"""Imports of exports as CRMs and spreadsheets really write them (tests/fixtures/import/crm): each fixture next to
its `<name>.expected.yaml`, run through the real CLI (`pipeline import FILE --dry-run --json`, then `pipeline import
FILE --json`) in a fresh pipeline whose playbook's team is the expected file's `team`, and compared row by row and
then field by field with the lead files on disk.

What the importer's JSON must let us see (today's shape): `rows`, a list of objects with `row` (the row number as a
spreadsheet shows it: the CSV record number, header = 1), `status` (new | duplicate | merge | error | skipped...),
`reason`, and `lead` (the id a new row was written as). Anything else the importer says about a row (a dropped
cell, a joined cell, a skipped footer) may be in that object (any key but `data`), in a top-level string that names
`row N` (or `line N`), or on stderr as `...: row N: ...`; a row with no object of its own counts as skipped when a
top-level note names it and says "skip".

Field accuracy = correct checks / all checks, where the checks are: each row's status; the reason keyword of a bad
or skipped row; every expected field of a new lead (`extra.<column>`, each kept note and each `null` = "must be
absent" counted one by one); every cell the row must report. The test asserts 100%; on failure it prints every
mismatch as a table. With PIPELINE_IMPORT_STATS set it prints the per-file figures even when the test passes.
See tests/fixtures/import/crm/README.md for the rules behind the expected values.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from ruamel.yaml import YAML

from tests.conftest import git

FIX = Path(__file__).parents[1] / "fixtures" / "import" / "crm"
CASES = sorted(FIX.glob("*.expected.yaml"))
STATUS = {"new": "new", "duplicate": "duplicate", "merge": "duplicate", "merged": "duplicate", "error": "bad",
          "bad": "bad", "skipped": "skipped-junk", "skip": "skipped-junk", "junk": "skipped-junk",
          "skipped-junk": "skipped-junk", "ignored": "skipped-junk"}


def fold(text: object) -> str:
    t = unicodedata.normalize("NFKD", str(text or "")).casefold()
    return re.sub(r"[^0-9a-z\u0400-\u04ff\u4e00-\u9fff]+", "", "".join(c for c in t if not unicodedata.combining(c)))


def load_json(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {"rows": data} if isinstance(data, list) else {}


def row_objects(data: object, out: dict[int, list[dict]] | None = None) -> dict[int, list[dict]]:
    """Every object anywhere in the JSON that carries a row number, by row."""
    out = {} if out is None else out
    if isinstance(data, dict):
        if isinstance(data.get("row"), int) and not isinstance(data.get("row"), bool):
            out.setdefault(data["row"], []).append(data)
        for v in data.values():
            row_objects(v, out)
    elif isinstance(data, list):
        for v in data:
            row_objects(v, out)
    return out


def strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for k, v in data.items() if k not in ("data", "lead") for s in strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in strings(v)]
    return []


def said_about(row: int, objects: list[dict], top_level: list[str], stderr: str) -> str:
    """Everything the importer said about one row, as one lower-case text (never the lead data itself)."""
    parts = [s for o in objects for s in strings({k: v for k, v in o.items() if k not in ("name", "data", "lead")})]
    pat = re.compile(rf"\b(?:row|line) {row}\b")
    parts += [s for s in top_level if pat.search(s)]
    parts += [ln for ln in stderr.splitlines() if pat.search(ln)]
    return "\n".join(parts).lower()


def read_leads(root: Path) -> dict[str, dict]:
    loader = YAML(typ="safe", pure=True)
    out = {}
    for path in sorted((root / "leads").glob("*.yaml")):
        try:
            data = loader.load(path.read_text(encoding="utf-8"))
        except Exception as exc:  # noqa: BLE001 - a broken file is a mismatch, not a crash of the test
            data = {"__broken__": str(exc)}
        out[path.stem] = data if isinstance(data, dict) else {"__broken__": repr(data)}
    return out


def plain(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return str(v)


def absent(v: object) -> bool:
    return v is None or v == "" or v == [] or v == {}


def compare(field: str, want: object, lead: dict) -> tuple[bool, object]:
    """(right?, what the lead has) for one expected field."""
    got = lead.get(field)
    if want is None:
        return absent(got), got
    if field == "stage" and absent(got):
        got = "new"  # no stage key: the first stage
    if absent(got):
        return False, got
    if field == "value":
        try:
            return abs(float(got) - float(want)) < 0.005, got
        except (TypeError, ValueError):
            return False, got
    if field in ("created", "closed"):
        return plain(got)[:10] == str(want), plain(got)
    if field == "email":
        return str(got).strip().lower() == str(want).lower(), got
    if field == "tags":
        return isinstance(got, list) and [str(t) for t in got] == list(want), got
    return plain(got) == plain(want), got


def match_lead(want: dict, leads: dict[str, dict], taken: set[str]) -> str | None:
    """The lead file a new row became, when the importer's JSON did not say: by CRM id, email, name and company."""
    free = {k: v for k, v in leads.items() if k not in taken}
    for key, same in (("crm_id", lambda a, b: plain(a) == plain(b)),
                      ("email", lambda a, b: str(a).lower() == str(b).lower())):
        if want.get(key):
            hit = [k for k, v in free.items() if v.get(key) is not None and same(v.get(key), want[key])]
            if hit:
                return hit[0]
    hit = [k for k, v in free.items() if fold(v.get("name")) == fold(want.get("name"))
           and fold(v.get("company")) == fold(want.get("company"))]
    if hit:
        return hit[0]
    hit = [k for k, v in free.items() if fold(v.get("name")) == fold(want.get("name"))]
    return hit[0] if len(hit) == 1 else None


def evaluate(exp: dict, dry: dict, applied: dict, stderr: str, leads: dict[str, dict]) -> tuple[list, dict]:
    """Every check of one file: (mismatches as (row, field, expected, got), figures)."""
    misses: list[tuple] = []
    ok = total = 0
    dry_rows, applied_rows = row_objects(dry.get("rows", dry)), row_objects(applied.get("rows", applied))
    top = strings({k: v for k, v in dry.items() if k != "rows"}) + strings(
        {k: v for k, v in applied.items() if k != "rows"})
    counts = {"bad": 0, "duplicate": 0, "skipped-junk": 0}
    taken: set[str] = set()

    def check(row: int, field: str, good: bool, want: object, got: object) -> None:
        nonlocal ok, total
        total += 1
        if good:
            ok += 1
        else:
            misses.append((row, field, want, got))

    for row, want in exp["rows"].items():
        objects = dry_rows.get(row, []) + applied_rows.get(row, [])
        raw = next((o.get("status") for o in dry_rows.get(row, []) if o.get("status")), None) or next(
            (o.get("status") for o in applied_rows.get(row, []) if o.get("status")), None)
        status = STATUS.get(str(raw).lower(), str(raw).lower()) if raw else "absent"
        if status == "absent" and any(re.search(rf"\b(?:row|line) {row}\b", s) and "skip" in s.lower() for s in top):
            status = "skipped-junk"  # said only in the notes: "line 1 (sep=;) names the separator; skipped"
        if status in counts:
            counts[status] += 1
        check(row, "status", status == want["status"], want["status"], status)
        said = said_about(row, objects, top, stderr)
        if want["status"] in ("bad", "skipped-junk"):
            check(row, "reason", want["reason"].lower() in said, f"~{want['reason']}", said.replace("\n", " | ")
                  or "(nothing said)")
        for field, keyword in (want.get("reported") or {}).items():
            check(row, f"reported {field}", str(keyword).lower() in said, f"~{keyword}",
                  said.replace("\n", " | ") or "(nothing said)")
        if want["status"] != "new":
            continue
        lead_id = next((o.get("lead") for o in applied_rows.get(row, []) if o.get("lead") in leads
                        and o.get("lead") not in taken), None) or match_lead(want["lead"], leads, taken)
        if lead_id:
            taken.add(lead_id)
        lead = leads.get(lead_id, {}) if lead_id else {}
        for field, value in want["lead"].items():
            if field == "extra":
                extra = lead.get("extra") if isinstance(lead.get("extra"), dict) else {}
                for col, v in value.items():
                    got = extra.get(col)
                    check(row, f"extra.{col}", got is not None and plain(got) == plain(v), v, got)
            elif field == "notes":
                texts = [str(e.get("text", "")).strip() for e in lead.get("log") or [] if isinstance(e, dict)]
                for i, note in enumerate(value):
                    check(row, f"notes[{i}]", note.strip() in texts, note, texts)
            elif not lead_id:
                check(row, field, False, value, "(no lead)")
            else:
                good, got = compare(field, value, lead)
                check(row, field, good, "(absent)" if value is None else value, got)
    figures = {"rows": len(exp["rows"]), "created": len(leads), "bad": counts["bad"],
               "duplicates": counts["duplicate"], "skipped": counts["skipped-junk"],
               "want_created": sum(1 for w in exp["rows"].values() if w["status"] == "new"),
               "want_bad": sum(1 for w in exp["rows"].values() if w["status"] == "bad"),
               "want_dup": sum(1 for w in exp["rows"].values() if w["status"] == "duplicate"),
               "want_skipped": sum(1 for w in exp["rows"].values() if w["status"] == "skipped-junk"),
               "ok": ok, "checks": total, "accuracy": ok / total if total else 1.0}
    return misses, figures


def cut(v: object, width: int) -> str:
    s = str(v).replace("\n", "\\n")
    return s if len(s) <= width else s[: width - 1] + "…"


def table(misses: list[tuple]) -> str:
    lines = [f"{'row':>4}  {'field':<28} {'expected':<40} got", "-" * 110]
    lines += [f"{row:>4}  {cut(field, 28):<28} {cut(want, 40):<40} {cut(got, 80)}" for row, field, want, got in misses]
    return "\n".join(lines)


def figures_line(name: str, f: dict) -> str:
    return (f"{name:<36} rows in {f['rows']:>3}  created {f['created']:>3} (want {f['want_created']:>2})  "
            f"bad {f['bad']:>2} (want {f['want_bad']})  duplicates {f['duplicates']:>2} (want {f['want_dup']})  "
            f"skipped junk {f['skipped']:>2} (want {f['want_skipped']})  "
            f"field accuracy {f['ok']}/{f['checks']} = {f['accuracy']:.1%}")


def with_team(root: Path, team: list[str]) -> None:
    path = root / "pipeline.yaml"
    text = path.read_text(encoding="utf-8")
    assert "team: []" in text
    path.write_text(text.replace("team: []", f"team: [{', '.join(team)}]"), encoding="utf-8")
    git(root, "commit", "-qam", "the team")


@pytest.mark.parametrize("expected_path", CASES, ids=[p.name.split(".")[0] for p in CASES])
def test_a_crm_export_imports_row_by_row_and_field_by_field_as_expected(expected_path, pipe, run, capsys):
    exp = yaml.safe_load(expected_path.read_text(encoding="utf-8"))
    fixture = FIX / exp["file"]
    assert fixture.is_file() and exp["rows"], expected_path
    with_team(pipe.root, exp.get("team") or [])
    args = [str(a) for a in exp.get("args") or []]
    dry = run("-C", str(pipe.root), "import", str(fixture), "--dry-run", "--json", *args)
    assert not list((pipe.root / "leads").glob("*.yaml")), "the dry run wrote lead files"
    applied = run("-C", str(pipe.root), "import", str(fixture), "--json", *args)
    assert git(pipe.root, "status", "--porcelain") == "", "the import left uncommitted changes"
    misses, figures = evaluate(exp, load_json(dry.out), load_json(applied.out), dry.err + "\n" + applied.err,
                               read_leads(pipe.root))
    line = figures_line(exp["file"], figures)
    if os.environ.get("PIPELINE_IMPORT_STATS"):
        with capsys.disabled():
            print("\n" + line)
    if misses:
        pytest.fail(f"{line}\n(dry run exit {dry.code}, import exit {applied.code}; stderr: "
                    f"{cut(applied.err.strip(), 300)})\n{table(misses)}", pytrace=False)


def test_every_fixture_has_its_expected_outcome_and_stays_small():
    data_files = sorted(p for p in FIX.iterdir() if p.suffix == ".csv")
    assert data_files and {p.name for p in data_files} == {
        yaml.safe_load(p.read_text(encoding="utf-8"))["file"] for p in CASES}
    for p in data_files:
        raw = p.read_bytes()
        assert raw.count(b"\n") < 60, p.name
