"""Shop payloads map onto the canonical OrderIn through the built-in order profiles."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.adapters.importers.order_mapping import MappedOrder, load_order_mapper
from doorstep.adapters.importers.profile_engine import ProfileError, builtin_profiles
from doorstep.domain.harmonise.reasons import ReasonCode

SHOPS = Path(__file__).parents[2] / "fixtures" / "shops"


def _read(rel: str) -> bytes:
    return (SHOPS / rel).read_bytes()


def _json(rel: str) -> Any:
    return json.loads(_read(rel))


def _map(profile: str, payload: bytes | str, **kw: Any) -> list[MappedOrder]:
    return list(load_order_mapper(profile).map_document(payload, **kw))


def test_every_required_shop_platform_has_a_builtin_profile() -> None:
    """Shopify (REST and webhook), WooCommerce, Shopware 6, Magento 2 and CSV ship built in."""
    assert {"shopify", "shopify-webhook", "woocommerce", "shopware6", "magento2",
            "orders-csv"} <= set(builtin_profiles("orders"))


def test_shopify_rest_order_maps_every_line_and_the_address() -> None:
    """The Shopify sample becomes one clean order with its SKUs, prices and US address."""
    source = _json("shopify/order.json")["order"]
    (mapped,) = _map("shopify", _read("shopify/order.json"))
    assert mapped.reasons == ()
    order = mapped.order
    assert order is not None
    assert order.external_id == str(source["id"])
    assert order.channel == "shopify"
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        (li["sku"], li["quantity"], Decimal(li["price"])) for li in source["line_items"]
    ]
    assert order.shipping_address.country == source["shipping_address"]["country_code"]
    assert order.shipping_address.postcode == source["shipping_address"]["zip"]
    assert order.placed_at is not None and order.placed_at.utcoffset() is not None
    assert [m.weight_g for m in mapped.measures] == [li["grams"] for li in source["line_items"]]


def test_shopify_webhook_body_and_rest_order_give_the_same_order_and_key() -> None:
    """orders/create (unwrapped) and the REST response agree, so intake sees one order."""
    (rest,) = _map("shopify", _read("shopify/order.json"))
    (hook,) = _map("shopify-webhook", _read("shopify/order_webhook.json"))
    assert rest.order == hook.order
    assert rest.record_key == hook.record_key == f"shopify:{rest.order.external_id}"  # type: ignore[union-attr]


def test_shopify_list_response_yields_one_order_per_entry() -> None:
    """{"orders": [...]} is read as a list of orders."""
    order = _json("shopify/order.json")["order"]
    second = {**order, "id": order["id"] + 1}
    mapped = _map("shopify", json.dumps({"orders": [order, second]}))
    assert [m.order.external_id for m in mapped if m.order] == [str(order["id"]),
                                                                 str(order["id"] + 1)]


def test_woocommerce_lines_without_sku_are_held_not_guessed() -> None:
    """Both documented WooCommerce orders contain SKU-less lines; each is named as missing."""
    for rel in ("woocommerce/order_727_retrieve.json",
                "woocommerce/order_723_completed_with_refunds.json"):
        source = _json(rel)
        (mapped,) = _map("woocommerce", _read(rel))
        assert mapped.order is None
        expected = [f"lines[{i}].sku" for i, li in enumerate(source["line_items"]) if not li["sku"]]
        assert [r.field for r in mapped.reasons if r.code is ReasonCode.missing_field] == expected


def test_woocommerce_order_with_skus_maps_the_brazilian_address_in_utc() -> None:
    """Order 723 with SKUs filled in maps cleanly: BR postcode kept, GMT date read as UTC."""
    source = _json("woocommerce/order_723_completed_with_refunds.json")
    for n, line in enumerate(source["line_items"]):
        line["sku"] = f"SKU-{n}"
    (mapped,) = _map("woocommerce", json.dumps(source))
    assert mapped.reasons == ()
    assert mapped.order is not None
    assert mapped.order.shipping_address.postcode == source["shipping"]["postcode"]
    assert mapped.order.placed_at is not None
    assert mapped.order.placed_at.isoformat().startswith(source["date_created_gmt"])
    assert mapped.order.shipping_price == Decimal(source["shipping_total"])


def test_shopware_search_result_skips_promotions_and_reads_product_numbers() -> None:
    """Promotion lines are price adjustments, not goods; products keep their productNumber."""
    source = _json("shopware6/search_order.json")
    mapped = _map("shopware6", _read("shopware6/search_order.json"))
    assert len(mapped) == source["total"]
    for m, order in zip(mapped, source["data"], strict=True):
        assert m.reasons == ()
        assert m.order is not None
        products = [li for li in order["lineItems"] if li["type"] == "product"]
        assert [line.sku for line in m.order.lines] == [
            li["payload"]["productNumber"] for li in products]
        assert m.skipped_lines == len(order["lineItems"]) - len(products)


def test_shopware_unknown_line_type_is_reported_not_assumed_a_product() -> None:
    """A line type the vocabulary does not know is an unknown_vocabulary_value finding."""
    source = _json("shopware6/search_order.json")
    source["data"][0]["lineItems"][0]["type"] = "subscription"
    first = _map("shopware6", json.dumps(source))[0]
    assert first.order is None
    assert [r.code for r in first.reasons] == [ReasonCode.unknown_vocabulary_value]


def test_magento_child_items_are_skipped_and_pounds_become_grams() -> None:
    """Configurable children (parent_item_id) are not picked twice; lb weights convert to g."""
    source = _json("magento2/order.json")
    (mapped,) = _map("magento2", _read("magento2/order.json"))
    assert mapped.reasons == ()
    assert mapped.order is not None
    parents = [i for i in source["items"] if "parent_item_id" not in i]
    assert [line.sku for line in mapped.order.lines] == [i["sku"] for i in parents]
    assert [m.weight_g for m in mapped.measures] == [
        round(Decimal(str(i["weight"])) * Decimal("453.59237")) for i in parents]
    assert mapped.order.external_id == source["increment_id"]


def test_magento_search_result_is_split_into_orders() -> None:
    """{"items": [orders]} yields one order per entry, not one per order line."""
    order = _json("magento2/order.json")
    other = {**order, "increment_id": "000000043"}
    mapped = _map("magento2", json.dumps({"items": [order, other], "total_count": 2}))
    assert [m.record_key for m in mapped] == ["magento2:000000042", "magento2:000000043"]


def test_csv_rows_of_one_order_become_one_order_with_converted_weights() -> None:
    """Rows sharing order_id form one order; kg, g and oz weights all end in grams."""
    mapped = _map("orders-csv", _read("csv/orders.csv"))
    assert [m.record_key for m in mapped] == ["csv:A-1001", "csv:A-1002"]
    assert all(m.reasons == () for m in mapped)
    first = mapped[0]
    assert first.order is not None and len(first.order.lines) == 2
    assert [m.weight_g for m in first.measures] == [1100, 250]
    assert mapped[1].measures[0].weight_g == round(8.8 * 28.349523125)


def test_csv_rows_of_one_order_that_disagree_are_held() -> None:
    """Two rows of the same order naming different cities are a contradiction, not a merge."""
    text = _read("csv/orders.csv").decode()
    lines = text.splitlines()
    lines[2] = lines[2].replace(",Berlin,", ",Hamburg,")
    (first, _) = _map("orders-csv", "\n".join(lines) + "\n")
    assert first.order is None
    assert any(r.field == "shipping_address.city" and "disagree" in r.message
               for r in first.reasons)


def test_csv_unknown_weight_unit_is_reported() -> None:
    """A weight in 'stone' is unit_unknown on that line, never guessed."""
    text = _read("csv/orders.csv").decode().replace(",250,g", ",250,stone")
    first = _map("orders-csv", text)[0]
    assert [(r.code, r.field) for r in first.reasons] == [
        (ReasonCode.unit_unknown, "lines[1].weight")]


def test_a_truncated_payload_is_one_held_record_with_its_text() -> None:
    """A body cut off in transit yields truncated_payload and keeps the original text."""
    text = _read("shopify/order_webhook.json").decode()[:500]
    (mapped,) = _map("shopify-webhook", text)
    assert mapped.order is None
    assert mapped.payload == text
    assert [r.code for r in mapped.reasons] == [ReasonCode.truncated_payload]


def test_a_document_without_orders_is_held_not_ignored() -> None:
    """A Shopify document with neither 'order' nor 'orders' is reported as missing orders."""
    (mapped,) = _map("shopify", '{"errors": "Not Found"}')
    assert mapped.order is None
    assert mapped.reasons[0].code is ReasonCode.missing_field


def test_a_stored_fragment_maps_back_to_the_same_order() -> None:
    """What quarantine stores for a record re-maps to the same order (used on release)."""
    (mapped,) = _map("shopify", _read("shopify/order.json"))
    (again,) = _map("shopify", mapped.payload, fragment=True)
    assert again.order == mapped.order


def test_schema_errors_name_the_canonical_field() -> None:
    """A negative quantity surfaces as a schema reason on lines[0].quantity."""
    source = _json("shopify/order.json")
    source["order"]["line_items"][0]["quantity"] = -2
    (mapped,) = _map("shopify", json.dumps(source))
    assert [(r.code, r.field) for r in mapped.reasons] == [
        (ReasonCode.schema_invalid, "lines[0].quantity")]


def test_a_profile_with_an_unknown_field_name_is_refused(tmp_path: Path) -> None:
    """A typo in a merchant's profile is an error naming the field, not a silent gap."""
    profile = tmp_path / "mine.yaml"
    profile.write_text(
        "name: mine\nkind: orders\nformat: json\n"
        "fields:\n  external_id: id\n  ship_postcod: zip\n"
        "collections:\n  lines:\n    path: 'items[*]'\n    fields:\n      sku: sku\n",
        encoding="utf-8")
    with pytest.raises(ProfileError, match="ship_postcod"):
        load_order_mapper(profile)


