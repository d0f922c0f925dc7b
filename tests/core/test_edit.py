"""Surgical writes: an edit changes only the lines of the fields it changes, byte for byte elsewhere."""

from __future__ import annotations

import datetime as dt
import difflib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.yaml import reader as yamlio
from pipeline_tui.core.yaml.ops import Op, verified_edit

HAND_WRITTEN = """\
# Jane came through Bob. Keep her warm!
name:   Jane Doe        # the person
company: 'Acme Corp'
phone: "+1 555 0100"
country: NO
source: referral
stage: new
empty:
nothing: ~
tags: [ manufacturing, q4 ]
qualification:
    interest: info       # asked for pricing
    authority: unknown
long_note: this is a very long line that a default YAML dumper would happily re-wrap at eighty columns, which we must never do
created: 2026-11-01
log:
- date: 2026-11-02
  kind: call
  text: |
    Discussed pilot scope.
    Budget next quarter.

unknown_key: {a: 1, b: [x, y]}   # mine
trailing: spaces   \n"""


def edit(text: str, *ops: Op) -> str:
    data = yamlio.loads(text)
    new, _ = verified_edit(text, data, list(ops), "leads/x.yaml")
    return new


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(old.splitlines(keepends=True), new.splitlines(keepends=True)):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_scalar_edit_touches_one_line_only():
    new = edit(HAND_WRITTEN, Op("set", ("stage",), "qualified"))
    removed, added = changed_lines(HAND_WRITTEN, new)
    assert removed == ["stage: new\n"] and added == ["stage: qualified\n"]


def test_quote_style_is_kept():
    new = edit(HAND_WRITTEN, Op("set", ("company",), "Initech"), Op("set", ("phone",), "+1 555 0199"))
    assert "company: 'Initech'\n" in new and 'phone: "+1 555 0199"\n' in new
    assert changed_lines(HAND_WRITTEN, new)[0] == ["company: 'Acme Corp'\n", 'phone: "+1 555 0100"\n']


def test_comment_after_value_and_spacing_survive():
    new = edit(HAND_WRITTEN, Op("set", ("name",), "Jane Q. Doe"), Op("set", ("qualification", "interest"), "call"))
    assert "name:   Jane Q. Doe        # the person\n" in new
    assert "    interest: call       # asked for pricing\n" in new


def test_nested_add_uses_the_files_own_indent():
    new = edit(HAND_WRITTEN, Op("set", ("qualification", "fit"), "strong"))
    assert "    authority: unknown\n    fit: strong\n" in new
    assert changed_lines(HAND_WRITTEN, new) == ([], ["    fit: strong\n"])


def test_new_mapping_key_is_appended_at_the_end():
    new = edit(HAND_WRITTEN, Op("set", ("next",), {"action": "Send proposal", "due": dt.date(2026, 11, 25)}))
    assert new.startswith(HAND_WRITTEN)
    assert new[len(HAND_WRITTEN):] == "next:\n    action: Send proposal\n    due: 2026-11-25\n"


def test_flow_list_keeps_its_spacing():
    new = edit(HAND_WRITTEN, Op("append", ("tags",), "pilot"))
    assert "tags: [ manufacturing, q4, pilot ]\n" in new
    new2 = edit(new, Op("remove", ("tags",), "manufacturing"))
    assert "tags: [ q4, pilot ]\n" in new2


def test_empty_and_tilde_values_are_filled_in_place():
    new = edit(HAND_WRITTEN, Op("set", ("empty",), "now"), Op("set", ("nothing",), 5))
    removed, added = changed_lines(HAND_WRITTEN, new)
    assert removed == ["empty:\n", "nothing: ~\n"] and added == ["empty: now\n", "nothing: 5\n"]


def test_unindented_log_gets_an_entry_in_the_same_style():
    entry = {"date": dt.date(2026, 11, 5), "kind": "email", "text": "Sent the deck"}
    new = edit(HAND_WRITTEN, Op("append", ("log",), entry))
    assert "    Budget next quarter.\n- date: 2026-11-05\n  kind: email\n  text: Sent the deck\n\nunknown_key" in new
    assert changed_lines(HAND_WRITTEN, new)[0] == []


