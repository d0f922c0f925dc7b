"""The CLI's text columns are measured in terminal cells, not characters: a lead whose name or company is
written in CJK or holds an emoji (two cells a character) keeps every later column where the header puts it."""

from __future__ import annotations

import re
import unicodedata

import pytest

LEADS = [  # (name, company): ASCII, CJK that fits, emoji, CJK cut in the middle of a wide character, accents
    ("Jane Doe", "Acme Corp"),
    ("张伟", "東京株式会社"),
    ("🎉 Party Planner", "Fiesta 🎊 GmbH"),
    ("長い名前の見込み客さんです", "とても長い会社名の株式会社"),
    ("Zoë Ünal", "Café Crème"),
]
COLUMNS = ("GRADE", "ID", "NAME", "COMPANY", "SOURCE", "STAGE", "DUE", "NEXT", "OWNER")


def width(ch: str) -> int:
    """A character's terminal cells by Unicode's East Asian Width (independent of the code under test)."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def screen_cells(line: str) -> list[str]:
    """The line as the terminal lays it out: one entry a cell; the second cell of a wide character is ""."""
    out: list[str] = []
    for ch in line:
        out += [ch] + [""] * (width(ch) - 1)
    return out


@pytest.fixture
def root(tmp_path, run):
    r = run("init", str(tmp_path / "p"))
    assert r.code == 0, r
    return tmp_path / "p"


@pytest.fixture
def ids(root, run):
    made = {}
    for name, company in LEADS:
        r = run("-C", str(root), "add", name, "--source", "referral", "--company", company, "--owner", "alice",
                "--next", "Call 電話", "--due", "tomorrow")
        assert r.code == 0, r
        made[r.out.strip()] = (name, company)
    return made


@pytest.mark.parametrize("columns", ["100", "200"])
def test_list_columns_start_at_the_same_cell_in_every_row(root, ids, run, columns):
    r = run("-C", str(root), "list", env={"COLUMNS": columns})
    assert r.code == 0, r
    header, *rows = r.out.splitlines()
    starts = {m.group(): m.start() for m in re.finditer(r"\S+", header)}  # the header is ASCII: index = cell
    assert tuple(starts) == COLUMNS
    assert len(rows) == len(LEADS)
    ends = [*list(starts.values())[1:], None]  # a column ends where the next begins (the last: the line's end)
    seen = set()
    for row in rows:
        cells = screen_cells(row)
        for col, start in list(starts.items())[1:]:
            assert cells[start - 2:start] == [" ", " "], (col, row)  # the gap before every column...
            assert cells[start] not in ("", " "), (col, row)  # ...and its text starts right at the header's cell
        text = {col: "".join(cells[start:end]).rstrip() for (col, start), end in zip(starts.items(), ends, strict=True)}
        name, company = ids[text["ID"]]
        seen.add(text["ID"])
        assert (text["SOURCE"], text["STAGE"], text["DUE"], text["NEXT"], text["OWNER"]) == (
            "referral", "new", "2026-11-24", "Call 電話", "alice")
        for col, full in (("NAME", name), ("COMPANY", company)):
            room = starts[COLUMNS[COLUMNS.index(col) + 1]] - starts[col] - 2
            shown = text[col]
            if shown.endswith("…"):  # cut: the part kept, at most the column's cells with the …
                assert full.startswith(shown[:-1].rstrip()) and sum(map(width, shown)) <= room, (col, row)
            else:
                assert shown == full, (col, row)
    assert seen == set(ids)
    cut = next(row for row in rows if "長い名前" in row)
    assert "長い名前の見込み …" in cut  # 8 wide characters (16 cells) of the 17 before the …, then one blank cell


def test_agenda_waiting_lines_keep_their_columns(root, ids, run):
    r = run("-C", str(root), "agenda")
    assert r.code == 0, r
    waiting = [line for line in r.out.splitlines() if line.startswith("  waiting")]
    assert len(waiting) == len(LEADS)
    source_cells = {sum(map(width, line[:line.index("referral")])) for line in waiting}
    assert len(source_cells) == 1, r.out  # the source column starts at one cell in every line
