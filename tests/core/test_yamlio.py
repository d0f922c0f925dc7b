"""The one YAML reader: YAML 1.2 meaning, and refusal of what could hurt."""

import datetime as dt

import pytest

from pipeline_tui.core.errors import YamlProblem
from pipeline_tui.core.yaml import reader as yamlio


def test_yaml_12_core_schema_meanings():
    data = yamlio.loads("country: NO\nok: yes\noff: off\nt: true\nn: 012\no: 0o17\nx: 0x1f\nf: 1e3\n"
                        "d: 2026-11-01\nfc: 2026-11-01T14:30\ne:\nz: ~\nv: 1_000\n")
    assert data == {"country": "NO", "ok": "yes", "off": "off", "t": True, "n": 12, "o": 15, "x": 31, "f": 1000.0,
                    "d": dt.date(2026, 11, 1), "fc": "2026-11-01T14:30", "e": None, "z": None, "v": "1_000"}


@pytest.mark.parametrize(("text", "line", "words"), [
    ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'"),
    ("name: x\ncmd: !!python/object/apply:os.system [ls]\n", 2, "constructor"),
    ("name: [1,\n", 2, "YAML"),
    ("name: x\n  bad: indent\n", 2, "YAML"),
])
def test_bad_yaml_is_a_problem_with_a_line(text, line, words):
    with pytest.raises(YamlProblem) as exc:
        yamlio.loads(text)
    assert exc.value.line == line
    assert words in exc.value.message


def test_alias_bomb_is_refused_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(YamlProblem, match="alias"):
        yamlio.loads("\n".join(lines) + "\n")


def test_small_aliases_and_merge_keys_are_fine():
    assert yamlio.loads("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n")["c"] == {"x": 1, "y": 2}


def test_deep_nesting_and_huge_files_are_refused():
    with pytest.raises(YamlProblem, match="nesting"):
        yamlio.loads("a: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(YamlProblem, match="limit"):
        yamlio.loads_bytes(b"a: " + b"x" * (yamlio.MAX_BYTES + 10))


def test_encoding_bom_and_invalid_utf8():
    assert yamlio.loads_bytes("\ufeffname: Ünï\n".encode()) == {"name": "Ünï"}
    with pytest.raises(YamlProblem) as exc:
        yamlio.loads_bytes(b"name: ok\nother: \xff\xfe\n")
    assert exc.value.line == 2 and "UTF-8" in exc.value.message


@pytest.mark.parametrize("value", ["NO", "yes", "Jane Doe", "a: b", "# x", "12", "2026-11-01", "", " x", "it's",
                                   "x #y", "+1 555 0100", "null", "~", "-", "- x", "[a]", "{a}", "a\nb", "tab\there",
                                   "true", "0o17", ".inf", "*ref", "&anchor", "!tag", "%dir", "@x", "`x", "é ü 中文"])
def test_scalar_text_reads_back_as_the_same_string(value):
    text = yamlio.scalar_text(value)
    assert yamlio.loads(f"k: {text}\n") == {"k": value}
    assert yamlio.loads(f"k: {yamlio.scalar_text(value, chr(39))}\n") == {"k": value}
    assert yamlio.loads(f"k: {yamlio.scalar_text(value, chr(34))}\n") == {"k": value}


def test_plain_stays_plain_where_safe():
    assert yamlio.scalar_text("Jane Doe") == "Jane Doe"
    assert yamlio.scalar_text(dt.date(2026, 11, 25)) == "2026-11-25"
    assert yamlio.scalar_text(12000) == "12000"
    assert yamlio.scalar_text("NO") == "NO"  # YAML 1.2: a string, no quotes needed


def test_the_fast_reader_really_uses_libyaml():
    assert yamlio.HAS_LIBYAML and "CParser" in [c.__name__ for c in yamlio.FastLoader.__mro__]
