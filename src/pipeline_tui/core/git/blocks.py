"""YAML text cut into blocks: a block mapping's entries (a key's line, its value's lines, the comments just
above it), and the line-level merges of text the block merge falls back on (lines, comments)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_KEY = re.compile(r"""(?:(?P<plain>[A-Za-z0-9_][A-Za-z0-9_ ./-]*?)|"(?P<dq>[^"\\\n]*)"|'(?P<sq>[^'\n]*)')[ ]*:(?=[ \n]|$)""")


DATE_RE = re.compile(r"""(?:^|[\s{,])date:[ ]*['"]?(\d{4}-\d\d-\d\d[^'"\s#,}]*)""")


class CannotCut(Exception):
    """The text is not in the shape this module follows; the caller merges by data."""


@dataclass
class Entry:
    key: str
    lead: str  # comment lines just above the key's line
    body: str  # the key's line and its value's lines

    @property
    def text(self) -> str:
        return self.lead + self.body


@dataclass
class Block:
    head: str  # what comes before the first key (comments, `---`, blank lines)
    entries: dict[str, Entry]
    indent: int


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_comment(line: str) -> bool:
    return line.lstrip(" ").startswith("#")


FIRST_RE = re.compile(r"^( *)[^ \r\n#]", re.M)


_RISKY = re.compile(r"^ *\t|(?:^|[\s\[{,:-])[&*][^\s,\[\]{}]", re.M)


DOC_MARK_RE = re.compile(r"\n(?:---|\.\.\.)(?:[ \r\n]|$)")


def line_at(text: str, start: int) -> str:
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end + 1]


def back_over_comments(text: str, start: int, lo: int, ind: int) -> int:
    """Where an entry starting at `start` really begins: the comment lines (at the entry's indentation or
    left of it) just above it go with it; blank lines between stay with what is above."""
    j = start
    while j > lo:
        prev = text.rfind("\n", 0, j - 1) + 1
        line = text[prev:j]
        stripped = line.lstrip(" ")
        if not stripped.strip():
            j = prev
            continue
        if stripped.startswith("#") and len(line) - len(stripped) <= ind:
            j = prev
            continue
        break
    while j < start:  # blank lines at the top of the run stay with the entry above
        line = line_at(text, j)
        if line.strip():
            break
        j += len(line)
    return j


def entry_starts(text: str, ind: int, pos: int = 0) -> list[int]:
    """Offsets of the lines whose content begins exactly at column `ind` (comments aside)."""
    return [m.start() + pos for m in re.finditer(rf"^ {{{ind}}}(?=[^ \r\n#])", text[pos:], re.M)]


def cut(text: str) -> Block:
    """The block mapping `text` holds (at any indentation), cut into entries."""
    if _RISKY.search(text) or text.startswith("%") or DOC_MARK_RE.search(text):
        raise CannotCut("tabs in indentation, anchors and aliases, or several documents")
    if text and not text.endswith("\n") and ("|" in text or ">" in text):
        raise CannotCut("a block scalar may end the file without a line break")
    pos = len(line_at(text, 0)) if text.startswith("---") else 0
    m = FIRST_RE.search(text, pos)
    if m is None:
        return Block(text, {}, 0)
    ind = len(m.group(1))
    if ind and re.search(rf"^ {{0,{ind - 1}}}[^ \r\n#]", text[pos:], re.M):
        raise CannotCut("a line left of the mapping")
    starts: list[tuple[int, str]] = []
    seen: set[str] = set()
    for at in entry_starts(text, ind, pos):
        rest = line_at(text, at)[ind:]
        if rest.startswith("- ") or rest.rstrip("\r\n") == "-":
            if not starts:
                raise CannotCut("a list, not a mapping")
            continue  # an indentless list belongs to the key above
        km = _KEY.match(rest)
        if not km:
            raise CannotCut(f"not a key line: {rest!r}")
        key = km.group("plain") if km.group("plain") is not None else (km.group("dq") if km.group("dq") is not None
                                                                       else km.group("sq"))
        if key in seen:
            raise CannotCut("a key twice")
        seen.add(key)
        starts.append((at, key))
    cuts = []
    for n, (at, _key) in enumerate(starts):
        lo = starts[n - 1][0] + len(line_at(text, starts[n - 1][0])) if n else pos
        cuts.append(back_over_comments(text, at, lo, ind) if n else at)
    if starts:  # comments above the first key stay in the head
        cuts[0] = starts[0][0]
    head = text[: cuts[0]] if starts else text
    entries = {}
    for n, (at, key) in enumerate(starts):
        end = cuts[n + 1] if n + 1 < len(starts) else len(text)
        entries[key] = Entry(key, text[cuts[n]:at], text[at:end])
    return Block(head, entries, ind)


def line_merge(base: str, ours: str, theirs: str) -> str | None:
    """git's own line merge of three texts, when it is clean."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    with tempfile.TemporaryDirectory(prefix="pipeline-merge-") as tmp:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            p = Path(tmp) / name
            p.write_text(text, encoding="utf-8", newline="")
            paths.append(str(p))
        try:
            res = subprocess.run(["git", "merge-file", "-p", *paths], capture_output=True, check=False)
        except OSError:
            return None
        if res.returncode != 0:
            return None
        return res.stdout.decode("utf-8", "replace")


def comments_merge(base: str, ours: str, theirs: str) -> str:
    """Lines of comments (and blank lines) both sides changed: git's line merge when clean, else ours
    followed by the lines only theirs added (nothing either side wrote is dropped)."""
    merged = line_merge(base, ours, theirs)
    if merged is not None:
        return merged
    had = set(base.splitlines()) | set(ours.splitlines())
    extra = [ln for ln in theirs.splitlines(keepends=True) if ln.rstrip("\r\n") not in had]
    return ended(ours) + "".join(extra)


def ended(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def added_comments(base: str, side: str, other: str) -> str:
    """Full-line comments `side` added (not in the base) that `other` does not have."""
    had = {ln.strip() for ln in base.splitlines()} | {ln.strip() for ln in other.splitlines()}
    return "".join(ended(ln) for ln in side.splitlines(keepends=True)
                   if _is_comment(ln) and ln.strip() not in had)
