"""Lead time exceeded against the merchant's SLA per carrier and country (no database)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_watchlist_rules import SCHEDULE, Scan, berlin, shipped

from doorstep.adapters.sla_file import read_sla
from doorstep.domain.lead_time_sla import NO_SLA, LeadTimeSla, Sla, SlaError
from doorstep.domain.watchlist import Category, Usual, classify

PATIENT = Usual(processing_days=1, transit_days=4, first_scan_hours=20, scan_gap_hours=500)
TABLE = LeadTimeSla(days={("dhl", "DE"): 1, ("dhl", "*"): 3, ("*", "NL"): 2}, default=5)


@pytest.mark.parametrize(("carrier", "country", "expected"), [
    ("dhl", "DE", Sla("dhl", "DE", 1)),       # carrier and country
    ("DHL", "at", Sla("dhl", "*", 3)),        # the carrier's own default
    ("gls", "NL", Sla("*", "NL", 2)),         # any carrier to that country
    ("gls", "DE", Sla("*", "*", 5)),          # the table's default
])
def test_the_most_specific_entry_wins(carrier: str, country: str, expected: Sla) -> None:
    assert TABLE.for_lane(carrier, country) == expected


def test_without_entries_no_lane_has_an_sla() -> None:
    assert NO_SLA.for_lane("dhl", "DE") is None and not NO_SLA


def test_a_parcel_late_against_its_sla_is_listed_before_its_promise_runs_out() -> None:
    """Handed over Monday, SLA one DHL delivery day to Germany: late after Tuesday ends,
    although the customer was promised Friday."""
    parcel = shipped(Scan("in_transit", berlin(1, 6, 12)), promised=date(2026, 12, 4))
    sla = TABLE.for_lane("dhl", "DE")
    assert classify(parcel, PATIENT, SCHEDULE, berlin(1, 23, 12), sla) == []
    flags = classify(parcel, PATIENT, SCHEDULE, berlin(2, 1, 12), sla)
    assert [f.category for f in flags] == [Category.LEAD_TIME_EXCEEDED]
    assert flags[0].due == berlin(2, 0, 12)
    assert flags[0].reason.code == "late_sla"
    assert "SLA for dhl to DE: 1 delivery day(s)" in flags[0].why


def test_a_broken_promise_shows_even_when_the_sla_is_longer() -> None:
    parcel = shipped(Scan("in_transit", berlin(1, 6, 12)), promised=date(2026, 12, 1))
    flags = classify(parcel, PATIENT, SCHEDULE, berlin(2, 12, 12), Sla("dhl", "*", 3))
    assert [f.reason.code for f in flags] == ["late_promise"]


def test_without_sla_and_promise_the_usual_transit_still_decides() -> None:
    parcel = shipped(Scan("in_transit", berlin(1, 6, 12)))
    assert classify(parcel, PATIENT, SCHEDULE, berlin(4, 12, 12), None) == []
    assert [f.reason.code for f in classify(parcel, PATIENT, SCHEDULE, berlin(5, 1, 12))] == [
        "late_usual"]


def test_the_sla_file_is_read_with_carriers_countries_and_a_default(tmp_path: Path) -> None:
    path = tmp_path / "sla.toml"
    path.write_text('default = 5\n[dhl]\nDE = 1\n"*" = 3\n["*"]\nnl = 2\n', encoding="utf-8")
    assert read_sla(path) == TABLE
    assert read_sla("") is NO_SLA


@pytest.mark.parametrize(("text", "message"), [
    ("[dhl]\nDE = 0\n", "SLA dhl.DE: 0 is not a whole number of delivery days"),
    ("[dhl]\nDE = 2.5\n", "SLA dhl.DE: 2.5"),
    ('[dhl]\nDE = "two"\n', "SLA dhl.DE: 'two'"),
    ("dhl = 2\n", "SLA dhl: expected a table of countries"),
    ("default = 99\n", "SLA default: 99"),
    ("[dhl\n", "is not TOML"),
])
def test_a_bad_sla_file_names_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sla.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SlaError, match=message.replace(".", r"\.").replace("(", r"\(")
                       .replace("*", r"\*")):
        read_sla(path)


def test_a_missing_sla_file_is_an_error_not_an_empty_table(tmp_path: Path) -> None:
    with pytest.raises(SlaError, match="does not exist"):
        read_sla(tmp_path / "nope.toml")
