"""Reason codes attached to every quarantined or flagged record.

One documented enum shared by the order and tracking pipelines so that the
quarantine store, the CLI and the API speak the same language and a reason is
never free text alone. Members are plain strings (``StrEnum``) so they store
and serialise as-is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReasonCode(StrEnum):
    """Why a record was quarantined or flagged."""

    # --- shared / structural -------------------------------------------------
    missing_field = "missing_field"
    """A required field is absent or empty."""
    invalid_value = "invalid_value"
    """A field is present but cannot be parsed into its canonical type."""
    truncated_payload = "truncated_payload"
    """The payload is not complete JSON/XML/CSV (cut off in transit)."""
    schema_invalid = "schema_invalid"
    """The mapped record fails schema validation of the canonical model."""
    unit_unknown = "unit_unknown"
    """A weight or size unit is not one of g, kg, lb, oz / mm, cm, in."""
    unit_parse_failed = "unit_parse_failed"
    """A numeric quantity with a unit could not be parsed."""
    date_parse_failed = "date_parse_failed"
    """A timestamp matches none of the profile's declared formats."""
    naive_timestamp = "naive_timestamp"
    """A timestamp carries no zone and the profile declares none."""
    impossible_date = "impossible_date"
    """A date that cannot exist or is absurdly far from now."""
    future_timestamp = "future_timestamp"
    """A timestamp lies in the future beyond the allowed clock skew."""
    duplicate = "duplicate"
    """The same record already arrived (recognised by its documented key)."""
    signature_invalid = "signature_invalid"
    """A webhook signature did not verify (logged, never held as a record)."""

    # --- tracking ---------------------------------------------------------
    unknown_status_code = "unknown_status_code"
    """No profile knows the carrier's status code; mapped to ``unknown``."""
    mislabelled_status = "mislabelled_status"
    """The carrier's code and its text contradict each other."""
    before_shipment_created = "before_shipment_created"
    """An event predates the shipment's creation."""
    delivery_without_shipment = "delivery_without_shipment"
    """A delivery scan for a parcel doorstep has not handed over: held for review."""
    delivered_before_handover = "delivered_before_handover"
    """A delivery scan dated before doorstep handed the parcel over: held for review."""
    delivered_before_out_for_delivery = "delivered_before_out_for_delivery"
    """Delivered is stamped earlier than out-for-delivery."""
    delivered_before_picked_up = "delivered_before_picked_up"
    """Delivered is stamped earlier than picked-up."""
    contradictory_event = "contradictory_event"
    """Two events with the same key disagree on status or time."""
    timezone_mismatch = "timezone_mismatch"
    """A timestamp's UTC offset cannot occur in the country the event happened in."""
    weight_mismatch = "weight_mismatch"
    """The carrier's weight disagrees with the packed weight (e.g. lb labelled kg)."""
    malformed_payload = "malformed_payload"
    """The payload is complete but not valid JSON/XML/CSV."""

    # --- orders ------------------------------------------------------------
    invalid_country = "invalid_country"
    """Not an ISO 3166-1 alpha-2 country code."""
    invalid_postcode = "invalid_postcode"
    """The postcode does not match the country's format."""
    weight_out_of_range = "weight_out_of_range"
    """A weight is negative or implausibly large."""
    size_out_of_range = "size_out_of_range"
    """A dimension is zero/negative or implausibly large."""
    quantity_out_of_range = "quantity_out_of_range"
    """A line quantity is not a positive, plausible integer."""
    price_out_of_range = "price_out_of_range"
    """A price or total is negative or implausibly large."""
    same_order_different_content = "same_order_different_content"
    """An order number arrived again with different content."""
    unknown_vocabulary_value = "unknown_vocabulary_value"
    """A value has no entry in the profile's vocabulary."""


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a record failed: a code, the field it concerns, a message."""

    code: ReasonCode
    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Serialise for the quarantine store's JSON ``reasons`` column."""
        return {"code": self.code.value, "field": self.field, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Reason:
        """Rebuild a reason read back from the quarantine store."""
        return cls(ReasonCode(data["code"]), data.get("field", ""), data.get("message", ""))
