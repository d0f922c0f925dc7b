"""Cells of CRM and spreadsheet exports: amounts, dates, emails, phones, folding (core.import_values)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline_tui.core.importing.values import (
    NumberFormat,
    clean_email,
    clean_phone,
    day_first_of,
    fold_company,
    fold_name,
    number_format,
    parse_amount,
    parse_when,
    serial_column,
)

GERMAN = NumberFormat(",", False)
US = NumberFormat(".", False)
UNSURE = NumberFormat(".", True)

# --- amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("values,hint,want", [
    (["1.250", "45.000", "12.500,00"], None, GERMAN),           # one value decides for the column
    (["12.500,00", "45.000"], None, GERMAN),
    (["1,250.50", "1,250", "300"], None, US),
    (["1.250", "45.000"], None, UNSURE),                        # nothing decides
    (["1.250", "45.000"], ",", GERMAN),                         # a ;-separated day-first file: German
    (["1.250", "45.000"], ".", UNSURE),                         # 1.250 is not how a US file writes 1250
    (["1,250", "45,000"], ".", US),                             # ... but 1,250 is
    (["1,250", "45,000"], None, NumberFormat(".", True)),
    (["1.250", "2,500"], ",", NumberFormat(",", True)),         # both ways: the hint cannot say
    (["1200", "300", ""], None, US),                            # nothing depends on it
    (["1200", "300"], ",", GERMAN),
    ([], None, US),
    (["12,5", "1.250"], None, GERMAN),                          # 12,5 can only be a decimal comma
    (["1.5", "1,250"], None, US),
    (["TBD", "€ 1.250,-", "n/a"], None, GERMAN),                # placeholders ignored, 1.250,- decides
    (["1.250,00", "1,250.00", "3.000"], ".", NumberFormat(".", False)),  # a tie: the hint decides
    (["1.250,00", "1,250.00", "3.000"], None, NumberFormat(".", True)),
])
def test_a_columns_decimal_separator_is_decided_by_all_its_values(values, hint, want):
    assert number_format(values, hint) == want


@pytest.mark.parametrize("text,fmt,want", [
    ("1.250", GERMAN, 1250), ("45.000", GERMAN, 45000), ("12.500,00", GERMAN, 12500), ("12.500,50", GERMAN, 12500.5),
    ("1,250.50", US, 1250.5), ("1,250", US, 1250), ("1.250", US, 1.25), ("1.250,00", US, 1250),
    ("(1,000)", US, -1000), ("-1,000", US, -1000), ("-1.000", GERMAN, -1000), ("($1,000.00)", US, -1000),
    ("-$1,000", US, -1000), ("$-1,000", US, -1000), ("1.000-", GERMAN, -1000), ("+1,000", US, 1000),
    ("€2.500", GERMAN, 2500), ("2.500 €", GERMAN, 2500), ("2.500,- €", GERMAN, 2500), ("$1,200", US, 1200),
    ("USD 1,200", US, 1200), ("1,200 usd", US, 1200), ("1 200 CHF", UNSURE, 1200), ("CHF 1'250.50", UNSURE, 1250.5),
    ("Fr. 1'250.–", UNSURE, 1250), ("£1,200", US, 1200), ("¥120,000", US, 120000), ("US$ 99", UNSURE, 99),
    ("1\u00a0250,50 €", GERMAN, 1250.5), ("1\u202f250", UNSURE, 1250), ("1'250", UNSURE, 1250),
    ("$1.2M", US, 1200000), ("$1.2M", UNSURE, 1200000), ("12.5k", US, 12500), ("12,5k", GERMAN, 12500),
    ("12K", UNSURE, 12000), ("$5MM", US, 5000000), ("3mm", US, 3000000), ("2bn", US, 2000000000),
    ("1.5B", US, 1500000000), ("1,5 Mio. €", GERMAN, 1500000), ("1.250k", GERMAN, 1250000),
    ("0", UNSURE, 0), ("1250", UNSURE, 1250), ("99.99", UNSURE, 99.99), ("0,5", UNSURE, 0.5),
    ("1234.567", UNSURE, 1234.57), ("1,00,000", UNSURE, 100000), ("1.2E+06", UNSURE, 1200000),
    ("1,250,000", UNSURE, 1250000), ("1.250.000", UNSURE, 1250000), ("  $ 1,234.5 ", US, 1234.5),
])
def test_amounts_as_exports_write_them(text, fmt, want):
    got = parse_amount(text, fmt)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize("text,fmt,reason", [
    ("$ -", US, "no amount ($ -)"), ("TBD", US, "no amount (TBD)"), ("n/a", GERMAN, "no amount (n/a)"),
    ("-", US, "no amount (-)"), ("—", US, "no amount (—)"), ("?", US, "no amount (?)"), ("", US, "no amount (empty)"),
    ("€ –", GERMAN, "no amount"), ("1.250", UNSURE, "ambiguous"), ("45,000", UNSURE, "ambiguous"),
    ("12 00", US, "grouped oddly"), ("1,2,3", US, "grouped oddly"), ("12.5.2026", US, "grouped oddly"),
    ("abc", US, "not an amount"), ("12 apples", US, "not an amount"), ("50%", US, "not an amount"),
    ("1" * 40, US, "too large"),
])
def test_what_is_not_an_amount_says_why(text, fmt, reason):
    with pytest.raises(ValueError, match=reason.replace("$", r"\$").replace("?", r"\?").replace("(", r"\(")
                       .replace(")", r"\)")):
        parse_amount(text, fmt)


def test_an_ambiguous_reason_gives_both_readings():
    with pytest.raises(ValueError) as err:
        parse_amount("1.250", UNSURE)
    assert "1250 or 1.25" in str(err.value)


def _grouped(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**9),
       st.sampled_from([(".", ","), (",", ".")]), st.sampled_from(["", "€", "$ ", " EUR"]),
       st.booleans())
def test_grouped_amounts_read_back_with_the_decided_format(n, other, seps, currency, negative):
    group, decimal = seps
    cells = [_grouped(n, group), _grouped(other, group) + decimal + "50"]  # the second decides the column
    cells = [("-" if negative else "") + (currency + c if currency.endswith(" ") or currency == "€" else c + currency)
             for c in cells]
    fmt = number_format(cells)
    assert fmt == NumberFormat(decimal, False)
    assert parse_amount(cells[0], fmt) == (-n if negative else n)
    assert parse_amount(cells[1], fmt) == pytest.approx((-1 if negative else 1) * (other + 0.5))


@given(st.integers(min_value=1000, max_value=999_999), st.integers(min_value=1000, max_value=999_999),
       st.sampled_from([".", ","]))
def test_a_column_of_grouped_thousands_alone_is_ambiguous_unless_the_file_says(n, m, group):
    cells = [_grouped(n, group), _grouped(m, group), "300"]  # one separator, then exactly 3 digits
    assert number_format(cells).ambiguous
    german = {".": ",", ",": "."}[group]
    fmt = number_format(cells, german)
    assert fmt == NumberFormat(german, False) and parse_amount(cells[0], fmt) == n
    with pytest.raises(ValueError, match="ambiguous"):
        parse_amount(cells[0], number_format(cells))


# --- dates --------------------------------------------------------------------------------------

D, DT = dt.date, dt.datetime


@pytest.mark.parametrize("text,day_first,want", [
    # what the importer read before, unchanged
    ("2026-11-01", False, D(2026, 11, 1)), ("2026-11-01 14:30", False, DT(2026, 11, 1, 14, 30)),
    ("2026-11-01T14:30:00Z", False, DT(2026, 11, 1, 14, 30)), ("11/3/2026 2:30 PM", False, DT(2026, 11, 3, 14, 30)),
    ("03.11.2026", True, D(2026, 11, 3)), ("3 Nov 2026", False, D(2026, 11, 3)), ("12/1/26", False, D(2026, 12, 1)),
    ("12/1/26", True, D(2026, 1, 12)), ("2026/11/03", False, D(2026, 11, 3)), ("2026.11.03", True, D(2026, 11, 3)),
    ("2026-1-5", False, D(2026, 1, 5)), ("November 3 2026", False, D(2026, 11, 3)), ("3 November 2026", True,
                                                                                  D(2026, 11, 3)),
    ("2026-11-01T14:30:00+01:00", False, DT(2026, 11, 1, 14, 30)), ("2026-11-01T14:30", False, DT(2026, 11, 1, 14, 30)),
    ("11/3/2026, 2:30:59 PM", False, DT(2026, 11, 3, 14, 30)), ("11-3-2026", False, D(2026, 11, 3)),
    ("3.11.2026 14:30", True, DT(2026, 11, 3, 14, 30)), ("2026-11-03Z", False, D(2026, 11, 3)),
    # new
    ("3-Nov-26", False, D(2026, 11, 3)), ("03-Nov-2026", True, D(2026, 11, 3)), ("Nov 3, 2026", True, D(2026, 11, 3)),
    ("3. November 2026", True, D(2026, 11, 3)), ("3. Nov. 2026", True, D(2026, 11, 3)),
    ("3. März 2026", True, D(2026, 3, 3)), ("12. Dezember 2026", True, D(2026, 12, 12)),
    ("1. Mai 26", True, D(2026, 5, 1)), ("7. Okt. 2026", True, D(2026, 10, 7)), ("03.Nov.2026", True, D(2026, 11, 3)),
    ("2026-11-03T10:00:00.000Z", False, DT(2026, 11, 3, 10, 0)), ("11/3/2026 2:15 PM", False, DT(2026, 11, 3, 14, 15)),
    ("11/3/2026 12:15 AM", False, DT(2026, 11, 3, 0, 15)), ("11/3/2026 12:15 PM", False, DT(2026, 11, 3, 12, 15)),
    ("Nov 3, 2026 2:15 PM", False, DT(2026, 11, 3, 14, 15)), ("03-Nov-2026 14:30", True, DT(2026, 11, 3, 14, 30)),
    ("Tue, Nov 3, 2026", False, D(2026, 11, 3)), ("Di., 3. Nov. 2026", True, D(2026, 11, 3)),
    ("November 3rd, 2026", False, D(2026, 11, 3)), ("03.11.2026 14:30 Uhr", True, DT(2026, 11, 3, 14, 30)),
    ("3/11/99", True, D(2099, 11, 3)), ("  2026-11-03  ", False, D(2026, 11, 3)),
])
def test_dates_as_exports_write_them(text, day_first, want):
    got = parse_when(text, day_first)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize("text,day_first,reason", [
    ("", False, "no date"), ("soon", False, "not a date"), ("13/11/2026", False, "not a real date"),
    ("11/31/2026", False, "not a real date"), ("31/11/2026", True, "not a real date"), ("2026-02-30", False, "real"),
    ("3 Novembre 2026", False, "no month called"), ("Nov 2026", False, "not a date"), ("Nov 20", False, "not a"), ("2026", False, "not a date"),
    ("45234", False, "day number"), ("11/3/2026 14:15 PM", False, "AM/PM"), ("11/3/2026 25:00", False, "time of day"),
    ("3/11/202", True, "not a date"), ("Q4 2026", False, "not a date"), ("next week", False, "not a date"),
])
def test_what_is_not_a_date_says_why_and_nothing_is_invented(text, day_first, reason):
    with pytest.raises(ValueError, match=reason):
        parse_when(text, day_first)


@pytest.mark.parametrize("text,want", [
    ("45234", D(2023, 11, 4)), ("44927", D(2023, 1, 1)), ("46329", D(2026, 11, 3)), ("45234.5", DT(2023, 11, 4, 12)),
    ("46329.25", DT(2026, 11, 3, 6)), ("45234.0", D(2023, 11, 4)), ("2026-11-03", D(2026, 11, 3)),
])
def test_excel_day_numbers_are_read_when_the_column_is_made_of_them(text, want):
    assert parse_when(text, False, serial=True) == want


@pytest.mark.parametrize("values,want", [
    (["45234", "46329", ""], True), (["45234.5", "45000"], True), (["45234", "2026-11-03"], False),
    (["2026", "2027"], False), ([], False), (["", " "], False), (["12345678"], False), (["99999"], False),
])
def test_serial_column(values, want):
    assert serial_column(values) is want


@pytest.mark.parametrize("values,hint,want", [
    (["13/11/2026", "01/02/2026"], False, True), (["11/13/2026", "01/02/2026"], True, False),
    (["01/02/2026"], True, True), (["01/02/2026"], False, False), (["2026-11-03", "x"], False, False),
    (["", "01.02.2026", "25.12.2026"], False, True),
])
def test_day_first_is_decided_for_the_column(values, hint, want):
    assert day_first_of(values, hint) is want


# --- emails and phones --------------------------------------------------------------------------

@pytest.mark.parametrize("text,want,notes", [
    ("lucy@example.com", "lucy@example.com", []), ("  Lucy@Example.COM ", "Lucy@Example.COM", []),
    ("Lucy Gray <lucy@example.com>", "lucy@example.com", []), ('"Gray, Lucy" <lucy@example.com>', "lucy@example.com", []),
    ("mailto:lucy@example.com", "lucy@example.com", []), ("MAILTO:lucy@example.com?subject=Hi", "lucy@example.com", []),
    ("'lucy@example.com'", "lucy@example.com", []), ('"lucy@example.com"', "lucy@example.com", []),
    ("a@x.com; b@y.com", "a@x.com", ["other address: b@y.com"]), ("a@x.com, b@y.com", "a@x.com",
                                                                 ["other address: b@y.com"]),
    ("a@x.com; b@y.com; c@z.co.uk", "a@x.com", ["other addresses: b@y.com, c@z.co.uk"]),
    ("a@x.com; A@X.com", "a@x.com", []), ("o'brien@example.ie", "o'brien@example.ie", []),
    ("nora@blakeflorist", None, ["not an address: 'nora@blakeflorist'"]),
    ("nora@blakeflorist; nora@blake-florist.com", "nora@blake-florist.com", ["not an address: 'nora@blakeflorist'"]),
    ("nora@blake.c", None, ["not an address: 'nora@blake.c'"]), ("lucy.example.com", None,
                                                                 ["not an address: 'lucy.example.com'"]),
    ("a..b@x.com", None, ["not an address: 'a..b@x.com'"]), ("", None, []), ("  ", None, []),
    ("n/a", None, ["no address (n/a)"]), ("-", None, ["no address (-)"]),
    ("jürgen@müller.de", "jürgen@müller.de", []), ("x@xn--mller-kva.de", "x@xn--mller-kva.de", []),
])
def test_emails_are_cleaned_and_other_addresses_noted(text, want, notes):
    assert clean_email(text) == (want, notes)


@pytest.mark.parametrize("text,want", [
    ("+49 30 1234567", "+49 30 1234567"), ("  (555) 123-4567 ", "(555) 123-4567"), ("555.123.4567", "555.123.4567"),
    ("'+49 30 1234567", "+49 30 1234567"), ('="0301234567"', "0301234567"), ("030/1234567", "030/1234567"),
    ("+1 555 123 4567 x89", "+1 555 123 4567 x89"), ("+1 555 123 4567 ext. 89", "+1 555 123 4567 ext. 89"),
    ("555-1234ext89", "555-1234 ext89"), ("tel:+4930123456", "+4930123456"), ("Tel: +49 30 1234", "+49 30 1234"),
    ("+49\u00a030\u00a01234", "+49 30 1234"), ("+49 (0) 30 1234", "+49 (0) 30 1234"),
    ("+49 30 1234 (mobile)", "+49 30 1234"), ("-", None), ("n/a", None), ("N/A", None), ("0", None), ("", None),
    ("call reception", None), ("4.9301234567E+11", None), ("12", None),
])
def test_phones_are_cleaned(text, want):
    assert clean_phone(text) == want


# --- folding ------------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [
    ("Chloé Dubois", "Chloe Dubois"), ("  CHLOE   dubois ", "chloé dubois"), ("Jürgen Müller", "Jurgen Muller"),
    ("Jean-Luc Picard", "jean luc picard"), ("O'Brien", "OBrien"), ("Strauß", "strauss"), ("Zoë", "Zoe"),
])
def test_names_fold_alike(a, b):
    assert fold_name(a) == fold_name(b)


def test_fold_name_output():
    assert fold_name("  Chloé,  DUBOIS! ") == "chloe dubois"
    assert fold_name("Ｆｕｌｌ Ｗｉｄｔｈ") == "full width"
    assert fold_name("Chloé Dubois") != fold_name("Chloé Dupont")


@pytest.mark.parametrize("a,b", [
    ("Acme, Inc.", "ACME"), ("Acme Inc", "acme"), ("Acme LLC", "Acme"), ("Müller GmbH", "Muller"),
    ("Müller GmbH & Co. KG", "Müller"), ("Blake Florist Ltd.", "blake florist"), ("Acme Pty Ltd", "Acme"),
    ("Société Générale S.A.", "Societe Generale"), ("Philips N.V.", "philips"), ("Acme Corporation", "Acme Corp."),
    ("Smith & Co", "Smith"), ("Nokia Oy", "Nokia"), ("Volvo AB", "volvo"), ("Sony K.K.", "Sony"),
    ("Tata Pvt. Ltd.", "Tata"), ("Acme Limited", "ACME"), ("Siemens AG", "Siemens"), ("Fiat S.p.A.", "Fiat"),
])
def test_companies_fold_alike_without_legal_suffixes(a, b):
    assert fold_company(a) == fold_company(b)


def test_fold_company_keeps_what_is_not_a_suffix():
    assert fold_company("Acme Inc") == "acme"
    assert fold_company("AG") == "ag"  # never folded to nothing
    assert fold_company("Co-op Company") == "co op"
    assert fold_company("Acme Industries") != fold_company("Acme")
    assert fold_company("") == ""


CELLS = st.one_of(st.text(max_size=24), st.text(alphabet="0123456789.,'- $€()kMBT:/APZ", max_size=24))


@given(CELLS, st.booleans(), st.booleans())
def test_any_cell_is_read_or_refused_with_a_reason(text, day_first, serial):
    for read in (lambda: parse_amount(text, UNSURE), lambda: parse_amount(text, GERMAN),
                 lambda: parse_when(text, day_first, serial)):
        try:
            read()
        except ValueError as exc:
            assert str(exc)
    number_format([text, text + "0"], ",")
    address, notes = clean_email(text)
    assert address is None or address in text
    phone = clean_phone(text)
    assert phone is None or sum(c.isdigit() for c in phone) >= 3
    assert fold_company(text) in fold_name(text)