def test_shopify_lines_that_need_no_shipping_are_skipped_and_counted() -> None:
    """A gift card (requires_shipping false) is not picked, and the skip is counted."""
    source = _json("shopify/order_webhook.json")
    source["line_items"][1]["requires_shipping"] = False
    (mapped,) = _map("shopify-webhook", json.dumps(source))
    assert mapped.order is not None
    assert [line.sku for line in mapped.order.lines] == [
        source["line_items"][0]["sku"], source["line_items"][2]["sku"]]
    assert mapped.skipped_lines == 1


_JUNK = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(
    max_size=12) | st.lists(st.integers(), max_size=2) | st.dictionaries(
    st.text(max_size=3), st.integers(), max_size=2)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_damaged_order_maps_to_an_order_or_to_reasons_never_an_exception(
    data: st.DataObject,
) -> None:
    """Replacing any field of the Shopify order with junk never raises and never loses it."""
    source = _json("shopify/order_webhook.json")
    paths = [("order", k) for k in source] + [
        ("line", k) for k in source["line_items"][0]] + [
        ("address", k) for k in source["shipping_address"]]
    targets = {"order": source, "line": source["line_items"][0],
               "address": source["shipping_address"]}
    for kind, key in data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=4)):
        targets[kind][key] = data.draw(_JUNK)
    mapped = _map("shopify-webhook", json.dumps(source, default=str))
    assert len(mapped) == 1
    (result,) = mapped
    assert (result.order is None) == bool(result.reasons)
    assert result.payload


