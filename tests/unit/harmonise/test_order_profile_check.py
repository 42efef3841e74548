"""`profile check` findings: unmapped fields, unknown vocabulary values, cross-profile conflicts."""

from __future__ import annotations

import json
from pathlib import Path

from doorstep.adapters.importers.profile_check import check_profile
from doorstep.adapters.importers.profile_engine import PROFILES_DIR, load_profile

SHOPS = Path(__file__).parents[2] / "fixtures" / "shops"


def _kinds(findings: list[object]) -> set[tuple[str, str, str]]:
    return {(f.severity, f.kind, f.field) for f in findings}  # type: ignore[attr-defined]


def test_builtin_profiles_fit_their_fixtures_without_errors() -> None:
    """Every built-in order profile lints against its fixture without errors or record findings."""
    pairs = {
        "shopify": "shopify/order.json", "shopify-webhook": "shopify/order_webhook.json",
        "shopware6": "shopware6/search_order.json", "magento2": "magento2/order.json",
        "orders-csv": "csv/orders.csv",
    }  # fmt: skip
    for name, rel in pairs.items():
        findings = check_profile(load_profile(name), (SHOPS / rel).read_bytes())
        assert [f for f in findings if f.severity == "error" or f.kind == "record"] == [], name


def test_a_label_mapped_differently_than_in_another_profile_is_a_conflict(
    tmp_path: Path,
) -> None:
    """A merchant's copy of shopware6 that keeps promotions as goods conflicts with the original."""
    text = (PROFILES_DIR / "orders" / "shopware6.yaml").read_text(encoding="utf-8")
    mine = tmp_path / "my-shopware.yaml"
    mine.write_text(text.replace("name: shopware6", "name: my-shopware")
                    .replace('promotion: "yes"', 'promotion: "no"'), encoding="utf-8")
    sample = (SHOPS / "shopware6/search_order.json").read_bytes()
    findings = check_profile(load_profile(mine), sample)
    conflicts = [f for f in findings if f.kind == "conflict"]
    assert [(f.field, "shopware6" in f.message) for f in conflicts] == [("skip", True)]


def test_unknown_vocabulary_values_and_empty_paths_are_reported() -> None:
    """A line type without an entry is an error; a path matching nothing is a warning."""
    sample = json.loads((SHOPS / "shopware6/search_order.json").read_text())
    sample["data"][0]["lineItems"][0]["type"] = "subscription"
    for order in sample["data"]:
        order.pop("orderCustomer")
    findings = check_profile(load_profile("shopware6"), json.dumps(sample))
    assert ("error", "vocabulary", "skip") in _kinds(findings)
    assert ("warning", "unmapped", "customer_email") in _kinds(findings)


def test_a_truncated_sample_is_one_parse_error() -> None:
    """A sample that is not complete JSON is reported as such and nothing else is checked."""
    (finding,) = check_profile(load_profile("shopify"), b'{"order": {"id": 1')
    assert (finding.severity, finding.kind) == ("error", "parse")
    assert "truncated_payload" in finding.message
