"""From a checked parcel to the carrier's van: labels, voids, the day's manifest, the hand-over.

    label_parcel   read (txn 1) → carrier call outside any transaction → record (txn 2);
                   if recording fails (the parcel changed meanwhile, the database went away)
                   the carrier's label is voided again, so no label exists that doorstep does
                   not know, and no parcel is "labelled" without one
    void_label     the carrier voids first; only then is the label forgotten
    close_manifest the labelled parcels of one carrier not yet on a manifest close the day
    hand_over      a scan of the SSCC (or of the manifest) ships each parcel's units through
                   ``order_flow.ship`` — the path that starts the carrier timeline, the promise
                   re-computation and the customer's "shipped" message
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, select, update

from doorstep.adapters.db.packing_tables import carton_types, manifests, parcels
from doorstep.adapters.db.tables import order_lines, orders
from doorstep.adapters.db.uow import transaction
from doorstep.adapters.documents.packing_slip import Slip, SlipLine
from doorstep.domain.carrier_service import carrier_of, parse_carrier_service
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.order_numbers import shown_order_number
from doorstep.domain.packing.labelling import Address, CarrierGateway, Label, LabelRequest
from doorstep.domain.packing.parcel_states import ParcelStatus, check_step
from doorstep.services import order_flow
from doorstep.services.events import record_event, utcnow
from doorstep.services.locking import for_update
from doorstep.services.packing import lock_parcel


@dataclass(frozen=True, slots=True)
class ShippingConfig:
    sender: Address
    # The own label's QR link with {reference} and {sscc} (settings.label_tracking_url)
    tracking_url: str = ""

    @classmethod
    def from_setting(cls, sender_address: str, country: str,
                     label_tracking_url: str = "") -> ShippingConfig:
        """From the ``sender_address`` setting, ``Name|Street|Postcode|City|Country`` (checked
        at start-up; unset, a placeholder sender in the warehouse's country) and the
        ``label_tracking_url`` setting."""
        name, street, postcode, city, land = (
            sender_address or f"doorstep|-|-|-|{country}").split("|")
        return cls(sender=Address(name=name, street=street, postcode=postcode, city=city,
                                  country=land), tracking_url=label_tracking_url)

    def link_for(self, reference: str, sscc: str) -> str | None:
        """The QR link of one parcel, its fields URL-quoted; None when none is configured."""
        if not self.tracking_url:
            return None
        return self.tracking_url.format(reference=quote(reference, safe=""),
                                        sscc=quote(sscc, safe=""))

    def sender_lines(self) -> tuple[str, ...]:
        """The sender as printed on slips and manifests, placeholders left out."""
        s = self.sender
        return tuple(part for part in (s.name, s.street, f"{s.postcode} {s.city}", s.country)
                     if part.strip("- "))


def _ship_to(raw: dict[str, Any], email: str) -> Address:
    street = " ".join(part for part in (raw.get("line1"), raw.get("line2")) if part)
    return Address(name=raw.get("name", ""), street=street, postcode=raw.get("postcode", ""),
                   city=raw.get("city", ""), country=raw.get("country", ""),
                   company=raw.get("company") or "", email=email, phone=raw.get("phone") or "")


def _request(conn: Connection, parcel: Any, config: ShippingConfig,
             label_format: str) -> LabelRequest:
    order = conn.execute(select(orders).where(orders.c.id == parcel.order_id)).one()
    carton = conn.execute(select(carton_types).where(
        carton_types.c.warehouse == parcel.warehouse,
        carton_types.c.code == parcel.carton)).one()
    count = conn.execute(select(parcels.c.id).where(
        parcels.c.order_id == parcel.order_id)).all()
    named = parse_carrier_service(order.carrier_service)
    service = "" if named is None or named.service == "default" else named.service
    return LabelRequest(
        sscc=parcel.sscc, reference=shown_order_number(order.order_number, order.external_id),
        ship_to=_ship_to(order.shipping_address, (order.customer or {}).get("email") or ""),
        sender=config.sender, weight_g=parcel.measured_weight_g or parcel.expected_weight_g,
        length_mm=carton.length_mm, width_mm=carton.width_mm, height_mm=carton.height_mm,
        service=service, parcel_no=parcel.parcel_no, parcel_count=len(count),
        # printed: the number the customer knows; in the shop's link: the shop's own id
        tracking_url=config.link_for(order.external_id, parcel.sscc),
        label_format=label_format)


def carrier_for(conn: Connection, parcel_id: int) -> str:
    """The carrier the parcel's order ships with (its ``carrier_service``)."""
    row = conn.execute(select(orders.c.carrier_service).join(
        parcels, parcels.c.order_id == orders.c.id).where(parcels.c.id == parcel_id)).first()
    if row is None:
        raise NotFound("parcel", str(parcel_id))
    return carrier_of(row.carrier_service)


def label_parcel(engine: Engine, parcel_id: int, *, gateway: CarrierGateway,
                 config: ShippingConfig, actor: str, label_format: str = "pdf") -> Label:
    """Get the parcel's label from ``gateway`` and record it — or record nothing at all."""
    if label_format not in ("pdf", "zpl"):
        raise InvalidValue("format", "must be pdf or zpl")
    with transaction(engine) as conn:
        parcel = lock_parcel(conn, parcel_id)
        check_step(str(parcel_id), parcel.status, "label")
        request = _request(conn, parcel, config, label_format)
    label = gateway.create(request)
    try:
        with transaction(engine, write=True) as conn:
            parcel = lock_parcel(conn, parcel_id)
            check_step(str(parcel_id), parcel.status, "label")
            conn.execute(update(parcels).where(parcels.c.id == parcel_id).values(
                status=ParcelStatus.LABELLED.value, carrier=gateway.carrier,
                service=request.service or None, tracking_number=label.tracking_number,
                label_format=label.label_format, label=label.label,
                carrier_shipment_id=label.shipment_id or None, labelled_at=utcnow(),
                updated_at=utcnow()))
            record_event(conn, parcel.order_id, "parcel_labelled", actor=actor,
                         data={"parcel": parcel.sscc, "carrier": gateway.carrier,
                               "tracking_number": label.tracking_number})
    except BaseException:
        gateway.void(label.tracking_number, label.shipment_id)
        raise
    return label


def void_label(engine: Engine, parcel_id: int, *, gateway: CarrierGateway,
               actor: str) -> None:
    """Cancel the carrier's label (the carrier first), then forget it; the parcel is checked."""
    with transaction(engine, write=True) as conn:
        parcel = lock_parcel(conn, parcel_id)
        check_step(str(parcel_id), parcel.status, "void")
        if parcel.carrier != gateway.carrier:
            raise InvalidValue("carrier", f"the label is {parcel.carrier}'s, not "
                               f"{gateway.carrier}'s")
        gateway.void(parcel.tracking_number, parcel.carrier_shipment_id or "")
        conn.execute(update(parcels).where(parcels.c.id == parcel_id).values(
            status=ParcelStatus.CHECKED.value, tracking_number=None, label=None,
            label_format=None, carrier_shipment_id=None, labelled_at=None,
            updated_at=utcnow()))
        record_event(conn, parcel.order_id, "parcel_label_voided", actor=actor,
                     data={"parcel": parcel.sscc, "tracking_number": parcel.tracking_number})


def close_manifest(conn: Connection, *, carrier: str, warehouse: str,
                   actor: str) -> dict[str, Any]:
    """Put every labelled parcel of ``carrier`` not yet on a manifest onto a new one."""
    waiting = conn.execute(for_update(conn, select(parcels).where(
        parcels.c.carrier == carrier, parcels.c.warehouse == warehouse,
        parcels.c.status == ParcelStatus.LABELLED.value, parcels.c.manifest_id.is_(None))
        .order_by(parcels.c.id))).all()
    if not waiting:
        raise InvalidValue("carrier", f"no labelled {carrier} parcels waiting for a manifest "
                           f"in {warehouse}")
    manifest_id = conn.execute(manifests.insert().values(
        carrier=carrier, warehouse=warehouse, closed_at=utcnow(), closed_by=actor,
        parcels=len(waiting),
        weight_g=sum(p.measured_weight_g or p.expected_weight_g for p in waiting))
        .returning(manifests.c.id)).scalar_one()
    conn.execute(update(parcels).where(parcels.c.id.in_([p.id for p in waiting]))
                 .values(manifest_id=manifest_id, updated_at=utcnow()))
    return manifest_view(conn, manifest_id)


def manifest_view(conn: Connection, manifest_id: int) -> dict[str, Any]:
    head = conn.execute(select(manifests).where(manifests.c.id == manifest_id)).first()
    if head is None:
        raise NotFound("manifest", str(manifest_id))
    rows = conn.execute(select(parcels.c.sscc, parcels.c.order_id, parcels.c.tracking_number,
                               parcels.c.measured_weight_g, parcels.c.expected_weight_g,
                               parcels.c.status, orders.c.external_id, orders.c.order_number,
                               orders.c.shipping_address)
                        .join(orders, orders.c.id == parcels.c.order_id)
                        .where(parcels.c.manifest_id == manifest_id)
                        .order_by(parcels.c.id)).all()
    return {"id": head.id, "carrier": head.carrier, "warehouse": head.warehouse,
            "closed_at": head.closed_at.isoformat(), "closed_by": head.closed_by,
            "handed_over_at": head.handed_over_at.isoformat() if head.handed_over_at else None,
            "weight_g": head.weight_g,
            "parcels": [{"sscc": r.sscc, "order_id": r.order_id,
                         "reference": shown_order_number(r.order_number, r.external_id),
                         "tracking_number": r.tracking_number, "status": r.status,
                         "weight_g": r.measured_weight_g or r.expected_weight_g,
                         "postcode": r.shipping_address.get("postcode"),
                         "country": r.shipping_address.get("country")} for r in rows]}


def hand_over(conn: Connection, code: str, *, actor: str) -> list[dict[str, Any]]:
    """The hand-over scan: an SSCC ships its parcel; ``M<id>`` ships a whole manifest."""
    code = code.strip()
    if code.upper().startswith("M") and code[1:].isdigit():
        ids = [p.id for p in conn.execute(select(parcels.c.id).where(
            parcels.c.manifest_id == int(code[1:]),
            parcels.c.status == ParcelStatus.LABELLED.value).order_by(parcels.c.id))]
        if not ids:
            manifest_view(conn, int(code[1:]))  # NotFound for an unknown manifest
            raise InvalidValue("code", f"manifest {code} has no parcels left to hand over")
        conn.execute(update(manifests).where(manifests.c.id == int(code[1:]))
                     .values(handed_over_at=utcnow()))
    else:
        scanned = code[2:] if code.startswith("00") and len(code) == 20 else code
        row = conn.execute(select(parcels.c.id).where(parcels.c.sscc == scanned)).first()
        if row is None:
            raise NotFound("parcel", scanned)
        ids = [row.id]
    shipped: list[dict[str, Any]] = []
    for parcel_id in ids:
        parcel = lock_parcel(conn, parcel_id)
        check_step(str(parcel_id), parcel.status, "hand_over")
        status = order_flow.ship(conn, parcel.order_id, actor=actor, carrier=parcel.carrier,
                                 tracking_number=parcel.tracking_number,
                                 quantities={int(k): int(v) for k, v in parcel.contents.items()})
        conn.execute(update(parcels).where(parcels.c.id == parcel_id).values(
            status=ParcelStatus.HANDED_OVER.value, updated_at=utcnow()))
        shipped.append({"sscc": parcel.sscc, "order_id": parcel.order_id,
                        "tracking_number": parcel.tracking_number, "order_status": str(status)})
    return shipped


def slip_for(conn: Connection, parcel_id: int, *, sender: tuple[str, ...],
             return_address: tuple[str, ...]) -> Slip:
    """The packing slip of one parcel: every order line with what this parcel holds."""
    parcel = conn.execute(select(parcels).where(parcels.c.id == parcel_id)).first()
    if parcel is None:
        raise NotFound("parcel", str(parcel_id))
    order = conn.execute(select(orders).where(orders.c.id == parcel.order_id)).one()
    earlier: dict[int, int] = {}
    for other in conn.execute(select(parcels.c.contents).where(
            parcels.c.order_id == parcel.order_id, parcels.c.parcel_no < parcel.parcel_no)):
        for line_no, qty in other.contents.items():
            earlier[int(line_no)] = earlier.get(int(line_no), 0) + int(qty)
    count = len(conn.execute(select(parcels.c.id).where(
        parcels.c.order_id == parcel.order_id)).all())
    lines = tuple(
        SlipLine(sku=line.sku, name=line.name or line.sku, ordered=line.quantity,
                 in_parcel=int(parcel.contents.get(str(line.line_no), 0)),
                 sent_before=earlier.get(line.line_no, 0))
        for line in conn.execute(select(order_lines).where(
            order_lines.c.order_id == parcel.order_id).order_by(order_lines.c.line_no)))
    address = order.shipping_address
    ship_to = tuple(part for part in (
        address.get("company"), address.get("name"), address.get("line1"), address.get("line2"),
        f"{address.get('postcode', '')} {address.get('city', '')}", address.get("country"))
        if part)
    placed = order.placed_at or order.accepted_at
    return Slip(order_ref=shown_order_number(order.order_number, order.external_id),
                order_date=placed.date(),
                parcel=f"{parcel.parcel_no}/{count} · SSCC {parcel.sscc}", ship_to=ship_to,
                sender=sender, lines=lines, return_address=return_address)
