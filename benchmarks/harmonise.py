"""Tracking intake benchmark: throughput, and recall per injected fault kind.

Generates a feed of carrier payloads in all seven built-in tracking formats (DHL Unified
JSON, DHL Parcel DE XML, DPD SOAP XML, GLS JSON, UPS JSON, Hermes JSON, carrier CSV),
shaped like the recorded samples, with known faults injected.  Every payload then goes
through the real pipeline — parse, map (profile engine), validate, dedup — on one core,
timed end to end.  Per fault kind it reports recall (the faulty unit was held with one
of the kind's reason codes; for duplicates: counted as a duplicate), and over clean
events the share wrongly held (false quarantine rate).

    .venv/bin/python benchmarks/harmonise.py                 # 100,000+ events
    .venv/bin/python benchmarks/harmonise.py --events 20000  # quicker

Throughput is CPU time of this single-threaded process (the fastest of ``--repeat``
passes over the same feed, each with fresh pipelines), so other load on a shared machine
distorts it less than wall time, which is printed beside it.  The last line is one JSON
object: events_per_s, min_recall, false_quarantine_rate, per_kind.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from doorstep.adapters.importers.dates import zone
from doorstep.adapters.importers.tracking_index import DedupIndex
from doorstep.adapters.importers.tracking_pipeline import (
    ShipmentFacts,
    TrackingPipeline,
)
from doorstep.domain.harmonise.tracking import normalise_tracking_number

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
FORMATS = ("dhl-unified", "dhl-parcel-de", "dpd", "gls", "ups", "hermes", "carrier-csv")
FAMILY = {"dhl-unified": "dhl", "dhl-parcel-de": "dhl", "carrier-csv": "acme"}
NEWEST_FIRST = ("dhl-unified", "gls", "ups")               # like the recorded samples
COUNTRY_NAMES = {"DE": "Germany", "NL": "Netherlands", "BE": "Belgium", "AT": "Austria",
                 "FR": "France", "US": "United States"}
OFFSET_FORMATS = ("gls", "hermes", "carrier-csv")          # timestamps carry an offset
WEIGHT_FORMATS = ("dhl-unified", "dhl-parcel-de", "ups", "carrier-csv")
# kind -> (formats it applies to, reason codes that count as detecting it)
KINDS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "unknown_code": (FORMATS, frozenset({"unknown_status_code"})),
    "missing_timezone": (OFFSET_FORMATS, frozenset({"naive_timestamp"})),
    "wrong_timezone": (OFFSET_FORMATS, frozenset({"timezone_mismatch"})),
    "duplicate": (FORMATS, frozenset()),
    "delivered_before_ofd": (FORMATS, frozenset({"delivered_before_out_for_delivery"})),
    "impossible_date": (FORMATS, frozenset({"impossible_date"})),
    "epoch_date": (FORMATS, frozenset({"impossible_date"})),
    "future_timestamp": (FORMATS, frozenset({"future_timestamp"})),
    "before_shipment_created": (FORMATS, frozenset({"before_shipment_created"})),
    "wrong_unit": (WEIGHT_FORMATS, frozenset({"weight_mismatch", "weight_out_of_range"})),
    "truncated_payload": (FORMATS, frozenset({"truncated_payload"})),
    "mislabelled_status": (FORMATS, frozenset({"mislabelled_status"})),
    "missing_tracking_number": (FORMATS, frozenset({"missing_field"})),
}
# A CSV cut inside its last column shows up as that column's parse failure.
CSV_TRUNCATION = frozenset({"truncated_payload", "date_parse_failed", "naive_timestamp",
                            "missing_field"})
PLACES = {"DE": [("Hamburg", "22419"), ("Berlin", "10437"), ("Bonn", "53113"),
                 ("Neuwied", "56564")],
          "NL": [("Amsterdam", "1043 AG")], "BE": [("Mechelen", "2800")],
          "AT": [("Wien", "1010")], "FR": [("Paris", "75001")]}
US_PLACES = [("Wayne", "07470"), ("Chicago", "60601")]

# canonical status -> alternatives of (code, extra, text) per format; texts follow the
# recorded samples, including the tricky ones a text check must not misread ("Delivered
# by driver to Pickup parcelshop", "... Delivery is expected today.").
CODES: dict[str, dict[str, list[tuple[str, str, str]]]] = {
    "dhl-parcel-de": {
        "info_received": [("VA", "", "The shipment data has been received electronically")],
        "picked_up": [("AE", "PCKDU", "The shipment has been picked up"),
                      ("ES", "SHRCU", "The shipment has been posted by the sender at the "
                       "PACKSTATION")],
        "in_transit": [("AA", "LDTMV", "The shipment has been processed in the parcel center "
                        "of origin"),
                       ("AA", "LDTMV", "The shipment has been taken from the PACKSTATION for "
                        "onward transportation"),
                       ("EE", "ULFMV", "The shipment has been processed in the destination "
                        "parcel center")],
        "out_for_delivery": [("PO", "SRTED", "The shipment has been loaded onto the delivery "
                              "vehicle")],
        "delivered": [("ZU", "DLVRD", "The shipment has been successfully delivered")],
    },
    "dhl-unified": {
        "info_received": [("pre-transit", "", "The instruction data for this shipment have "
                           "been provided by the sender to DHL electronically")],
        "picked_up": [("transit", "", "The shipment has been picked up")],
        "in_transit": [("transit", "", "The shipment has been processed in the parcel center"),
                       ("transit", "", "The shipment has arrived in the destination country")],
        "out_for_delivery": [("transit", "", "The shipment has been loaded onto the delivery "
                              "vehicle")],
        "delivered": [("delivered", "", "The shipment has been successfully delivered"),
                      ("delivered", "", "Delivery successful")],
    },
    "dpd": {
        "picked_up": [("PickedUp", "", "DPD has received your parcel.")],
        "in_transit": [("BetweenDepots", "", "The parcel is at the parcel dispatch centre."),
                       ("Depot", "", "At parcel delivery centre.")],
        "out_for_delivery": [("Courier", "", "The parcel has left the parcel delivery centre "
                              "and is on its way to the consignee.")],
        "delivery_attempt_failed": [
            ("DeliveryFailure", "", "Unfortunately we have not been able to deliver your "
             "parcel."),
            ("ReturningFromDelivery", "", "After an unsuccessful delivery attempt the parcel "
             "is back at the recipient depot.")],
        "available_for_pickup": [("ParcelShop", "", "Delivered by driver to Pickup "
                                  "parcelshop")],
        "delivered": [("Delivered", "", "The parcel has been delivered.")],
    },
    "gls": {
        "info_received": [("INTIAL.PREADVICE", "", "The parcel data was entered into the GLS "
                           "IT system.")],
        "picked_up": [("INTIAL.NORMAL", "", "The parcel was handed over to GLS.")],
        "in_transit": [("INTRANSIT.NORMAL", "", "The parcel has reached the parcel center."),
                       ("INWAREHOUSE.NORMAL", "", "The parcel has reached the depot.")],
        "out_for_delivery": [("INDELIVERY.NORMAL", "", "The parcel is out for delivery."),
                             ("INDELIVERY.NORMAL", "", "The parcel is expected to be "
                              "delivered during the day.")],
        "delivery_attempt_failed": [("NOTDELIVERED.NOTATHOME", "", "The parcel could not be "
                                     "delivered as the consignee was absent.")],
        "available_for_pickup": [("DELIVEREDPS.NORMAL", "", "The parcel has been delivered "
                                  "at the ParcelShop.")],
        "delivered": [("DELIVERED.NORMAL", "", "The parcel has been delivered.")],
    },
    "ups": {
        "info_received": [("M|MP", "Label Created", "Shipper created a label, UPS has not "
                           "received the package yet.")],
        "picked_up": [("P|PU", "Picked Up", "Pickup Scan")],
        "in_transit": [("I|AR", "In Transit", "Arrived at Facility"),
                       ("I|DP", "In Transit", "Departed from Facility"),
                       ("I|OR", "In Transit", "Processing at UPS Facility")],
        "out_for_delivery": [("O|OT", "Out for Delivery", "Out For Delivery Today")],
        "delivered": [("D|FS", "Delivered", "DELIVERED"),
                      ("D|FS", "Delivered", "Delivered: left at front door")],
    },
    "hermes": {
        "info_received": [("0000", "", "The shipment has been notified to Hermes "
                           "electronically.")],
        "in_transit": [("2000", "", "The shipment has arrived at the Hermes distribution "
                        "center.")],
        "out_for_delivery": [("3000", "", "The shipment has gone out on a delivery route. "
                              "Delivery is expected today.")],
        "delivered": [("3500", "", "The shipment has been delivered.")],
    },
    "carrier-csv": {
        s: [(s, "", t)] for s, t in {
            "info_received": "Label created", "picked_up": "Collected from sender",
            "in_transit": "Arrived at hub", "out_for_delivery": "With driver",
            "delivery_attempt_failed": "Recipient not at home",
            "available_for_pickup": "Waiting at pickup point",
            "delivered": "Delivered to the recipient"}.items()
    },
}
DELIVERED_TEXT = {f: c["delivered"][0][2] for f, c in CODES.items()}
UNKNOWN_CODE = {"dhl-parcel-de": ("QX", "QQQQQ"), "dhl-unified": ("in-orbit", ""),
                "dpd": ("Teleported", ""), "gls": ("WARP.SPEED", ""), "ups": ("Q|ZZ", ""),
                "hermes": ("9999", ""), "carrier-csv": ("teleported", "")}


@dataclass
class Ev:
    status: str
    at: datetime
    country: str
    city: str
    postcode: str
    fault: str | None = None
    code: tuple[str, str] | None = None
    text: str | None = None
    stamp: str | None = None            # "naive" | "wrong_tz" | "impossible" | "epoch"
    variant: int = 0                    # which of the carrier's texts for this status


@dataclass
class Ship:
    fmt: str
    number: str
    created: datetime
    weight_g: int
    events: list[Ev]
    fault: str | None = None            # shipment-level: wrong_unit, missing_tracking_number
    truncated: bool = False
    labels: list[str | None] = field(default_factory=list)


def _journey(rng: random.Random, fmt: str, created: datetime) -> list[Ev]:
    codes = CODES[fmt]
    statuses: list[str] = [s for s in ("info_received", "picked_up") if s in codes]
    statuses += ["in_transit"] * rng.randint(1, 2) + ["out_for_delivery"]
    if "delivery_attempt_failed" in codes and rng.random() < 0.15:
        statuses += ["delivery_attempt_failed", "out_for_delivery"]
    if "available_for_pickup" in codes and rng.random() < 0.1:
        statuses.append("available_for_pickup")
    statuses.append("delivered")
    country = "US" if fmt == "ups" and rng.random() < 0.7 else (
        "DE" if fmt in ("dhl-parcel-de", "hermes") else rng.choice(list(PLACES)))
    at, out = created, []
    for status in statuses:
        at += timedelta(minutes=rng.randint(40, 900))
        city, postcode = rng.choice(US_PLACES if country == "US" else PLACES[country])
        out.append(Ev(status, at.replace(microsecond=0), country, city, postcode,
                      variant=rng.randrange(6)))
    return out


def _stamp(fmt: str, ev: Ev) -> dict[str, str]:
    """Timestamp fields for one event, faults applied."""
    at = ev.at
    if ev.stamp == "epoch":
        at = datetime(1970, 1, 1, tzinfo=UTC)
    local = at.astimezone(zone({"US": "America/New_York", "DE": "Europe/Berlin",
                                "NL": "Europe/Amsterdam", "BE": "Europe/Brussels",
                                "AT": "Europe/Vienna", "FR": "Europe/Paris"}[ev.country]))
    if fmt == "dhl-parcel-de":
        local = at.astimezone(zone("Europe/Berlin"))
    parts: dict[str, str] = {}
    if fmt in OFFSET_FORMATS:
        text = local.isoformat()
        if ev.stamp == "naive":
            text = local.replace(tzinfo=None).isoformat()
        elif ev.stamp == "wrong_tz":
            text = local.replace(tzinfo=None).isoformat() + "+05:00"
        if fmt == "gls":
            text = text[:-3] + text[-2:] if ev.stamp != "naive" else text
        parts["ts"] = text
    elif fmt == "dhl-unified":
        parts["ts"] = local.strftime("%Y-%m-%dT%H:%M:%S")
    elif fmt == "dhl-parcel-de":
        parts["ts"] = local.strftime("%d.%m.%Y %H:%M")
    elif fmt == "dpd":
        parts["ts"] = local.strftime("%m/%d/%Y %I:%M:%S %p").lstrip("0").replace("/0", "/")
    else:  # ups
        gmt = at.astimezone(UTC)
        parts.update(gmtDate=gmt.strftime("%Y%m%d"), gmtTime=gmt.strftime("%H:%M:%S"),
                     date=local.strftime("%Y%m%d"), time=local.strftime("%H%M%S"))
    if ev.stamp == "impossible":  # the 30th of February, each format's way
        if "ts" in parts:
            ts = parts["ts"]
            parts["ts"] = {"dhl-parcel-de": "30.02.2026" + ts[10:],
                           "dpd": "2/30/2026 " + ts.partition(" ")[2]}.get(fmt,
                                                                          "2026-02-30" + ts[10:])
        else:
            parts["gmtDate"] = parts["date"] = "20260230"
    return parts


def _code(fmt: str, ev: Ev) -> tuple[str, str, str]:
    options = CODES[fmt][ev.status]
    code, extra, text = options[ev.variant % len(options)]
    if ev.code is not None:
        code, extra = ev.code
    return code, extra, ev.text if ev.text is not None else text


def render(ship: Ship) -> tuple[str, dict[str, str]]:
    """The payload text (and context) for one shipment in its format."""
    fmt, number = ship.fmt, ship.number
    missing = ship.fault == "missing_tracking_number"
    kg = ship.weight_g / 1000 * (2.20462 if ship.fault == "wrong_unit" else 1)
    if fmt == "dhl-unified":
        events = []
        for ev in ship.events:
            code, _, text = _code(fmt, ev)
            events.append({"timestamp": _stamp(fmt, ev)["ts"], "statusCode": code, "status": text,
                           "description": text, "location": {"address": {
                               "countryCode": ev.country, "postalCode": ev.postcode,
                               "addressLocality": ev.city}}})
        shipment: dict[str, Any] = {"service": "parcel-de", "events": events[::-1],
                                    "details": {"weight": {"value": round(kg, 2),
                                                           "unitText": "kg"}}}
        if not missing:
            shipment["id"] = number
        return json.dumps({"shipments": [shipment]}), {}
    if fmt == "dhl-parcel-de":
        rows = []
        for ev in ship.events:
            code, ice, text = _code(fmt, ev)
            rows.append(f'<data name="piece-event" event-timestamp="{_stamp(fmt, ev)["ts"]}" '
                        f'event-status={quoteattr(text)} event-text={quoteattr(text)} '
                        f'event-short-status={quoteattr(text[:30])} ice="{ice}" ric="OTHER" '
                        f'event-location="{ev.city}" event-country="{COUNTRY_NAMES[ev.country]}" '
                        f'standard-event-code="{code}" ruecksendung="false"/>')
        ident = "" if missing else f'piece-code="{number}" searched-piece-code="{number}" '
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<data name="piece-shipment-list" '
                f'code="0"><data name="piece-shipment" error-status="0" {ident}'
                f'shipment-weight="{kg:.2f}" product-name="DHL PAKET">'
                '<data name="piece-event-list">' + "\n".join(rows) +
                "</data></data></data>"), {}
    if fmt == "dpd":
        infos = []
        for ev in ship.events:
            code, _, text = _code(fmt, ev)
            infos.append(
                f"<statusInfo><status>{code}</status><label><content>x</content></label>"
                f"<description><content><content>{text}</content></content></description>"
                "<statusHasBeenReached>true</statusHasBeenReached>"
                f"<location><content>{ev.city} ({ev.country})</content></location>"
                f"<date><content>{_stamp(fmt, ev)['ts']}</content></date></statusInfo>")
        infos.append("<statusInfo><status>Delivered</status>"
                     "<statusHasBeenReached>false</statusHasBeenReached></statusInfo>")
        body = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
                '<soap:Body><getTrackingDataResponse xmlns="http://dpd.com/common/service/'
                'types/ParcelLifeCycleService/2.0"><trackingresult>' + "".join(infos) +
                "</trackingresult></getTrackingDataResponse></soap:Body></soap:Envelope>")
        return body, ({} if missing else {"tracking_number": number})
    if fmt == "gls":
        events = []
        for ev in ship.events:
            code, _, text = _code(fmt, ev)
            events.append({"code": code, "city": ev.city, "postalCode": ev.postcode,
                           "country": ev.country, "description": text,
                           "eventDateTime": _stamp(fmt, ev)["ts"]})
        parcel: dict[str, Any] = {"status": "INTRANSIT", "events": events[::-1]}
        if not missing:
            parcel.update(requested=number, unitno=number)
        return json.dumps({"parcels": [parcel]}), {}
    if fmt == "hermes":
        status = []
        for ev in ship.events:
            code, _, text = _code(fmt, ev)
            status.append({"timestamp": _stamp(fmt, ev)["ts"], "code": code,
                           "description": text, "scanningUnit": {
                               "name": "Hermes Germany", "city": ev.city,
                               "countryCode": "DEU"}})
        info: dict[str, Any] = {"clientReference": "ORDER-1", "status": status}
        if not missing:
            info["shipmentID"] = number
        return json.dumps({"shipmentinfo": [info]}), {}
    if fmt == "ups":
        activity = []
        for ev in ship.events:
            code, label, text = _code(fmt, ev)
            kind, _, sub = code.partition("|")
            activity.append({**_stamp(fmt, ev), "location": {"address": {
                "city": ev.city, "postalCode": ev.postcode, "countryCode": ev.country}},
                "status": {"type": kind, "code": sub, "description": text,
                           "simplifiedTextDescription": label}})
        package = {"activity": activity[::-1],
                   "weight": {"weight": f"{kg:.1f}", "unitOfMeasurement": "KGS"}}
        shipment = {"package": [package]}
        if not missing:
            shipment["inquiryNumber"] = number
        return json.dumps({"trackResponse": {"shipment": [shipment]}}), {}
    lines = ["carrier,tracking_number,status,status_text,city,postcode,country,weight,"
             "weight_unit,timestamp"]
    for ev in ship.events:
        code, _, text = _code(fmt, ev)
        lines.append(f"acme,{'' if missing else number},{code},{text},{ev.city},"
                     f"{ev.postcode},{ev.country},{kg:.2f},kg,{_stamp(fmt, ev)['ts']}")
    return "\n".join(lines) + "\n", {}


def _inject(rng: random.Random, ship: Ship, kind: str) -> None:
    """Apply one fault kind to a shipment and label the affected events."""
    evs = ship.events
    labels: list[str | None] = [None] * len(evs)
    if kind in ("wrong_unit", "missing_tracking_number", "truncated_payload"):
        ship.fault = kind
        ship.truncated = kind == "truncated_payload"
        labels = [kind] * len(evs)
        if ship.truncated and ship.fmt == "carrier-csv":
            labels = [None] * (len(evs) - 1) + [kind]
    elif kind == "delivered_before_ofd":
        ofd = max(i for i, e in enumerate(evs) if e.status == "out_for_delivery")
        evs[-1].at = evs[ofd].at - timedelta(minutes=rng.randint(20, 180))
        labels[-1] = kind
    elif kind == "before_shipment_created":
        evs[0].at = ship.created - timedelta(days=rng.randint(2, 9))
        labels[0] = kind
    else:
        index = rng.randrange(len(evs))
        if kind == "mislabelled_status":
            index = next(i for i, e in enumerate(evs) if e.status == "in_transit")
            evs[index].text = DELIVERED_TEXT[ship.fmt]
        elif kind == "unknown_code":
            evs[index].code = UNKNOWN_CODE[ship.fmt]
        elif kind == "future_timestamp":
            evs[index].at = NOW + timedelta(days=rng.randint(2, 20))
        else:
            evs[index].stamp = {"missing_timezone": "naive", "wrong_timezone": "wrong_tz",
                                "impossible_date": "impossible", "epoch_date": "epoch"}[kind]
        labels[index] = kind
    ship.labels = labels


def _truncate(rng: random.Random, text: str, fmt: str) -> str:
    if fmt == "carrier-csv":
        start = text.rstrip("\n").rfind("\n") + 1
        return text[: rng.randint(start + 1, len(text.rstrip("\n")) - 1)]
    return text[: rng.randint(len(text) // 4, len(text) - 2)]


def generate(n_events: int, fault_share: float, seed: int) -> tuple[list[Any], dict[Any, Any]]:
    """Payloads ``(fmt, text, ctx, labels)`` in arrival order, and shipment facts."""
    rng = random.Random(seed)
    payloads: list[tuple[str, str, dict[str, str], list[str | None]]] = []
    duplicates: list[tuple[Any, Any]] = []
    facts: dict[tuple[str, str], ShipmentFacts] = {}
    total, serial = 0, 0
    kinds = [k for k in KINDS if k != "duplicate"]
    while total < n_events:
        serial += 1
        fmt = FORMATS[serial % len(FORMATS)]
        created = (NOW - timedelta(days=rng.uniform(6, 30))).replace(microsecond=0)
        number = f"{fmt[:2].upper()}{serial:012d}"
        ship = Ship(fmt, number, created, rng.randint(300, 25_000), [])
        ship.events = _journey(rng, fmt, created)
        ship.labels = [None] * len(ship.events)
        facts[(FAMILY.get(fmt, fmt), normalise_tracking_number(number))] = ShipmentFacts(
            created_at=created, packed_weight_g=ship.weight_g)
        if rng.random() < fault_share:
            kind = rng.choice([k for k in kinds if fmt in KINDS[k][0]])
            _inject(rng, ship, kind)
        text, ctx = render(ship)
        if ship.truncated:
            text = _truncate(rng, text, fmt)
        payloads.append((fmt, text, ctx, ship.labels))
        total += len(ship.events)
        if ship.fault is None and all(x is None for x in ship.labels) \
                and rng.random() < fault_share / len(KINDS) * 3:
            duplicates.append((payloads[-1], _duplicate(rng, ship)))
            total += 1
    order = {id(p): rng.random() for p in payloads}
    for original, dup in duplicates:  # a duplicate arrives after its original
        order[id(dup)] = order[id(original)] + rng.random() * (1 - order[id(original)])
    arrival = payloads + [dup for _, dup in duplicates]
    arrival.sort(key=lambda p: order[id(p)])
    return arrival, facts


def _duplicate(rng: random.Random, ship: Ship) -> tuple[str, str, dict[str, str], list[Any]]:
    """The same scan again: from the other DHL feed, or a second delivery of one feed."""
    fmt = ship.fmt
    ev = rng.choice([e for e in ship.events if e.status in CODES.get(
        {"dhl-unified": "dhl-parcel-de", "dhl-parcel-de": "dhl-unified"}.get(fmt, fmt), {})])
    if fmt in ("dhl-unified", "dhl-parcel-de"):
        fmt = "dhl-parcel-de" if fmt == "dhl-unified" else "dhl-unified"
    copy = Ship(fmt, ship.number, ship.created, ship.weight_g, [ev])
    text, ctx = render(copy)
    return fmt, text, ctx, ["duplicate"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--fault-share", type=float, default=0.15,
                        help="share of shipments with one injected fault")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed passes over the same feed; the fastest is reported")
    args = parser.parse_args()

    payloads, facts = generate(args.events, args.fault_share, args.seed)
    lookup = facts.get
    best: tuple[float, float] | None = None
    passes: list[float] = []
    outcomes: list[Any] = []
    for _ in range(args.repeat):  # fresh pipelines and index each time; keep the fastest
        index = DedupIndex()
        pipelines = {f: TrackingPipeline(f, index=index, now=NOW,
                                         shipments=lambda c, n: lookup((c, n)))
                     for f in FORMATS}
        outcomes = []
        cpu = 0.0
        wall = time.perf_counter()
        for fmt, text, ctx, labels in payloads:
            start = time.process_time()
            batch = pipelines[fmt].process(text, ctx)
            cpu += time.process_time() - start
            # The harness keeps only what the report needs, so that retaining 100,000
            # events does not burden the garbage collector inside the timed calls.
            outcomes.append(_outcome(batch, len(labels)))
        wall = time.perf_counter() - wall
        passes.append(cpu)
        if best is None or cpu < best[0]:
            best = (cpu, wall)
    assert best is not None
    report(payloads, outcomes, *best, passes)


def report(payloads: list[Any], outcomes: list[Any], cpu: float, wall: float,
           passes: list[float]) -> None:
    found = dict.fromkeys(KINDS, 0)
    seen = dict.fromkeys(KINDS, 0)
    clean = held_clean = dup_clean = events = 0
    for (fmt, _text, _ctx, labels), (total, duplicates, held) in zip(payloads, outcomes,
                                                                      strict=True):
        events += total
        if "truncated_payload" in labels and fmt != "carrier-csv":
            seen["truncated_payload"] += 1  # the unit is the payload: its events are unknown
            found["truncated_payload"] += any("truncated_payload" in r for r in held if r)
            continue
        if labels == ["duplicate"]:
            seen["duplicate"] += 1
            found["duplicate"] += duplicates == 1
            continue
        dup_clean += duplicates
        for label, reasons in zip(labels, held, strict=True):
            if label is None:
                clean += 1
                held_clean += reasons is not None
                continue
            seen[label] += 1
            wanted = CSV_TRUNCATION if label == "truncated_payload" else KINDS[label][1]
            found[label] += reasons is not None and bool(wanted & reasons)
    per_kind = {k: round(found[k] / seen[k], 4) if seen[k] else None for k in KINDS}
    print(f"{'fault kind':26} {'injected':>9} {'detected':>9} {'recall':>7}")
    for k in KINDS:
        print(f"{k:26} {seen[k]:9d} {found[k]:9d} {per_kind[k]!s:>7}")
    rate = held_clean / clean if clean else 0.0
    eps = events / cpu
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nevents processed: {events} in {cpu:.2f} s CPU on one core -> {eps:,.0f} events/s"
          f" (wall {wall:.2f} s -> {events / wall:,.0f} events/s; fastest of the passes;"
          f" load average {load} on {os.cpu_count()} CPUs)")
    print("every pass, CPU events/s: " + ", ".join(f"{events / c:,.0f}" for c in passes))
    print(f"clean events: {clean}, wrongly held: {held_clean} ({rate:.5f}), "
          f"wrongly counted as duplicate: {dup_clean}")
    recalls = [v for v in per_kind.values() if v is not None]
    print(json.dumps({"events_per_s": round(eps), "min_recall": min(recalls),
                      "false_quarantine_rate": round(rate, 6), "per_kind": per_kind}))


def _outcome(batch: Any, n: int) -> tuple[int, int, list[frozenset[str] | None]]:
    """(events seen, duplicates, per generated event the reasons it was held with)."""
    total = len(batch.accepted) + len(batch.duplicates) + len(batch.held)
    return total, len(batch.duplicates), _held_reasons(batch, n)


def _held_reasons(batch: Any, n: int) -> list[frozenset[str] | None]:
    """Per generated event (payload order): the reason codes it was held with, or None."""
    out: list[frozenset[str] | None] = [None] * n
    for held in batch.held:
        codes = frozenset(r.code.value for r in held.reasons)
        if held.position is None:  # the whole payload was held
            return [codes] * n
        index = held.position
        if batch.source in NEWEST_FIRST:
            index = n - 1 - index
        out[index] = codes
    return out


if __name__ == "__main__":
    main()
