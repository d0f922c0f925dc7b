"""Safe, fast YAML 1.2 reading and scalar writing shared by every reader and writer.

One reader for the whole program: libyaml (through PyYAML's C parser) with the YAML 1.2 core schema
resolvers, so `country: NO` is the string "NO" and `yes` is a string, exactly as ruamel.yaml reads it.
The reader refuses what could hurt: Python object tags (safe constructor), duplicate keys, more than
`MAX_ALIASES` alias uses (alias bombs), nesting deeper than `MAX_DEPTH`, and files over `MAX_BYTES`.
Every failure is a `YamlProblem` carrying the 1-based line.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import yaml

from pipeline_tui.core.errors import YamlProblem
from pipeline_tui.core.storage.files import MAX_BYTES

MAX_ALIASES = 100
MAX_DEPTH = 64
MAX_EXPANDED = 100_000

_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$"
)
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_TIMESTAMP_RE = re.compile(
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
        (?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?)$""",
    re.X,
)


class _Resolver12(yaml.resolver.BaseResolver):
    """YAML 1.2 core schema, plus timestamps (as ruamel.yaml resolves them in 1.2 mode)."""


for _tag, _re, _first in (
    ("tag:yaml.org,2002:bool", _BOOL_RE, list("tTfF")),
    ("tag:yaml.org,2002:int", _INT_RE, list("-+0123456789")),
    ("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789.")),
    ("tag:yaml.org,2002:null", _NULL_RE, ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:timestamp", _TIMESTAMP_RE, list("0123456789")),
    ("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"]),
):
    _Resolver12.add_implicit_resolver(_tag, _re, _first)


class _SafeConstructor12(yaml.constructor.SafeConstructor):
    """Safe constructor with YAML 1.2 numbers, duplicate-key and alias limits."""

    def __init__(self) -> None:
        super().__init__()
        self._alias_uses = 0

    def construct_object(self, node, deep=False):  # noqa: ANN001 - PyYAML signature
        if node in self.constructed_objects:
            self._alias_uses += 1
            if self._alias_uses > MAX_ALIASES:
                raise yaml.constructor.ConstructorError(
                    None, None, f"more than {MAX_ALIASES} alias uses (possible alias bomb)", node.start_mark
                )
        return super().construct_object(node, deep)

    def construct_mapping(self, node, deep=False):  # noqa: ANN001
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            "while reading a mapping",
                            node.start_mark,
                            f"duplicate key {key_node.value!r} (first on line {seen[key].line + 1})",
                            key_node.start_mark,
                        )
                    seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep)

    def construct_yaml_timestamp(self, node):  # noqa: ANN001
        """A date-shaped value that is no real date (2026-13-45) is a problem at its line, not a crash."""
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a real date or time ({exc})", node.start_mark) from None

    def construct_yaml_int(self, node):  # noqa: ANN001
        value = self.construct_scalar(node)
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value, 10)

    def construct_yaml_float(self, node):  # noqa: ANN001
        value = self.construct_scalar(node).lower()
        if value.endswith(".inf"):
            return -math.inf if value.startswith("-") else math.inf
        if value.endswith(".nan"):
            return math.nan
        return float(value)

    def construct_yaml_bool(self, node):  # noqa: ANN001
        return self.construct_scalar(node).lower() == "true"


_SafeConstructor12.add_constructor("tag:yaml.org,2002:int", _SafeConstructor12.construct_yaml_int)
_SafeConstructor12.add_constructor("tag:yaml.org,2002:float", _SafeConstructor12.construct_yaml_float)
_SafeConstructor12.add_constructor("tag:yaml.org,2002:bool", _SafeConstructor12.construct_yaml_bool)
_SafeConstructor12.add_constructor("tag:yaml.org,2002:timestamp", _SafeConstructor12.construct_yaml_timestamp)

try:  # libyaml's parser; `yaml.CParser` is not exported at the top level
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None
HAS_LIBYAML = _CParser is not None


