"""Surgical edits of YAML text: change one field, keep every other byte a person wrote.

The original text is composed by the same libyaml parser that reads leads (`yamlio.compose`), which
keeps the character offset, line and column of every node and the quoting and flow style it was
written in; an edit splices only the new value's text into that span, or inserts new lines at the
mapping's own indentation. Comments, key order, quoting, indentation, flow lists, blank lines, line
endings and unknown keys outside the edited span stay byte for byte. The caller re-parses the result
and checks it means exactly what was intended (see `core.yaml.ops.verified_edit`).

These spans are the ones ruamel.yaml's round-trip composer gives (tests/core/test_edit.py checks that
on generated hand-written files); libyaml finds them without importing ruamel and without its
pure-Python composer, a sixth of the time of every `set`.
"""

from __future__ import annotations

from typing import Any

from pipeline_tui.core.errors import BadInput, YamlProblem
from pipeline_tui.core.yaml import reader as yamlio


def _compose(text: str):  # noqa: ANN202 - a yaml node
    try:
        return yamlio.compose(text, strict=True)
    except YamlProblem as exc:
        raise BadInput(f"cannot edit: the YAML does not parse ({exc.message})", line=exc.line) from None
    except (ValueError, RecursionError) as exc:  # text libyaml cannot take in at all
        raise BadInput(f"cannot edit: the YAML does not parse ({exc})") from None


def _kind(node: Any) -> str:
    name = type(node).__name__
    return {"ScalarNode": "scalar", "MappingNode": "map", "SequenceNode": "seq"}.get(name, "other")


