"""Pure tracking rules: dedup key, plausibility, text against code, event order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.harmonise.reasons import ReasonCode
from doorstep.domain.harmonise.tracking import (
    ExceptionReason,
    TrackingEvent,
    TrackingStatus,
    check_text_matches_status,
    check_timestamp,
    check_weight,
    dedup_key,
    parse_canonical_status,
    sequence_contradictions,
    text_claim,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def event(status: str, minutes: int = 0, number: str = "JJD0001") -> TrackingEvent:
    return TrackingEvent(carrier="dhl", source="dhl-parcel-de", tracking_number=number,
                         status=TrackingStatus(status), raw_code="X",
                         occurred_at=NOW - timedelta(days=1) + timedelta(minutes=minutes))


def test_canonical_values_carry_an_optional_exception_reason() -> None:
    """``exception:customs`` reads as status and reason; outsiders are rejected."""
    assert parse_canonical_status("exception:customs") == (
        TrackingStatus.exception, ExceptionReason.customs)
    assert parse_canonical_status("delivered") == (TrackingStatus.delivered, None)
    with pytest.raises(ValueError):
        parse_canonical_status("in transit")


@given(st.sampled_from(["JJD 0001", "jjd-0001", "JJD0001", " jjd0001"]),
       st.integers(min_value=0, max_value=59))
def test_dedup_key_ignores_number_formatting_and_seconds(number: str, second: int) -> None:
    """The same scan printed differently, seconds apart in the same minute, is one key."""
    a = event("delivered")
    b = replace(a, tracking_number=number.strip(), raw_code="ZU",
                occurred_at=a.occurred_at.replace(second=second), source="dhl-unified")
    assert dedup_key(a) == dedup_key(b)


def test_dedup_key_separates_statuses_minutes_and_carriers() -> None:
    """A different status, minute or carrier family is a different event."""
    a = event("delivered")
    assert dedup_key(a) != dedup_key(replace(a, status=TrackingStatus.out_for_delivery))
    assert dedup_key(a) != dedup_key(replace(a, occurred_at=a.occurred_at
                                             + timedelta(minutes=1)))
    assert dedup_key(a) != dedup_key(replace(a, carrier="dpd"))


@pytest.mark.parametrize(
    ("moment", "created", "code"),
    [(datetime(1970, 1, 1, tzinfo=UTC), None, ReasonCode.impossible_date),
     (NOW + timedelta(hours=2), None, ReasonCode.future_timestamp),
     (NOW - timedelta(days=5), NOW - timedelta(days=2), ReasonCode.before_shipment_created)],
)
def test_implausible_times_are_named(moment: datetime, created: datetime | None,
                                     code: ReasonCode) -> None:
    """Epoch defaults, future stamps and stamps before the shipment existed are findings."""
    found = check_timestamp(moment, now=NOW, created_at=created)
    assert found is not None and found.code is code


def test_clock_skew_of_a_few_minutes_is_tolerated() -> None:
    """A scanner a few minutes ahead of our clock is not a future timestamp."""
    assert check_timestamp(NOW + timedelta(minutes=5), now=NOW) is None
    assert check_timestamp(NOW - timedelta(minutes=2), now=NOW,
                           created_at=NOW) is None


def test_pounds_labelled_as_kilograms_are_recognised() -> None:
    """A weight 2.2 times the packed weight names the lb/kg mix-up."""
    found = check_weight(int(4_000 * 2.20462), max_g=31_500, packed_g=4_000)
    assert found is not None and found.code is ReasonCode.weight_mismatch
    assert "pounds" in found.message
    assert check_weight(4_100, max_g=31_500, packed_g=4_000) is None
    out = check_weight(40_000, max_g=31_500)
    assert out is not None and out.code is ReasonCode.weight_out_of_range


@pytest.mark.parametrize(
    ("text", "claim"),
    [("The shipment has been successfully delivered", TrackingStatus.delivered),
     ("DELIVERED", TrackingStatus.delivered),
     ("Delivered by driver to Pickup parcelshop", None),
     ("Unfortunately we have not been able to deliver your parcel.",
      TrackingStatus.delivery_attempt_failed),
     ("The shipment has gone out on a delivery route. Delivery is expected today.",
      TrackingStatus.out_for_delivery),
     ("The shipment has been loaded onto the delivery vehicle",
      TrackingStatus.out_for_delivery),
     ("The parcel is at the parcel dispatch centre.", None),
     ("Your package was released by the customs agency.", None)],
)
def test_text_claims_are_narrow_and_read_real_carrier_texts(
    text: str, claim: TrackingStatus | None
) -> None:
    """Only unambiguous texts claim a status; pickup-point deliveries claim none."""
    assert text_claim(text) is claim


def test_text_contradicting_the_code_is_mislabelled() -> None:
    """DHL's "DELIVERED" beside statusCode pre-transit is caught; agreement passes."""
    found = check_text_matches_status(TrackingStatus.info_received, "DELIVERED", "JESSICA")
    assert found is not None and found.code is ReasonCode.mislabelled_status
    assert check_text_matches_status(TrackingStatus.delivered, "Delivery successful") is None
    assert check_text_matches_status(TrackingStatus.unknown, "delivered") is None


def test_delivered_before_out_for_delivery_flags_the_delivery() -> None:
    """The delivery stamped before the van left is the contradictory event."""
    events = [event("picked_up", 0), event("out_for_delivery", 600), event("delivered", 300)]
    found = sequence_contradictions(events)
    assert list(found) == [2]
    assert found[2].code is ReasonCode.delivered_before_out_for_delivery


def test_a_second_delivery_round_is_not_a_contradiction() -> None:
    """Out for delivery, failed, out again, delivered: delivered follows the last round."""
    events = [event("out_for_delivery", 0), event("delivery_attempt_failed", 60),
              event("out_for_delivery", 1440), event("delivered", 1500)]
    assert sequence_contradictions(events) == {}


def test_earlier_imports_count_for_the_order_of_events() -> None:
    """A pickup accepted yesterday makes today's earlier-stamped delivery contradictory."""
    found = sequence_contradictions([event("delivered", 10)],
                                    last_picked_up=NOW - timedelta(hours=2))
    assert found[0].code is ReasonCode.delivered_before_picked_up
