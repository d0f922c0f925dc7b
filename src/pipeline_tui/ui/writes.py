"""The write queue: the app's writes run one at a time in a worker, in the order the keys asked for them,
and what waits for them (a form that opens on the file as they leave it) runs after them, while the keys
typed meanwhile wait (see `InOrder._hold_keys` in ui/keys.py)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from pipeline_tui.ui.workers import io_work


class WriteQueue:
    """Mixin for the App (beside `InOrder`): `_queue_write`, `after_writes`, `read_then`."""

    def _write_queue_init(self) -> None:
        self._writes: deque[Callable[[], None]] = deque()  # run one at a time by _writer, in order
        self._writes_lock = threading.Lock()
        self._writer_busy = False
        self._after: list[Callable[[], None]] = []  # what waits for the queued writes (after_writes)
        self._releasing = 0  # of those, handed to the UI thread and not yet run
        self._opening = 0  # reads queued by read_then whose result is not shown yet

    def _queue_write(self, job: Callable[[], None]) -> None:
        with self._writes_lock:
            self._writes.append(job)
            if self._writer_busy:
                return
            self._writer_busy = True
        self._writer()

    def after_writes(self, then: Callable[[], None]) -> None:
        """Run `then` on the UI thread once every queued write has landed; keys typed meanwhile wait for it."""
        with self._writes_lock:
            if self._writer_busy:
                self._after.append(then)
                return
        then()

    def read_then(self, read: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """Run `read` in the write worker once the writes queued before it have landed, then `then` on the
        UI thread with what it returned (or the exception it raised): a form opens on the file as those
        writes left it, read off the UI thread, and the keys typed meanwhile wait for the form."""
        self._opening += 1

        def job() -> None:
            try:
                result = read()
            except Exception as exc:  # noqa: BLE001 - `then` says it (a broken file, a bug)
                result = exc
            self.call_from_thread(self._run_opened, then, result)  # type: ignore[attr-defined]

        self._queue_write(job)

    def _hold_keys(self) -> bool:
        return bool(self._after) or self._releasing > 0 or self._opening > 0

    def _run_after(self, then: Callable[[], None]) -> None:
        try:
            then()
        finally:
            with self._writes_lock:
                self._releasing -= 1

    def _run_opened(self, then: Callable[[Any], None], result: Any) -> None:
        try:
            then(result)
        finally:
            self._opening -= 1

    @io_work(group="write")
    def _writer(self) -> None:
        while True:
            with self._writes_lock:
                if not self._writes:
                    self._writer_busy = False
                    waiting, self._after = self._after, []
                    self._releasing += len(waiting)  # keys stay held until each has run
                    break
                job = self._writes.popleft()
            try:
                job()
            except Exception as exc:  # noqa: BLE001 - a bug must not stop the writes queued behind it
                self.call_from_thread(self.notify, f"{type(exc).__name__}: {exc}",  # type: ignore[attr-defined]
                                      title="Not saved", severity="error", timeout=8)
        for then in waiting:
            self.call_from_thread(self._run_after, then)  # type: ignore[attr-defined]
