"""Which characters a lead's text may hold, and how any text is shown: data never drives a terminal.

A pipeline's files, commit messages and imported cells may come from someone else. Characters that a
terminal acts on (C0 and C1 controls: ESC starts every escape sequence, U+009B is an 8-bit CSI), that
reorder or hide what text says (bidi overrides and isolates, zero-width spaces, invisible tag
characters), and lone surrogates (which cannot even be written as UTF-8) are:

- refused when a person types them (`check_text`: add, set, note, done, import),
- reported by `check` at their line (`unsafe_char` over every string of a file),
- and made visible wherever text is shown (`visible`: `\\x1b`, `\\u202e`), in the CLI and in every part of
  the TUI, so what reaches a terminal is only ever text.

Line breaks and tabs are allowed only in free text (log entries, notes, pain); elsewhere they are
refused, and shown as `\\n` / `\\t`. The zero-width joiners U+200C and U+200D are letters' business in
many scripts (Persian, Hindi) and in emoji: they are allowed between two non-ASCII characters only.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline_tui.core.errors import BadInput

_ALWAYS = (
    "\x00-\x08\x0b-\x1f"  # C0 controls but tab and line feed (those depend on the field)
    "\x7f-\x9f"  # DEL and the C1 controls (U+009B is a CSI by itself on some terminals)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides and isolates
    "\u200b\u2060-\u2064\ufeff\u180e"  # zero-width space, word joiner, invisible operators, BOM
    "\u2028\u2029"  # line and paragraph separators
    "\ufff9-\ufffb"  # interlinear annotation controls
    "\ud800-\udfff"  # lone surrogates (undecodable bytes in a command line)
    "\U000e0000-\U000e007f"  # tag characters: invisible "ASCII"
)
_JOINERS = "\u200c\u200d"
_SINGLE_RE = re.compile(f"[{_ALWAYS}\t\n{_JOINERS}]")
_MULTI_RE = re.compile(f"[{_ALWAYS}{_JOINERS}]")

# What `check` and the writers allow line breaks in: free text, not names, ids or keys.
MULTILINE_KEYS = frozenset({"text", "notes", "pain", "source_detail", "description"})


def _joiner_ok(text: str, i: int) -> bool:
    """A zero-width joiner between two non-ASCII characters (a script or an emoji) is part of the text."""
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return bool(before) and bool(after) and ord(before) > 127 and ord(after) > 127 \
        and before not in _JOINERS and after not in _JOINERS


def unsafe_char(text: str, multiline: bool = False) -> str | None:
    """The first character of text that is not allowed there, or None."""
    pattern = _MULTI_RE if multiline else _SINGLE_RE
    for m in pattern.finditer(text):
        if m.group() in _JOINERS and _joiner_ok(text, m.start()):
            continue
        return m.group()
    return None


def escape_char(ch: str) -> str:
    """How a character is shown: `\\x1b`, `\\u202e`, `\\U000e0041`, `\\n`."""
    code = ord(ch)
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def describe(ch: str) -> str:
    """A character named for a message: `ESC (\\x1b)`, `RIGHT-TO-LEFT OVERRIDE (\\u202e)`."""
    names = {"\x1b": "ESC", "\n": "a line break", "\t": "a tab", "\x07": "BEL", "\x7f": "DEL"}
    name = names.get(ch) or unicodedata.name(ch, "") or ("a control character" if ord(ch) < 0xa0 else "a format character")
    return f"{name} ({escape_char(ch)})"


def check_text(value: str, what: str, multiline: bool = False) -> str:
    """value, or BadInput naming the first character that is not allowed (nothing is written then)."""
    ch = unsafe_char(value, multiline)
    if ch is not None:
        raise BadInput(f"{what}: {describe(ch)} is not allowed (control characters, bidi overrides and zero-width "
                       "characters could hide or change what the text shows" + (")" if multiline or ch not in "\n\t"
                                                                                else "; use one line of text)"))
    return value


def visible(text: str, multiline: bool = False) -> str:
    """text as it may be shown: every character `unsafe_char` refuses written out as its escape."""
    pattern = _MULTI_RE if multiline else _SINGLE_RE
    if pattern.search(text) is None:
        return text
    out = []
    last = 0
    for m in pattern.finditer(text):
        if m.group() in _JOINERS and _joiner_ok(text, m.start()):
            continue
        out.append(text[last:m.start()])
        out.append(escape_char(m.group()))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def show(value: object, multiline: bool = False) -> str:
    """Any value as visible text (None as empty)."""
    return "" if value is None else visible(value if isinstance(value, str) else str(value), multiline)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060-\u2064"
                          "\ufeff\u180e\u2028\u2029\ufff9-\ufffb\ud800-\udfff]|[\U000e0000-\U000e007f]")


def json_text(text: str) -> str:
    """JSON text with every character a terminal could act on written as a `\\u` escape: the same JSON
    value (json.dumps already escapes C0 controls), safe to print at a terminal."""
    if _JSON_UNSAFE.search(text) is None:
        return text

    def esc(m: re.Match) -> str:
        code = ord(m.group())
        if code < 0x10000:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xd800 + (code >> 10):04x}\\u{0xdc00 + (code & 0x3ff):04x}"

    return _JSON_UNSAFE.sub(esc, text)


def contains_unsafe(value: object) -> bool:
    """Whether any string in parsed data (keys included) holds a character that is refused somewhere
    (a line break counts: where it is allowed depends on the field). Fast: one regex per string."""
    search = _SINGLE_RE.search
    if isinstance(value, str):
        return search(value) is not None
    if isinstance(value, dict):
        for k, v in value.items():
            if (isinstance(k, str) and search(k) is not None) or contains_unsafe(v):
                return True
    elif isinstance(value, list):
        for v in value:
            if contains_unsafe(v):
                return True
    return False


def walk_strings(value: object, path: tuple = ()):  # noqa: ANN201
    """(key path, string, is a key) for every string in parsed data, keys included."""
    if isinstance(value, str):
        yield path, value, False
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                yield (*path, k), k, True
            yield from walk_strings(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk_strings(v, (*path, i))