if _CParser is not None:

    class FastLoader(_CParser, _SafeConstructor12, _Resolver12):  # type: ignore[misc,valid-type]
        def __init__(self, stream):  # noqa: ANN001
            _CParser.__init__(self, stream)
            _SafeConstructor12.__init__(self)
            _Resolver12.__init__(self)

else:  # pragma: no cover - libyaml missing: slower, same meaning

    class FastLoader(  # type: ignore[no-redef]
        yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer,
        _SafeConstructor12, _Resolver12,
    ):
        def __init__(self, stream):  # noqa: ANN001
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _SafeConstructor12.__init__(self)
            _Resolver12.__init__(self)


def _check_depth(text: str) -> None:
    """Refuse deep nesting before the recursive composer sees it (only run on suspicious input)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=FastLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", line=event.start_mark.line + 1)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        raise _problem(exc, text) from None


def _problem(exc: yaml.YAMLError, text: str = "") -> YamlProblem:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses: say which, and where
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return YamlProblem(f"YAML: character {char!r} (#x{ord(char):04x}) is not allowed in YAML text", line=line)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    msg = problem if not context or "duplicate" in problem else f"{problem} ({context})"
    return YamlProblem(f"YAML: {msg}", line=(mark.line + 1) if mark else None)


def decode(raw: bytes) -> str:
    """Bytes of a YAML file to text; a UTF-8 BOM is dropped, invalid UTF-8 is a problem."""
    if len(raw) > MAX_BYTES:
        raise YamlProblem(f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}", line=1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(f"not valid UTF-8 (byte {exc.start})", line=line) from None


def loads(text: str) -> Any:
    """Parse one YAML document safely with the YAML 1.2 core schema."""
    if len(text) > MAX_BYTES:
        raise YamlProblem(f"file is {len(text):,} characters; the limit is {MAX_BYTES:,}", line=1)
    if "\t" in text or text.count("[") + text.count("{") > 200 or "- -" in text or len(text) > 50_000:
        _check_depth(text)
    try:
        loader = FastLoader(text)
        try:
            data = loader.get_single_data()
            aliased = loader._alias_uses
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _problem(exc, text) from None
    except RecursionError:
        raise YamlProblem(f"nesting deeper than {MAX_DEPTH} levels") from None
    except (ValueError, TypeError, OverflowError, MemoryError) as exc:  # a value the reader cannot build
        raise YamlProblem(f"YAML: a value cannot be read ({type(exc).__name__}: {exc})", line=1) from None
    if aliased and _expanded_size(data, {}) > MAX_EXPANDED:
        raise YamlProblem(f"aliases expand to more than {MAX_EXPANDED:,} values (alias bomb)", line=1)
    return data


def _expanded_size(value: Any, memo: dict[int, int]) -> int:
    """How many values `value` would have with every alias copied out (linear in the DAG)."""
    if isinstance(value, (dict, list)):
        key = id(value)
        if key in memo:
            return memo[key]
        memo[key] = MAX_EXPANDED + 1  # a cycle counts as too big
        items = list(value.keys()) + list(value.values()) if isinstance(value, dict) else value
        total = 1
        for item in items:
            total += _expanded_size(item, memo)
            if total > MAX_EXPANDED:
                break
        memo[key] = total
        return total
    return 1


def loads_bytes(raw: bytes) -> Any:
    return loads(decode(raw))


def compose(text: str, strict: bool = False) -> yaml.Node | None:
    """The node tree of the text, as `loads` reads it, with every node's character offset, line and
    column, and each scalar's quoting style and collection's flow style (for line numbers of problems
    and for locating edits). Text that does not parse: None, or with `strict` a YamlProblem saying where."""
    try:
        return yaml.compose(text, Loader=FastLoader)
    except yaml.YAMLError as exc:
        if strict:
            raise _problem(exc, text) from None
        return None


def construct(node: yaml.Node) -> Any:
    """The value of one composed node, read as `loads` reads it (for checking a part of a big file)."""
    loader = FastLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _problem(exc) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise YamlProblem(f"YAML: a value cannot be read ({type(exc).__name__}: {exc})", line=1) from None
    finally:
        loader.dispose()


# --- writing scalars ---------------------------------------------------------------------------

_PLAIN_UNSAFE_START = set("!&*-?:,[]{}#|>@`\"'%= ")


def _plain_ok(text: str, value: Any) -> bool:
    if not text or text != text.strip() or "\n" in text or "\r" in text:
        return False
    if text[0] in _PLAIN_UNSAFE_START or ": " in text or " #" in text or text.endswith(":"):
        return False
    try:
        back = loads("k: " + text)
    except YamlProblem:
        return False
    return isinstance(back, dict) and type(back.get("k")) is type(value) and back.get("k") == value


# Characters YAML does not allow as they are (DEL, C1 controls, surrogates, BOM, non-characters) and the
# line separators it would read as line breaks: written as \u escapes, which YAML reads back exactly.
_UNPRINTABLE = re.compile("[\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff\u2028\u2029]")


def double_quoted(s: str) -> str:
    """A YAML double-quoted scalar (JSON strings are YAML double-quoted scalars, once the characters
    YAML refuses are escaped)."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(s, ensure_ascii=False))