def test_flow_mapping_edit_and_unknown_keys_survive():
    new = edit(HAND_WRITTEN, Op("set", ("unknown_key", "a"), 2), Op("set", ("unknown_key", "c"), "z"))
    assert "unknown_key: {a: 2, b: [x, y], c: z}   # mine\n" in new


def test_delete_a_key_and_an_emptied_parent():
    new = edit(HAND_WRITTEN, Op("delete", ("nothing",)))
    assert changed_lines(HAND_WRITTEN, new) == (["nothing: ~\n"], [])
    text = "name: A\nnext:\n  action: x\nsource: s\n"
    assert edit(text, Op("delete", ("next", "action"))) == "name: A\nsource: s\n"


def test_long_lines_and_trailing_spaces_are_not_rewritten():
    new = edit(HAND_WRITTEN, Op("set", ("stage",), "won"))
    assert [line for line in new.splitlines() if line.startswith("long_note")] == \
        [line for line in HAND_WRITTEN.splitlines() if line.startswith("long_note")]
    assert "trailing: spaces   \n" in new


def test_crlf_and_missing_final_newline():
    text = "name: A\r\nstage: new\r\nsource: s"
    new = edit(text, Op("set", ("stage",), "won"), Op("set", ("value",), 10))
    assert new == "name: A\r\nstage: won\r\nsource: s\r\nvalue: 10"


def test_block_scalar_replaced_keeps_following_blank_line():
    text = "name: A\nnote: |\n  one\n  two\n\nsource: s\n"
    assert edit(text, Op("set", ("note",), "short")) == "name: A\nnote: short\n\nsource: s\n"


def test_refuses_to_turn_a_mapping_into_a_scalar():
    with pytest.raises(BadInput, match="mapping"):
        edit(HAND_WRITTEN, Op("set", ("qualification",), "strong"))


def test_unchanged_set_is_byte_identical():
    assert edit(HAND_WRITTEN, Op("set", ("stage",), "new")) == HAND_WRITTEN


# --- property: any valid edit of any hand-written file changes only its own lines ----------------

KEYS = ["company", "title", "owner", "stage", "horizon", "source_detail", "custom"]
text_values = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=30)
values = st.one_of(text_values, st.integers(-10**6, 10**6), st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)),
                   st.sampled_from(["NO", "yes", "null", "~", "2026-11-01", "a: b", "#x", "'q'", '"d"', "- i"]))


@st.composite
def hand_written_files(draw):
    """Lead files in the many ways people write YAML: indents, quotes, comments, CRLF, flow/block lists."""
    indent = " " * draw(st.sampled_from([2, 4]))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    lines = []
    if draw(st.booleans()):
        lines.append("# notes from the first call")
    present = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=len(KEYS)))
    lines.append("name: " + draw(st.sampled_from(["Jane Doe", "'Jane Doe'", '"Jane Doe"', "Jane Doe   # who"])))
    for key in present:
        val = draw(st.sampled_from(["x", "'quoted'", '"dq"', "~", "", "12", "NO", "value  # c", "two  words"]))
        lines.append(f"{key}:{' ' if val else ''}{val}")
        if draw(st.integers(0, 5)) == 0:
            lines.append("")
    lines.append("source: referral")
    if draw(st.booleans()):
        lines.append("tags: " + draw(st.sampled_from(["[a, b]", "[ a, b ]", "[]"])))
    else:
        dash = draw(st.sampled_from(["", indent]))
        lines += ["tags:", f"{dash}- a", f"{dash}- b"]
    if draw(st.booleans()):
        lines += ["qualification:", f"{indent}interest: info   # asked", f"{indent}fit: unknown"]
    lines.append("created: 2026-11-01")
    if draw(st.booleans()):
        lines += ["log:", "- date: 2026-11-02", "  kind: call", "  text: Hello"]
    end = draw(st.sampled_from([nl, "", nl + nl, "   " + nl]))
    return nl.join(lines) + end


