"""The playbook (`pipeline.yaml`): stages, sources, the qualification rule, mix thresholds, cadences, team.

`Playbook.load` never raises for a bad setting: it keeps the default and records a `Problem` with the
line, so one typo does not stop the pipeline. `INIT_TEXT` is what `pipeline init` writes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipeline_tui.core.errors import YamlProblem
from pipeline_tui.core.problems import Problem, line_of
from pipeline_tui.core.safetext import quoted

PLAYBOOK_FILE = "pipeline.yaml"

GROUPS = ("lead-generation", "events", "referrals", "prospecting")
ORIGINS = ("buyer", "seller")
HORIZONS = ("short", "long")
INTEREST = ("none", "content", "info", "call", "meeting")
AUTHORITY = ("unknown", "gatherer", "influencer", "decision-maker")
FIT = ("unknown", "poor", "partial", "strong")
GRADES = ("A", "B", "C", "D")
RULES = ("next_action_on_open_leads", "rotting", "uncontacted_requests", "duplicates")
MAX_DAYS = 3650  # ten years: a longer limit, cycle or cadence is a typo, and dates past it overflow
MAX_POINTS = 1000
# follow_up and mix settings: (lowest, highest, whole numbers only)
RANGES: dict[str, tuple[float, float, bool]] = {
    "first_contact_hours": (0, 24 * 366, False), "week_days": (1, 366, True),
    "max_group_share": (0, 1, False), "silent_days": (1, MAX_DAYS, False), "trailing_days": (1, MAX_DAYS, False),
    "dip_ratio": (0, 1, False), "origin_min_share": (0, 1, False), "max_owner_share": (0, 1, False),
}


INIT_TEXT = """\
# pipeline.yaml: this team's playbook. Everyone who shares this repository works by these rules,
# and `pipeline check` enforces them. Edit freely: comments and order are kept.
version: 1

# Stages, in the order a lead moves through them. A lead with no `stage` is in the first one.
#   limit_days: a lead idle in this stage for longer is "rotting" and gets flagged.
#   closed: true marks an end stage; won: true marks the one that counts as a win.
stages:
  new:         {limit_days: 2}
  contacted:   {limit_days: 7}
  qualified:   {limit_days: 14}
  proposal:    {limit_days: 14}
  negotiation: {limit_days: 21}
  won:         {closed: true, won: true}
  lost:        {closed: true}

# Where leads come from. Every lead's `source` must be one of these keys.
#   group: lead-generation | events | referrals | prospecting (the four groups of the source mix)
#   origin: buyer (they reached out) | seller (we reached out); a lead may override it
#   close_rate, cycle_days: what to expect until this pipeline has enough closed leads to learn from
sources:
  referral:    {group: referrals,       origin: buyer,  close_rate: 0.50, cycle_days: 30}
  inbound-web: {group: lead-generation, origin: buyer,  close_rate: 0.30, cycle_days: 45}
  social:      {group: lead-generation, origin: buyer,  close_rate: 0.20, cycle_days: 45}
  campaign:    {group: lead-generation, origin: seller, close_rate: 0.10, cycle_days: 90}
  event:       {group: events,          origin: seller, close_rate: 0.15, cycle_days: 75}
  prospecting: {group: prospecting,     origin: seller, close_rate: 0.08, cycle_days: 120}

# Learn close rate and cycle length from this many closed leads of a source (until then: the above).
learn_after_closed: 10

# Qualification: the same criteria for the whole team. Points per answer add up to a score;
# the score gives a grade (A is best). A lead is sales-qualified when its interest is at least
# `min_interest` and its grade at least `min_grade`; otherwise it is marketing-qualified (nurture it).
qualification:
  points:
    interest:  {none: 0, content: 1, info: 2, call: 3, meeting: 4}
    authority: {unknown: 0, gatherer: 1, influencer: 2, decision-maker: 3}
    fit:       {unknown: 0, poor: -2, partial: 1, strong: 3}
    pain:      2          # a stated pain point
  grades: {A: 10, B: 7, C: 4}   # minimum score per grade; below C is D
  sales_qualified:
    min_interest: info
    min_grade: B

