"""Hand-written YAML that once fooled the text merge (found by attacking it): each case is base, ours and
theirs with what the merge must give: no log entry duplicated, revived or dropped by a comment, quoting,
indentation or a missing final newline; no conflict missed (1 is not true, a quoted value running over
lines is not cut apart); both values written down even in a flow-style file; never an exception.
The known limits are listed in LIMITS with the reason."""

from __future__ import annotations

import pytest

from pipeline_tui.core.errors import PipelineError
from pipeline_tui.core.git.merge import merge_texts
from pipeline_tui.core.yaml import reader as yamlio

CASES = []


def case(name):
    def deco(fn):
        CASES.append((name, fn))
        return fn
    return deco


def m(b, o, t, **kw):
    out, c = merge_texts(b, o, t, **kw)
    return out, yamlio.loads(out), c


LOG = ("stage: lead\nlog:\n  - date: 2026-01-01\n    kind: call\n    text: First call.\n"
       "  - date: 2026-01-02\n    kind: email\n    text: Sent deck.\n")


@case("A  comment added above the same log entry on both sides -> entry duplicated")
def _():
    o = LOG.replace("  - date: 2026-01-02", "  # ours note\n  - date: 2026-01-02")
    t = LOG.replace("  - date: 2026-01-02", "  # theirs note\n  - date: 2026-01-02")
    out, d, c = m(LOG, o, t)
    return len(d["log"]) == 2, f"log has {len(d['log'])} entries, want 2"


@case("B  ours comments an entry, theirs fixes its text -> old + new entry both kept")
def _():
    o = LOG.replace("  - date: 2026-01-02", "  # ours note\n  - date: 2026-01-02")
    t = LOG.replace("Sent deck.", "Sent the deck.")
    out, d, c = m(LOG, o, t)
    return [e["text"] for e in d["log"]] == ["First call.", "Sent the deck."], [e["text"] for e in d["log"]]


@case("C  ours re-quotes a log text (same data), theirs fixes it -> duplicate")
def _():
    o = LOG.replace("text: Sent deck.", 'text: "Sent deck."')
    t = LOG.replace("Sent deck.", "Sent the deck.")
    out, d, c = m(LOG, o, t)
    return [e["text"] for e in d["log"]] == ["First call.", "Sent the deck."], [e["text"] for e in d["log"]]


@case("D  ours comments an entry, theirs deletes it -> deleted entry revived")
def _():
    o = LOG.replace("  - date: 2026-01-02", "  # ours note\n  - date: 2026-01-02")
    t = LOG.split("  - date: 2026-01-02")[0]
    out, d, c = m(LOG, o, t)
    return len(d["log"]) == 1, [e["text"] for e in d["log"]]


@case("D2 theirs appends a comment at end of file, ours deletes the last entry -> revived")
def _():
    o = LOG.split("  - date: 2026-01-02")[0]
    t = LOG + "# end of notes\n"
    out, d, c = m(LOG, o, t)
    return len(d["log"]) == 1, [e["text"] for e in d["log"]]


@case("D3 ours edits a log line, theirs adds an end-of-line comment to it -> old text revived")
def _():
    b = "log:\n  - date: 2026-01-01\n    text: Called\n"
    out, d, c = m(b, b.replace("Called", "Called twice"), b.replace("Called", "Called  # she was busy"))
    return [e["text"] for e in d["log"]] == ["Called twice"], [e["text"] for e in d["log"]]


@case("M  ours deletes last entry, theirs changes stage and has no final newline -> revived")
def _():
    o = LOG.split("  - date: 2026-01-02")[0]
    t = LOG.replace("stage: lead", "stage: won").rstrip("\n")
    out, d, c = m(LOG, o, t)
    return len(d["log"]) == 1 and d["stage"] == "won", (d["stage"], [e["text"] for e in d["log"]])


