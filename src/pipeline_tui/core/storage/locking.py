"""One writer at a time: an exclusive lock on a file, on every platform, with the repository's file mode.

`fcntl.flock` where it exists (Linux, macOS), `msvcrt.locking` on Windows, else a lock file created with
O_EXCL that holds the owner's pid (a holder that died is noticed, as its pid is gone). Imported only by
writers. Not `filelock`: it costs 26 ms to import, a quarter of a `pipeline set`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows, or a platform without it
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]


class LockTimeout(Exception):
    """Someone else held the lock for the whole timeout."""


def _create(path: Path, mode: int) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0), mode)
    with contextlib.suppress(OSError):  # the umask must not narrow a shared repository's mode
        if (os.fstat(fd).st_mode & 0o777) != mode and hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
    return fd


@contextlib.contextmanager
def exclusive(path: Path, timeout: float = 30.0, mode: int = 0o644) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created with `mode`) for the body; LockTimeout after `timeout`."""
    deadline = time.monotonic() + timeout
    if fcntl is not None or msvcrt is not None:
        fd = _create(path, mode)
        try:
            while True:
                try:
                    if fcntl is not None:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    else:
                        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise LockTimeout(str(path)) from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    if fcntl is not None:
                        fcntl.flock(fd, fcntl.LOCK_UN)
                    else:
                        os.lseek(fd, 0, os.SEEK_SET)
                        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(fd)
        return
    soft = path.with_name(path.name + ".held")  # neither: a lock file that exists only while held
    while True:
        try:
            fd = os.open(soft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            break
        except FileExistsError:
            if _holder_gone(soft):
                with contextlib.suppress(OSError):
                    os.unlink(soft)
                continue
            if time.monotonic() > deadline:
                raise LockTimeout(str(path)) from None
            time.sleep(0.02)
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(soft)


def _holder_gone(soft: Path) -> bool:
    """Whether the process named in a soft lock file is gone (so the lock is abandoned, provably)."""
    try:
        pid = int(soft.read_text().strip() or "0")
    except (OSError, ValueError):
        return False  # being written right now: not provably abandoned
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False
