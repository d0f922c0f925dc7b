import datetime as dt

import pytest

from pipeline_tui.core.dates import as_date, parse_date_input
from pipeline_tui.core.errors import BadInput

MON = dt.date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize(("text", "expected"), [
    ("today", MON), ("tomorrow", MON + dt.timedelta(1)), ("+3d", MON + dt.timedelta(3)), ("+2w", MON + dt.timedelta(14)),
    ("-1d", MON - dt.timedelta(1)), ("+0", MON), ("mon", MON + dt.timedelta(7)), ("tue", MON + dt.timedelta(1)),
    ("friday", MON + dt.timedelta(4)), ("Sun", MON + dt.timedelta(6)), ("2026-12-01", dt.date(2026, 12, 1)),
    ("  TODAY ", MON), ("yesterday", MON - dt.timedelta(1)),
])
def test_date_inputs(text, expected):
    assert parse_date_input(text, MON) == expected


@pytest.mark.parametrize("text", ["", "someday", "2026-13-01", "+d", "32/11/2026", "mond", "+99999d"])
def test_bad_dates_say_what_works(text):
    with pytest.raises(BadInput, match="tomorrow"):
        parse_date_input(text, MON)


def test_dates_from_files():
    assert as_date("2026-11-01") == dt.date(2026, 11, 1)
    assert as_date(dt.datetime(2026, 11, 1, 5)) == dt.date(2026, 11, 1)
    assert as_date("nope") is None and as_date(None) is None