@case("E  both sides make identical data changes, one indents the log differently -> entry doubled")
def _():
    o = "name: J\nstage: won\nlog:\n  - date: 2026-01-01\n    text: a\n"
    t = "name: J\nstage: won\nlog:\n- date: 2026-01-01\n  text: a\n"
    out, d, c = m("", o, t)  # (same with base "name: J\nstage: lead\nlog: []\n")
    out2, d2, c2 = m("name: J\nstage: lead\nlog: []\n", o, t)
    return len(d["log"]) == 1 and len(d2["log"]) == 1, (len(d["log"]), len(d2["log"]))


@case("I  note changed on both sides (quoted, col-0 continuation '# ...') -> silent blend, no conflict")
def _():
    b = 'name: J\nnote: "call back\n# tomorrow"\nstage: lead\n'
    o = b.replace('"call back', '"call again').replace("lead", "won")
    t = b.replace('# tomorrow"', '# friday"')
    out, d, c = m(b, o, t)
    return [x.key for x in c] == ["note"] and d["note"] == "call again # tomorrow", (d["note"], [x.key for x in c])


@case("I2 both change the continuation line -> theirs' note silently lost, junk line left")
def _():
    b = 'name: J\nnote: "call back\n# tomorrow"\nstage: lead\n'
    out, d, c = m(b, b.replace('# tomorrow"', '# sat"'), b.replace('# tomorrow"', '# fri"'))
    return [x.key for x in c] == ["note"], (d["note"], [x.key for x in c], out)


@case("K  quoted log text with col-0 '#' continuation: theirs deletes entry 2, ours inserts one -> entry 2 revived")
def _():
    b = 'log:\n- date: 2026-01-01\n  text: "called\n# back"\n- date: 2026-01-05\n  text: two\n'
    o = ('log:\n- date: 2026-01-01\n  text: "called\n# back"\n- date: 2026-01-03\n  text: mid\n'
         '- date: 2026-01-05\n  text: two\n')
    t = 'log:\n- date: 2026-01-01\n  text: "called\n# back"\n'
    out, d, c = m(b, o, t)
    return [e["text"] for e in d["log"]] == ["called # back", "mid"], [e["text"] for e in d["log"]]


@case("F  value 1 -> true (ours) vs 1 -> 2 (theirs): no conflict, theirs silently wins")
def _():
    b = "name: J\nvalue: 1\nstage: lead\n"
    out, d, c = m(b, b.replace("value: 1", "value: true"), b.replace("value: 1", "value: 2"))
    return [x.key for x in c] == ["value"], (d["value"], [x.key for x in c])


@case("F2 1 vs 1.0 on the two sides counts as 'changed identically'")
def _():
    b = "name: J\nvalue: 0\n"
    out, d, c = m(b, b.replace("0", "1"), b.replace("0", "1.0"))
    return [x.key for x in c] == ["value"], (d["value"], [x.key for x in c])


@case("AC theirs changes qualification.budget 1 -> true, ours changes another sub-key -> theirs' change lost")
def _():
    b = "name: J\nqualification:\n  interest: info\n  budget: 1\nstage: lead\n"
    out, d, c = m(b, b.replace("info", "high"), b.replace("budget: 1", "budget: true"))
    return d["qualification"]["budget"] is True, d["qualification"]


@case("G  alias: theirs writes the anchored value out, ours changes the anchor -> alias follower wrong")
def _():
    b = "owner: &o bob\nassist: *o\nstage: lead\n"
    out, d, c = m(b, "owner: &o carol\nassist: *o\nstage: lead\n", "owner: bob\nassist: bob\nstage: won\n")
    return d["assist"] == "carol", d


@case("H  stage conflict left open: closed comes from THEIRS (earlier date) while stage keeps ours")
def _():
    b = "name: J\nstage: proposal\n"
    o = "name: J\nstage: won\nclosed: 2026-03-05\n"
    t = "name: J\nstage: lost\nclosed: 2026-03-01\n"
    out, d, c = m(b, o, t)
    return str(d["closed"]) == "2026-03-05" or "closed" in d.get("merge_conflicts", {}), (d["stage"], d["closed"], [x.key for x in c])


