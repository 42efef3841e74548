"""The watchlist's reasons: ids and facts from the rules, sentences in the reader's language."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.watchlist_texts import FACT_KINDS, WHY, Why, english
from doorstep.entrypoints.web.i18n import translations, use_language
from doorstep.entrypoints.web.ops_texts import ReasonWords

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_4PM = datetime(2026, 11, 30, 16, tzinfo=BERLIN)
SAMPLE_FACTS = {"labelled": MONDAY_4PM, "pickup": MONDAY_4PM, "due": MONDAY_4PM,
                "promised": date(2026, 12, 2), "silent": 60.0, "usual": 100.0, "late": 1.5,
                "days": 2, "length": 5, "status": "picking", "scan": "in_transit",
                "carrier": "dhl", "country": "DE", "reason": "address", "number": "ABCDE"}


def test_every_fact_a_text_names_has_a_kind() -> None:
    for code, text in WHY.items():
        for name in __import__("re").findall(r"%\((\w+)\)s", text):
            assert name in FACT_KINDS, f"{code}: {name}"


@pytest.mark.parametrize("code", sorted(WHY))
def test_every_reason_reads_in_english_and_german(code: str) -> None:
    why = Why(code, SAMPLE_FACTS)
    assert "%(" not in english(why)
    with use_language("de"):
        german = ReasonWords("de", "Europe/Berlin")(why.as_json())
    assert "%(" not in german and german != english(why)


def test_the_api_sentence_and_the_german_page_say_the_same_in_their_languages() -> None:
    why = Why("delayed_dispatch", {"due": MONDAY_4PM, "days": 1, "status": "picking"})
    assert english(why) == ("not handed over by the planned cut-off Mon 30 Nov 16:00 (usual "
                            "processing: 1 working day(s); status picking)")
    with use_language("de"):
        german = ReasonWords("de", "Europe/Berlin")(why.as_json())
    assert german == ("nicht bis zum geplanten Annahmeschluss Mo. 30. Nov. 16:00 übergeben "
                      "(übliche Bearbeitung: 1 Arbeitstag(e); Status in Kommissionierung)")


def test_durations_and_days_use_the_readers_decimal_sign_and_date_words() -> None:
    why = Why("late_promise", {"late": 60.0, "promised": date(2026, 12, 2)})
    reason = why.as_json()
    with use_language("de"):
        assert ReasonWords("de", "Europe/Berlin")(reason) == (
            "60 Std. nach der Frist nicht zugestellt (versprochen bis Mi. 2. Dez.)")
    late = Why("late_promise", {"late": 84.0, "promised": date(2026, 12, 2)}).as_json()
    with use_language("de"):
        assert "3,5 Tage nach der Frist" in ReasonWords("de", "Europe/Berlin")(late)
    with use_language("en"):
        assert "3.5 days after the deadline" in ReasonWords("en", "Europe/Berlin")(late)


def test_a_reason_with_an_unknown_text_or_fact_is_refused() -> None:
    with pytest.raises(ValueError, match="no watchlist text"):
        Why("sounds_bad")
    with pytest.raises(ValueError, match="facts without a kind"):
        Why("forgotten", {"mood": "grim"})


def test_the_scan_status_in_a_reason_is_named_in_german() -> None:
    reason = Why("delayed", {"silent": 50.0, "scan": "in_transit", "usual": 48.0}).as_json()
    with use_language("de"):
        text = ReasonWords("de", "Europe/Berlin")(reason)
    assert "„unterwegs“" in text and "in_transit" not in text
    assert translations("de").gettext("in transit") == "unterwegs"
