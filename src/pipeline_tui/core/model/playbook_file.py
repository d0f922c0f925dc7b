"""Reading `pipeline.yaml` into a Playbook: every setting checked (a bad one keeps its default and adds a
`Problem` at its line, so one typo does not stop the pipeline), and the parsed playbook cached by its bytes."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from pipeline_tui.core.errors import YamlProblem
from pipeline_tui.core.model.playbook import RANGES, Playbook, Source, Stage
from pipeline_tui.core.model.vocabulary import (
    AUTHORITY,
    FIT,
    GRADES,
    GROUPS,
    HORIZONS,
    INTEREST,
    MAX_DAYS,
    MAX_POINTS,
    ORIGINS,
    PLAYBOOK_FILE,
    RULES,
)
from pipeline_tui.core.safetext import quoted
from pipeline_tui.core.yaml.problems import Problem, line_of


def load_playbook(root: Path) -> Playbook:
    """The playbook of the pipeline at root: the cached parse when pipeline.yaml's bytes are the same, else every
    setting read and checked (a bad one keeps its default and adds a problem at its line)."""
    path = root / PLAYBOOK_FILE
    from pipeline_tui.core.storage.cache import digest
    from pipeline_tui.core.storage.files import MAX_BYTES, describe_error, read_limited

    pb = Playbook()
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
    apply_settings(pb, data, text)
    _cache_playbook(root, pb)
    return pb

def _problem(pb: Playbook, text: str, keys: tuple, message: str) -> None:
    pb.problems.append(Problem(PLAYBOOK_FILE, line_of(text, keys), message))

def _number(pb: Playbook, text: str, keys: tuple, value: Any, lo: float, hi: float, whole: bool = False) -> Any:
    """value when it is a number in [lo, hi] (a whole one if `whole`); else a problem at its line, and None."""
    ok = isinstance(value, int) if whole else isinstance(value, (int, float))
    if ok and not isinstance(value, bool) and math.isfinite(value) and lo <= value <= hi:
        return value
    kind = "a whole number" if whole else "a number"
    _problem(pb, text, keys, f"{'.'.join(str(k) for k in keys)}: must be {kind} from {lo:g} to {hi:g}, "
                              f"not {quoted(value)}")
    return None

def apply_settings(pb: Playbook, data: dict, text: str) -> None:  # noqa: C901 - one pass over the settings
    from pipeline_tui.core.safetext import contains_unsafe, describe, unsafe_char, visible, walk_strings

    if contains_unsafe(data):  # names and words shown everywhere: one line of plain text each
        for path, value, _ in walk_strings(data):
            ch = unsafe_char(value)
            if ch is not None:
                where = ".".join(visible(str(k)) for k in path if not isinstance(k, int))
                _problem(pb, text, path, f"{where}: holds {describe(ch)}; control, bidi and zero-width "
                                          "characters could hide or change what the text shows: remove it")
    stages = data.get("stages")
    if stages is not None:
        if not isinstance(stages, dict) or not stages:
            _problem(pb, text, ("stages",), "stages must be a non-empty mapping of stage names")
        else:
            parsed: dict[str, Stage] = {}
            for name, conf in stages.items():
                conf = conf or {}
                if not isinstance(conf, dict):
                    _problem(pb, text, ("stages", name), f"stage {name!r}: settings must be a mapping")
                    conf = {}
                limit = conf.get("limit_days")
                if limit is not None:
                    limit = _number(pb, text, ("stages", name, "limit_days"), limit, 0, MAX_DAYS, whole=True)
                prob = conf.get("probability")
                if prob is not None:
                    prob = _number(pb, text, ("stages", name, "probability"), prob, 0, 1)
                committed = conf.get("committed", False)
                if not isinstance(committed, bool):
                    _problem(pb, text, ("stages", name, "committed"), f"stage {name!r}: committed must be true or false")
                    committed = False
                parsed[str(name)] = Stage(str(name), closed=bool(conf.get("closed")), won=bool(conf.get("won")),
                                          limit_days=limit, probability=prob, committed=committed)
            if not any(not s.closed for s in parsed.values()):
                _problem(pb, text, ("stages",), "at least one stage must be open (not closed)")
            pb.stages = parsed
    sources = data.get("sources")
    if sources is not None:
        if not isinstance(sources, dict) or not sources:
            _problem(pb, text, ("sources",), "sources must be a non-empty mapping of source names")
        else:
            parsed_sources: dict[str, Source] = {}
            for name, conf in sources.items():
                conf = conf or {}
                if not isinstance(conf, dict):
                    _problem(pb, text, ("sources", name), f"source {name!r}: settings must be a mapping")
                    conf = {}
                group = conf.get("group", "lead-generation")
                if group not in GROUPS:
                    _problem(pb, text, ("sources", name), f"source {name!r}: group {group!r} is not one of {', '.join(GROUPS)}")
                    group = "lead-generation"
                origin = conf.get("origin", "buyer")
                if origin not in ORIGINS:
                    _problem(pb, text, ("sources", name), f"source {name!r}: origin {origin!r} is not buyer or seller")
                    origin = "buyer"
                rate = conf.get("close_rate")
                if rate is not None:
                    rate = _number(pb, text, ("sources", name, "close_rate"), rate, 0, 1)
                cycle = conf.get("cycle_days")
                if cycle is not None:
                    cycle = _number(pb, text, ("sources", name, "cycle_days"), cycle, 0, MAX_DAYS)
                parsed_sources[str(name)] = Source(str(name), group, origin, rate, cycle)
            pb.sources = parsed_sources
    learn = data.get("learn_after_closed")
    if learn is not None:
        learn = _number(pb, text, ("learn_after_closed",), learn, 1, 1_000_000, whole=True)
        if learn is not None:
            pb.learn_after_closed = learn
    qual = data.get("qualification")
    if isinstance(qual, dict):
        points = qual.get("points")
        if isinstance(points, dict):
            for crit, allowed in (("interest", INTEREST), ("authority", AUTHORITY), ("fit", FIT)):
                table = points.get(crit)
                if isinstance(table, dict):
                    for answer, pts in table.items():
                        if answer not in allowed:
                            _problem(pb, text, ("qualification", "points", crit), f"points.{crit}: {quoted(answer)} must be one of {', '.join(allowed)}")
                        elif _number(pb, text, ("qualification", "points", crit, answer), pts, -MAX_POINTS, MAX_POINTS) is not None:
                            pb.points[crit][answer] = pts
            if points.get("pain") is not None and _number(pb,
                    text, ("qualification", "points", "pain"), points.get("pain"), -MAX_POINTS, MAX_POINTS) is not None:
                pb.points["pain"] = points["pain"]
        grades = qual.get("grades")
        if isinstance(grades, dict):
            for g, v in grades.items():
                if g not in ("A", "B", "C"):
                    _problem(pb, text, ("qualification", "grades"), f"grades: {quoted(g)} must be A, B or C with a minimum score")
                elif _number(pb, text, ("qualification", "grades", g), v, -4 * MAX_POINTS, 4 * MAX_POINTS) is not None:
                    pb.grade_min[g] = v
        sq = qual.get("sales_qualified")
        if isinstance(sq, dict):
            if sq.get("min_interest", pb.min_interest) in INTEREST:
                pb.min_interest = sq.get("min_interest", pb.min_interest)
            else:
                _problem(pb, text, ("qualification", "sales_qualified"), f"min_interest must be one of {', '.join(INTEREST)}")
            if sq.get("min_grade", pb.min_grade) in GRADES:
                pb.min_grade = sq.get("min_grade", pb.min_grade)
            else:
                _problem(pb, text, ("qualification", "sales_qualified"), "min_grade must be A, B, C or D")
    elif qual is not None:
        _problem(pb, text, ("qualification",), "qualification must be a mapping")
    for section in ("mix", "follow_up"):
        conf = data.get(section)
        if conf is None:
            continue
        if not isinstance(conf, dict):
            _problem(pb, text, (section,), f"{section} must be a mapping")
            continue
        target = getattr(pb, section)
        for key, value in conf.items():
            if key not in target:
                _problem(pb, text, (section, key), f"{section}.{quoted(key)}: unknown setting; the settings are "
                                                    f"{', '.join(target)}")
                continue
            lo, hi, whole = RANGES[key]
            if _number(pb, text, (section, key), value, lo, hi, whole) is not None:
                target[key] = value
    cad = data.get("cadences")
    if isinstance(cad, dict):
        for hz, conf in cad.items():
            if hz not in HORIZONS or not isinstance(conf, dict):
                _problem(pb, text, ("cadences", hz), f"cadences.{quoted(hz)}: horizon must be short or long with every_days")
                continue
            every = conf.get("every_days")
            if every is not None and _number(pb, text, ("cadences", hz, "every_days"), every, 0, MAX_DAYS,
                                                  whole=True) is None:
                continue
            action = conf.get("action")
            if action is not None and not (isinstance(action, str) and action.strip()):
                _problem(pb, text, ("cadences", hz, "action"), f"cadences.{hz}.action: must be text")
                continue
            pb.cadences[hz] = {**pb.cadences.get(hz, {}), **conf}
    rules = data.get("rules")
    if isinstance(rules, dict):
        for rule, level in rules.items():
            if rule not in RULES:
                _problem(pb, text, ("rules", rule), f"rules.{rule}: unknown rule; the rules are {', '.join(RULES)}")
            elif level not in ("error", "warning", "off"):
                _problem(pb, text, ("rules", rule), f"rules.{rule}: must be error, warning or off")
            else:
                pb.rules[str(rule)] = level
    team = data.get("team")
    if team is not None:
        if isinstance(team, list) and all(isinstance(t, str) for t in team):
            pb.team = list(team)
        else:
            _problem(pb, text, ("team",), "team must be a list of names")
    for key, what in (("custom_keys", "keys"), ("activity_kinds", "activity kinds")):
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, list) and all(isinstance(t, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,31}", t)
                                           for t in value):
            setattr(pb, key, list(value))
        else:
            _problem(pb, text, (key,), f"{key} must be a list of {what}, one word each")
    if data.get("spend") is not None:  # after `sources`: spend is per source of this playbook
        from pipeline_tui.core.model.spend import read_spend

        pb.spend, found = read_spend(data["spend"], pb.sources, text)
        pb.problems.extend(found)


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


_PLAYBOOK_FIELDS = ("stages", "sources", "learn_after_closed", "points", "grade_min", "min_interest", "min_grade",
                    "mix", "follow_up", "cadences", "rules", "team", "custom_keys", "activity_kinds", "spend", "problems",
                    "signature")


_PART_FIELDS = (("name", "closed", "won", "limit_days", "probability", "committed"), ("name", "group", "origin", "close_rate", "cycle_days"),
                ("path", "line", "message", "severity"))


def _playbook_to_plain(pb: Playbook) -> dict | None:
    """The playbook as plain data for the cache; None when the classes have fields this code does not know."""
    if not _fields_known():
        return None
    return {
        "stages": [[key, s.name, s.closed, s.won, s.limit_days, s.probability, s.committed]
                   for key, s in pb.stages.items()],
        "sources": [[key, s.name, s.group, s.origin, s.close_rate, s.cycle_days] for key, s in pb.sources.items()],
        "learn_after_closed": pb.learn_after_closed, "points": pb.points, "grade_min": pb.grade_min,
        "min_interest": pb.min_interest, "min_grade": pb.min_grade, "mix": pb.mix, "follow_up": pb.follow_up,
        "cadences": pb.cadences, "rules": pb.rules, "team": pb.team, "custom_keys": pb.custom_keys,
        "activity_kinds": pb.activity_kinds, "spend": pb.spend,
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
        _rows(p["stages"], _is_str, _is_str, _is_bool, _is_bool, lambda v: v is None or type(v) is int, _opt_num,
              _is_bool),
        _rows(p["sources"], _is_str, _is_str, _is_str, _is_str, _opt_num, _opt_num),
        type(p["learn_after_closed"]) is int,
        _str_map(p["points"], lambda v: _is_num(v) or _str_map(v, _is_num)),
        _str_map(p["grade_min"], _is_num), _is_str(p["min_interest"]), _is_str(p["min_grade"]),
        _str_map(p["mix"], _is_num), _str_map(p["follow_up"], _is_num),
        _str_map(p["cadences"], lambda v: type(v) is dict), _str_map(p["rules"], _is_str),
        type(p["team"]) is list and all(_is_str(t) for t in p["team"]),
        type(p["custom_keys"]) is list and all(_is_str(t) for t in p["custom_keys"]),
        type(p["activity_kinds"]) is list and all(_is_str(t) for t in p["activity_kinds"]),
        _str_map(p["spend"], lambda v: _str_map(v, _is_num)),
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
        activity_kinds=p["activity_kinds"], spend=p["spend"], problems=[Problem(*row) for row in p["problems"]], signature=p["signature"],
    )
