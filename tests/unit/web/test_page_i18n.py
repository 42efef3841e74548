"""The reader's language and the dates they read."""

from __future__ import annotations

from datetime import UTC, date, datetime

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