# Source-mix warnings (pipeline mix).
mix:
  max_group_share: 0.6      # warn when one group supplies more than this share of open leads
  silent_days: 60           # warn when a group brought no new lead for this many days
  trailing_days: 90         # compare each group's last 30 days of inflow with its trailing average
  dip_ratio: 0.5            # warn when inflow is below this share of the trailing average
  origin_min_share: 0.25    # warn when buyer or seller leads fall below this share
  max_owner_share: 0.6      # warn when one owner holds more than this share of the open pipeline

# Follow-up.
follow_up:
  first_contact_hours: 24   # answer a contact request within this many hours
  week_days: 7              # "this week" on the agenda

# Nurture cadence for long-range leads: the next touch after one is done.
cadences:
  long:  {every_days: 30, action: Nurture touch}
  short: {every_days: 3,  action: Follow up}

# Rules `pipeline check` enforces: error (exit 1) or warning (reported, exit 0) or off.
#   next_action_on_open_leads: every open lead has a next action with a due date
#   rotting: no open lead sits in its stage longer than the stage's limit_days
#   uncontacted_requests: a buyer who asked to be contacted is answered within first_contact_hours
#   duplicates: no two leads share an email, or a name and company
rules:
  next_action_on_open_leads: warning
  rotting: warning
  uncontacted_requests: warning
  duplicates: warning

# The team: owners a lead may have. Empty means any name is accepted.
team: []

# Keys of your own a lead may have besides the tool's (pipeline set refuses an unknown key, so a typo
# like stgae=won never becomes data): for example [industry, referrer]. One time: pipeline set --new-key.
custom_keys: []

