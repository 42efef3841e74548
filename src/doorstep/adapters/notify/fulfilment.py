"""Marking the order fulfilled in the shop: Shopify (GraphQL Admin API) and WooCommerce.

Shopify (Admin GraphQL API, ``fulfillmentCreate``; the REST fulfilment resource is legacy
since October 2024)::

    POST https://{shop}/admin/api/{version}/graphql.json      X-Shopify-Access-Token
      1. order(id: "gid://shopify/Order/{external_id}") { fulfillmentOrders { … lineItems … } }
      2. fulfillmentCreate(fulfillment: {lineItemsByFulfillmentOrder: [{fulfillmentOrderId,
           fulfillmentOrderLineItems: [{id, quantity}]}], notifyCustomer: false,
           trackingInfo: {company, number, url}}) { fulfillment { id status } userErrors }

  The parcel's units are matched to the fulfilment-order line items by SKU; each parcel is
  one fulfilment (Shopify: one tracking number per fulfilment).  ``notifyCustomer`` is false:
  doorstep sends the customer's messages itself.

WooCommerce (Shipment Tracking extension, REST ``wc-shipment-tracking/v3``, and core
``wc/v3`` for the status), HTTP basic auth with the consumer key and secret::

    POST {url}/wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings
         {"custom_tracking_provider", "custom_tracking_link" (with %1$s), "tracking_number",
          "date_shipped": "YYYY-MM-DD"}
    PUT  {url}/wp-json/wc/v3/orders/{id}   {"status": "completed"}   once everything shipped

Requests are built by pure functions (tested against the documented shapes) and sent by a
thin transport taking an ``httpx.Client``.
"""

from __future__ import annotations

from typing import Any

import httpx

from doorstep.adapters.notify.webhooks import raise_for_status
from doorstep.domain.carriers_public import TRACKING_PAGES
from doorstep.services.notify_delivery import PermanentFailure

FULFILLMENT_ORDERS_QUERY = """
query FulfillmentOrders($id: ID!) {
  order(id: $id) {
    fulfillmentOrders(first: 20) {
      nodes {
        id
        status
        lineItems(first: 250) { nodes { id remainingQuantity sku } }
      }
    }
  }
}
""".strip()

FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}
""".strip()


def shopify_url(shop: str, version: str) -> str:
    host = shop.removeprefix("https://").removeprefix("http://").rstrip("/")
    scheme = "http" if shop.startswith("http://") else "https"
    return f"{scheme}://{host}/admin/api/{version}/graphql.json"


def shopify_order_gid(external_id: str) -> str:
    return external_id if external_id.startswith("gid://") else f"gid://shopify/Order/{external_id}"


def shopify_fulfillment_input(fulfillment_orders: list[dict[str, Any]],
                              items: list[dict[str, Any]], *, company: str, number: str,
                              url: str | None) -> dict[str, Any]:
    """The ``FulfillmentInput`` for one parcel: its units matched to open line items by SKU."""
    wanted = {str(i["sku"]): int(i["quantity"]) for i in items}
    groups: list[dict[str, Any]] = []
    for fo in fulfillment_orders:
        if fo.get("status") not in ("OPEN", "IN_PROGRESS"):
            continue
        lines = []
        for line in fo.get("lineItems", {}).get("nodes", []):
            sku = str(line.get("sku") or "")
            take = min(wanted.get(sku, 0), int(line.get("remainingQuantity") or 0))
            if take > 0:
                lines.append({"id": line["id"], "quantity": take})
                wanted[sku] -= take
        if lines:
            groups.append({"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": lines})
    if not groups:
        raise PermanentFailure("no open Shopify fulfillment order holds this parcel's SKUs")
    tracking: dict[str, Any] = {"company": company, "number": number}
    if url:
        tracking["url"] = url
    return {"lineItemsByFulfillmentOrder": groups, "notifyCustomer": False,
            "trackingInfo": tracking}


def _graphql(client: httpx.Client, endpoint: str, token: str, query: str,
             variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post(endpoint, json={"query": query, "variables": variables},
                           headers={"X-Shopify-Access-Token": token})
    raise_for_status(response, "Shopify")
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise RuntimeError(f"Shopify: {body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


def shopify_fulfil(client: httpx.Client, *, shop: str, token: str, version: str,
                   data: dict[str, Any]) -> str:
    """Create the fulfilment of one parcel; returns Shopify's fulfilment id."""
    endpoint = shopify_url(shop, version)
    found = _graphql(client, endpoint, token, FULFILLMENT_ORDERS_QUERY,
                     {"id": shopify_order_gid(str(data["external_id"]))})
    if found.get("order") is None:
        raise PermanentFailure(f"Shopify has no order {data['external_id']}")
    orders = found["order"]["fulfillmentOrders"]["nodes"]
    fulfillment = shopify_fulfillment_input(
        orders, list(data.get("items") or []), company=str(data["carrier"]),
        number=str(data["tracking_number"]), url=data.get("carrier_url"))
    made = _graphql(client, endpoint, token, FULFILLMENT_CREATE,
                    {"fulfillment": fulfillment})["fulfillmentCreate"]
    if made.get("userErrors"):
        raise PermanentFailure(f"Shopify refused the fulfilment: {made['userErrors']}")
    return str(made["fulfillment"]["id"])


def woocommerce_tracking_body(data: dict[str, Any]) -> dict[str, Any]:
    template = TRACKING_PAGES.get(str(data.get("carrier_key") or ""), "")
    link = template.replace("{n}", "%1$s") if template else ""
    body: dict[str, Any] = {"custom_tracking_provider": str(data["carrier"]),
                            "tracking_number": str(data["tracking_number"])}
    if link:
        body["custom_tracking_link"] = link
    if data.get("shipped_on"):
        body["date_shipped"] = str(data["shipped_on"])
    return body


def woocommerce_fulfil(client: httpx.Client, *, url: str, key: str, secret: str,
                       data: dict[str, Any]) -> None:
    base = url.rstrip("/")
    order = str(data["external_id"])
    auth = httpx.BasicAuth(key, secret)
    trackings = f"{base}/wp-json/wc-shipment-tracking/v3/orders/{order}/shipment-trackings"
    # a retry after a half-done attempt must not add the tracking number twice
    known = client.get(trackings, auth=auth)
    raise_for_status(known, "WooCommerce shipment tracking")
    numbers = {str(t.get("tracking_number")) for t in known.json() if isinstance(t, dict)}
    if str(data["tracking_number"]) not in numbers:
        response = client.post(trackings, json=woocommerce_tracking_body(data), auth=auth)
        raise_for_status(response, "WooCommerce shipment tracking")
    if data.get("complete"):
        response = client.put(f"{base}/wp-json/wc/v3/orders/{order}",
                              json={"status": "completed"}, auth=auth)
        raise_for_status(response, "WooCommerce order status")
