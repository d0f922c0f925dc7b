"""How lead data reaches the screen: always as `Text` (never parsed as markup), with every escape code,
bidi override and other control made visible (`\\x1b`). Markup comes only from the app's own strings."""

from __future__ import annotations

from rich.text import Text

from pipeline_tui.core.safetext import show


def plain(value: object, style: str = "", multiline: bool = False) -> Text:
    """Any value (a lead's field, a file name, a commit message, a CSV cell) as literal text."""
    return Text(show(value, multiline), style=style)
