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
many scripts (Persian, Hindi) and in emoji: they are allowed between two non-ASCII characters only, and a
variation selector only once, right after a non-ASCII character (an emoji's ❤️).
"""

from __future__ import annotations

import re
import unicodedata

from pipeline_tui.core.errors import BadInput

# Unicode's format characters (category Cf, as of Unicode 14) but the two joiners, which are conditional.
_FORMAT = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b\u200e\u200f\u202a-\u202e"
           "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
           "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
_ALWAYS = (
    "\x00-\x08\x0b-\x1f"  # C0 controls but tab and line feed (those depend on the field)
    "\x7f-\x9f"  # DEL and the C1 controls (U+009B is a CSI by itself on some terminals)
    + _FORMAT +  # bidi marks, embeddings, overrides and isolates, zero-width space, word joiner, BOM, tags...
    "\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0"  # invisible letters and blanks that show as nothing
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff"  # lone surrogates (undecodable bytes in a command line)
)
# Allowed only as part of a script or an emoji: the joiners between two non-ASCII characters, and one
# variation selector right after a non-ASCII character (a run of them can hide bytes: "emoji smuggling").
_JOINERS = "\u200c\u200d"
_SELECTORS = "\ufe00-\ufe0f\U000e0100-\U000e01ef"
_CONDITIONAL = _JOINERS + _SELECTORS
_SINGLE_RE = re.compile(f"[{_ALWAYS}\t\n{_CONDITIONAL}]")
_MULTI_RE = re.compile(f"[{_ALWAYS}{_CONDITIONAL}]")
_CONDITIONAL_RE = re.compile(f"[{_CONDITIONAL}]")

# What `check` and the writers allow line breaks in: free text, not names, ids or keys.
MULTILINE_KEYS = frozenset({"text", "notes", "pain", "source_detail", "description"})


def _conditional_ok(text: str, i: int) -> bool:
    """A joiner between two non-ASCII characters, or one variation selector after a non-ASCII character,
    is part of the text (Persian, Hindi, emoji); anywhere else it only hides something."""
    before = text[i - 1] if i > 0 else ""
    if not before or ord(before) < 128 or _CONDITIONAL_RE.match(before) or _MULTI_RE.match(before):
        return False
    if text[i] not in _JOINERS:
        return True
    after = text[i + 1] if i + 1 < len(text) else ""
    return bool(after) and ord(after) > 127 and not _CONDITIONAL_RE.match(after) and not _MULTI_RE.match(after)


def unsafe_char(text: str, multiline: bool = False) -> str | None:
    """The first character of text that is not allowed there, or None."""
    pattern = _MULTI_RE if multiline else _SINGLE_RE
    for m in pattern.finditer(text):
        if _CONDITIONAL_RE.match(m.group()) and _conditional_ok(text, m.start()):
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
        if _CONDITIONAL_RE.match(m.group()) and _conditional_ok(text, m.start()):
            continue
        out.append(text[last:m.start()])
        out.append(escape_char(m.group()))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def quoted(value: object, limit: int = 60) -> str:
    """A value quoted for a message (its repr): short, and with nothing a terminal would act on."""
    text = repr(value)
    return visible(text if len(text) <= limit else text[:limit - 3] + "...")


def show(value: object, multiline: bool = False) -> str:
    """Any value as visible text (None as empty)."""
    return "" if value is None else visible(value if isinstance(value, str) else str(value), multiline)


_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_ALWAYS[_ALWAYS.index(chr(0x7f)) + 3:]}{_CONDITIONAL}]")


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


def shown(value: object, quoted: bool = False, limit: int = 0) -> str:
    """A field's value as one line of text in a message: `(none)` for no value; `quoted` as JSON (strings in
    quotes, so `""` and `"0"` read as what they are), else dates as ISO, lists comma-separated, a mapping as
    `{...}`; always `visible`, and cut to `limit` characters (0: whole) with `...`."""
    if value is None:
        return "(none)"
    if quoted:
        import json

        text = json.dumps(value, ensure_ascii=False, default=str)
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value) or "[]"
    elif isinstance(value, dict):
        text = "{...}"
    else:
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    text = visible(text)
    return text if not limit or len(text) <= limit else text[: limit - 3] + "..."