# Activity kinds pipeline log / note accept (add sms, visit, ...).
activity_kinds: [call, email, meeting, note]
"""


def _playbook_cache(root: Path) -> Path:
    from pipeline_tui.core.storage.cache import cache_file

    return cache_file("playbook", root.resolve())


def _playbook_version() -> tuple:
    from pipeline_tui.core.storage.cache import code_version

    return code_version("playbook", *(tuple(c.__dataclass_fields__) for c in (Playbook, Stage, Source, Problem)))


def _cached_playbook(root: Path, signature: str) -> Playbook | None:
    """The playbook parsed before from exactly these bytes (a copy: any doubt and it is parsed again)."""
    from pipeline_tui.core.storage.cache import load_versioned

    pb = _playbook_from_plain(load_versioned(_playbook_cache(root), _playbook_version()))
    return pb if pb is not None and pb.signature == signature and signature else None


def _cache_playbook(root: Path, pb: Playbook) -> None:
    from pipeline_tui.core.storage.cache import save_versioned

    plain = _playbook_to_plain(pb)
    if plain is not None:
        save_versioned(_playbook_cache(root), _playbook_version(), plain)


# The cache holds the playbook as plain data, field by field: these are the fields the two functions below
# know. A dataclass with other fields is not cached (rather than cached without them).
ACTIVITY_KINDS = ("call", "email", "meeting", "note")

_PLAYBOOK_FIELDS = ("stages", "sources", "learn_after_closed", "points", "grade_min", "min_interest", "min_grade",
                    "mix", "follow_up", "cadences", "rules", "team", "custom_keys", "activity_kinds", "problems",
                    "signature")
_PART_FIELDS = (("name", "closed", "won", "limit_days"), ("name", "group", "origin", "close_rate", "cycle_days"),
                ("path", "line", "message", "severity"))


def _playbook_to_plain(pb: Playbook) -> dict | None:
    """The playbook as plain data for the cache; None when the classes have fields this code does not know."""
    if not _fields_known():
        return None
    return {
        "stages": [[key, s.name, s.closed, s.won, s.limit_days] for key, s in pb.stages.items()],
        "sources": [[key, s.name, s.group, s.origin, s.close_rate, s.cycle_days] for key, s in pb.sources.items()],
        "learn_after_closed": pb.learn_after_closed, "points": pb.points, "grade_min": pb.grade_min,
        "min_interest": pb.min_interest, "min_grade": pb.min_grade, "mix": pb.mix, "follow_up": pb.follow_up,
        "cadences": pb.cadences, "rules": pb.rules, "team": pb.team, "custom_keys": pb.custom_keys,
        "activity_kinds": pb.activity_kinds,
        "problems": [[p.path, p.line, p.message, p.severity] for p in pb.problems],
        "signature": pb.signature,
    }


def _fields_known() -> bool:
    classes = (Playbook, Stage, Source, Problem)
    return tuple(tuple(c.__dataclass_fields__) for c in classes) == (_PLAYBOOK_FIELDS, *_PART_FIELDS)


def _is_bool(value: Any) -> bool:
    return type(value) is bool


def _is_num(value: Any) -> bool:
    return type(value) is int or type(value) is float


def _opt_num(value: Any) -> bool:
    return value is None or _is_num(value)


def _is_str(value: Any) -> bool:
    return type(value) is str


def _str_map(value: Any, ok: Any) -> bool:
    """Whether value is a dict of text keys whose values all pass `ok`."""
    return type(value) is dict and all(type(k) is str and ok(v) for k, v in value.items())


def _rows(value: Any, *checks: Any) -> bool:
    """Whether value is a list of lists, each as long as `checks` with every item passing its check."""
    return type(value) is list and all(
        type(row) is list and len(row) == len(checks) and all(ok(v) for ok, v in zip(checks, row, strict=True))
        for row in value)


def _playbook_from_plain(plain: Any) -> Playbook | None:
    """The Playbook `_playbook_to_plain` described, each field's type checked; None for anything else."""
    if type(plain) is not dict or tuple(plain) != _PLAYBOOK_FIELDS or not _fields_known():
        return None
    p = plain
    checks = (
        _rows(p["stages"], _is_str, _is_str, _is_bool, _is_bool, lambda v: v is None or type(v) is int),
        _rows(p["sources"], _is_str, _is_str, _is_str, _is_str, _opt_num, _opt_num),
        type(p["learn_after_closed"]) is int,
        _str_map(p["points"], lambda v: _is_num(v) or _str_map(v, _is_num)),
        _str_map(p["grade_min"], _is_num), _is_str(p["min_interest"]), _is_str(p["min_grade"]),
        _str_map(p["mix"], _is_num), _str_map(p["follow_up"], _is_num),
        _str_map(p["cadences"], lambda v: type(v) is dict), _str_map(p["rules"], _is_str),
        type(p["team"]) is list and all(_is_str(t) for t in p["team"]),
        type(p["custom_keys"]) is list and all(_is_str(t) for t in p["custom_keys"]),
        type(p["activity_kinds"]) is list and all(_is_str(t) for t in p["activity_kinds"]),
        _rows(p["problems"], _is_str, lambda v: type(v) is int, _is_str, _is_str), _is_str(p["signature"]),
    )
    if not all(checks):
        return None
    return Playbook(
        stages={row[0]: Stage(*row[1:]) for row in p["stages"]},
        sources={row[0]: Source(*row[1:]) for row in p["sources"]},
        learn_after_closed=p["learn_after_closed"], points=p["points"], grade_min=p["grade_min"],
        min_interest=p["min_interest"], min_grade=p["min_grade"], mix=p["mix"], follow_up=p["follow_up"],
        cadences=p["cadences"], rules=p["rules"], team=p["team"], custom_keys=p["custom_keys"],
        activity_kinds=p["activity_kinds"], problems=[Problem(*row) for row in p["problems"]], signature=p["signature"],
    )


@dataclass(slots=True)
class Stage:
    name: str
    closed: bool = False
    won: bool = False
    limit_days: int | None = None


@dataclass(slots=True)
class Source:
    name: str
    group: str
    origin: str
    close_rate: float | None = None
    cycle_days: float | None = None


def _default_stages() -> dict[str, Stage]:
    return {
        "new": Stage("new", limit_days=2),
        "contacted": Stage("contacted", limit_days=7),
        "qualified": Stage("qualified", limit_days=14),
        "proposal": Stage("proposal", limit_days=14),
        "negotiation": Stage("negotiation", limit_days=21),
        "won": Stage("won", closed=True, won=True),
        "lost": Stage("lost", closed=True),
    }


def _default_sources() -> dict[str, Source]:
    return {
        "referral": Source("referral", "referrals", "buyer", 0.5, 30),
        "inbound-web": Source("inbound-web", "lead-generation", "buyer", 0.3, 45),
        "social": Source("social", "lead-generation", "buyer", 0.2, 45),
        "campaign": Source("campaign", "lead-generation", "seller", 0.1, 90),
        "event": Source("event", "events", "seller", 0.15, 75),
        "prospecting": Source("prospecting", "prospecting", "seller", 0.08, 120),
    }


