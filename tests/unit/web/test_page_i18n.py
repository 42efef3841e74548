"""The reader's language and the dates they read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from doorstep.entrypoints.web import i18n


@pytest.mark.parametrize(("header", "expected"), [
    ("en-GB,en;q=0.9,de;q=0.8", "en"),
    ("fr-FR,fr;q=0.9,de;q=0.7,en;q=0.5", "de"),
    ("de-AT", "de"),
    ("en;q=0.2, de;q=0.9", "de"),
    ("fr, it", None),
    ("", None),
    ("en;q=0, de", "de"),
])
def test_accept_language_picks_the_best_language_the_pages_speak(
        header: str, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected


def test_a_window_reads_as_weekday_and_day_in_each_language() -> None:
    de = i18n.date_formatters("de", "Europe/Berlin")["format_interval"]
    en = i18n.date_formatters("en", "Europe/Berlin")["format_interval"]
    start, end = date(2026, 12, 1), date(2026, 12, 3)
    assert de(start, end) == "Dienstag, 1. – Donnerstag, 3. Dezember"
    assert en(start, end) == "Tuesday 1 – Thursday 3 December"
    assert en(date(2026, 12, 31), date(2027, 1, 2)) == "Thursday 31 December – Saturday 2 January"


def test_times_are_shown_in_the_warehouse_time_zone() -> None:
    """23:30 UTC on 30 November is already 1 December, 00:30, in Berlin."""
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    fmt = i18n.date_formatters("en", "Europe/Berlin")
    assert fmt["format_time"](late) == "00:30"
    assert fmt["format_date"](late) == "1 December 2026"


def test_use_language_switches_python_texts_and_restores_them() -> None:
    with i18n.use_language("de"):
        assert i18n._("Language") == "Sprache"
    assert i18n._("Language") == "Language"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("pattern", ["EEE d MMM, HH:mm", "EEEE, d. MMMM", "EEEE d",
                                     "d.MM.y 'um' HH:mm", "EEEE d MMMM yyyy"])
def test_the_fast_date_formatter_agrees_with_babel(language: str, pattern: str) -> None:
    """Every day of a year at an odd time: the same text as Babel's own formatter."""
    from babel import dates

    locale = "en_GB" if language == "en" else language
    start = datetime(2026, 1, 1, 7, 5, tzinfo=UTC)
    for day in range(0, 366, 7):
        moment = start + timedelta(days=day)
        assert i18n.fast_format(moment, pattern, language) == dates.format_datetime(
            moment, pattern, tzinfo=UTC, locale=locale)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("width", ["full", "long", "medium", "short"])
def test_dates_by_width_read_as_babel_writes_them(language: str, width: str) -> None:
    """``format_date(day, "long")`` takes the fast path now; the text must not change."""
    from babel import dates

    locale = "en_GB" if language == "en" else language
    format_date = i18n.date_formatters(language, "Europe/Berlin")["format_date"]
    for day in range(0, 366, 5):
        moment = date(2026, 1, 1) + timedelta(days=day)
        assert format_date(moment, width) == dates.format_date(moment, width, locale=locale)


def test_patterns_with_other_fields_are_left_to_babel() -> None:
    assert i18n.fast_format(datetime(2026, 1, 1, tzinfo=UTC), "QQQ y", "de") is None


def test_a_translated_pattern_arriving_as_markup_formats_the_same() -> None:
    """Templates pass patterns from pgettext, which autoescaping hands over as Markup."""
    from markupsafe import Markup

    moment = datetime(2026, 11, 30, 8, 59, tzinfo=UTC)
    assert i18n.fast_format(moment, Markup("EEE d MMM, HH:mm"), "en") == "Mon 30 Nov, 08:59"
