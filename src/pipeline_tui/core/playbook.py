"""The playbook (`pipeline.yaml`): stages, sources, the qualification rule, mix thresholds, cadences, team.

`Playbook.load` never raises for a bad setting: it keeps the default and records a `Problem` with the
line, so one typo does not stop the pipeline. `INIT_TEXT` is what `pipeline init` writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipeline_tui.core.errors import YamlProblem
from pipeline_tui.core.problems import Problem, line_of

PLAYBOOK_FILE = "pipeline.yaml"

GROUPS = ("lead-generation", "events", "referrals", "prospecting")
ORIGINS = ("buyer", "seller")
HORIZONS = ("short", "long")
INTEREST = ("none", "content", "info", "call", "meeting")
AUTHORITY = ("unknown", "gatherer", "influencer", "decision-maker")
FIT = ("unknown", "poor", "partial", "strong")
GRADES = ("A", "B", "C", "D")
RULES = ("next_action_on_open_leads", "rotting", "uncontacted_requests", "duplicates")

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
"""


def _playbook_cache(root: Path) -> Path:
    from pipeline_tui.core.cache import cache_file

    return cache_file("playbook", root.resolve())


def _playbook_version() -> tuple:
    from pipeline_tui.core.cache import code_version

    return code_version("playbook", tuple(Playbook.__dataclass_fields__))


def _cached_playbook(root: Path, signature: str) -> Playbook | None:
    """The playbook parsed before from exactly these bytes (a copy: any doubt and it is parsed again)."""
    from pipeline_tui.core.cache import load_versioned

    pb = load_versioned(_playbook_cache(root), _playbook_version())
    return pb if isinstance(pb, Playbook) and pb.signature == signature and signature else None


def _cache_playbook(root: Path, pb: Playbook) -> None:
    from pipeline_tui.core.cache import save_versioned

    save_versioned(_playbook_cache(root), _playbook_version(), pb)


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
    problems: list[Problem] = field(default_factory=list)
    signature: str = ""  # a digest of pipeline.yaml: cached per-lead figures are valid for this playbook only

    # --- derived ---
    @property
    def stage_names(self) -> list[str]:
        return list(self.stages)

    @property
    def first_stage(self) -> str:
        return next(iter(self.stages))

    def is_closed(self, stage: str) -> bool:
        st = self.stages.get(stage)
        return bool(st and st.closed)

    def is_won(self, stage: str) -> bool:
        st = self.stages.get(stage)
        return bool(st and st.won)

    def cadence_next(self, horizon: str, today: date) -> tuple[str, date]:
        """The next touch the cadence of this horizon proposes once an action is done: (action, due)."""
        conf = self.cadences.get(horizon) or self.cadences.get("short") or {}
        every = conf.get("every_days", 30 if horizon == "long" else 3)
        every = every if isinstance(every, int) and every >= 0 else 3
        action = conf.get("action") if isinstance(conf.get("action"), str) and conf.get("action") else "Follow up"
        return action, today + timedelta(days=every)

    def stage_index(self, stage: str) -> int:
        try:
            return self.stage_names.index(stage)
        except ValueError:
            return len(self.stages)

    # --- loading ---
    @classmethod
    def load(cls, root: Path) -> Playbook:
        path = root / PLAYBOOK_FILE
        from pipeline_tui.core.cache import digest

        pb = cls()
        try:
            raw = path.read_bytes()
            pb.signature = digest(raw)
        except FileNotFoundError:
            pb.problems.append(Problem(PLAYBOOK_FILE, 1, "missing: run `pipeline init` to write the default playbook"))
            return pb
        except OSError as exc:
            pb.problems.append(Problem(PLAYBOOK_FILE, 1, f"cannot read: {exc.strerror}"))
            return pb
        cached = _cached_playbook(root, pb.signature)
        if cached is not None:
            return cached
        from pipeline_tui.core import yamlio  # the YAML reader is only needed when the playbook changed

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

    def _apply(self, data: dict, text: str) -> None:  # noqa: C901 - one pass over the settings
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
                    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
                        self._problem(text, ("stages", name), f"stage {name!r}: limit_days must be a whole number")
                        limit = None
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
                    if rate is not None and not (isinstance(rate, (int, float)) and 0 <= rate <= 1):
                        self._problem(text, ("sources", name), f"source {name!r}: close_rate must be between 0 and 1")
                        rate = None
                    cycle = conf.get("cycle_days")
                    if cycle is not None and not (isinstance(cycle, (int, float)) and cycle >= 0):
                        self._problem(text, ("sources", name), f"source {name!r}: cycle_days must be a number of days")
                        cycle = None
                    parsed_sources[str(name)] = Source(str(name), group, origin, rate, cycle)
                self.sources = parsed_sources
        learn = data.get("learn_after_closed")
        if learn is not None:
            if isinstance(learn, int) and not isinstance(learn, bool) and learn >= 1:
                self.learn_after_closed = learn
            else:
                self._problem(text, ("learn_after_closed",), "learn_after_closed must be a whole number of leads")
        qual = data.get("qualification")
        if isinstance(qual, dict):
            points = qual.get("points")
            if isinstance(points, dict):
                for crit, allowed in (("interest", INTEREST), ("authority", AUTHORITY), ("fit", FIT)):
                    table = points.get(crit)
                    if isinstance(table, dict):
                        for answer, pts in table.items():
                            if answer not in allowed or not isinstance(pts, (int, float)):
                                self._problem(text, ("qualification", "points", crit), f"points.{crit}: {answer!r} must be one of {', '.join(allowed)} with a number")
                            else:
                                self.points[crit][answer] = pts
                if isinstance(points.get("pain"), (int, float)):
                    self.points["pain"] = points["pain"]
            grades = qual.get("grades")
            if isinstance(grades, dict):
                for g, v in grades.items():
                    if g in ("A", "B", "C") and isinstance(v, (int, float)):
                        self.grade_min[g] = v
                    else:
                        self._problem(text, ("qualification", "grades"), f"grades: {g!r} must be A, B or C with a minimum score")
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
                if key in target and isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                    target[key] = value
                else:
                    self._problem(text, (section, key), f"{section}.{key}: unknown setting or not a number")
        cad = data.get("cadences")
        if isinstance(cad, dict):
            for hz, conf in cad.items():
                if hz in HORIZONS and isinstance(conf, dict) and isinstance(conf.get("every_days", 0), int):
                    self.cadences[hz] = {**self.cadences.get(hz, {}), **conf}
                else:
                    self._problem(text, ("cadences", hz), f"cadences.{hz}: horizon must be short or long with every_days")
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
