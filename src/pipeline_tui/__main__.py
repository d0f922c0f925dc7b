"""`python -m pipeline_tui` and the `pipeline` console script: the CLI with a short-lived process's
garbage-collector settings.

A command is a short process: Python's cyclic garbage collector would walk every module object many
times while the imports run and once more at exit, which costs a write command a tenth of its time.
So collection is paused from the start; the group callback turns it back on for commands that
handle many leads or run long (see `cli.app`), and at exit every object is frozen, so the
interpreter's last collection has nothing to walk (files are closed and output flushed as usual).
"""

import gc


def main() -> None:
    gc.disable()
    try:
        from pipeline_tui.cli import main as cli_main

        cli_main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
