"""Shell completion for `pipeline`, on click's own machinery (`_PIPELINE_COMPLETE=bash_complete` and friends).

The shell runs `pipeline` on every Tab press, so everything here is read-only, quiet and quick: the
pipeline folder is found as the CLI finds it (`-C PATH` typed on the line, else $PIPELINE_DIR, else the
nearest folder upward with pipeline.yaml, else the default pipeline) but never created; lead ids are the
names of `leads/*.yaml` (no YAML is parsed); the playbook's stages, sources, team and activity kinds come
from `pipeline.yaml`, read with the project's YAML reader and never cached. Anything that fails (no
pipeline, a broken playbook, an unreadable folder) gives no completions: never an error, never a traceback.

Bash splits a word at `:` and `=` (COMP_WORDBREAKS), which would cut `stage:new` and `next.due=+3d` in
pieces; the bash script below puts them back together before asking, and trims what bash does not replace
from the answers. Zsh and fish keep such words whole and use click's scripts as they are.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from click.shell_completion import BashComplete, CompletionItem, add_completion_class

SHELLS = ("bash", "zsh", "fish")

# The keys `set` takes (core.changes.leads: rules.KNOWN_KEYS less READ_ONLY, NESTED_KEYS spelled out), most used first.
SET_KEYS = (
    "stage", "next.action", "next.due", "owner", "source", "horizon", "value", "tags", "tags+", "tags-", "name",
    "company", "title", "email", "phone", "source_detail", "origin", "qualification.interest",
    "qualification.authority", "qualification.fit", "qualification.pain", "created", "first_contact", "closed",
    "expected_close",
)
DATE_WORDS = ("today", "tomorrow", "+1d", "+3d", "+1w", "+2w", "mon", "tue", "wed", "thu", "fri")
SORT_KEYS = ("due", "name", "company", "source", "stage", "grade", "owner", "value", "created", "horizon", "id")


# --- the pipeline, read-only ----------------------------------------------------------------------------

def _root(ctx: click.Context) -> Path | None:
    """The pipeline folder the command line names, or None; never creates one."""
    from pipeline_tui.core.model.pipeline import default_pipeline_dir, find_pipeline
    from pipeline_tui.core.model.vocabulary import PLAYBOOK_FILE

    explicit = ctx.find_root().params.get("path")
    root = find_pipeline(explicit if isinstance(explicit, str) else None)
    if root is None:
        root = default_pipeline_dir()
    return root if (root / PLAYBOOK_FILE).is_file() else None


def _playbook(ctx: click.Context) -> Any:
    """The playbook of the pipeline on the command line, parsed but never cached (Playbook.load writes a
    cache); the defaults when pipeline.yaml is empty. None when there is no pipeline or it cannot be read
    (then only the words that need no playbook are offered)."""
    from pipeline_tui.core.model.playbook import Playbook
    from pipeline_tui.core.model.vocabulary import PLAYBOOK_FILE
    from pipeline_tui.core.storage.files import MAX_BYTES, read_limited
    from pipeline_tui.core.yaml import reader as yamlio

    try:
        root = _root(ctx)
        if root is None:
            return None
        text = yamlio.decode(read_limited(root / PLAYBOOK_FILE, MAX_BYTES))
        data = yamlio.loads(text)
        pb = Playbook()
        if isinstance(data, dict):
            from pipeline_tui.core.model.playbook_file import apply_settings

            apply_settings(pb, data, text)  # the settings as the CLI reads them (bad ones keep their defaults)
        return pb
    except Exception:  # noqa: BLE001 - unreadable, not YAML, a FIFO: nothing from it to offer
        return None


def _lead_ids(ctx: click.Context) -> list[str]:
    from pipeline_tui.core.model.pipeline import LEADS_DIR
    from pipeline_tui.core.model.rules import valid_id

    root = _root(ctx)
    if root is None:
        return []
    names = os.listdir(root / LEADS_DIR)
    return sorted(n[:-5] for n in names if n.endswith(".yaml") and not n.startswith(".") and valid_id(n[:-5]))


def _shown(value: object) -> bool:
    """A word the shell may insert as it is: printable (no escape codes, bidi or zero-width characters: the
    shell echoes completions to the terminal), one word, one line."""
    return isinstance(value, str) and value != "" and value.isprintable() and not any(c.isspace() for c in value)


def _items(words: Any, incomplete: str) -> list[CompletionItem]:
    seen: dict[str, None] = {}
    for w in words:
        if _shown(w) and w.startswith(incomplete):
            seen.setdefault(w, None)
    return [CompletionItem(w) for w in seen]


def _quiet(fn):  # noqa: ANN001, ANN202
    """Completion never fails out loud: any error means no completions."""

    def run(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        try:
            return fn(ctx, param, incomplete)
        except Exception:  # noqa: BLE001 - a broken folder, a bad playbook: nothing to offer
            return []

    run.__name__ = run.__qualname__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def _kinds(pb: Any) -> list[str]:
    from pipeline_tui.core.model import playbook

    kinds = getattr(pb, "activity_kinds", None)
    return list(kinds) if kinds else list(getattr(playbook, "ACTIVITY_KINDS", ("call", "email", "meeting", "note")))


# --- the completion functions (click's `shell_complete=`) ------------------------------------------------

@_quiet
def lead_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The lead ids of the pipeline: the names of its leads/*.yaml files."""
    return _items(_lead_ids(ctx), incomplete)


