"""The tracking page's ETag names every input of the page; If-None-Match is read per RFC 9110."""

from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from doorstep.entrypoints.api.access import public
from doorstep.entrypoints.web.page_etags import code_digest, if_none_match_hits, page_etag
from doorstep.services.customer_view_reads import Validator

VALIDATOR = Validator(order_id="ord_1", channel="shop", status="shipped",
                      updated_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC), newest_entry=41,
                      parcels=1, newest_parcel=7)
READER: dict[str, Any] = {"language": "de", "brand": "Shop", "timezone": "Europe/Berlin",
                          "poll_seconds": 30, "htmx": False}


def test_every_input_of_the_page_changes_the_etag() -> None:
    first = page_etag(VALIDATOR, **READER)
    assert first == page_etag(VALIDATOR, **READER)  # the same inputs, the same tag
    assert first.startswith('"') and first.endswith('"') and len(first) == 34
    changed_rows = [replace(VALIDATOR, **{name: value}) for name, value in (
        ("order_id", "ord_2"), ("status", "delivered"), ("newest_entry", 42),
        ("parcels", 2), ("newest_parcel", 8),
        ("updated_at", datetime(2026, 11, 30, 9, 1, tzinfo=UTC)))]
    changed_reader = [{**READER, name: value} for name, value in (
        ("language", "en"), ("brand", "Other shop"), ("timezone", "Europe/Vienna"),
        ("poll_seconds", 60), ("htmx", True))]
    tags = {page_etag(v, **READER) for v in changed_rows}
    tags |= {page_etag(VALIDATOR, **reader) for reader in changed_reader}
    assert first not in tags and len(tags) == len(changed_rows) + len(changed_reader)


def test_the_code_digest_covers_the_templates_and_is_made_once() -> None:
    assert len(code_digest()) == 64 and code_digest() is code_digest()


def test_if_none_match_is_compared_the_weak_way_and_accepts_lists_and_star() -> None:
    tag = '"abc"'
    assert if_none_match_hits('"abc"', tag)
    assert if_none_match_hits('W/"abc"', tag)
    assert if_none_match_hits('"x", "abc"', tag)
    assert if_none_match_hits("*", tag)
    assert not if_none_match_hits('"abcd"', tag)
    assert not if_none_match_hits("abc", tag)  # unquoted is not the tag
    assert not if_none_match_hits("", tag) and not if_none_match_hits(None, tag)


def test_a_public_route_marker_is_a_coroutine_so_it_costs_no_thread_hop() -> None:
    marker = public("a reason")
    assert inspect.iscoroutinefunction(marker)
    assert marker.public_reason == "a reason"  # type: ignore[attr-defined]
