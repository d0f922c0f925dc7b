"""Reading one cell of a CRM or spreadsheet export: amounts, dates, emails, phones, and names folded for
duplicate detection. Pure functions, no I/O; the row reader (`core.importing.rows`) calls them.

Owns: deciding an amount column's decimal separator from all its values (`number_format`) and reading an
amount (`parse_amount`); deciding a date column's day/month order and whether it holds Excel day numbers
(`day_first_of`, `serial_column`) and reading a date (`parse_when`); cleaning an email (`clean_email`) and
a phone (`clean_phone`); folding person and company names so the same one compares equal (`fold_name`,
`fold_company`). Readers raise ValueError with a short reason a person can act on; none guesses a value
the cell does not say (`1.250` in a column that does not say whether `.` is a decimal point is an error).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# --- amounts ------------------------------------------------------------------------------------

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u2019": "'", "\t": " "})
_CODES = ("USD|EUR|GBP|CHF|JPY|CNY|RMB|CAD|AUD|NZD|SEK|NOK|DKK|ISK|PLN|CZK|HUF|RON|BGN|INR|BRL|MXN|ZAR|SGD|HKD|"
          "TRY|ILS|AED|SAR|RUB|UAH|KRW|TWD|THB|IDR|MYR|PHP|ARS|CLP|COP")
_CURRENCY = re.compile(rf"(?<![A-Za-z])(?:{_CODES})(?![A-Za-z])|(?:US|AU|CA|NZ|HK|MX|A|C|S|R)?\$|"
                       r"[€£¥₹₽₩₪₺₫₱₦₴¢]|(?<![A-Za-z])(?:Fr\.|SFr\.?|kr\.?|zł|Kč|Ft|lei)(?![A-Za-z])",
                       re.IGNORECASE)
_NO_AMOUNT = {"", "-", "--", "---", "—", "–", "?", "??", "???", "...", "…", "tbd", "tba", "tbc", "n/a", "na",
              "n.a.", "n. a.", "none", "null", "nil", "unknown", "k.a.", "k. a.", "offen", "x"}
_SCALE = {"k": 3, "tsd": 3, "tsd.": 3, "m": 6, "mm": 6, "mn": 6, "mio": 6, "mio.": 6, "b": 9, "bn": 9, "mrd": 9,
          "mrd.": 9}
_SCALED = re.compile(r"(.*\d)\s*(k|tsd\.?|mm|mn|mio\.?|m|bn|mrd\.?|b)", re.IGNORECASE)
_NO_CENTS = re.compile(r"(\d)([.,])\s*(?:-{1,2}|–|—)$")  # German `1.250,-`, Swiss `1'250.–`


@dataclass(frozen=True)
class NumberFormat:
    """An amount column's decimal separator; ambiguous when values read both ways and nothing decides."""

    decimal: str = "."  # "." or ","
    ambiguous: bool = False


def _pieces(text: str) -> tuple[bool, str, int, bool]:
    """(negative, the number's digits and separators, power of ten of a k/M/bn suffix, is e-notation)."""
    t = text.translate(_SPACES).strip()
    shown = " ".join(t.split())
    core = _CURRENCY.sub(" ", t).strip()
    if core.strip(" ()").casefold() in _NO_AMOUNT:
        raise ValueError(f"no amount ({shown or 'empty'})")
    negative = False
    if core.startswith("(") and core.endswith(")"):  # accounting: (1,000)
        negative, core = True, core[1:-1].strip()
    core = _NO_CENTS.sub(r"\1\g<2>00", core)
    if core[:1] in "-−–":
        negative, core = True, core[1:].strip()
    elif core[:1] == "+":
        core = core[1:].strip()
    if core[-1:] in "-−" and core[:-1].rstrip()[-1:].isdigit():  # SAP: 1.000-
        negative, core = True, core[:-1].strip()
    if core.startswith("(") and core.endswith(")"):  # -$(1,000) or ($-1,000)
        negative, core = True, core[1:-1].strip()
    scale = 0
    m = _SCALED.fullmatch(core)
    if m:
        core, scale = m.group(1).strip(), _SCALE[m.group(2).casefold()]
    if re.fullmatch(r"\d+(?:[.,]\d+)?[eE][+-]?\d+", core):
        return negative, core.replace(",", "."), scale, True
    if not re.fullmatch(r"[\d.,' ]*\d[\d.,' ]*", core):
        raise ValueError(f"not an amount: {shown!r}")
    return negative, core, scale, False