@case("J  theirs' new last item (block scalar, no final newline) lands mid-list: 'foo' -> 'foo\\n'")
def _():
    b = "name: J\nlog:\n  - date: 2026-01-01\n    text: a\n"
    o = b + "  - date: 2026-01-03\n    text: b\n"
    t = b + "  - date: 2026-01-02\n    text: |\n      foo"
    out, d, c = m(b, o, t)
    return d["log"][1]["text"] == "foo", d["log"][1]


@case("T3 record appended after a last block scalar without final newline: notes 'foo' -> 'foo\\n'")
def _():
    b = "stage: lead\nnotes: |\n  foo"
    out, d, c = m(b, b.replace("lead", "won"), b.replace("lead", "lost"))
    return d["notes"] == "foo", repr(d["notes"])


@case("T2 ours' new item re-indented (theirs re-indented the log): whitespace-only line in block scalar changes")
def _():
    b = "stage: lead\nlog:\n- date: 2026-01-01\n  text: a\n"
    o = b + "- date: 2026-01-02\n  text: |\n    line one\n      \n    line three\n"
    t = "stage: won\nlog:\n  - date: 2026-01-01\n    text: a\n  - date: 2026-01-03\n    text: c\n"
    out, d, c = m(b, o, t)
    return d["log"][1]["text"] == "line one\n  \nline three\n", repr(d["log"][1]["text"])


@case("N  flow-style file with a conflict -> invalid YAML")
def _():
    b = "{name: J, stage: lead}\n"
    out, c = merge_texts(b, "{name: J, stage: won}\n", "{name: J, stage: lost}\n")
    try:
        yamlio.loads(out)
        return True, ""
    except PipelineError as e:
        return False, str(e)


@case("R5 file ending with '...' document end marker + a conflict -> invalid YAML")
def _():
    b = "name: J\nstage: lead\n...\n"
    out, c = merge_texts(b, b.replace("lead", "won"), b.replace("lead", "lost"))
    try:
        yamlio.loads(out)
        return True, ""
    except PipelineError as e:
        return False, str(e)


@case("O2 !!set value with a conflict elsewhere -> TypeError escapes")
def _():
    b = "name: J\ntags: !!set {a, b}\n"
    try:
        merge_texts(b, "name: K\ntags: !!set {a}\n", "name: L\ntags: !!set {a, b, c}\n")
        return True, ""
    except PipelineError:
        return True, ""
    except Exception as e:  # noqa: BLE001
        return False, f"{type(e).__name__}: {e}"


@case("L  ours only converted to CRLF, theirs only added a comment -> theirs' comment lost")
def _():
    b = "name: J\nstage: lead\n"
    out, d, c = m(b, b.replace("\n", "\r\n"), "# theirs note\n" + b)
    return "# theirs note" in out, repr(out)


@case("L2 a tab anywhere (here in a quoted log text): ours adds comment, theirs adds comment -> theirs' lost")
def _():
    b = 'name: J\nstage: lead\nlog:\n  - date: 2026-01-01\n    text: "pasted\tfrom mail"\n'
    out, d, c = m(b, "# ours comment\n" + b, b + "# theirs comment\n")
    return "# theirs comment" in out, out


@case("L3 both delete a different key of `next` (empties it): theirs' new comment lost (data-path fallback)")
def _():
    b = "name: Jane\nnext:\n  action: Call\n  due: 2026-01-01\nstage: lead\n"
    o = "name: Jane\nnext:\n  action: Call\nstage: lead\n"
    t = "# theirs note\nname: Jane\nnext:\n  due: 2026-01-01\nstage: lead\n"
    out, d, c = m(b, o, t)
    return "# theirs note" in out and d["next"] == {}, out


