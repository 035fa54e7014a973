"""The one rule for text no column may hold: app.billing.values.text_problem (issue 13)."""

import pytest

from app.billing.values import CONTROL, LINE_BREAK, NUL, SURROGATE, text_problem


@pytest.mark.parametrize("text", ["", "Kunde ApS", "Ærø Æblemost · 25 %", "tab\there",
                                  "日本語", "emoji 🧾", "quote \" and <b>"])
def test_ordinary_text_has_no_problem_on_one_line_or_several(text):
    assert text_problem(text) is None
    assert text_problem(text, multiline=False) is None


def test_line_breaks_are_text_in_a_text_area_but_not_on_one_line():
    for text in ("two\nlines", "windows\r\nlines", "old mac\rline", "unicode\u2028line",
                 "paragraph\u2029break"):
        assert text_problem(text) is None
        assert text_problem(text, multiline=False) == LINE_BREAK
    assert text_problem("Evil\r\nBcc: x@example.com", multiline=False) == LINE_BREAK


def test_a_nul_byte_is_named_as_such_wherever_it_is():
    for text in ("\x00", "nul\x00byte", "end\x00", "\x00\n"):
        assert text_problem(text) == NUL
        assert text_problem(text, multiline=False) == NUL


@pytest.mark.parametrize("char", ["\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f",
                                  "\x7f", "\x80", "\x85", "\x9f"])
def test_other_c0_and_c1_control_characters_are_refused(char):
    assert text_problem(f"a{char}b") == CONTROL
    assert text_problem(f"a{char}b", multiline=False) == CONTROL


@pytest.mark.parametrize("char", ["\ud800", "\udbff", "\udc00", "\udfff"])
def test_a_lone_surrogate_is_refused_before_anything_else(char):
    assert text_problem(f"a{char}b") == SURROGATE
    assert text_problem(f"\x00{char}\n", multiline=False) == SURROGATE


def test_the_characters_around_the_refused_ranges_are_text():
    assert text_problem("\u00a0\u00a1\ud7ff\ue000\uffff") is None
