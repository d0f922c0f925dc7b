"""The words every part of the tool shares: source groups, origins, horizons, the qualification scales,
grades, rules, activity kinds, and the playbook's file name and limits."""

from __future__ import annotations

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


# The cache holds the playbook as plain data, field by field: these are the fields the two functions below
# know. A dataclass with other fields is not cached (rather than cached without them).
ACTIVITY_KINDS = ("call", "email", "meeting", "note")