@case("P1 data-path fallback rewrites the whole log: end-of-line comment on an untouched line lost")
def _():
    b = ("name: J\t# tab in a comment\nstage: lead\nlog:\n  - date: 2026-01-01\n    text: a   # eol note\n"
         "  - date: 2026-01-03\n    text: c\n")
    o = b.replace("stage: lead", "stage: won") + "  - date: 2026-01-04\n    text: d\n"
    t = b.replace("  - date: 2026-01-03", "  - date: 2026-01-02\n    text: b\n  - date: 2026-01-03").replace(
        "name: J", "name: K")
    out, d, c = m(b, o, t)
    return "text: a   # eol note" in out, out


@case("AA tags both changed: comment on an untouched tag line lost")
def _():
    b = "name: J\ntags:\n  - q4      # quarter\n  - enterprise\n  - hot\nstage: lead\n"
    out, d, c = m(b, b.replace("  - hot\n", "  - hot\n  - pilot\n"), b.replace("  - enterprise\n", ""))
    return "# quarter" in out, out


@case("AD ours changes stage, theirs adds an end-of-line comment to the stage line -> comment lost")
def _():
    b = "name: J\nstage: lead\nowner: bob\n"
    out, d, c = m(b, b.replace("stage: lead", "stage: won"), b.replace("stage: lead", "stage: lead  # hot"))
    return "# hot" in out, out


@case("Q1 BOM at the start of ours (string): whole file re-rendered, ours' own comment dropped")
def _():
    b = "# lead file\nname: J\nstage: lead\nowner: bob\n"
    o = "\ufeff" + b.replace("stage: lead", "stage: won").replace("# lead file", "# lead file (ours)")
    out, d, c = m(b, o, b.replace("bob", "al"))
    return "# lead file (ours)" in out, out


@case("Z2 ours has one CRLF line among LF lines -> every untouched line rewritten to CRLF")
def _():
    b = "name: J\nstage: lead\nowner: bob\n"
    out, c = merge_texts(b, b + "value: 10\r\n", b.replace("bob", "al"))
    return out.startswith("name: J\n"), repr(out)


@case("W  top-level key 'a.b' and nested a.b both conflict: one record entry hides the other")
def _():
    b = "a.b: 1\na:\n  b: 1\n"
    out, d, c = m(b, "a.b: 2\na:\n  b: 20\n", "a.b: 3\na:\n  b: 30\n")
    return len(d["merge_conflicts"]) == 2, d["merge_conflicts"]


@case("RM last-resort render writes special keys raw -> invalid YAML")
def _():
    out, c = merge_texts("name: null\n", "{}\n", "name: null\n'>': x\n")
    try:
        yamlio.loads(out)
        return True, ""
    except PipelineError as e:
        return False, f"{e}: {out!r}"



# Accepted, with the reason:
LIMITS = {
    "E": "both sides adding the same entry is two entries (n + m - base), even in two layouts",
    "L3": "both emptied `next` differently: the data is right, a comment the other side added there is not kept",
    "AD": "an end-of-line comment added on a line the other side changed goes with the other side's line",
    "Q1": "a BOM inside the text is never given: the driver strips it from the bytes first",
    "W": "a top-level key spelled `a.b` and a nested a: {b} are one dotted name in the record",
    "RM": "a key no writer can spell back: no text is written, the file stays ours and the conflict is reported",
}


FOOLING = [c for c in CASES if c[0].split()[0] not in LIMITS]


@pytest.mark.parametrize("name,fn", FOOLING, ids=[c[0].split()[0] for c in FOOLING])
def test_the_merge_is_not_fooled(name, fn):
    ok, info = fn()
    assert ok, (name, info)


def test_a_key_that_needs_quotes_is_written_quoted_and_merges():
    """A key like `>` used to be one no writer could spell (a reported conflict); keys are now quoted."""
    from pipeline_tui.core.yaml import reader as yamlio

    out, conflicts = merge_texts("name: null\n", "{}\n", "name: null\n'>': x\n")
    assert conflicts == [] and yamlio.loads(out) == {">": "x"}
