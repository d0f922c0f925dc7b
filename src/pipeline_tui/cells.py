"""Text measured in terminal cells, for the CLI's tables and the UI's columns alike: a CJK character or an
emoji takes two cells, a combining mark none. Lead text is made visible (`core.safetext.visible`) before
it is measured, so a control character counts as the escape it is shown as. Rich's cell tables are
imported only for text that is not ASCII, so a plain listing never pays for them."""

from __future__ import annotations

from pipeline_tui.core.safetext import visible


def cells(text: str) -> int:
    """How many terminal cells `text` takes (not `len`)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def cut(text: str, width: int) -> str:
    """`text` with its controls made visible, cut to `width` cells with `…` (never padded; a wide character
    cut in half leaves a space)."""
    if width <= 0:
        return ""
    text = visible(text)
    if text.isascii():
        return text if len(text) <= width else text[: width - 1] + "…"
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"


def pad(text: str, width: int) -> str:
    """`text` and spaces up to `width` cells (`str.ljust`, counting cells); longer text is left whole."""
    return text + " " * (width - cells(text))


def fit(text: str, width: int) -> str:
    """`text` made visible, cut and padded to exactly `width` cells: a table's column."""
    return pad(cut(text, width), width)