@_quiet
def stages(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    pb = _playbook(ctx)
    return _items(pb.stage_names, incomplete) if pb else []


@_quiet
def sources(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    pb = _playbook(ctx)
    return _items(pb.sources, incomplete) if pb else []


@_quiet
def owners(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The playbook's team (an empty team accepts any name: nothing to offer)."""
    pb = _playbook(ctx)
    return _items(pb.team, incomplete) if pb else []


@_quiet
def activity_kinds(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    pb = _playbook(ctx)
    return _items(_kinds(pb), incomplete)


@_quiet
def sort_keys(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return _items(SORT_KEYS, incomplete)


@_quiet
def folders(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """`-C PATH`: let the shell complete folder names."""
    return [CompletionItem(incomplete, type="dir")]


def _alternatives(prefix: str, value: str, choices: Any) -> list[str]:
    """`stage:new,con` -> `stage:new,contacted`: the word after the last comma is the one completed."""
    done, _, _ = value.rpartition(",")
    head = prefix + (done + "," if done else "")
    return [head + c for c in choices]


@_quiet
def query_words(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """`pipeline list` words: `stage:` and the stage names, `source:`, `owner:` and the team, the flags."""
    from pipeline_tui.core.model.vocabulary import GRADES, GROUPS, HORIZONS, ORIGINS
    from pipeline_tui.core.views.query import FLAGS, KEYS

    key, colon, value = incomplete.partition(":")
    if not colon:
        return _items([f"{k}:" for k in KEYS] + list(FLAGS), incomplete)
    key = key.lower()
    if key == "id":
        choices: Any = _lead_ids(ctx)
    elif key in ("group", "origin", "horizon", "grade"):
        choices = {"group": GROUPS, "origin": ORIGINS, "horizon": HORIZONS, "grade": GRADES}[key]
    elif key == "due":
        choices = ("today", "tomorrow")
    elif key in ("stage", "source", "owner"):
        pb = _playbook(ctx)
        if pb is None:
            return []
        choices = {"stage": pb.stage_names, "source": list(pb.sources), "owner": pb.team}[key]
    else:
        return []
    return _items(_alternatives(incomplete[: len(key) + 1], value, choices), incomplete)


@_quiet
def assignments(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """`pipeline set ID KEY=VALUE`: the keys (`stage=`, `next.due=`, ...), then after `stage=` the playbook's
    stages, after `source=` its sources, after `owner=` its team, dates after a date key."""
    from pipeline_tui.core.model.vocabulary import AUTHORITY, FIT, HORIZONS, INTEREST, ORIGINS

    key, eq, value = incomplete.partition("=")
    if not eq:
        pb = _playbook(ctx)
        custom = list(getattr(pb, "custom_keys", None) or []) if pb else []
        return _items([f"{k}=" for k in (*SET_KEYS, *custom)], incomplete)
    fixed = {"origin": ORIGINS, "horizon": HORIZONS, "qualification.interest": INTEREST,
             "qualification.authority": AUTHORITY, "qualification.fit": FIT,
             "next.due": DATE_WORDS, "closed": DATE_WORDS, "created": DATE_WORDS}
    if key in fixed:
        choices: Any = fixed[key]
    elif key in ("stage", "source", "owner"):
        pb = _playbook(ctx)
        if pb is None:
            return []
        choices = {"stage": pb.stage_names, "source": list(pb.sources), "owner": pb.team}[key]
    else:
        return []
    return _items([f"{key}={c}" for c in choices], incomplete)


# --- the scripts ----------------------------------------------------------------------------------------

# click's bash script, but words bash cut at `:` or `=` are joined again before `pipeline` is asked, and
# each answer loses the part before the cut (bash replaces only what follows it); an answer ending in `:`
# or `=` (`stage:`, `next.due=`) leaves the cursor there, with no space, for the value.
_SOURCE_BASH = """\
%(complete_func)s() {
    local IFS=$'\\n'
    local response completion type value words=() word line="$COMP_LINE" cur keep i

    for ((i = 0; i <= COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if ((i == 0)) || [[ $line == [[:space:]]* ]]; then
            words+=("$word")
        else
            words[${#words[@]}-1]+=$word
        fi
        line=${line#"${line%%%%[![:space:]]*}"}
        line=${line#"$word"}
    done
    cur=${words[${#words[@]}-1]}
    keep=${cur%%"${cur##*[$COMP_WORDBREAKS]}"}

    response=$(env COMP_WORDS="${words[*]}" COMP_CWORD=$((${#words[@]} - 1)) \
%(complete_var)s=bash_complete $1)

    for completion in $response; do
        IFS=',' read type value <<< "$completion"

        if [[ $type == 'dir' ]]; then
            COMPREPLY=()
            compopt -o dirnames
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            [[ $value == *[:=] ]] && compopt -o nospace 2>/dev/null
            COMPREPLY+=("${value#"$keep"}")
        fi
    done

    return 0
}

%(complete_func)s_setup() {
    complete -o nosort -F %(complete_func)s %(prog_name)s
}

%(complete_func)s_setup;
"""


class PipelineBashComplete(BashComplete):
    """click's bash completion, with `stage:new` and `KEY=VALUE` kept whole (see _SOURCE_BASH)."""

    source_template = _SOURCE_BASH


add_completion_class(PipelineBashComplete, "bash")


def completion_script(cli: click.Command, shell: str | None) -> str:
    """The script for `shell` (default: the one $SHELL names) that makes Tab complete `pipeline`."""
    from click.shell_completion import get_completion_class

    if not shell:
        shell = os.path.basename(os.environ.get("SHELL", "")).lower()
        if shell not in SHELLS:
            raise click.UsageError(f"cannot tell your shell from $SHELL ({os.environ.get('SHELL') or 'not set'}); "
                                   f"name it: pipeline completion {'|'.join(SHELLS)}")
    comp_cls = get_completion_class(shell)
    if comp_cls is None:
        raise click.UsageError(f"no completion for {shell}; choose {', '.join(SHELLS)}")
    script = comp_cls(cli, {}, "pipeline", "_PIPELINE_COMPLETE").source()
    return script if script.endswith("\n") else script + "\n"
