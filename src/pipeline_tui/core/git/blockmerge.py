"""Three-way merge of YAML *text* by its blocks: what only one side touched stays that side's bytes.

A block mapping is cut into entries: a key's line, the lines of its value, and the comment lines just
above the key. Entries are merged one by one:

- an entry only one side changed is that side's text, byte for byte (its comments, quoting, indent);
- one both sides changed is rendered from the merged *value* the caller decided (`merge.merge_data`
  decides, this module only writes): that side's text when the value is one side's, a nested mapping
  merged again by its entries, and otherwise our text with the value edited in place;
- the `log` is a three-way multiset of its items (an item present n times here, m there and k in the
  base ends n + m - k times): items the same at the same place at the start and end of all three are
  kept unread, only the changed middle is read (so a comment or quoting is no new item), and an item
  that comes in is re-indented to this file's own indentation;
- comment lines both sides added around an entry are both kept.

Nothing here parses a whole file: only entries both sides changed, small entries (each must read on its
own) and the log's changed middle are read; the caller composes the result once and checks it reads back
as the merged data (key order, every merged value, the log's length). Text this cutting cannot follow (a
key it does not recognise, a tab in the indentation, an anchor) raises CannotCut, and the caller merges
by data instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from pipeline_tui.core.git.blocks import (
    DATE_RE,
    FIRST_RE,
    Entry,
    added_comments,
    back_over_comments,
    comments_merge,
    cut,
    ended,
    entry_starts,
    indent_of,
    line_at,
    line_merge,
)

# --- lists of items ------------------------------------------------------------------------------------

def _items(body: str) -> tuple[str, list[str], int] | None:
    """A key line followed by a block list: (the key line, each item's text, the items' indentation);
    None when the value is something else. An empty flow list (`log: []`) has no items."""
    first = line_at(body, 0)
    rest = body[len(first):]
    after = first.split(":", 1)[1].split(" #", 1)[0].strip() if ":" in first else ""
    m = FIRST_RE.search(rest)
    if after == "[]" and m is None:
        return first, [], -1
    if after or m is None:
        return None
    ind = len(m.group(1))
    if rest[m.end() - 1] != "-" or rest[m.end():m.end() + 1] not in (" ", "\n", "\r", ""):
        return None
    if ind and re.search(rf"^ {{0,{ind - 1}}}[^ \r\n#]", rest, re.M):
        return None
    starts = entry_starts(rest, ind)
    if any(not (rest.startswith("- ", s + ind) or rest[s + ind:s + ind + 2].rstrip("\r\n") == "-") for s in starts):
        return None  # something at the items' indentation that is not an item
    cuts = [starts[0]] + [back_over_comments(rest, s, starts[n] + 1, ind) for n, s in enumerate(starts[1:])]
    first += rest[: cuts[0]]  # lines between the key line and the first item
    texts = [rest[c: cuts[n + 1] if n + 1 < len(cuts) else len(rest)] for n, c in enumerate(cuts)]
    return first, texts, ind


def _shift(text: str, by: int) -> str:
    """Every line of an item moved right (or left) by `by` columns; blank lines left alone."""
    if by == 0:
        return text
    out = []
    for ln in text.splitlines(keepends=True):
        if not ln.strip("\r\n"):  # an empty line; one of spaces may be a block scalar's content: shifted
            out.append(ln)
        elif by > 0:
            out.append(" " * by + ln)
        else:
            out.append(ln[min(-by, indent_of(ln)):])
    return "".join(out)


def _date_of(item: str) -> str:
    m = DATE_RE.search(item)
    return m.group(1) if m else ""


def merge_items(base: list[str], ours: list[str], theirs: list[str], ind: tuple[int, int, int],
                key_of: Callable[[str], str]) -> list[str]:
    """A three-way multiset merge of list items: an item n times here, m times there and k times in the base
    ends max(0, n + m - k) times (items compare by what they mean: `key_of` reads one; a comment, quoting or
    indentation is no new item). Items the same at the same place at the start and end of all three are
    kept as they are without reading them; only the changed middle is read. An item kept from both sides
    keeps both sides' comments. Ours keep their order; theirs that are new are merged in by date (ours first
    on the same date), in their own order, indented as ours are."""
    bi, oi, ti = ind
    target = oi if oi >= 0 else (ti if ti >= 0 else bi)

    def norm(items: list[str], at: int) -> list[str]:  # as they would stand here: compared, and written
        return items if at in (target, -1) else [_shift(x, target - at) for x in items]

    kb, ko, kt = norm(base, bi), norm(ours, oi), norm(theirs, ti)
    n = min(len(kb), len(ko), len(kt))
    p = 0
    while p < n and _same_item(kb[p], ko[p]) and _same_item(ko[p], kt[p]):
        p += 1
    q = 0
    while q < n - p and _same_item(kb[-1 - q], ko[-1 - q]) and _same_item(ko[-1 - q], kt[-1 - q]):
        q += 1
    mb, mo, mt = kb[p:len(kb) - q], ko[p:len(ko) - q], kt[p:len(kt) - q]
    keys: dict[str, str] = {}

    def key(text: str) -> str:
        if text not in keys:
            keys[text] = key_of(text)
        return keys[text]

    db, do, dt = [key(x) for x in mb], [key(x) for x in mo], [key(x) for x in mt]
    pairs: dict[str, list[str]] = {}  # key -> theirs' texts of it not yet matched with one of ours
    for k, text in zip(dt, mt, strict=True):
        pairs.setdefault(k, []).append(text)
    bases: dict[str, list[str]] = {}
    for k, text in zip(db, mb, strict=True):
        bases.setdefault(k, []).append(text)

    def both(k: str, text: str) -> str:
        """Our item, with what the other side changed in its text (a comment) when it means the same."""
        theirs_same = pairs.get(k)
        if not theirs_same:
            return text
        other = theirs_same.pop(0)
        base_same = bases.get(k)
        old = base_same.pop(0) if base_same else ""
        if other == text:
            return text
        merged = line_merge(ended(old), ended(text), ended(other))
        if merged is not None and key_of(merged) == k:
            return merged
        return added_comments(old, other, text) + text  # their new comment lines, above the item

    middle = multiset_merge(db, do, dt, mo, mt, _date_of, both)
    return ko[:p] + middle + (ko[len(ko) - q:] if q else [])


def _same_item(a: str, b: str) -> bool:
    return a == b or a.rstrip() == b.rstrip()


def multiset_merge(kb: list, ko: list, kt: list, ours: list, theirs: list, when: Callable[[Any], str],
                   both: Callable[[Any, Any], Any] | None = None) -> list:
    """The three-way multiset merge of items known by hashable keys (kb, ko, kt): an item n times in ours,
    m in theirs and k in the base ends max(0, n + m - k) times. Ours keep their order; theirs still owed
    are merged in by `when` (ours first on the same date), in their own order. Linear in the lengths."""
    cb, co, ct = Counter(kb), Counter(ko), Counter(kt)
    budget = {k: max(0, co[k] + ct[k] - cb[k]) for k in co.keys() | ct.keys()}
    out = []
    for k, item in zip(ko, ours, strict=True):
        if budget.get(k, 0) > 0:
            budget[k] -= 1
            out.append(both(k, item) if both else item)
    new = []
    for k, item in zip(kt, theirs, strict=True):
        if budget.get(k, 0) > 0:
            budget[k] -= 1
            new.append(item)
    if not new:
        return out
    merged, i = [], 0
    for item in new:
        at = when(item)
        while i < len(out) and when(out[i]) <= at:
            merged.append(out[i])
            i += 1
        merged.append(item)
    merged.extend(out[i:])
    return merged


# --- mappings ------------------------------------------------------------------------------------------

class Merger:
    """Writes the merged text of three block mappings. `value(path)` gives the merged value of an entry
    both sides changed (from the data merge), `parse(text)` reads one entry; `log_keys` are merged as
    item multisets without parsing."""

    def __init__(self, value: Callable[[tuple[str, ...], str | None, str | None, str | None], Any],
                 parse: Callable[[str], Any], edit: Callable[[str, str, Any], str], log_keys=("log",),  # noqa: ANN001
                 tied: Callable[..., str | None] | None = None, item_key: Callable[[str], str] | None = None):
        self.value = value
        self.item_key = item_key or (lambda text: text.strip())
        self.tied = tied
        self.parse = parse
        self.edit = edit
        self.log_keys = log_keys
        self.first = ("stage",)
        self.log_lengths: dict[tuple[str, ...], int] = {}
        self.order: list[str] = []  # the top-level keys of the result, in order
        self.expected: dict[tuple[str, ...], Any] = {}  # merged values the result must read back as

    def mapping(self, base: str, ours: str, theirs: str, path: tuple[str, ...] = ()) -> str:
        if ours == theirs or theirs == base:
            return ours
        if ours == base:
            return theirs
        b, o, t = cut(base), cut(ours), cut(theirs)
        for block in (b, o, t):  # each entry must read on its own: a quoted value running over lines that
            for e in block.entries.values():  # look like comments or keys is then never cut apart
                if len(e.body) < 20_000 and not (len(path) == 0 and e.key in self.log_keys):
                    self.parse(e.body)
        head = comments_merge(b.head, o.head, t.head)
        chosen: dict[str, str] = {}
        keys = list(o.entries) + [k for k in t.entries if k not in o.entries]
        keys.sort(key=lambda k: k not in self.first)  # (the stage is decided before `closed`, which follows it)
        for key in keys:
            be, oe, te = b.entries.get(key), o.entries.get(key), t.entries.get(key)
            text = self.entry(path + (key,), be, oe, te)
            if text is not None:
                chosen[key] = text
        out = ended(head) if head and chosen else head
        first, second = list(o.entries), list(t.entries)
        if [k for k in first if k in b.entries] == [k for k in b.entries if k in first] and \
                [k for k in second if k in b.entries] != [k for k in b.entries if k in second]:
            first, second = second, first  # only theirs reordered the keys: their order
        order = _order(first, second, chosen)
        if not path:
            self.order = order
        for n, key in enumerate(order):
            out += chosen[key] if n == len(order) - 1 else ended(chosen[key])
        return out

    def entry(self, path: tuple[str, ...], be: Entry | None, oe: Entry | None, te: Entry | None) -> str | None:
        tied = self.tied(path, be and be.body, oe and oe.body, te and te.body) if self.tied else None
        if tied in ("ours", "theirs"):  # this entry goes with another's choice (`closed` with the stage)
            e = oe if tied == "ours" else te
            self.expected[path] = self.parse(e.body) if e else GONE
            return e.text if e else None
        bt, ot, tt = (e.text if e else None for e in (be, oe, te))
        if ot == tt or tt == bt:
            return ot
        if ot == bt:
            return tt
        if oe is None or te is None:  # deleted on one side, changed on the other: the data merge decides
            value = self.value(path, be and be.body, oe and oe.body, te and te.body)
            self.expected[path] = value
            if value is GONE:
                return None
            side = oe or te
            return side.text
        lead = comments_merge(be.lead if be else "", oe.lead, te.lead)
        body = self.body(path, be.body if be else None, oe.body, te.body)
        return lead + body

    def body(self, path: tuple[str, ...], b: str | None, o: str, t: str) -> str:
        if o == t or t == b:
            return o
        if o == b:
            return t
        if path[-1] in self.log_keys and len(path) == 1:
            merged = self._log(path, b, o, t)
            if merged is not None:
                return merged
        value = self.value(path, b, o, t)
        self.expected[path] = value
        ov, tv = self.parse(o), self.parse(t)
        if value == ov and _same_types(value, ov):
            return self._with_comments(b, o, t)
        if value == tv and _same_types(value, tv):
            return self._with_comments(b, t, o)
        if isinstance(value, dict) and isinstance(ov, dict) and isinstance(tv, dict):
            nested = self._nested(path, b, o, t)
            if nested is not None:
                return nested
        lined = line_merge(b or "", o, t)  # git's line merge of the entry, when it means the merged value
        if lined is not None:
            try:
                got = self.parse(lined)
            except Exception:  # noqa: BLE001 - any reading problem: not this text
                got = GONE
            if got == value and _same_types(got, value):
                return lined
        return self.edit(o, path[-1], value)

    def _with_comments(self, base: str | None, winner: str, loser: str) -> str:
        """The winner's text, with the full-line comments the loser added kept (just above the value)."""
        lined = line_merge(base or "", winner, loser)
        if lined is not None and self.parse(lined) == self.parse(winner):
            return lined
        extra = added_comments(base or "", loser, winner)
        if not extra:
            return winner
        first, sep, rest = winner.partition("\n")
        return first + sep + extra + rest if sep else ended(winner) + extra

    def _nested(self, path: tuple[str, ...], b: str | None, o: str, t: str) -> str | None:
        parts = []
        for x in (b or "", o, t):
            first, sep, rest = x.partition("\n")
            after = first.split(":", 1)[1].split(" #", 1)[0].strip() if ":" in first else "?"
            if x and after:  # a flow mapping or something else on the key's line
                return None
            parts.append((first + sep, rest))
        if not parts[0][0]:
            parts[0] = (parts[1][0], "")
        line = line_merge(parts[0][0], parts[1][0], parts[2][0]) or parts[1][0]
        inner = Merger(self.value, self.parse, self.edit, (), self.tied, self.item_key)
        text = inner.mapping(parts[0][1], parts[1][1], parts[2][1], path)
        self.expected.update(inner.expected)
        return line + text

    def _log(self, path: tuple[str, ...], b: str | None, o: str, t: str) -> str | None:
        cuts = [_items(x) if x is not None else ("", [], -1) for x in (b, o, t)]
        if any(c is None for c in cuts):
            return None
        (bl, bitems, bi), (ol, oitems, oi), (tl, titems, ti) = cuts  # type: ignore[misc]
        if oi < 0 and ti < 0:
            return None
        if bi >= 0 and oi == bi and ti >= 0 and ti != bi:  # only theirs re-indented the list: theirs lead
            items = merge_items(bitems, titems, oitems, (bi, ti, oi), self.item_key)
        else:
            items = merge_items(bitems, oitems, titems, (bi, oi, ti), self.item_key)
        if not items:
            return None  # every item gone: the data merge writes the empty list
        self.log_lengths[path] = len(items)
        first = tl if oi < 0 else (line_merge(bl, ol, tl) or ol)  # ours was `log: []`: theirs' key line
        return ended(first) + "".join(ended(x) for x in items[:-1]) + items[-1]


GONE = object()  # a value deleted on one side


def _same_types(a: Any, b: Any) -> bool:
    """`1 == 1.0 == True` in Python, not in YAML: a merged value is one side's only if its types match."""
    if isinstance(a, dict) and isinstance(b, dict):
        return all(_same_types(v, b.get(k)) for k, v in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_types(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b)


def _order(ours: list[str], theirs: list[str], chosen: dict[str, str]) -> list[str]:
    """Our key order; a key only theirs has goes right after the key it follows there."""
    out = [k for k in ours if k in chosen]
    placed = set(out)
    for i, k in enumerate(theirs):
        if k in chosen and k not in placed:
            at = 0
            for p in reversed(theirs[:i]):
                if p in placed:
                    at = out.index(p) + 1
                    break
            out.insert(at, k)
            placed.add(k)
    return out