# -- the number the customer knows (order_number) ----------------------------------------


def test_shopify_maps_the_number_its_customer_knows_beside_the_order_id() -> None:
    """Shopify's ``name`` "#1001" is the order number; its ``id`` stays the external id."""
    for profile, rel in (("shopify", "shopify/order.json"),
                         ("shopify-webhook", "shopify/order_webhook.json")):
        (mapped,) = _map(profile, _read(rel))
        assert mapped.order is not None, mapped.reasons
        assert (mapped.order.order_number, mapped.order.external_id) == ("#1001", "450789469")


def test_woocommerce_maps_its_display_number() -> None:
    """WooCommerce's ``number`` (a text; "727" in the sample, a plugin's own series
    elsewhere) is the order number."""
    source = _json("woocommerce/order_727_retrieve.json")
    for n, line in enumerate(source["line_items"]):
        line["sku"] = f"SKU-{n}"
    (mapped,) = _map("woocommerce", json.dumps(source))
    assert mapped.order is not None and mapped.order.order_number == "727"
    source["number"] = "WC-2026-0042"
    (mapped,) = _map("woocommerce", json.dumps(source))
    assert mapped.order is not None
    assert (mapped.order.order_number, mapped.order.external_id) == ("WC-2026-0042", "727")


def test_an_order_without_a_number_is_mapped_not_held() -> None:
    """A shop that sends no number (here Shopify without ``name``) falls back to the id."""
    source = _json("shopify/order.json")
    del source["order"]["name"]
    (mapped,) = _map("shopify", json.dumps(source))
    assert mapped.reasons == () and mapped.order is not None
    assert mapped.order.order_number is None


@pytest.mark.parametrize(("name", "reason"), [
    ("", "present but empty"), ("   ", "at least 1 character"),
    ("#" + "1" * 64, "at most 64 characters"), ("#10\t01", "control characters"),
])
def test_a_malformed_number_holds_the_order_naming_order_number(name: str, reason: str) -> None:
    source = _json("shopify/order.json")
    source["order"]["name"] = name
    (mapped,) = _map("shopify", json.dumps(source))
    assert mapped.order is None
    assert [(r.field, reason in r.message) for r in mapped.reasons] == [("order_number", True)]


def test_csv_reads_an_optional_order_number_column_and_an_empty_cell_means_none() -> None:
    header, first, second, *_ = _read("csv/orders.csv").decode().splitlines()
    rows = [f"{first},#A1", f"{second},#A1"]
    (mapped,) = _map("orders-csv", "\n".join([f"{header},order_number", *rows]))
    assert mapped.order is not None and mapped.order.order_number == "#A1"
    (mapped,) = _map("orders-csv", "\n".join([f"{header},order_number", f"{first},",
                                              f"{second},"]))
    assert mapped.order is not None and mapped.order.order_number is None
