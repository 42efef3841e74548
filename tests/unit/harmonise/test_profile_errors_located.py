"""Every profile error names ``file:line`` — from the loader, from the checks a mapper makes
after loading (a carrier profile where a shop profile is expected, fields a kind does not
know), in YAML and TOML, through `profile check` and `import` alike."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from doorstep.adapters.importers.asn_mapping import load_asn_profile
from doorstep.adapters.importers.order_mapping import OrderMapper, load_order_mapper
from doorstep.adapters.importers.profile_engine import PROFILES_DIR, ProfileError, load_profile
from doorstep.adapters.importers.tracking_pipeline import TrackingPipeline
from doorstep.entrypoints.cli import app

GLS = PROFILES_DIR / "tracking" / "gls.yaml"
SHOPIFY = PROFILES_DIR / "orders" / "shopify.yaml"
SAMPLE = Path(__file__).parents[2] / "fixtures" / "carriers" / "gls" / "TrackingResponse.json"

TRACKING = """name: acme
kind: tracking
format: json
records: "parcels[*]"
fields:
  tracking_number: {path: unitno, required: true}
collections:
  events:
    path: "events[*]"
    fields:
      timestamp: {path: at, type: datetime}
"""

ORDERS = """name: myshop
kind: orders
format: json
fields:
  external_id: {path: id, required: true}
  channel: {const: myshop}
  ship_country: country
  ship_postcode: zip
  ship_line1: street
  ship_city: city
collections:
  lines:
    path: "items[*]"
    fields:
      sku: sku
      quantity: {path: qty, type: int}
      unit_price: {path: price, type: decimal}
options:
  records: "orders[*]"
"""

TOML = """name = "acme"
kind = "tracking"
format = "json"
records = "parcels[*]"

[fields]
tracking_number = { path = "unitno", required = true }

[collections.events]
path = "events[*]"

[collections.events.fields]
timestamp = { path = "at", type = "datetime", formats = ["iso8601"] }
status = { path = "code", vocabulary = "status" }

[vocabularies.status.values]
DELIVERED = "delivered"
ZUGESTELLT = "in_transit"
"""


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of ``text`` containing ``needle``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def written(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def located_at(error: BaseException | str, path: Path, line: int) -> bool:
    found = re.search(rf"{re.escape(str(path))}:(\d+): ", str(error))
    return found is not None and int(found.group(1)) == line


Case = tuple[str, str, Callable[[Path], object], str]
CASES: list[Case] = [
    # loader: the file itself is wrong
    ("acme.yaml", TRACKING.replace("records:", "recrods:"), load_profile, "recrods:"),
    ("acme.yaml", TRACKING.replace("type: datetime", "type: moment"), load_profile, "type: moment"),
    ("acme.yaml", TRACKING.replace("name: acme\n", ""), load_profile, "kind: tracking"),
    ("acme.yaml", TRACKING.replace("  events:\n", "  events: [\n"), load_profile, "    fields:"),
    ("acme.yaml", "- just\n- a list\n", load_profile, "- just"),
    ("acme.toml", TOML.replace("in_transit", "on_its_way"), load_profile, "ZUGESTELLT"),
    (
        "acme.toml",
        TOML.replace('formats = ["iso8601"]', 'fromats = ["iso8601"]'),
        load_profile,
        "timestamp = ",
    ),
    (
        "acme.toml",
        TOML.replace('records = "parcels[*]"', 'records = "parcels[*]'),
        load_profile,
        "records = ",
    ),
    # the wrong kind of profile: a carrier's where a shop's is expected, and the reverse
    ("acme.yaml", TRACKING, lambda p: load_profile(p, "orders"), "kind: tracking"),
    ("acme.yaml", TRACKING, load_order_mapper, "kind: tracking"),
    ("acme.yaml", TRACKING, lambda p: OrderMapper(load_profile(p)), "kind: tracking"),
    ("acme.yaml", TRACKING, load_asn_profile, "kind: tracking"),
    ("myshop.yaml", ORDERS, lambda p: TrackingPipeline(load_profile(p)), "kind: orders"),
    ("myshop.yaml", ORDERS, lambda p: TrackingPipeline(str(p)), "kind: orders"),
    # a mapper's own rules, checked after loading
    ("myshop.yaml", ORDERS.replace("channel:", "chanel:"), load_order_mapper, "chanel:"),
    ("myshop.yaml", ORDERS.replace("sku: sku", "article: sku"), load_order_mapper, "article: sku"),
    (
        "myshop.yaml",
        ORDERS.replace("  external_id: {path: id, required: true}\n", ""),
        load_order_mapper,
        "fields:",
    ),
    ("myshop.yaml", ORDERS.replace("  lines:", "  rows:"), load_order_mapper, "collections:"),
    ("myshop.yaml", ORDERS, load_order_mapper, "records:"),
    ("asn.yaml", ORDERS.replace("kind: orders", "kind: asn"), load_asn_profile, "external_id:"),
]


@pytest.mark.parametrize(
    ("name", "text", "load", "needle"), CASES, ids=[f"{i}-{c[0]}" for i, c in enumerate(CASES)]
)
def test_the_error_names_the_file_and_the_line_of_the_key(
    tmp_path: Path, name: str, text: str, load: Callable[[Path], object], needle: str
) -> None:
    path = written(tmp_path, name, text)
    with pytest.raises(ProfileError) as error:
        load(path)
    assert located_at(error.value, path, line_of(text, needle)), str(error.value)


@pytest.mark.parametrize(
    ("path", "load"),
    [
        (GLS, lambda p: load_order_mapper(p)),
        (GLS, lambda p: load_asn_profile(str(p))),
        (SHOPIFY, lambda p: TrackingPipeline(str(p))),
        (SHOPIFY, lambda p: load_profile(p, "tracking")),
    ],
)
def test_a_built_in_profile_of_the_wrong_kind_is_named_with_its_kind_line(
    path: Path, load: Callable[[Path], object]
) -> None:
    with pytest.raises(ProfileError) as error:
        load(path)
    assert located_at(error.value, path, line_of(path.read_text(), "kind:")), str(error.value)
    assert "kind: is " in str(error.value)


@pytest.mark.parametrize(
    "command",
    [
        ["import", "tracking", str(SAMPLE), "--dry-run", "--profile"],
        ["import", "orders", str(SAMPLE), "--profile"],
        ["profile", "check", "--sample", str(SAMPLE), "--profile"],
    ],
)
def test_the_command_line_prints_file_and_line_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """`import` with a carrier profile for orders (or a shop's for tracking), and `profile
    check` with a mistake the import would refuse: each says where, then exits 2."""
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("DOORSTEP_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("COLUMNS", "400")
    if command[1] == "tracking":
        path, needle = written(tmp_path, "myshop.yaml", ORDERS), "kind: orders"
    elif command[1] == "orders":
        path, needle = written(tmp_path, "acme.yaml", TRACKING), "kind: tracking"
    else:
        text = ORDERS.replace("channel:", "chanel:")
        path, needle = written(tmp_path, "myshop.yaml", text), "chanel:"
    result = CliRunner().invoke(app, [*command, str(path)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"{path}:{line_of(path.read_text(), needle)}:" in said, said


def test_only_a_missing_file_has_no_line(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"gone\.yaml: profile file not found"):
        load_profile(tmp_path / "gone.yaml")