def _reading(body: str, decimal: str) -> str | None:
    """`body` as plain digits with a `.` point when `decimal` is its decimal separator; None if it cannot be."""
    groupers = {" ", "'"} | ({".", ","} - {decimal})
    if body.count(decimal) > 1:
        return None
    whole, has_point, frac = body.partition(decimal)
    if has_point and not frac.isdigit():
        return None
    kinds = {c for c in whole if c in groupers}
    if not kinds:
        if whole and not whole.isdigit():
            return None
        digits = whole or "0"
    else:
        if len(kinds) > 1:
            return None
        groups = whole.split(kinds.pop())
        first, rest = groups[0], groups[1:]
        western = 1 <= len(first) <= 3 and all(len(g) == 3 for g in rest)
        indian = (decimal == "." and "," in whole and 1 <= len(first) <= 2 and len(rest) >= 2
                  and all(len(g) == 2 for g in rest[:-1]) and len(rest[-1]) == 3)  # 1,00,000
        if not all(g.isdigit() for g in groups) or first.startswith("0") or not (western or indian):
            return None
        digits = "".join(groups)
    return digits + ("." + frac if has_point else "")


def _readings(body: str) -> dict[str, str]:
    return {d: r for d in ".," if (r := _reading(body, d)) is not None}


def number_format(values: list[str], decimal_hint: str | None = None) -> NumberFormat:
    """Decide a column's decimal separator from every value; `decimal_hint` ("," or ".") from the file."""
    votes: Counter[str] = Counter()
    unclear: set[str] = set()  # the separator of values like 1.250 that read both ways
    for v in values:
        try:
            _, body, _, sci = _pieces(str(v))
        except ValueError:
            continue
        readings = _readings(body) if not sci else {}
        if len(readings) == 1:
            votes[next(iter(readings))] += 1
        elif len(set(readings.values())) == 2:
            unclear.add("." if "." in body else ",")
    fallback = decimal_hint if decimal_hint in (".", ",") else "."
    if votes:
        ranked = votes.most_common()
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            return NumberFormat(ranked[0][0])
        return NumberFormat(fallback, ambiguous=decimal_hint is None and bool(unclear))
    if unclear:
        grouper = {",": ".", ".": ","}.get(decimal_hint or "")
        return NumberFormat(fallback, ambiguous=unclear != {grouper})
    return NumberFormat(fallback)


