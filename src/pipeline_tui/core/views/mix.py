"""The source mix: shares of open leads by group, origin and owner, inflow over time, and the warnings
of the playbook's `mix` settings, each with what it means and what to do.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.playbook import Playbook
from pipeline_tui.core.model.vocabulary import GROUPS, ORIGINS


@dataclass
class Warning_:
    code: str
    message: str
    advice: str

    def as_json(self) -> dict:
        return {"code": self.code, "message": self.message, "advice": self.advice}


@dataclass
class Mix:
    groups: dict[str, dict] = field(default_factory=dict)
    origins: dict[str, dict] = field(default_factory=dict)
    owners: dict[str, dict] = field(default_factory=dict)
    inflow: dict[str, list[int]] = field(default_factory=dict)  # group -> new leads per 30-day window, oldest first
    warnings: list[Warning_] = field(default_factory=list)
    too_early: str | None = None  # why there are no warnings yet (too few leads, too short a history)

    def as_json(self) -> dict:
        return {"groups": self.groups, "origins": self.origins, "owners": self.owners, "inflow": self.inflow,
                "warnings": [w.as_json() for w in self.warnings], "too_early": self.too_early}

    def no_warnings_text(self) -> str:
        return self.too_early or "none: the pipeline draws on its groups in a healthy balance"


def _shares(counter: Counter, keys) -> dict[str, dict]:  # noqa: ANN001
    total = sum(counter.values())
    return {k: {"open": counter.get(k, 0), "share": round(counter.get(k, 0) / total, 4) if total else 0.0} for k in keys}


MIN_LEADS_FOR_WARNINGS = 10  # a group's silence means something once the pipeline has this many leads
GROUP_WORDS = {"lead-generation": "lead-generation", "events": "event", "referrals": "referral",
               "prospecting": "prospecting"}
GROUP_ACTIVITY = {"lead-generation": "a lead-generation activity (the website, a campaign, social posts)",
                  "events": "an event (a trade show, a talk, a webinar)",
                  "referrals": "asking customers and partners for referrals",
                  "prospecting": "prospecting (calls, cold email, a list)"}


def compute_mix(leads: list[Lead], playbook: Playbook, today: dt.date, windows: int = 6) -> Mix:
    live = [lead for lead in leads if not lead.broken]
    open_leads = [lead for lead in live if lead.is_open]
    conf = playbook.mix
    groups_in_use = [g for g in GROUPS if any(s.group == g for s in playbook.sources.values())]
    mix = Mix()
    mix.groups = _shares(Counter(lead.group for lead in open_leads), groups_in_use)
    for g in groups_in_use:
        mix.groups[g]["new_90d"] = sum(
            1 for lead in live if lead.group == g and lead.created and 0 <= (today - lead.created).days < 90
        )
    mix.origins = _shares(Counter(lead.origin for lead in open_leads), ORIGINS)
    owners = Counter(lead.owner or "(nobody)" for lead in open_leads)
    mix.owners = _shares(owners, sorted(owners))
    for g in groups_in_use:
        counts = [0] * windows
        for lead in live:
            if lead.group == g and lead.created:
                age = (today - lead.created).days
                if 0 <= age < 30 * windows:
                    counts[windows - 1 - age // 30] += 1
        mix.inflow[g] = counts
    total_open = len(open_leads)
    if total_open >= 5:
        for g, s in mix.groups.items():
            if s["share"] > conf["max_group_share"]:
                mix.warnings.append(Warning_(
                    "group-dominant", f"{g} supplies {s['share']:.0%} of open leads",
                    "Put effort into the other groups; a pipeline fed by one group dries up when it does."))
        for o, s in mix.origins.items():
            if s["share"] < conf["origin_min_share"]:
                mix.warnings.append(Warning_(
                    "origin-tipped", f"only {s['share']:.0%} of open leads are {o}-generated",
                    "Buyer-generated leads close faster; seller-generated ones widen the funnel. Rebalance."
                    if o == "buyer" else "Add outbound work (prospecting, campaigns, events) so the pipeline does not "
                    "depend on who happens to call."))
        named = {k: v for k, v in mix.owners.items() if k != "(nobody)"}
        if len(named) >= 2 or playbook.team:
            for owner, s in named.items():
                if s["share"] > conf["max_owner_share"]:
                    mix.warnings.append(Warning_(
                        "owner-concentration", f"{owner} holds {s['share']:.0%} of the open pipeline",
                        "The business is beholden to one person: share accounts, write next actions down."))
    silent = int(conf["silent_days"])
    oldest = min((lead.created for lead in live if lead.created), default=None)
    # a pipeline younger than the silence it would warn about, or with a handful of leads, says nothing yet
    enough = oldest is not None and (today - oldest).days > silent and len(live) >= MIN_LEADS_FOR_WARNINGS
    if not enough or total_open < 5:
        mix.too_early = (f"none yet: mix warnings start once the pipeline has {MIN_LEADS_FOR_WARNINGS} leads, 5 of "
                         f"them open, and {silent} days of history (it has {len(live)}, {total_open} open, since "
                         f"{oldest.isoformat() if oldest else 'today'})")
    for g in groups_in_use if enough else ():
        newest = max((lead.created for lead in live if lead.group == g and lead.created), default=None)
        if newest is None or (today - newest).days > silent:
            since = f"the last on {newest.isoformat()}" if newest else f"none since the first lead, {oldest.isoformat()}"
            mix.warnings.append(Warning_(
                "group-silent", f"no new {GROUP_WORDS.get(g, g)} leads in {silent} days ({since})",
                f"Start {GROUP_ACTIVITY.get(g, 'work in ' + g)} again; each group has its own cycle, and a gap "
                "now shows up months later."))
    trailing = int(conf["trailing_days"])
    for g in groups_in_use:
        recent = sum(1 for lead in live if lead.group == g and lead.created and 0 <= (today - lead.created).days < 30)
        before = sum(1 for lead in live if lead.group == g and lead.created
                     and 30 <= (today - lead.created).days < 30 + trailing)
        avg = before / (trailing / 30) if trailing else 0
        if avg >= 1 and recent < conf["dip_ratio"] * avg:
            mix.warnings.append(Warning_(
                "group-dip", f"{g} brought {recent} new leads in 30 days, under its average of {avg:.1f}",
                f"Check what changed in {g} (a campaign ended, an event season passed) and plan the next one."))
    return mix
