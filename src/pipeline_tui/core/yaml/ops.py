"""The edit model: field edits (`Op`) applied to parsed data and to the YAML text, and the check that the
edited text reads back as exactly the intended data before anything is written."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipeline_tui.core.errors import BadInput, YamlProblem


@dataclass(slots=True)
class Op:
    """One field edit: kind is set | delete | append | remove; path is a tuple of keys."""

    kind: str
    path: tuple[str, ...]
    value: Any = None


def apply_to_data(data: dict, ops: Iterable[Op]) -> dict:
    """What the data must look like after ops; mirrors TextEdit's semantics exactly."""
    out = copy.deepcopy(data)
    for op in ops:
        parents = []
        node = out
        for key in op.path[:-1]:
            if not isinstance(node.get(key), dict):
                if op.kind in ("delete", "remove"):
                    node = None
                    break
                node[key] = {}
            parents.append((node, key))
            node = node[key]
        if node is None:
            continue
        last = op.path[-1]
        if op.kind == "set":
            if isinstance(op.value, dict) and isinstance(node.get(last), dict):
                node[last].update(copy.deepcopy(op.value))
            else:
                node[last] = copy.deepcopy(op.value)
        elif op.kind == "delete":
            node.pop(last, None)
            while parents and not node:
                parent, key = parents.pop()
                parent.pop(key, None)
                node = parent
        elif op.kind == "append":
            if not isinstance(node.get(last), list):
                node[last] = []
            node[last].append(copy.deepcopy(op.value))
        elif op.kind == "remove":
            seq = node.get(last)
            if isinstance(seq, list):
                for i, item in enumerate(seq):
                    if str(item) == str(op.value) and not isinstance(item, (dict, list)):
                        del seq[i]
                        break
    return out


def edit_text(text: str, ops: Iterable[Op]) -> str:
    from pipeline_tui.core.yaml.edit import (
        TextEdit,  # only writers need the editor; a listing does not load it
    )

    ed = TextEdit(text)
    for op in ops:
        if op.kind == "set":
            ed.set(op.path, op.value)
        elif op.kind == "delete":
            ed.delete(op.path)
        elif op.kind == "append":
            ed.append(op.path, op.value)
        elif op.kind == "remove":
            ed.remove_item(op.path, op.value)
        else:  # pragma: no cover
            raise ValueError(op.kind)
    return ed.text


def verified_edit(text: str, data: dict, ops: list[Op], where: str) -> tuple[str, dict]:
    """New text and its data; raises unless the new text reads back as exactly the intended data."""
    expected = apply_to_data(data, ops)
    new_text = edit_text(text, ops)
    try:
        from pipeline_tui.core.yaml import reader as yamlio

        got = yamlio.loads(new_text)
    except YamlProblem as exc:
        raise BadInput(f"refusing to write: the edit would break the file ({exc.message})", path=where) from None
    if got != expected:
        raise BadInput("refusing to write: the edit would not read back as intended (please report this)", path=where)
    return new_text, got
