"""The query language of `pipeline list` and the TUI's query bar.

Words combine with AND. `key:value` words (`stage:qualified`, `source:referral`, `group:events`,
`origin:buyer`, `horizon:long`, `owner:alice`, `tag:q4`, `grade:A`, `due:<7d`) accept comma-separated
alternatives (`stage:new,contacted`); a leading `-` negates a word (`-stage:lost`). `overdue`, `no-next`,
`open`, `closed`, `sql`/`mql`, `rotting` (idle in its stage past the playbook's limit; needs the
stage history attached) are flags; any other word matches name, company, email and notes.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Callable, Iterable

from pipeline_tui.core.dates import parse_date_input
from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.playbook import Playbook
from pipeline_tui.core.model.vocabulary import GRADES, GROUPS, HORIZONS, ORIGINS

Predicate = Callable[[Lead], bool]
KEYS = ("stage", "source", "group", "origin", "horizon", "owner", "tag", "grade", "due", "id")
FLAGS = ("overdue", "no-next", "open", "closed", "today", "sql", "mql", "rotting", "problems")
_DUE_RE = re.compile(r"^(<=|>=|<|>|=)?(.+)$")


def split_words(text: str) -> list[str]:
    """Split a typed query; unbalanced quotes are forgiven (the TUI parses on every keystroke)."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.replace('"', " ").replace("'", " ").split()


def _choices(value: str, allowed: Iterable[str], word: str, case_fold: bool = False) -> set[str]:
    wanted = [v for v in value.split(",") if v]
    allowed = list(allowed)
    if not wanted:
        raise BadInput(f"query word {word!r} needs a value")
    out = set()
    for v in wanted:
        match = next((a for a in allowed if (a.lower() == v.lower() if case_fold else a == v)), None)
        if match is None:
            raise BadInput(f"query {word!r}: unknown value {v!r}; choose from {', '.join(allowed)}")
        out.add(match)
    return out


def _due_predicate(value: str, today: dt.date, word: str) -> Predicate:
    m = _DUE_RE.match(value)
    if m is None:
        raise BadInput(f"query word {word!r} needs a date, like due:<7d, due:today or due:>=2026-12-01")
    op, rest = m.group(1) or "=", m.group(2)
    if op in ("<", "<=", ">", ">=") and re.fullmatch(r"\d+[dw]?", rest):
        rest = "+" + rest
    try:
        limit = parse_date_input(rest, today)
    except BadInput:
        raise BadInput(f"query {word!r}: bad date {rest!r}; try due:<7d, due:today, due:>=2026-12-01") from None
    cmp = {
        "<": lambda d: d < limit, "<=": lambda d: d <= limit, ">": lambda d: d > limit,
        ">=": lambda d: d >= limit, "=": lambda d: d == limit,
    }[op]
    return lambda lead: lead.next_due is not None and not lead.closed and cmp(lead.next_due)


def compile_word(word: str, playbook: Playbook, today: dt.date) -> Predicate:
    negate = word.startswith("-") and len(word) > 1
    core = word[1:] if negate else word
    pred = _compile(core, playbook, today, word)
    if negate:
        return lambda lead: not pred(lead)
    return pred


def _compile(word: str, pb: Playbook, today: dt.date, shown: str) -> Predicate:  # noqa: C901
    low = word.lower()
    if ":" in word:
        key, value = word.split(":", 1)
        key = key.lower()
        if key == "stage":
            s = _choices(value, pb.stage_names, shown)
            return lambda lead: lead.stage in s
        if key == "source":
            s = _choices(value, pb.sources, shown)
            return lambda lead: lead.source in s
        if key == "group":
            s = _choices(value, GROUPS, shown)
            return lambda lead: lead.group in s
        if key == "origin":
            s = _choices(value, ORIGINS, shown)
            return lambda lead: lead.origin in s
        if key == "horizon":
            s = _choices(value, HORIZONS, shown)
            return lambda lead: lead.horizon in s
        if key == "grade":
            s = _choices(value.upper(), GRADES, shown)
            return lambda lead: lead.grade in s
        if key == "owner":
            s = {v.lower() for v in value.split(",") if v}
            if not s:
                raise BadInput(f"query word {shown!r} needs a value")
            return lambda lead: lead.owner.lower() in s
        if key == "tag":
            s = {v.lower() for v in value.split(",") if v}
            if not s:
                raise BadInput(f"query word {shown!r} needs a value")
            return lambda lead: any(t.lower() in s for t in lead.tags)
        if key == "due":
            return _due_predicate(value, today, shown)
        if key == "id":
            return lambda lead: lead.id.startswith(value)
        if key in ("http", "https", "mailto"):
            pass  # a URL or address: search it as text
        else:
            raise BadInput(f"unknown query word {shown!r}; known keys: {', '.join(k + ':' for k in KEYS)}")
    if low == "overdue":
        return lambda lead: lead.is_open and lead.next_due is not None and lead.next_due < today
    if low == "today":
        return lambda lead: lead.is_open and lead.next_due == today
    if low in ("no-next", "nonext"):
        return lambda lead: lead.is_open and not (lead.next_action or lead.next_due)
    if low == "open":
        return lambda lead: lead.is_open
    if low == "closed":
        return lambda lead: lead.closed
    if low == "sql":
        return lambda lead: lead.sales_qualified
    if low == "mql":
        return lambda lead: not lead.sales_qualified and not lead.broken
    if low == "problems":
        return lambda lead: bool(lead.problems)
    if low == "rotting":
        return lambda lead: lead.rotting(today) is not None

    def text_match(lead: Lead) -> bool:
        return low in lead.search_text()

    text_match.text = low  # type: ignore[attr-defined] # so `Narrowing` knows a longer word only narrows
    return text_match


