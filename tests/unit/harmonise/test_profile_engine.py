"""The mapping-profile engine: paths, units, dates, vocabularies, documents, loading."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.adapters.importers.dates import DateError, DateParser
from doorstep.adapters.importers.documents import DocumentError, parse_document
from doorstep.adapters.importers.fields import Vocabulary
from doorstep.adapters.importers.paths import PathSyntaxError, compile_path
from doorstep.adapters.importers.profile_engine import (
    ProfileError,
    builtin_profiles,
    load_profile,
)
from doorstep.adapters.importers.units import UnitError, parse_number, to_grams, to_millimetres

# --- paths -------------------------------------------------------------------------------


def test_json_path_reads_nested_keys_list_indexes_and_wildcards() -> None:
    """Dotted keys, [N] and [*] address JSON the way profiles document it."""
    doc = {"a": {"b": [{"c": 1}, {"c": 2}, {"d": 3}]}}
    assert compile_path("a.b[0].c", "json").one(doc) == 1
    assert compile_path("a.b[*].c", "json").many(doc) == [1, 2]
    assert compile_path("a.b[*].c", "json").one(doc) == 1
    assert compile_path("a.x.y", "json").one(doc) is None
    assert compile_path(".", "json").one(doc) is doc


def test_json_path_never_raises_on_unexpected_shapes() -> None:
    """A path into a scalar or a missing list yields None, never an exception."""
    path = compile_path("a.b[3].c", "json")
    for doc in ({"a": 5}, {"a": {"b": "text"}}, [], None, {"a": {"b": [1]}}):
        assert path.one(doc) is None


@pytest.mark.parametrize("bad", ["a..b", "a[x]", "a[0", ""])
def test_malformed_json_paths_are_rejected_when_compiled(bad: str) -> None:
    """A broken path is a profile error at load time, not a surprise per record."""
    with pytest.raises(PathSyntaxError):
        compile_path(bad, "json")


def test_xml_path_reads_attributes_text_and_namespaced_children() -> None:
    """Attributes, element text and prefixed paths resolve through the namespace map."""
    root = ET.fromstring(
        '<r xmlns:p="urn:x"><p:a k="v"><p:b> hi </p:b></p:a><c n="1"/><c n="2"/></r>'
    )
    ns = {"p": "urn:x"}
    assert compile_path("p:a/@k", "xml", ns).one(root) == "v"
    assert compile_path("p:a/p:b", "xml", ns).one(root) == "hi"
    assert compile_path("c/@n", "xml", ns).many(root) == ["1", "2"]
    assert compile_path("c[@n='2']/@n", "xml", ns).one(root) == "2"
    assert len(compile_path("c", "xml", ns).nodes(root)) == 2


def test_xml_namespace_uri_with_slashes_does_not_split_the_path() -> None:
    """A namespace URI contains '/'; the path steps must still be the element names."""
    uri = "http://dpd.com/common/service/types/ParcelLifeCycleService/2.0"
    root = ET.fromstring(f'<r xmlns="{uri}"><s><t>true</t></s></r>')
    assert compile_path("p:s/p:t", "xml", {"p": uri}).one(root) == "true"


def test_undeclared_xml_prefix_is_a_compile_error() -> None:
    """Using a prefix the profile did not declare is reported, not silently unmatched."""
    with pytest.raises(PathSyntaxError, match="prefix"):
        compile_path("q:a", "xml", {})


# --- units -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "grams"),
    [("1", "kg", 1000), (2.5, "KGS", 2500), ("1", "lb", 454), ("16", "oz", 454),
     ("12,5", "g", 12), ("0.5", "Kilogramm", 500)],
)
def test_weights_convert_to_whole_grams(value: object, unit: str, grams: int) -> None:
    """g, kg, lb and oz in their common spellings become whole grams."""
    assert to_grams(value, unit) == grams


def test_lengths_convert_to_whole_millimetres() -> None:
    """mm, cm and in become whole millimetres."""
    assert to_millimetres("20", "cm") == 200
    assert to_millimetres(1, "in") == 25
    assert to_millimetres("7", "MM") == 7


def test_unknown_units_and_non_numbers_carry_their_reason_code() -> None:
    """An unknown unit and an unreadable number are different findings."""
    with pytest.raises(UnitError) as unknown:
        to_grams("1", "stone")
    assert unknown.value.code == "unit_unknown"
    with pytest.raises(UnitError) as nan:
        to_grams("string", "kg")
    assert nan.value.code == "unit_parse_failed"


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(100_000), places=3))
def test_kilograms_and_grams_agree_for_any_weight(kilos: Decimal) -> None:
    """The same weight written in kg or in g converts to the same whole grams (±1)."""
    assert abs(to_grams(str(kilos), "kg") - to_grams(str(kilos * 1000), "g")) <= 1


@given(st.integers(min_value=0, max_value=10**9))
def test_parse_number_reads_integers_exactly(number: int) -> None:
    """Integral quantities survive the text round trip unchanged."""
    assert parse_number(str(number)) == number


# --- dates -------------------------------------------------------------------------------


def test_offsets_are_kept_and_naive_times_take_the_declared_zone() -> None:
    """An explicit offset wins; a naive time is read in the profile's zone."""
    parser = DateParser(["iso8601"], timezone="Europe/Berlin")
    aware = parser.parse("2024-10-07T10:46:14+0200")
    assert aware.utcoffset() == timedelta(hours=2)
    naive = parser.parse("2024-01-18T08:30:00")
    assert naive.astimezone(UTC) == datetime(2024, 1, 18, 7, 30, tzinfo=UTC)


