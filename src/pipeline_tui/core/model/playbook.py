"""The playbook (`pipeline.yaml`) as the tool uses it: stages, sources, the qualification rule, mix thresholds,
cadences, team, with their defaults; and `INIT_TEXT`, what `pipeline init` writes. Reading the file is
`core.model.playbook_file`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pipeline_tui.core.model.vocabulary import (
    ACTIVITY_KINDS,
    MAX_DAYS,
)
from pipeline_tui.core.yaml.problems import Problem

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
#   probability: the chance (0 to 1) a lead in this stage is won, for `pipeline forecast` until enough
#   leads that reached the stage have closed to learn it; committed: true counts its leads as committed.
stages:
  new:         {limit_days: 2, probability: 0.05}
  contacted:   {limit_days: 7, probability: 0.1}
  qualified:   {limit_days: 14, probability: 0.25}
  proposal:    {limit_days: 14, probability: 0.5}
  negotiation: {limit_days: 21, probability: 0.75, committed: true}
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

# Money spent per source and month (YYYY-MM), for `pipeline costs`: cost per lead, per win, and return.
#   spend:
#     campaign: {2026-10: 1200, 2026-11: 900}
"""


@dataclass(slots=True)
class Stage:
    name: str
    closed: bool = False
    won: bool = False
    limit_days: int | None = None
    probability: float | None = None  # the playbook's chance of a win from this stage (forecast)
    committed: bool = False  # the forecast counts leads in this stage as committed


@dataclass(slots=True)
class Source:
    name: str
    group: str
    origin: str
    close_rate: float | None = None
    cycle_days: float | None = None


def _default_stages() -> dict[str, Stage]:
    return {
        "new": Stage("new", limit_days=2, probability=0.05),
        "contacted": Stage("contacted", limit_days=7, probability=0.1),
        "qualified": Stage("qualified", limit_days=14, probability=0.25),
        "proposal": Stage("proposal", limit_days=14, probability=0.5),
        "negotiation": Stage("negotiation", limit_days=21, probability=0.75, committed=True),
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
    spend: dict[str, dict[str, float]] = field(default_factory=dict)  # source -> YYYY-MM -> amount (`costs`)
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
