"""Problems found in files (`path:line: message`) and finding the line of a key in YAML text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Problem:
    path: str
    line: int
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"

    def as_json(self) -> dict:
        return {"path": self.path, "line": self.line, "message": self.message, "severity": self.severity}


def line_of(text: str, keys: tuple) -> int:
    """1-based line of the deepest key of `keys` that exists in `text` (1 when unknown)."""
    import yaml  # only when a problem is shown: listing leads needs no YAML reader

    from pipeline_tui.core.yaml import reader as yamlio

    node = yamlio.compose(text)
    line = 1
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                    line = k.start_mark.line + 1
                    node = v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line