def single_quoted(s: str) -> str | None:
    if "\n" in s or "\r" in s or any(ord(c) < 32 for c in s) or _UNPRINTABLE.search(s):
        return None
    return "'" + s.replace("'", "''") + "'"


def key_text(key: Any) -> str:
    """YAML text for a mapping key that reads back as exactly `key`: plain where that is safe, else a
    double-quoted string (`Phone #`, `Type: Partner`, `True`, `2024`, `- yes`, `'q`)."""
    if not isinstance(key, str):
        return scalar_text(key)
    known = _KEY_TEXTS.get(key)
    if known is None:
        known = _key_text(key)
        if len(_KEY_TEXTS) < 10_000:  # bounded: a file of 100,000 odd column names does not grow it forever
            _KEY_TEXTS[key] = known
    return known


_KEY_TEXTS: dict[str, str] = {}  # text keys repeat in every lead: worked out once each


def _key_text(key: str) -> str:
    text = scalar_text(key)
    if text == key and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ .()/-]*", key) and not key.endswith((" ", ".")):
        try:
            back = loads(f"{text}: 0\n")
        except Exception:  # noqa: BLE001 - anything not read back as this key is quoted
            back = None
        if isinstance(back, dict) and list(back) == [key]:
            return text
    return double_quoted(key)


def scalar_text(value: Any, style: str | None = None) -> str:
    """YAML text for a scalar that our reader reads back as exactly `value`.

    `style` is the style of the scalar being replaced ('"', "'" or None for plain) so a person's
    choice of quoting is kept where the new value allows it.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        return text
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if style is None else double_quoted(value.isoformat())
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise TypeError(f"cannot write {type(value).__name__} as a YAML scalar")
    if style == '"':
        return double_quoted(value)
    if style == "'":
        quoted = single_quoted(value)
        if quoted is not None:
            return quoted
        return double_quoted(value)
    if _plain_ok(value, value):
        return value
    return double_quoted(value)


def flow_seq_text(items: list[Any], spaced: bool = False) -> str:
    inner = ", ".join(scalar_text(i) if not isinstance(i, str) or _flow_plain_ok(i) else double_quoted(i) for i in items)
    if not items:
        return "[]"
    return f"[ {inner} ]" if spaced else f"[{inner}]"


def _flow_plain_ok(s: str) -> bool:
    return _plain_ok(s, s) and not any(c in s for c in ",[]{}")


def plain_data(value: Any) -> Any:
    """Data as JSON-ready plain values: dates as ISO strings, everything else as is."""
    if isinstance(value, dict):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_data(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    return value