class TextEdit:
    """Apply field edits to YAML text one at a time; `text` holds the result."""

    def __init__(self, text: str):
        self.text = text
        self.nl = "\r\n" if "\r\n" in text else "\n"
        self._composed: tuple[str, Any] | None = None  # (text, its root node): composed once per text

    # --- positions ------------------------------------------------------------------------------
    def _root(self):  # noqa: ANN202
        if self._composed is None or self._composed[0] is not self.text:
            root = _compose(self.text)
            if root is None or _kind(root) != "map":
                raise BadInput("cannot edit: the file is not a mapping of fields")
            self._composed = (self.text, root)
        return self._composed[1]

    def _line_start(self, i: int) -> int:
        return self.text.rfind("\n", 0, i) + 1

    def _line_end(self, i: int) -> int:
        """Index just past the newline of the line holding index i (or the end of the text)."""
        j = self.text.find("\n", i)
        return len(self.text) if j < 0 else j + 1

    def _colon_after(self, key_node) -> int:  # noqa: ANN001
        i = key_node.end_mark.index
        while i < len(self.text) and self.text[i] in " \t":
            i += 1
        if i >= len(self.text) or self.text[i] != ":":
            raise BadInput("cannot edit: unsupported key syntax", line=key_node.start_mark.line + 1)
        return i

    def _is_empty(self, node) -> bool:  # noqa: ANN001
        return _kind(node) == "scalar" and node.start_mark.index == node.end_mark.index

    def _is_null(self, node) -> bool:  # noqa: ANN001
        if _kind(node) != "scalar" or node.style:
            return False
        return self._is_empty(node) or node.value in ("~", "null", "Null", "NULL", "")

    def _end_of_node(self, node) -> int:  # noqa: ANN001
        """Index just past the node's last character of content (before trailing breaks/comments)."""
        kind = _kind(node)
        if kind == "scalar":
            if node.style in ("|", ">"):
                e = node.end_mark.index
                while e > node.start_mark.index and self.text[e - 1] in " \t\r\n":
                    e -= 1
                return e
            return node.end_mark.index
        if node.flow_style:
            return node.end_mark.index
        if not node.value:
            return node.end_mark.index
        if kind == "map":
            k, v = node.value[-1]
            return self._end_of_value(k, v)
        last = node.value[-1]
        if self._is_empty(last):
            dash = self.text.rfind("-", 0, last.start_mark.index)
            return dash + 1
        return self._end_of_node(last)

    def _end_of_value(self, k, v) -> int:  # noqa: ANN001
        if self._is_empty(v):
            return self._colon_after(k) + 1
        return self._end_of_node(v)

    def _find(self, mapping, key: str):  # noqa: ANN001, ANN202
        for k, v in mapping.value:
            if _kind(k) == "scalar" and k.value == key:
                return k, v
        return None

    def _node_at(self, path: tuple[str, ...]):  # noqa: ANN202
        """(parent mapping, key node, value node) for path, or None where it is missing."""
        node = self._root()
        parent = None
        pair = None
        for key in path:
            if _kind(node) != "map":
                return None
            pair = self._find(node, key)
            if pair is None:
                return None
            parent = node
            node = pair[1]
        assert pair is not None
        return parent, pair[0], pair[1]

    def _indent_step(self) -> int:
        if not self.text.strip():
            return 2
        root = self._root()
        for k, v in root.value:
            if _kind(v) in ("map", "seq") and not v.flow_style and v.value:
                first = v.value[0][0] if _kind(v) == "map" else v.value[0]
                step = first.start_mark.column - k.start_mark.column
                if _kind(v) == "seq":
                    step = max(step, 2)
                if step > 0:
                    return step
        return 2

    def _insert_lines(self, pos: int, lines: str) -> None:
        """Insert whole lines at pos; at the end of a file with no final newline, keep it that way."""
        if pos == len(self.text) and self.text and not self.text.endswith("\n"):
            self._splice(pos, pos, self.nl + lines.removesuffix(self.nl))
        else:
            self._splice(pos, pos, lines)

    def _splice(self, start: int, end: int, new: str) -> None:
        self.text = self.text[:start] + new + self.text[end:]

    # --- rendering new text ---------------------------------------------------------------------
    def _flow_value(self, value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{yamlio.key_text(k)}: {self._flow_value(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self._flow_value(v) for v in value) + "]"
        text = yamlio.scalar_text(value)
        if isinstance(value, str) and any(c in text for c in ",[]{}") and not text.startswith('"'):
            return yamlio.double_quoted(value)
        return text

    def _block_entry(self, key: str, value: Any, indent: int) -> str:
        ind, nl, step = " " * indent, self.nl, self._indent_step()
        key = yamlio.key_text(key)  # `Phone #`, `Type: Partner`, `2024`: quoted, so they read back as written
        if isinstance(value, dict):
            if not value:
                return f"{ind}{key}: {{}}{nl}"
            return f"{ind}{key}:{nl}" + "".join(self._block_entry(k, v, indent + step) for k, v in value.items())
        if isinstance(value, list) and any(isinstance(i, (dict, list)) for i in value):
            return f"{ind}{key}:{nl}" + "".join(self._seq_item(i, indent + step) for i in value)
        if isinstance(value, list):
            return f"{ind}{key}: {self._flow_value(value)}{nl}"
        return f"{ind}{key}: {yamlio.scalar_text(value)}{nl}"

    def _seq_item(self, item: Any, dash_col: int) -> str:
        ind, nl = " " * dash_col, self.nl
        if isinstance(item, dict) and item:
            lines = [self._block_entry(k, v, dash_col + 2) for k, v in item.items()]
            first = lines[0][dash_col + 2 :]
            return f"{ind}- {first}" + "".join(lines[1:])
        if isinstance(item, (dict, list)):
            return f"{ind}- {self._flow_value(item)}{nl}"
        return f"{ind}- {yamlio.scalar_text(item)}{nl}"

    # --- public edits ---------------------------------------------------------------------------
    def set(self, path: tuple[str, ...], value: Any) -> None:
        """Set path to value (scalar, list, or mapping), creating missing parents."""
        found = self._node_at(path)
        if isinstance(value, dict) and found is not None and _kind(found[2]) == "map":
            for k, v in value.items():
                self.set((*path, k), v)
            return
        node = self._root()
        for i, key in enumerate(path):
            pair = self._find(node, key)
            rest = path[i + 1 :]
            nested = value
            for k in reversed(rest):
                nested = {k: nested}
            if pair is None:
                self._insert_key(node, key, nested)
                return
            k, v = pair
            if not rest:
                self._replace(node, k, v, value)
                return
            if self._is_null(v):
                self._replace(node, k, v, nested)
                return
            if _kind(v) != "map":
                raise BadInput(f"{'.'.join(path[: i + 1])} is not a mapping, so {'.'.join(path)} cannot be set",
                               line=k.start_mark.line + 1)
            node = v

    def _replace(self, parent, k, v, value: Any) -> None:  # noqa: ANN001, C901
        dotted = k.value
        line = k.start_mark.line + 1
        in_flow = bool(getattr(parent, "flow_style", False))
        colon = self._colon_after(k)
        if isinstance(value, dict):
            if not self._is_null(v):
                raise BadInput(f"{dotted} holds a value that is not a mapping; remove it first", line=line)
            start, end = colon + 1, (colon + 1 if self._is_empty(v) else v.end_mark.index)
            if in_flow:
                self._splice(start, end, " " + self._flow_value(value))
            else:
                indent = k.start_mark.column + self._indent_step()
                body = "".join(self._block_entry(kk, vv, indent) for kk, vv in value.items())
                self._splice(start, end, self.nl + body.removesuffix(self.nl))
            return
        if isinstance(value, list):
            kind = _kind(v)
            if kind == "seq" and v.flow_style:
                spaced = self.text[v.start_mark.index + 1 : v.start_mark.index + 2] == " "
                self._splice(v.start_mark.index, v.end_mark.index, yamlio.flow_seq_text(value, spaced=spaced)
                             if not any(isinstance(i, (dict, list)) for i in value) else self._flow_value(value))
                return
            if kind == "seq":
                first = v.value[0]
                dash = self.text.rfind("-", 0, first.start_mark.index)
                dash_col = dash - self._line_start(dash)
                start = self._line_start(dash)
                end = self._line_end(self._end_of_node(v))
                if not value:
                    self._splice(colon + 1, end, " []" + self.nl)
                else:
                    self._splice(start, end, "".join(self._seq_item(i, dash_col) for i in value))
                return
            if kind == "scalar":
                start, end = colon + 1, (colon + 1 if self._is_empty(v) else self._end_of_node(v))
                if any(isinstance(i, (dict, list)) for i in value) and not in_flow:
                    indent = k.start_mark.column + self._indent_step()
                    body = "".join(self._seq_item(i, indent) for i in value)
                    self._splice(start, end, self.nl + body.removesuffix(self.nl))
                else:
                    self._splice(start, end, " " + self._flow_value(value))
                return
            raise BadInput(f"{dotted} is a mapping; it cannot become a list", line=line)
        # a scalar
        kind = _kind(v)
        if kind != "scalar":
            raise BadInput(f"{dotted} is a {'list' if kind == 'seq' else 'mapping'}; set one of its fields instead",
                           line=line)
        if self._is_empty(v):
            text = self._flow_value(value) if in_flow else yamlio.scalar_text(value)
            self._splice(colon + 1, colon + 1, " " + text)
            return
        style = v.style if v.style in ('"', "'") else None
        text = yamlio.scalar_text(value, style)
        if in_flow and style is None:
            text = self._flow_value(value)
        self._splice(v.start_mark.index, self._end_of_node(v), text)

    def _insert_key(self, mapping, key: str, value: Any) -> None:  # noqa: ANN001
        if mapping.flow_style:
            end = mapping.end_mark.index
            close = self.text.rfind("}", 0, end)
            entry = f"{yamlio.key_text(key)}: {self._flow_value(value)}"
            if mapping.value:
                k, v = mapping.value[-1]
                pos = self._end_of_value(k, v)
                self._splice(pos, pos, ", " + entry)
            else:
                self._splice(close, close, entry)
            return
        if not mapping.value:
            raise BadInput("cannot edit: empty block mapping")
        indent = mapping.value[0][0].start_mark.column
        k, v = mapping.value[-1]
        pos = self._line_end(self._end_of_value(k, v))
        self._insert_lines(pos, self._block_entry(key, value, indent))

    def delete(self, path: tuple[str, ...]) -> None:
        """Remove the key at path (and a parent mapping left empty). Missing: nothing happens."""
        found = self._node_at(path)
        if found is None:
            return
        parent, k, v = found
        if len(parent.value) == 1 and len(path) > 1:
            self.delete(path[:-1])
            return
        if len(parent.value) == 1:
            raise BadInput(f"cannot remove {path[-1]}: it is the only field")
        if parent.flow_style:
            idx = [p[0] for p in parent.value].index(k)
            start, end = k.start_mark.index, self._end_of_value(k, v)
            if idx + 1 < len(parent.value):
                end = parent.value[idx + 1][0].start_mark.index
            else:
                pk, pv = parent.value[idx - 1]
                start = self._end_of_value(pk, pv)
            self._splice(start, end, "")
            return
        ls = self._line_start(k.start_mark.index)
        if self.text[ls : k.start_mark.index].strip():
            raise BadInput(f"cannot remove {'.'.join(path)}: it does not start its own line",
                           line=k.start_mark.line + 1)
        self._splice(ls, self._line_end(self._end_of_value(k, v)), "")

    def append(self, path: tuple[str, ...], item: Any) -> None:
        """Add item at the end of the list at path (created if missing or null)."""
        found = self._node_at(path)
        if found is None or self._is_null(found[2]):
            self.set(path, [item])
            return
        _, k, seq = found
        if _kind(seq) != "seq":
            raise BadInput(f"{'.'.join(path)} is not a list", line=k.start_mark.line + 1)
        if seq.flow_style:
            text = self._flow_value(item)
            if seq.value:
                pos = self._end_of_node(seq.value[-1])
                self._splice(pos, pos, ", " + text)
            else:
                close = self.text.rfind("]", 0, seq.end_mark.index)
                self._splice(close, close, text)
            return
        first = seq.value[0]
        dash = self.text.rfind("-", 0, first.start_mark.index)
        dash_col = dash - self._line_start(dash)
        pos = self._line_end(self._end_of_node(seq))
        self._insert_lines(pos, self._seq_item(item, dash_col))

    def remove_item(self, path: tuple[str, ...], item: Any) -> bool:
        """Remove the first scalar item equal to `item` from the list at path. True if found."""
        found = self._node_at(path)
        if found is None or _kind(found[2]) != "seq":
            return False
        _, k, seq = found
        want = str(item)
        for i, node in enumerate(seq.value):  # noqa: B007 - i is used after the loop
            if _kind(node) == "scalar" and node.value == want:
                break
        else:
            return False
        if len(seq.value) == 1:
            self.set(path, [])
            return True
        if seq.flow_style:
            start, end = node.start_mark.index, node.end_mark.index
            if i + 1 < len(seq.value):
                end = seq.value[i + 1].start_mark.index
            else:
                start = self._end_of_node(seq.value[i - 1])
            self._splice(start, end, "")
            return True
        dash = self.text.rfind("-", 0, node.start_mark.index)
        self._splice(self._line_start(dash), self._line_end(self._end_of_node(node)), "")
        return True


def render_mapping(data: dict, nl: str = "\n") -> str:
    """Block YAML text for a new file (one key a line, flow lists, 2-space indents)."""
    ed = TextEdit("")
    ed.nl = nl
    return "".join(ed._block_entry(k, v, 0) for k, v in data.items())
