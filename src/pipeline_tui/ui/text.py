"""How lead data reaches the screen: always as `Text` (never parsed as markup), with every escape code,
bidi override and other control made visible (`\\x1b`). Markup comes only from the app's own strings."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from pipeline_tui.core.safetext import show, visible


def plain(value: object, style: str = "", multiline: bool = False) -> Text:
    """Any value (a lead's field, a file name, a commit message, a CSV cell) as literal text."""
    return Text(show(value, multiline), style=style)


def cut(text: str, width: int) -> str:
    """`text` with its controls made visible, cut to `width` terminal cells with `…` (a wide character takes
    two; never padded)."""
    if width <= 0:
        return ""
    text = visible(text)
    if text.isascii():
        return text if len(text) <= width else text[: width - 1] + "…"
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"