def compile_predicates(words: Iterable[str] | str, playbook: Playbook, today: dt.date) -> list[Predicate]:
    """One predicate per word. Raises BadInput naming the bad word."""
    if isinstance(words, str):
        words = split_words(words)
    return [compile_word(w, playbook, today) for w in words if w]


def narrow(leads: Iterable[Lead], preds: list[Predicate]) -> list[Lead]:
    """Apply the words one after another, each to the survivors of the last (keeps the order)."""
    rows = list(leads)
    for pred in preds:
        rows = [lead for lead in rows if pred(lead)]
    return rows


class Narrowing:
    """Filters one list of leads as a query is typed, reusing what the last query worked out.

    It keeps the leads left after each word of the last query. Words the new query shares from the
    start are not applied again, and when the first word that differs is the last bare word typed on
    (`acme` after `acm`: it can only keep fewer), it filters what that word kept before. So a keystroke
    costs the leads its own word sees, not all of them. A new list (the leads changed or were sorted
    again) starts from the whole list."""

    def __init__(self) -> None:
        self._leads: list[Lead] | None = None
        self._words: list[str] = []
        self._preds: list[Predicate] = []
        self._kept: list[list[Lead]] = []  # _kept[i]: the leads left after the first i words

    def __call__(self, leads: list[Lead], words: list[str], preds: list[Predicate]) -> list[Lead]:
        if leads is not self._leads:
            self._leads, self._words, self._preds, self._kept = leads, [], [], [list(leads)]
        same = 0
        while same < min(len(words), len(self._words)) and words[same] == self._words[same]:
            same += 1
        kept = self._kept[: same + 1]
        rows = kept[-1]
        if same < len(words) and same < len(self._words) and _typed_on(self._preds[same], preds[same]):
            rows = self._kept[same + 1]  # every lead the longer word keeps, the shorter one kept
        for pred in preds[same:]:
            rows = [lead for lead in rows if pred(lead)]
            kept.append(rows)
        self._words, self._preds, self._kept = list(words), list(preds), kept
        return list(kept[-1])


def _typed_on(old: Predicate, new: Predicate) -> bool:
    """True when new is a bare word containing the old bare word (so it matches fewer leads)."""
    old_text, new_text = getattr(old, "text", None), getattr(new, "text", None)
    return old_text is not None and new_text is not None and old_text in new_text


def filter_leads(leads: Iterable[Lead], words: Iterable[str] | str, playbook: Playbook, today: dt.date) -> list[Lead]:
    return narrow((lead for lead in leads if not lead.broken), compile_predicates(words, playbook, today))


SORT_KEYS = ("due", "name", "company", "source", "stage", "grade", "owner", "value", "created", "horizon", "id")


def sort_leads(leads: list[Lead], key: str, playbook: Playbook, reverse: bool = False) -> list[Lead]:
    far = dt.date.max
    if key == "due":
        def k(lead: Lead):  # noqa: ANN202
            return (lead.closed, lead.next_due or far, lead.name.lower())
    elif key == "stage":
        def k(lead: Lead):  # noqa: ANN202
            return (playbook.stage_index(lead.stage), lead.name.lower())
    elif key == "value":
        def k(lead: Lead):  # noqa: ANN202
            return (lead.value if lead.value is not None else -1, lead.name.lower())
    elif key == "created":
        def k(lead: Lead):  # noqa: ANN202
            return (lead.created or dt.date.min, lead.name.lower())
    elif key in ("name", "company", "source", "owner", "horizon", "id", "grade"):
        def k(lead: Lead):  # noqa: ANN202
            return (str(getattr(lead, key)).lower(), lead.name.lower())
    else:
        raise BadInput(f"cannot sort by {key!r}; choose one of {', '.join(SORT_KEYS)}")
    return sorted(leads, key=k, reverse=reverse)
