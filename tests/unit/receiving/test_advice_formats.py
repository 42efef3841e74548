"""Each despatch-advice format, read from a real-format sample through its built-in profile."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from doorstep.adapters.importers.asn_mapping import load_asn_profile, map_advices
from doorstep.adapters.importers.edifact import parse_interchange, recadv
from doorstep.adapters.importers.profile_engine import ProfileError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "receiving"


def _map(profile: str, name: str):  # type: ignore[no-untyped-def]
    return map_advices(load_asn_profile(profile), (FIXTURES / name).read_bytes())


def test_the_wikipedia_desadv_gives_its_number_po_supplier_and_one_line() -> None:
    result = _map("desadv-eancom-d96a", "desadv_wikipedia_en.edi")
    (mapped,) = result.advices
    advice = mapped.advice
    assert (advice.number, advice.po_number, advice.supplier_gln) == (
        "007774", "509671432", "8022628000004")
    (line,) = advice.lines
    assert (line.gtin, line.quantity, line.unit, line.sscc) == (
        "8022628900014", Decimal("66.00"), "each", None)
    assert mapped.findings == []


def test_the_cps_hierarchy_gives_each_line_the_sscc_of_its_carton() -> None:
    (mapped,) = _map("desadv-eancom-d96a", "desadv_bad_check_digits.edi").advices
    assert [(ln.gtin, ln.sscc, ln.quantity) for ln in mapped.advice.lines] == [
        ("4260304623843", "342603046212341547", Decimal(110)),
        ("4260304622123", "342603046212378547", Decimal(330)),
        ("4260304624412", "342603046212332145", Decimal(450)),
    ]
    assert mapped.advice.po_number == "8493848394"  # from the line-level RFF+ON


def test_una_service_characters_and_the_release_character_are_honoured() -> None:
    text = ("UNA|*,# ~UNB*UNOC|3*4000001000005|14*4000002000004|14*260101|1200*7~"
            "UNH*1*DESADV|D|96A|UN|EAN005~BGM*351*A#*1#~7*9~RFF*ON|PO#|9~"
            "NAD*SU*4000001000005||9~LIN*1**4000001000012|EN~QTY*12|2,5|PCE~UNT*7*1~UNZ*1*7~")
    (message,) = parse_interchange(text)["messages"]
    assert message["BGM"][1] == ["A*1~7"]  # '#' released '*' and '~'
    assert message["RFF:ON"][0] == ["ON", "PO|9"]
    assert message["lines"][0]["QTY:12"][0][1] == "2,5"


def test_an_interchange_cut_off_inside_a_message_is_a_document_issue() -> None:
    text = (FIXTURES / "desadv_wikipedia_en.edi").read_text().split("CNT")[0]
    result = map_advices(load_asn_profile("desadv-eancom-d96a"), text)
    assert result.advices == []
    assert result.document_issue is not None
    assert "no UNT" in result.document_issue.message


@pytest.mark.parametrize(("profile", "name"), [
    ("epcis-json", "epcis_object_9.6.1.jsonld"),
    ("epcis-xml", "epcis_object_9.6.1.xml"),
])
def test_epcis_shipping_events_become_an_advice_and_receiving_events_are_left_out(
        profile: str, name: str) -> None:
    result = _map(profile, name)
    assert result.skipped_events == 1
    (mapped,) = result.advices
    advice = mapped.advice
    assert advice.po_number == "12345678"
    assert advice.supplier_gln == "0614141073467"  # from the SGLN read point
    (line,) = advice.lines
    assert (line.gtin, line.quantity) == ("10614141073464", Decimal(2))  # two SGTINs, one GTIN


def test_an_epcis_aggregation_gives_contents_under_the_parent_sscc() -> None:
    text = (FIXTURES / "epcis_aggregation_9.6.3.jsonld").read_text()
    shipping = text.replace("urn:epcglobal:cbv:bizstep:receiving",
                            "urn:epcglobal:cbv:bizstep:shipping")
    (mapped,) = map_advices(load_asn_profile("epcis-json"), shipping).advices
    lines = {(ln.gtin, ln.unit, ln.lot): ln for ln in mapped.advice.lines}
    assert all(ln.sscc == "106141412345678908" for ln in mapped.advice.lines)
    assert lines[("04012345987652", "each", None)].quantity == 10
    assert lines[("10614141073464", "each", None)].quantity == 2
    assert ("04012345123456", "unknown", "998877") in lines  # 200.5 kg is not a count


def test_the_csv_profile_groups_rows_by_advice_number() -> None:
    text = ("advice_number,po_number,supplier_gln,despatched_at,line_no,sscc,gtin,quantity,"
            "unit,lot,best_before,weight_kg\n"
            "A1,PO1,4000001000005,2026-11-29,1,340000010000000013,4000001000012,2,case,L1,"
            "20270101,1.2\n"
            "A1,PO1,4000001000005,2026-11-29,2,340000010000000013,4000001000029,5,each,,,\n")
    (mapped,) = map_advices(load_asn_profile("asn-csv"), text).advices
    first, second = mapped.advice.lines
    assert (first.unit, first.lot, first.best_before, first.weight_g) == (
        "case", "L1", "20270101", 1200)
    assert second.quantity == 5


def test_a_profile_with_a_field_the_mapper_does_not_know_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nkind: asn\nformat: csv\nfields:\n  advice_numbr: number\n")
    with pytest.raises(ProfileError, match="advice_numbr"):
        load_asn_profile(str(path))


def test_recadv_is_an_eancom_receiving_advice_that_pydifact_reads_back() -> None:
    from datetime import UTC, datetime

    text = recadv(sender_gln="4000002000004", recipient_gln="4000001000005", reference="R?1",
                  advice_number="A'1", po_number="PO1",
                  received_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
                  lines=[{"line_no": 1, "gtin": "4000001000012", "sscc": "340000010000000013",
                          "advised": 10, "accepted": 8, "rejected": 2,
                          "reasons": ["damaged"]}])
    assert text.startswith("UNA:+.? '")
    (message,) = parse_interchange(text)["messages"]
    assert message["UNH"][1][0] == "RECADV"
    assert message["RFF:DQ"][0][1] == "A'1"  # released on the way out, restored on the way in
    line = message["lines"][0]
    assert line["QTY:194"][0][1] == "8"
    assert line["package"]["GIN:BJ"][1][0] == "340000010000000013"


@pytest.mark.parametrize("name", ["desadv_wikipedia_en.edi", "desadv_bad_check_digits.edi"])
def test_splitting_gives_the_same_segments_as_pydifacts_tokenizer(name: str) -> None:
    from doorstep.adapters.importers.edifact import pydifact_segments, split_segments

    text = (FIXTURES / name).read_text()
    fast = split_segments(text)
    assert fast is not None and len(fast) > 10
    assert fast == [seg for seg in pydifact_segments(text) if seg[0] != "UNA"]


def test_an_interchange_with_release_characters_is_read_by_pydifact() -> None:
    from doorstep.adapters.importers.edifact import split_segments

    assert split_segments("UNA:+.? 'UNH+1+X?'Y'") is None


def test_a_decimal_comma_declared_in_una_reads_as_a_decimal_quantity() -> None:
    text = ("UNA:+,? 'UNB+UNOC:3+4000001000005:14+4000002000004:14+260101:1200+7'"
            "UNH+1+DESADV:D:96A:UN:EAN005'BGM+351+A1+9'RFF+ON:PO1'NAD+SU+4000001000005::9'"
            "LIN+1++4000001000012:EN'QTY+12:2,5:PCE'UNT+7+1'UNZ+1+7'")
    (mapped,) = map_advices(load_asn_profile("desadv-eancom-d96a"), text).advices
    assert mapped.advice.lines[0].quantity == Decimal("2.5")


@pytest.mark.parametrize(("profile", "name"), [
    ("desadv-eancom-d96a", "desadv_wikipedia_en.edi"),
    ("desadv-eancom-d96a", "desadv_bad_check_digits.edi"),
    ("epcis-json", "epcis_object_9.6.1.jsonld"),
    ("epcis-xml", "epcis_object_9.6.1.xml"),
])
def test_profile_check_finds_no_error_on_the_real_samples(profile: str, name: str) -> None:
    from doorstep.adapters.importers.profile_check import check_profile

    findings = check_profile(load_asn_profile(profile), (FIXTURES / name).read_bytes())
    assert [f for f in findings if f.severity == "error"] == []