@given(hand_written_files(), st.sampled_from(KEYS + ["qualification.fit", "next.due", "value"]), values)
def test_any_edit_changes_only_its_own_lines(text, key, value):
    data = yamlio.loads(text)
    path = tuple(key.split("."))
    new, got = verified_edit(text, data, [Op("set", path, value)], "leads/x.yaml")
    # 1. it means exactly the intended data
    node = got
    for k in path:
        node = node[k]
    assert node == value and type(node) is type(value)
    # 2. every other line is still there, in order, byte for byte
    old_lines = text.splitlines()
    new_lines = new.splitlines()
    if "\r\n" in text:
        assert new.count("\n") == new.count("\r\n"), "line endings must stay CRLF"
    assert new.endswith("\n") == text.endswith("\n"), "a missing final newline stays missing"
    removed = [line for line in difflib.ndiff(old_lines, new_lines) if line.startswith("- ")]
    assert len(removed) <= 1
    if removed:
        stripped = removed[0][2:].lstrip()
        assert stripped.startswith(path[-1] + ":") or stripped.startswith(path[0] + ":"), (removed, key)
    # 3. an unchanged file is never rewritten
    again, _ = verified_edit(new, got, [Op("set", path, value)], "leads/x.yaml")
    assert again == new


@given(hand_written_files(), st.lists(st.text(alphabet="abcxyz-", min_size=1, max_size=6), min_size=1, max_size=3))
def test_list_appends_keep_everything_else(text, tags):
    data = yamlio.loads(text)
    ops = [Op("append", ("tags",), t) for t in tags]
    new, got = verified_edit(text, data, ops, "leads/x.yaml")
    assert got["tags"] == data["tags"] + tags
    removed = [line for line in difflib.ndiff(text.splitlines(), new.splitlines()) if line.startswith("- ")]
    assert all(line[2:].lstrip().startswith("tags:") or not line[2:].strip() for line in removed), removed


# --- the spans an edit is located by ------------------------------------------------------------

def _spans(node, path="$"):  # noqa: ANN001
    """Every node's kind, place and style, as a list to compare (an empty scalar: only that it is empty,
    since the two composers put it at different ends of the blank; end marks: offset only, since at
    a missing final newline libyaml counts one more line)."""
    kind = type(node).__name__
    if kind == "ScalarNode" and node.value == "" and not node.style:
        return [(path, "empty", node.start_mark.index == node.end_mark.index)]
    start = (node.start_mark.index, node.start_mark.line, node.start_mark.column)
    if kind == "ScalarNode":
        return [(path, kind, start, node.end_mark.index, node.value, node.style or None)]
    out = [(path, kind, start, node.end_mark.index, bool(node.flow_style), len(node.value))]
    if kind == "MappingNode":
        for i, (k, v) in enumerate(node.value):
            out += _spans(k, f"{path}.k{i}") + _spans(v, f"{path}.v{i}")
    else:
        for i, item in enumerate(node.value):
            out += _spans(item, f"{path}[{i}]")
    return out


def _ruamel_spans(text: str):  # noqa: ANN202
    from ruamel.yaml import YAML

    return _spans(YAML().compose(text))


@settings(max_examples=300)
@given(hand_written_files(), st.sampled_from(["", "\nnote: ", "\nnote: x\n", "\nlog:\n  -\n  - b\n"]),
       st.text(max_size=12))
def test_edits_are_located_where_ruamel_round_trip_composer_puts_every_node(text, tail, extra):
    """libyaml (which reads leads) gives edits exactly the spans of ruamel.yaml's round-trip composer:
    offsets, lines and columns, quoting and flow styles, on text both of them read."""
    from pipeline_tui.core.yaml.edit import _compose

    text = text + tail + extra
    try:
        expected = _ruamel_spans(text)
    except Exception:  # noqa: BLE001 - YAML ruamel refuses is not a case to compare
        assume(False)
    try:
        node = _compose(text)
    except BadInput:  # the few texts YAML 1.1 and 1.2 read differently (a NEL as a line break, ...)
        assume(False)
    assert _spans(node) == expected


def test_spans_of_a_hand_written_file_match_ruamel():
    from pipeline_tui.core.yaml.edit import _compose

    assert _spans(_compose(HAND_WRITTEN)) == _ruamel_spans(HAND_WRITTEN)
    emoji = "name: 🙂 Zoë\ntags: [ä, 🙂]\nnote: 'x'   # ✓\r\n"
    assert _spans(_compose(emoji)) == _ruamel_spans(emoji)