def test_by_country_zone_follows_the_event_country() -> None:
    """``by_country`` reads a naive time in the zone of the scan's country."""
    parser = DateParser(["%m/%d/%Y %I:%M:%S %p"], timezone="by_country")
    be = parser.parse("8/17/2021 7:11:26 PM", "BE")
    assert be.astimezone(UTC) == datetime(2021, 8, 17, 17, 11, 26, tzinfo=UTC)
    with pytest.raises(DateError) as us:
        parser.parse("8/17/2021 7:11:26 PM", "US")
    assert us.value.code == "naive_timestamp"


def test_required_offset_makes_a_naive_timestamp_a_finding() -> None:
    """A feed that always writes offsets must not have one guessed."""
    parser = DateParser(["iso8601"], timezone="Europe/Berlin", require_offset=True)
    with pytest.raises(DateError) as naive:
        parser.parse("2024-10-07T10:46:14")
    assert naive.value.code == "naive_timestamp"


@pytest.mark.parametrize(
    ("fmt", "text"),
    [("iso8601", "2026-02-30T10:00:00+01:00"), ("%d.%m.%Y %H:%M", "30.02.2026 10:02"),
     ("%m/%d/%Y %I:%M:%S %p", "2/30/2026 7:11:26 PM"), ("%Y%m%d %H%M%S", "20260431 071356")],
)
def test_days_that_do_not_exist_are_impossible_dates(fmt: str, text: str) -> None:
    """Well-formed text naming a non-existent day is impossible_date, not a format error."""
    with pytest.raises(DateError) as exc:
        DateParser([fmt], timezone="UTC").parse(text)
    assert exc.value.code == "impossible_date"


def test_text_in_no_declared_format_is_a_parse_failure() -> None:
    """Garbage is date_parse_failed and names the declared formats."""
    with pytest.raises(DateError) as exc:
        DateParser(["%d.%m.%Y %H:%M"], timezone="UTC").parse("yesterday")
    assert exc.value.code == "date_parse_failed"
    assert "%d.%m.%Y" in str(exc.value)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1),
                    timezones=st.just(timezone(timedelta(hours=2)))))
def test_iso_timestamps_round_trip_to_the_same_instant(moment: datetime) -> None:
    """Whatever ISO 8601 text we write, parsing gives back the same instant."""
    parsed = DateParser(["iso8601"], require_offset=True).parse(moment.isoformat())
    assert parsed == moment


# --- vocabularies and documents ----------------------------------------------------------


def test_vocabulary_falls_back_along_the_prefix_separator() -> None:
    """A refined key uses its own entry, else its family's, else nothing."""
    vocab = Vocabulary("s", {"transit": "in_transit", "transit|Loaded": "out_for_delivery"},
                       prefix_separator="|")
    assert vocab.lookup("TRANSIT|loaded") == "out_for_delivery"
    assert vocab.lookup("transit|Arrived at hub") == "in_transit"
    assert vocab.lookup("warp|x") is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_payload_cut_short_is_reported_as_truncated(fmt: str) -> None:
    """JSON or XML that ends early is truncated_payload, whatever the cut."""
    text = json.dumps({"a": [1, 2, {"b": "c"}]}) if fmt == "json" else "<a><b x='1'>t</b></a>"
    for cut in range(1, len(text) - 1):
        with pytest.raises(DocumentError) as exc:
            parse_document(text[:cut], fmt)
        assert exc.value.code == "truncated_payload", text[:cut]


def test_broken_json_in_the_middle_is_malformed_not_truncated() -> None:
    """A syntax error followed by more text is malformed_payload."""
    with pytest.raises(DocumentError) as exc:
        parse_document('{"a": 1,, "b": [1, 2, 3], "c": "long tail"}', "json")
    assert exc.value.code == "malformed_payload"


