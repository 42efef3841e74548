"""Intake's fingerprint of an order body (``request_hash``) decides whether a retry under
the same Idempotency-Key is the same body; a field added later must not change it for the
bodies that could be sent before the field existed."""

from __future__ import annotations

from doorstep.schemas.orders import OrderIn
from doorstep.services.intake import earlier_hash, request_hash

BODY = {
    "external_id": "450789469", "channel": "shopify",
    "placed_at": "2008-01-10T16:00:00Z", "currency": "USD",
    "customer": {"name": "Bob Norman", "email": "bob.norman@hostmail.com"},
    "shipping_address": {"name": "Bob Norman", "line1": "Chestnut Street 92",
                         "postcode": "40202", "city": "Louisville", "region": "KY",
                         "country": "US"},
    "lines": [{"sku": "IPOD2008GREEN", "quantity": 1, "unit_price": "199.00"}]}
# request_hash(BODY) as doorstep computed and stored it before order_number existed
# (main at baa6663), i.e. the idempotency records already in users' databases.
STORED_BEFORE = "4e5d698f4d95d7f3214f0804651ad1a4fa0d2fd8c5886d328e7bdcdce2d357ec"


def test_an_order_without_a_number_keeps_the_fingerprint_stored_before_the_field() -> None:
    assert request_hash(OrderIn.model_validate(BODY)) == STORED_BEFORE


def test_a_number_is_part_of_the_fingerprint_and_its_earlier_form_is_the_stored_one() -> None:
    with_number = OrderIn.model_validate({**BODY, "order_number": "#1001"})
    other_number = OrderIn.model_validate({**BODY, "order_number": "#1002"})
    assert request_hash(with_number) not in (STORED_BEFORE, request_hash(other_number))
    assert earlier_hash(with_number) == earlier_hash(other_number) == STORED_BEFORE
    assert earlier_hash(OrderIn.model_validate(BODY)) is None