def _number(digits: str, negative: bool, scale: int) -> int | float:
    try:
        value = (Decimal(digits) * (Decimal(10) ** scale)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(f"not an amount: {digits!r} is too large") from None
    value = -value if negative and value else value
    return int(value) if value == value.to_integral_value() else float(value)


def parse_amount(text: str, fmt: NumberFormat) -> int | float:
    """An amount as exports write it (currency, groups, k/M/bn, (1,000)); ValueError(reason) if it is none."""
    negative, body, scale, sci = _pieces(str(text))
    if sci:
        return _number(body, negative, scale)
    readings = _readings(body)
    if not readings:
        raise ValueError(f"not an amount: {' '.join(str(text).split())!r} (its digits are grouped oddly)")
    if len(set(readings.values())) == 1:
        return _number(next(iter(readings.values())), negative, scale)
    if fmt.ambiguous:
        a, b = (_number(readings[d], negative, scale) for d in ".,")
        raise ValueError(f"ambiguous amount {text.strip()!r}: {b} or {a}? The column does not say whether "
                         "'.' or ',' is the decimal separator")
    return _number(readings[fmt.decimal], negative, scale)


# --- dates --------------------------------------------------------------------------------------

_MONTH_NAMES = {
    1: "jan january januar jänner janv", 2: "feb february februar febr", 3: "mar march märz mär mrz maerz",
    4: "apr april", 5: "may mai", 6: "jun june juni", 7: "jul july juli", 8: "aug august",
    9: "sep sept september", 10: "oct october okt oktober", 11: "nov november", 12: "dec december dez dezember",
}
_MONTHS = {name: n for n, names in _MONTH_NAMES.items() for name in names.split()}
_WEEKDAY_NAMES = ("mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri friday sat saturday sun "
                  "sunday mo montag di dienstag mi mittwoch do donnerstag fr freitag sa samstag so sonntag")
_WEEKDAYS = frozenset(_WEEKDAY_NAMES.split())
_TIME = re.compile(r"(?P<date>.+?)(?:(?:T|\s*,?\s+)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::\d{2}(?:[.,]\d+)?)?"
                   r"\s*(?P<ap>[AaPp]\.?\s?[Mm]\.?)?(?:\s*Uhr)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?\s*Z?")
_YMD = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_WORD = r"([^\W\d_]+)\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?\.?"
_DAY_MONTH = re.compile(rf"{_DAY}[\s\-/.]*{_WORD}[\s\-/.,]*(\d{{4}}|\d{{2}})")
_MONTH_DAY = re.compile(rf"{_WORD}[\s\-/.]*{_DAY}[\s\-/.,]+(\d{{4}}|\d{{2}})")  # Nov 2026 is no day
_SERIAL = re.compile(r"(\d{5})(?:[.,](\d+))?")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's and Google Sheets' day 0 (1900 date system)


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _day(y: int, mo: int, d: int, text: str, how: str) -> dt.date:
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date (read as {how})") from None


def serial_column(values: list[str]) -> bool:
    """True when every non-empty value is a spreadsheet day number (45234 = 2023-11-04), and there is one."""
    seen = [v.strip() for v in values if str(v).strip()]
    return bool(seen) and all((m := _SERIAL.fullmatch(v)) and 20000 <= int(m.group(1)) < 80000 for v in seen)


def day_first_of(values: list[str], hint: bool) -> bool:
    """Decide 01/11/2026 for a whole column: the first value with a part over 12 says; else `hint`."""
    for v in values:
        m = re.match(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}", str(v))
        if m:
            if int(m.group(1)) > 12:
                return True
            if int(m.group(2)) > 12:
                return False
    return hint


def parse_when(text: str, day_first: bool = False, serial: bool = False) -> dt.date | dt.datetime:
    """A date, or a date-time to the minute (a time zone is dropped), as exports write it; ValueError(reason)."""
    t = " ".join(str(text).split())
    if not t:
        raise ValueError("no date (empty)")
    m = _SERIAL.fullmatch(t)
    if m:
        if not serial:
            raise ValueError(f"{t!r} looks like a spreadsheet day number; read only when the whole column is")
        day = _EXCEL_EPOCH + dt.timedelta(days=int(m.group(1)))
        if not m.group(2) or not int(m.group(2)):
            return day
        minutes = round(float("0." + m.group(2)) * 1440)
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
    parts = _TIME.fullmatch(t)
    if not parts:
        raise ValueError(f"not a date: {t!r}")
    day = _date_part(parts.group("date").strip(" ,"), day_first, t)
    if parts.group("h") is None:
        return day
    hour, minute, ap = int(parts.group("h")), int(parts.group("mi")), parts.group("ap")
    if ap:
        if not 1 <= hour <= 12:
            raise ValueError(f"{t!r}: no hour {hour} with AM/PM")
        hour = hour % 12 + (12 if ap[0] in "Pp" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{t!r}: not a time of day")
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def _date_part(d: str, day_first: bool, text: str) -> dt.date:
    w = re.match(r"([^\W\d_]+)\.?,?\s+", d)
    if w and w.group(1).casefold() in _WEEKDAYS:  # Tue, Nov 3, 2026
        d = d[w.end():]
    if m := _YMD.fullmatch(d):
        return _day(int(m.group(1)), int(m.group(3)), int(m.group(4)), text, "year-month-day")
    if m := _NUMERIC.fullmatch(d):
        a, b, y = int(m.group(1)), int(m.group(2)), _year(m.group(3))
        if day_first:
            return _day(y, b, a, text, "day/month/year")
        return _day(y, a, b, text, "month/day/year")
    for pattern, day_at, month_at in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        if m := pattern.fullmatch(d):
            month = _MONTHS.get(m.group(month_at).casefold())
            if month is None:
                raise ValueError(f"not a date: {text!r} has no month called {m.group(month_at)!r}")
            return _day(_year(m.group(3)), month, int(m.group(day_at)), text, "day, month, year")
    raise ValueError(f"not a date: {text!r}")


# --- emails and phones --------------------------------------------------------------------------

_ADDRESS_TOKEN = re.compile(r"[^\s<>;,:\"()\[\]]+@[^\s<>;,:\"'()\[\]]+")
_LOCAL = re.compile(r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*")
_DOMAIN = re.compile(r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})")
_NO_VALUE = {"-", "--", "—", "–", "?", "n/a", "na", "n.a.", "none", "null", "nil", "unknown", "tbd", "x", "0", "00",
             "k.a.", "keine", "no email", "no phone"}


def _address(token: str) -> bool:
    local, _, domain = token.rpartition("@")
    return bool(local and _LOCAL.fullmatch(local) and len(token) <= 254 and _DOMAIN.fullmatch(domain))


def clean_email(text: str) -> tuple[str | None, list[str]]:
    """(the first address in the cell, as written, or None; notes on other or broken addresses)."""
    t = str(text).strip().strip("\"'“”‘’ ").strip()
    if not t:
        return None, []
    if t.casefold() in _NO_VALUE:
        return None, [f"no address ({t})"]
    t = re.sub(r"(?i)mailto:", " ", t)
    tokens = [tok.split("?", 1)[0].rstrip(".").lstrip("'") for tok in _ADDRESS_TOKEN.findall(t)]
    if not tokens:
        return None, [f"not an address: {t!r}"]
    good: list[str] = []
    notes = [f"not an address: {tok!r}" for tok in tokens if not _address(tok)]
    for tok in tokens:
        if _address(tok) and tok.casefold() not in {g.casefold() for g in good}:
            good.append(tok)
    if len(good) > 1:
        notes.append(f"other address{'es' if len(good) > 2 else ''}: {', '.join(good[1:])}")
    return (good[0] if good else None), notes


_EXTENSION = re.compile(r"\s*[,;]?\s*(?:ext\.?|extension|x|#|durchwahl|dw\.?)\s*(\d{1,6})\s*$", re.IGNORECASE)


def clean_phone(text: str) -> str | None:
    """A phone as written, trimmed to `+`, digits, spaces, `-` `(` `)` `.` `/` and an extension; None if none."""
    t = " ".join(str(text).translate(_SPACES).split())
    if m := re.fullmatch(r'="(.*)"', t):  # Excel's ="..." keeps leading zeros
        t = m.group(1).strip()
    t = t.lstrip("'").strip().strip("\"'").strip()
    t = re.sub(r"(?i)^tel:", "", t).strip()
    if t.casefold() in _NO_VALUE or re.fullmatch(r"\d(?:[.,]\d+)?[eE]\+?\d+", t):
        return None  # a placeholder, or a number Excel turned into 4.93E+11 (its digits are lost)
    ext = ""
    if m := _EXTENSION.search(t):
        ext, t = f" {m.group(0).strip(' ,;')}", t[:m.start()]
    start = re.search(r"[+(\d]", t)
    t = t[start.start():] if start else ""
    t = re.sub(r"[^+\d\s\-()./]", "", t)
    t = re.sub(r"\(\s*\)", "", t)
    t = " ".join(t.split()).strip(" -./")
    if sum(c.isdigit() for c in t) < 3:
        return None
    return t + ext


# --- folding for duplicates ---------------------------------------------------------------------

_LEGAL = {"inc", "incorporated", "llc", "ltd", "limited", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv", "plc",
          "co", "corp", "corporation", "company", "kg", "ohg", "ug", "srl", "spa", "oy", "ab", "as", "pty", "pvt",
          "kk", "llp", "lp", "pllc", "gbr", "kgaa", "mbh", "se"}


def fold_name(text: str) -> str:
    """`Chloé  Dubois` and `chloe dubois` fold alike: no accents, case or punctuation, single spaces."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c))
    plain = re.sub(r"['’`´.]", "", plain.casefold())  # O'Brien = OBrien, A.C.M.E. = ACME
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def fold_company(text: str) -> str:
    """`Acme, Inc.` and `ACME` fold alike: fold_name without legal suffixes at the end (GmbH & Co. KG...)."""
    words = fold_name(text).split()
    while len(words) > 1 and words[-1] in _LEGAL:
        words.pop()
    return " ".join(words)