def test_short_csv_rows_are_flagged_and_kept() -> None:
    """A row with missing columns is kept and marked truncated, never dropped."""
    doc = parse_document("a,b,c\n1,2,3\n4,5\n", "csv")
    assert len(doc.rows) == 2
    assert doc.bad_rows[1][0] == "truncated_payload"


# --- loading -----------------------------------------------------------------------------


def test_every_builtin_tracking_profile_loads() -> None:
    """The seven carrier profiles ship with the package and compile."""
    names = builtin_profiles("tracking")
    assert {"dhl-unified", "dhl-parcel-de", "dpd", "gls", "ups", "hermes",
            "carrier-csv"} <= set(names)
    for name in names:
        assert load_profile(name, "tracking").kind == "tracking"


def test_profile_errors_name_the_file_line_and_key(tmp_path: Path) -> None:
    """A typo in a merchant's profile is reported where it is."""
    profile = tmp_path / "mine.yaml"
    profile.write_text(
        "name: mine\nkind: tracking\nformat: json\nfields:\n"
        "  tracking_number: {path: id}\n  when: {path: t, type: datetme}\n"
    )
    with pytest.raises(ProfileError) as exc:
        load_profile(profile)
    message = str(exc.value)
    assert f"{profile}:6" in message
    assert "fields.when.type" in message
    assert "datetme" in message


def test_unknown_keys_in_a_profile_are_errors(tmp_path: Path) -> None:
    """An unknown key (a misspelt option) is never silently ignored."""
    profile = tmp_path / "mine.yaml"
    profile.write_text("name: m\nkind: tracking\nformat: json\nfields:\n"
                       "  t: {path: t, type: datetime, fromats: [iso8601]}\n")
    with pytest.raises(ProfileError, match="fromats"):
        load_profile(profile)


def test_toml_profiles_load_like_yaml(tmp_path: Path) -> None:
    """TOML is an accepted profile format with the same schema."""
    profile = tmp_path / "mine.toml"
    profile.write_text('name = "m"\nkind = "tracking"\nformat = "json"\nrecords = "items[*]"\n'
                       '[fields.tracking_number]\npath = "id"\n')
    loaded = load_profile(profile)
    extraction = loaded.extract(b'{"items": [{"id": "A1"}, {"id": "B2"}]}')
    assert [r.values["tracking_number"] for r in extraction.records] == ["A1", "B2"]


def test_asking_for_the_wrong_kind_of_profile_is_an_error() -> None:
    """An orders import cannot run on a tracking profile by mistake."""
    gls_file = load_profile("gls").path
    with pytest.raises(ProfileError, match="kind"):
        load_profile(gls_file, "orders")
    with pytest.raises(ProfileError, match="no profile of that name built in"):
        load_profile("gls", "orders")


def test_from_field_skip_if_and_where_behave_as_documented(tmp_path: Path) -> None:
    """Reuse an earlier value, skip a fallback field, and filter items by a marker."""
    profile = tmp_path / "mine.yaml"
    profile.write_text(
        "name: m\nkind: tracking\nformat: json\nrecords: 'parcels[*]'\n"
        "collections:\n  events:\n    path: 'events[*]'\n"
        "    where: {path: reached, equals: 'true'}\n    fields:\n"
        "      code: {path: c}\n      status: {from_field: code, vocabulary: s}\n"
        "      utc: {path: u, type: datetime, timezone: UTC}\n"
        "      local: {path: l, type: datetime, timezone: Europe/Berlin, skip_if: utc}\n"
        "vocabularies:\n  s: {A: delivered}\n"
    )
    payload = json.dumps({"parcels": [{"events": [
        {"c": "A", "reached": True, "u": "2024-01-01T10:00:00", "l": "garbage"},
        {"c": "A", "reached": True, "l": "2024-01-01T10:00:00"},
        {"c": "B", "reached": False}]}]})
    record = load_profile(profile).extract(payload).records[0]
    first, second = record.collections["events"]
    assert first.values["status"] == "delivered" and first.values["local"] is None
    assert first.issues == []  # the unparsable fallback was never read
    assert second.values["local"].utcoffset() == timedelta(hours=1)
    assert record.skipped == {"events": 1}


def test_from_field_must_name_an_earlier_field(tmp_path: Path) -> None:
    """A reference to a field that is not declared before is a load error."""
    profile = tmp_path / "mine.yaml"
    profile.write_text("name: m\nkind: tracking\nformat: json\nfields:\n"
                       "  status: {from_field: code}\n  code: {path: c}\n")
    with pytest.raises(ProfileError, match="not a field declared before"):
        load_profile(profile)
