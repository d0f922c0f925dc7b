"""Options and arguments several commands share, declared once (as sqlite-utils does with `output_options`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from pipeline_tui.cli import completion as comp

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def json_option(help: str | None = None) -> Decorator:
    """`--json`: the command prints JSON on stdout (`render.emit_json`) instead of text; passed as `as_json`."""
    return click.option("--json", "as_json", is_flag=True, help=help)


# The ID of one lead, completed from the names in leads/; passed as `lead_id`.
lead_id_argument: Decorator = click.argument("lead_id", metavar="ID", shell_complete=comp.lead_ids)
