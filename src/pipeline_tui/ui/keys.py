"""Keys in the order they were typed, each to the widget that has focus when its turn comes.

Textual forwards every key from the terminal to the widget focused at that moment. A key the widget does
not take (ctrl+u, Tab, ctrl+s, a screen's letter) bubbles up to the app, one message queue per step, and
its binding runs there: after the plain characters that arrived in the same burst were already typed in,
and those characters went to the widget that had focus before the Tab moved it. A laggy ssh link, a
text expander or `tmux send-keys` sends such bursts: `ctrl+u bob ctrl+s` saved an empty owner.

`InOrder` (mixed into the App) holds each key, and each paste, until the one before it has been handled
all the way: taken by a widget (it called `stop()`), run as a binding at the app, or lost on the way (its
widget removed; released after `LOST_AFTER` seconds). The next key goes to whatever has focus then, once a
newly opened screen has mounted. Pilot's `press` passes through the same path.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from textual import events
from textual._xterm_parser import XTermParser

LOST_AFTER = 0.5  # seconds: a key no widget finished with (removed with its screen) stops holding the rest
SETTLE = 0.005  # seconds between looks at a screen that is still mounting
HOLD_MAX = 10.0  # seconds keys wait, at most, for a form that waits for the writes queued before it


class Parser(XTermParser):
    """Textual's terminal parser, but Escape typed just before another key stays Escape, then that key.

    A terminal sends Alt+key as ESC key, and a burst sends Escape and the key after it in one read: Textual
    reads both as Alt+key (`alt+a`, or the key alone for `/` and Enter), so `escape a` neither went back
    nor opened the Agenda. Nothing here is bound to Alt, so Alt+key is Escape then key (as in vim); but
    Alt+Backspace stays itself: it deletes a word in a field, where Escape would close the form.
    """

    def _sequence_to_key_events(self, sequence: str, alt: bool = False):  # noqa: ANN201
        if alt and sequence not in ("\x7f", "\x08"):
            yield events.Key("escape", "\x1b")
            alt = False
        yield from super()._sequence_to_key_events(sequence, alt)


def use_parser() -> None:
    """The terminal driver reads keys with `Parser` (it builds its parser from this module-level name)."""
    import textual.drivers.linux_driver as linux_driver

    linux_driver.XTermParser = Parser  # type: ignore[misc]


class _KeyTurn(events.Key):
    """A key on its turn: tells the app when a widget takes it."""

    def __init__(self, key: str, character: str | None, done) -> None:  # noqa: ANN001
        super().__init__(key, character)
        self._done = done

    def stop(self) -> None:
        super().stop()
        self._done(self)


class _PasteTurn(events.Paste):
    """A paste on its turn (it goes where the keys before it went)."""

    def __init__(self, text: str, done) -> None:  # noqa: ANN001
        super().__init__(text)
        self._done = done

    def stop(self) -> None:
        super().stop()
        self._done(self)


_KeyTurn.handler_name = events.Key.handler_name
_PasteTurn.handler_name = events.Paste.handler_name


class InOrder:
    """Mixin for the App: one key at a time (see the module docstring)."""

    def _in_order_init(self) -> None:
        self._waiting: deque[events.Key | events.Paste] = deque()
        self._turn: events.Key | events.Paste | None = None
        self._turn_timer = None
        self._pump_scheduled = False

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not isinstance(event, (_KeyTurn, _PasteTurn)) \
                and not event.is_forwarded:
            self._waiting.append(event)  # from the terminal (or Pilot): wait for its turn
            self._pump()
            return
        await super().on_event(event)  # type: ignore[misc]
        if event is self._turn and event.is_forwarded:  # bubbled back to the app: its binding has run
            self._turn_done(event)

    def _pump(self) -> None:
        if self._turn is None and self._waiting and not self._pump_scheduled:
            self._pump_scheduled = True
            self.call_later(self._next_turn)  # type: ignore[attr-defined]

    async def _next_turn(self, since: float | None = None) -> None:
        self._pump_scheduled = False
        if self._turn is not None or not self._waiting:
            return
        since = time.monotonic() if since is None else since
        if self._busy() and time.monotonic() - since < LOST_AFTER:
            # what the last key set going runs first: a `focus()` is a call queued on the app, Enter in an
            # input posts Submitted, whose handler moves the focus. Let the other tasks run, and the app's
            # own queue, then look again (a widget that never rests holds the keys LOST_AFTER at most).
            self._pump_scheduled = True
            await asyncio.sleep(0)
            self.call_later(self._next_turn, since)  # type: ignore[attr-defined]
            return
        if self._hold_keys() and time.monotonic() - since < HOLD_MAX:
            # the last key opens a form once the writes queued before it land and its file is read (in the
            # write worker, see ui/writes.py): the keys after it are the form's
            self._pump_scheduled = True
            self.set_timer(SETTLE, lambda: self._next_turn(since))  # type: ignore[attr-defined]
            return
        screen = self.screen  # type: ignore[attr-defined]
        if not screen.is_mounted:  # a screen the last key opened: its fields take focus when mounted
            self._pump_scheduled = True
            self.set_timer(SETTLE, self._next_turn)  # type: ignore[attr-defined]
            return
        raw = self._waiting.popleft()
        if isinstance(raw, events.Key):
            turn: events.Key | events.Paste = _KeyTurn(raw.key, raw.character, self._turn_done)
        else:
            turn = _PasteTurn(raw.text, self._turn_done)
        # No sender: Textual stops a message at the child of its sender (the screen, for the app's keys)
        # and still bubbles it once more; `stop()` must mean a widget took the key.
        turn._sender = None
        self._turn = turn
        self._turn_timer = self.set_timer(LOST_AFTER, lambda: self._turn_done(turn))  # type: ignore[attr-defined]
        await super().on_event(turn)  # type: ignore[misc]
        if not turn.is_forwarded:  # taken at the app (a priority binding): done now
            self._turn_done(turn)

    def _hold_keys(self) -> bool:
        """True while the app wants the keys held (overridden: a form waiting for queued writes or its file)."""
        return False

    def _busy(self) -> bool:
        """Messages wait in the app's queue or in a queue of the screen or one of its widgets."""
        if not self._message_queue.empty():  # type: ignore[attr-defined]
            return True
        screen = self.screen  # type: ignore[attr-defined]
        return any(not node._message_queue.empty() for node in (screen, *screen.walk_children()))

    def _turn_done(self, turn: events.Event) -> None:
        if turn is not self._turn:
            return
        self._turn = None
        if self._turn_timer is not None:
            self._turn_timer.stop()
            self._turn_timer = None
        self._pump()

    @property
    def keys_waiting(self) -> int:
        """Keys typed and not yet handled (0 when the app has caught up with the keyboard)."""
        return len(self._waiting) + (self._turn is not None)
