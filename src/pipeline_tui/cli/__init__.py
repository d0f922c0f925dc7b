"""The `pipeline` command line: the fixed CLI contract of SPEC section 4 over the headless core.

`app` holds the group, its commands and the exit codes; `commands/` the commands by theme; `render` all
text output; `options` the options several commands share; `context` the pipeline and today a command
works on; `completion` shell completion.
"""

from pipeline_tui.cli.app import ONE_LEAD_COMMANDS, cli, main

__all__ = ["ONE_LEAD_COMMANDS", "cli", "main"]
