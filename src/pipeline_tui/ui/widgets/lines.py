"""What the two Line-API widgets (the lead table and the board) share: painting a line from a key, and
repainting only the lines whose key changed (toolong's `refresh_line` and strip-cache pattern).

A line's key is everything the line shows (the lead object, whether the cursor is on it and with which
style, the column widths, the widget's styles, today, the lead's time in stage...). So:

- a strip is built once per key and kept in an LRU cache: scrolling back, or a repaint of the whole widget
  (focus, a screen on top going away), costs a lookup per line;
- after any change of state the widget works out the key of each line on screen and refreshes only those
  whose key differs from the one they were last painted with: a cursor move repaints two lines, a lead
  saved repaints its own line, and nothing goes stale, as a new key is never served an old strip.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from textual.cache import LRUCache
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

_NOT_PAINTED = object()


class LinePainter:
    """The strip cache and the key each line on screen was last painted with, for one widget."""

    def __init__(self, maxsize: int = 1024) -> None:
        self.strips: LRUCache[Hashable, Strip] = LRUCache(maxsize)
        self.shown: dict[int, Hashable] = {}  # widget line y -> the key it was last painted with
        self.built = 0  # strips built (the rest came from the cache): for tests and benchmarks

    def paint(self, y: int, key: Hashable, build: Callable[[], Strip]) -> Strip:
        """The strip of `key` (built by `build` the first time), recorded as what line `y` shows."""
        self.shown[y] = key
        strip = self.strips.get(key)
        if strip is None:
            strip = build()
            self.built += 1
            self.strips.set(key, strip)
        return strip

    def refresh_changed(self, widget: Widget, keys: Iterable[tuple[int, Hashable]], width: int) -> list[int]:
        """Refresh the lines of `widget` whose key is not the one they were painted with (`keys`: (y, key) of
        every line on screen); the whole widget when most of them changed. Returns the lines refreshed."""
        changed = [y for y, key in keys if self.shown.get(y, _NOT_PAINTED) != key]
        if not changed:
            return changed
        if len(changed) * 2 > max(1, widget.size.height):
            widget.refresh()
            return changed
        regions, start, end = [], changed[0], changed[0] + 1
        for y in changed[1:]:  # runs of lines as one region each
            if y != end:
                regions.append(Region(0, start, width, end - start))
                start = y
            end = y + 1
        regions.append(Region(0, start, width, end - start))
        widget.refresh(*regions)
        return changed

    def clear(self) -> None:
        """Forget every strip and what each line shows (the next paint builds them again)."""
        self.strips.clear()
        self.shown.clear()