DEFAULT_POINTS: dict[str, Any] = {
    "interest": {"none": 0, "content": 1, "info": 2, "call": 3, "meeting": 4},
    "authority": {"unknown": 0, "gatherer": 1, "influencer": 2, "decision-maker": 3},
    "fit": {"unknown": 0, "poor": -2, "partial": 1, "strong": 3},
    "pain": 2,
}


@dataclass
class Playbook:
    stages: dict[str, Stage] = field(default_factory=_default_stages)
    sources: dict[str, Source] = field(default_factory=_default_sources)
    learn_after_closed: int = 10
    points: dict[str, Any] = field(default_factory=lambda: {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_POINTS.items()})
    grade_min: dict[str, float] = field(default_factory=lambda: {"A": 10, "B": 7, "C": 4})
    min_interest: str = "info"
    min_grade: str = "B"
    mix: dict[str, float] = field(
        default_factory=lambda: {
            "max_group_share": 0.6, "silent_days": 60, "trailing_days": 90, "dip_ratio": 0.5,
            "origin_min_share": 0.25, "max_owner_share": 0.6,
        }
    )
    follow_up: dict[str, float] = field(default_factory=lambda: {"first_contact_hours": 24, "week_days": 7})
    cadences: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "long": {"every_days": 30, "action": "Nurture touch"},
            "short": {"every_days": 3, "action": "Follow up"},
        }
    )
    rules: dict[str, str] = field(
        default_factory=lambda: {"next_action_on_open_leads": "warning", "rotting": "warning",
                                 "uncontacted_requests": "warning", "duplicates": "warning"}
    )
    team: list[str] = field(default_factory=list)
    custom_keys: list[str] = field(default_factory=list)  # keys of one's own `set` accepts
    activity_kinds: list[str] = field(default_factory=lambda: list(ACTIVITY_KINDS))
    problems: list[Problem] = field(default_factory=list)
    signature: str = ""  # a digest of pipeline.yaml: cached per-lead figures are valid for this playbook only

    # --- derived ---
    @property
    def stage_names(self) -> list[str]:
        return list(self.stages)

    @property
    def first_stage(self) -> str:
        return next(iter(self.stages))

    def is_closed(self, stage: object) -> bool:
        st = self.stages.get(stage) if isinstance(stage, str) else None
        return bool(st and st.closed)

    def is_won(self, stage: object) -> bool:
        st = self.stages.get(stage) if isinstance(stage, str) else None
        return bool(st and st.won)

    def cadence_next(self, horizon: str, today: date) -> tuple[str, date]:
        """The next touch the cadence of this horizon proposes once an action is done: (action, due)."""
        conf = self.cadences.get(horizon) or self.cadences.get("short") or {}
        every = conf.get("every_days", 30 if horizon == "long" else 3)
        every = every if isinstance(every, int) and every >= 0 else 3
        action = conf.get("action") if isinstance(conf.get("action"), str) and conf.get("action") else "Follow up"
        return action, today + timedelta(days=every)

    def stage_index(self, stage: object) -> int:
        try:
            return self.stage_names.index(stage)  # type: ignore[arg-type]
        except ValueError:
            return len(self.stages)

    # --- loading ---
    @classmethod
    def load(cls, root: Path) -> Playbook:
        path = root / PLAYBOOK_FILE
        from pipeline_tui.core.storage.cache import digest
        from pipeline_tui.core.storage.files import MAX_BYTES, describe_error, read_limited

        pb = cls()
        try:
            raw = read_limited(path, MAX_BYTES)
            pb.signature = digest(raw)
        except FileNotFoundError:
            pb.problems.append(Problem(PLAYBOOK_FILE, 1, "missing: run `pipeline init` to write the default playbook"))
            return pb
        except OSError as exc:  # a link, a FIFO, too large, no permission: the defaults, and a problem
            pb.problems.append(Problem(PLAYBOOK_FILE, 1, describe_error(exc)))
            return pb
        cached = _cached_playbook(root, pb.signature)
        if cached is not None:
            return cached
        from pipeline_tui.core.yaml import (
            reader as yamlio,  # the YAML reader is only needed when the playbook changed
        )

        try:
            text = yamlio.decode(raw)
            data = yamlio.loads(text)
        except YamlProblem as exc:
            pb.problems.append(Problem(PLAYBOOK_FILE, exc.line or 1, exc.message))
            return pb
        if data is None:
            return pb
        if not isinstance(data, dict):
            pb.problems.append(Problem(PLAYBOOK_FILE, 1, "the playbook must be a mapping of settings"))
            return pb
        pb._apply(data, text)
        _cache_playbook(root, pb)
        return pb

    def _problem(self, text: str, keys: tuple, message: str) -> None:
        self.problems.append(Problem(PLAYBOOK_FILE, line_of(text, keys), message))

    def _number(self, text: str, keys: tuple, value: Any, lo: float, hi: float, whole: bool = False) -> Any:
        """value when it is a number in [lo, hi] (a whole one if `whole`); else a problem at its line, and None."""
        ok = isinstance(value, int) if whole else isinstance(value, (int, float))
        if ok and not isinstance(value, bool) and math.isfinite(value) and lo <= value <= hi:
            return value
        kind = "a whole number" if whole else "a number"
        self._problem(text, keys, f"{'.'.join(str(k) for k in keys)}: must be {kind} from {lo:g} to {hi:g}, "
                                  f"not {quoted(value)}")
        return None

    def _apply(self, data: dict, text: str) -> None:  # noqa: C901 - one pass over the settings
        from pipeline_tui.core.safetext import contains_unsafe, describe, unsafe_char, visible, walk_strings

        if contains_unsafe(data):  # names and words shown everywhere: one line of plain text each
            for path, value, _ in walk_strings(data):
                ch = unsafe_char(value)
                if ch is not None:
                    where = ".".join(visible(str(k)) for k in path if not isinstance(k, int))
                    self._problem(text, path, f"{where}: holds {describe(ch)}; control, bidi and zero-width "
                                              "characters could hide or change what the text shows: remove it")
        stages = data.get("stages")
        if stages is not None:
            if not isinstance(stages, dict) or not stages:
                self._problem(text, ("stages",), "stages must be a non-empty mapping of stage names")
            else:
                parsed: dict[str, Stage] = {}
                for name, conf in stages.items():
                    conf = conf or {}
                    if not isinstance(conf, dict):
                        self._problem(text, ("stages", name), f"stage {name!r}: settings must be a mapping")
                        conf = {}
                    limit = conf.get("limit_days")
                    if limit is not None:
                        limit = self._number(text, ("stages", name, "limit_days"), limit, 0, MAX_DAYS, whole=True)
                    parsed[str(name)] = Stage(
                        str(name), closed=bool(conf.get("closed")), won=bool(conf.get("won")), limit_days=limit
                    )
                if not any(not s.closed for s in parsed.values()):
                    self._problem(text, ("stages",), "at least one stage must be open (not closed)")
                self.stages = parsed
        sources = data.get("sources")
        if sources is not None:
            if not isinstance(sources, dict) or not sources:
                self._problem(text, ("sources",), "sources must be a non-empty mapping of source names")
            else:
                parsed_sources: dict[str, Source] = {}
                for name, conf in sources.items():
                    conf = conf or {}
                    if not isinstance(conf, dict):
                        self._problem(text, ("sources", name), f"source {name!r}: settings must be a mapping")
                        conf = {}
                    group = conf.get("group", "lead-generation")
                    if group not in GROUPS:
                        self._problem(text, ("sources", name), f"source {name!r}: group {group!r} is not one of {', '.join(GROUPS)}")
                        group = "lead-generation"
                    origin = conf.get("origin", "buyer")
                    if origin not in ORIGINS:
                        self._problem(text, ("sources", name), f"source {name!r}: origin {origin!r} is not buyer or seller")
                        origin = "buyer"
                    rate = conf.get("close_rate")
                    if rate is not None:
                        rate = self._number(text, ("sources", name, "close_rate"), rate, 0, 1)
                    cycle = conf.get("cycle_days")
                    if cycle is not None:
                        cycle = self._number(text, ("sources", name, "cycle_days"), cycle, 0, MAX_DAYS)
                    parsed_sources[str(name)] = Source(str(name), group, origin, rate, cycle)
                self.sources = parsed_sources
        learn = data.get("learn_after_closed")
        if learn is not None:
            learn = self._number(text, ("learn_after_closed",), learn, 1, 1_000_000, whole=True)
            if learn is not None:
                self.learn_after_closed = learn
        qual = data.get("qualification")
        if isinstance(qual, dict):
            points = qual.get("points")
            if isinstance(points, dict):
                for crit, allowed in (("interest", INTEREST), ("authority", AUTHORITY), ("fit", FIT)):
                    table = points.get(crit)
                    if isinstance(table, dict):
                        for answer, pts in table.items():
                            if answer not in allowed:
                                self._problem(text, ("qualification", "points", crit), f"points.{crit}: {quoted(answer)} must be one of {', '.join(allowed)}")
                            elif self._number(text, ("qualification", "points", crit, answer), pts, -MAX_POINTS, MAX_POINTS) is not None:
                                self.points[crit][answer] = pts
                if points.get("pain") is not None and self._number(
                        text, ("qualification", "points", "pain"), points.get("pain"), -MAX_POINTS, MAX_POINTS) is not None:
                    self.points["pain"] = points["pain"]
            grades = qual.get("grades")
            if isinstance(grades, dict):
                for g, v in grades.items():
                    if g not in ("A", "B", "C"):
                        self._problem(text, ("qualification", "grades"), f"grades: {quoted(g)} must be A, B or C with a minimum score")
                    elif self._number(text, ("qualification", "grades", g), v, -4 * MAX_POINTS, 4 * MAX_POINTS) is not None:
                        self.grade_min[g] = v
            sq = qual.get("sales_qualified")
            if isinstance(sq, dict):
                if sq.get("min_interest", self.min_interest) in INTEREST:
                    self.min_interest = sq.get("min_interest", self.min_interest)
                else:
                    self._problem(text, ("qualification", "sales_qualified"), f"min_interest must be one of {', '.join(INTEREST)}")
                if sq.get("min_grade", self.min_grade) in GRADES:
                    self.min_grade = sq.get("min_grade", self.min_grade)
                else:
                    self._problem(text, ("qualification", "sales_qualified"), "min_grade must be A, B, C or D")
        elif qual is not None:
            self._problem(text, ("qualification",), "qualification must be a mapping")
        for section in ("mix", "follow_up"):
            conf = data.get(section)
            if conf is None:
                continue
            if not isinstance(conf, dict):
                self._problem(text, (section,), f"{section} must be a mapping")
                continue
            target = getattr(self, section)
            for key, value in conf.items():
                if key not in target:
                    self._problem(text, (section, key), f"{section}.{quoted(key)}: unknown setting; the settings are "
                                                        f"{', '.join(target)}")
                    continue
                lo, hi, whole = RANGES[key]
                if self._number(text, (section, key), value, lo, hi, whole) is not None:
                    target[key] = value
        cad = data.get("cadences")
        if isinstance(cad, dict):
            for hz, conf in cad.items():
                if hz not in HORIZONS or not isinstance(conf, dict):
                    self._problem(text, ("cadences", hz), f"cadences.{quoted(hz)}: horizon must be short or long with every_days")
                    continue
                every = conf.get("every_days")
                if every is not None and self._number(text, ("cadences", hz, "every_days"), every, 0, MAX_DAYS,
                                                      whole=True) is None:
                    continue
                action = conf.get("action")
                if action is not None and not (isinstance(action, str) and action.strip()):
                    self._problem(text, ("cadences", hz, "action"), f"cadences.{hz}.action: must be text")
                    continue
                self.cadences[hz] = {**self.cadences.get(hz, {}), **conf}
        rules = data.get("rules")
        if isinstance(rules, dict):
            for rule, level in rules.items():
                if rule not in RULES:
                    self._problem(text, ("rules", rule), f"rules.{rule}: unknown rule; the rules are {', '.join(RULES)}")
                elif level not in ("error", "warning", "off"):
                    self._problem(text, ("rules", rule), f"rules.{rule}: must be error, warning or off")
                else:
                    self.rules[str(rule)] = level
        team = data.get("team")
        if team is not None:
            if isinstance(team, list) and all(isinstance(t, str) for t in team):
                self.team = list(team)
            else:
                self._problem(text, ("team",), "team must be a list of names")
        for key, what in (("custom_keys", "keys"), ("activity_kinds", "activity kinds")):
            value = data.get(key)
            if value is None:
                continue
            if isinstance(value, list) and all(isinstance(t, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,31}", t)
                                               for t in value):
                setattr(self, key, list(value))
            else:
                self._problem(text, (key,), f"{key} must be a list of {what}, one word each")
