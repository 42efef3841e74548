"""One field of a held JSON payload: find it, show it, change it — not the whole record.

A reason names the field in doorstep's canonical shape (``shipping_address.postcode``); the
held payload is in the source's shape (Shopify calls it ``shipping_address.zip``).  So a
reason's field is matched against the payload's own paths: the same dotted path first, then
any path ending in the same last name.  When nothing matches, the operator names the path.

Paths are dotted, list positions are numbers: ``line_items.0.sku``.  A changed value keeps
the old value's JSON type where the new text reads as one (``"12"`` for a number stays 12),
so a correction does not turn a number into a string by accident.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class NotJson(ValueError):
    """The payload is not a JSON document (CSV, XML, a cut-off text): edit it whole."""


class BadPath(ValueError):
    """The path does not lead to a value in the payload."""


def _load(payload: str) -> Any:
    try:
        return json.loads(payload)
    except (json.JSONDecodeError, TypeError) as exc:
        raise NotJson(str(exc)) from exc


def _walk(node: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield from _walk(value, path)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{prefix}.{i}" if prefix else str(i))
    else:
        yield prefix, node


def leaves(payload: str) -> dict[str, Any]:
    """Every scalar of the payload by its dotted path."""
    return dict(_walk(_load(payload)))


SOURCE_NAMES: dict[str, frozenset[str]] = {
    "postcode": frozenset({"postcode", "zip", "zipcode", "zip_code", "postal_code", "postalCode"}),
    "country": frozenset({"country", "country_code", "countryCode", "country_iso"}),
    "line1": frozenset({"line1", "address1", "street", "address_1"}),
    "line2": frozenset({"line2", "address2", "address_2"}),
    "email": frozenset({"email", "e_mail", "customer_email"}),
    "region": frozenset({"region", "province", "province_code", "state"}),
}
"""The canonical field's usual names in shop payloads (Shopify, WooCommerce, Magento …)."""


def matching_paths(payload: str, field: str) -> list[str]:
    """Paths in the payload that a reason's ``field`` most likely means."""
    try:
        found = leaves(payload)
    except NotJson:
        return []
    if field in found:
        return [field]
    parts = field.replace("[", ".").replace("]", "").split(".")
    names = SOURCE_NAMES.get(parts[-1], frozenset({parts[-1]}))
    candidates = [p for p in found if p.split(".")[-1] in names]
    # Prefer the same parent (shipping_address.zip over billing_address.zip).
    parent = parts[-2] if len(parts) > 1 else None
    same = [p for p in candidates if parent and f"{parent}." in p]
    return same or candidates


def _coerce(old: Any, text: str) -> Any:
    if isinstance(old, bool):
        return text.strip().lower() in ("true", "1", "yes")
    if isinstance(old, int):
        try:
            return int(text)
        except ValueError:
            return text
    if isinstance(old, float):
        try:
            return float(text)
        except ValueError:
            return text
    if old is None and text == "":
        return None
    return text


def set_field(payload: str, path: str, text: str) -> str:
    """The payload with the value at ``path`` replaced (pretty-printed JSON)."""
    document = _load(payload)
    parts = [p for p in path.strip().split(".") if p != ""]
    if not parts:
        raise BadPath("path: empty")
    node = document
    try:
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        last = parts[-1]
        if isinstance(node, list):
            index = int(last)
            node[index] = _coerce(node[index], text)
        elif isinstance(node, dict):
            node[last] = _coerce(node.get(last), text)
        else:
            raise BadPath(f"path {path!r}: {'.'.join(parts[:-1])} holds no fields")
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        if isinstance(exc, BadPath):
            raise
        raise BadPath(f"path {path!r}: not in the payload") from exc
    return json.dumps(document, indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class Line:
    text: str
    failing: bool


def highlighted(payload: str, paths: Iterable[str]) -> list[Line]:
    """The payload pretty-printed, lines holding a failing field marked."""
    try:
        text = json.dumps(_load(payload), indent=2, ensure_ascii=False)
    except NotJson:
        return [Line(t, False) for t in payload.splitlines()]
    keys = {f'"{p.split(".")[-1]}":' for p in paths if not p.split(".")[-1].isdigit()}
    return [Line(t, any(t.strip().startswith(k) for k in keys)) for t in text.splitlines()]
