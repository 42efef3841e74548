"""The packing slip (delivery note) and the end-of-day manifest, as A4 PDFs.

Texts come from the caller's ``gettext`` (the ``documents.po`` catalogues, German and
English) and numbers and dates are formatted for the caller's Babel ``locale`` ("0,46" and
30.11.2026 in German, "0.46" and 30 Nov 2026 in English), so this module holds no language
of its own.
A slip lists every order line: ordered, in this parcel, sent earlier, still to come — so a
partial shipment says plainly what is missing — and ends with the return instructions.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

Gettext = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class SlipLine:
    sku: str
    name: str
    ordered: int
    in_parcel: int
    sent_before: int

    @property
    def to_come(self) -> int:
        return max(0, self.ordered - self.in_parcel - self.sent_before)


@dataclass(frozen=True, slots=True)
class Slip:
    order_ref: str
    order_date: date
    parcel: str  # "1/2 · SSCC …"
    ship_to: tuple[str, ...]
    sender: tuple[str, ...]
    lines: tuple[SlipLine, ...]
    return_address: tuple[str, ...]
    return_days: int = 14


def _header(canvas: Canvas, title: str, sender: tuple[str, ...]) -> float:
    width, height = A4
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(20 * mm, height - 25 * mm, title)
    canvas.setFont("Helvetica", 8)
    canvas.drawRightString(width - 20 * mm, height - 20 * mm, " · ".join(sender))
    return float(height - 35 * mm)


def _kg(grams: int, locale: Locale | str) -> str:
    return format_decimal(grams / 1000, format="#,##0.00", locale=locale)


def render_slip(slip: Slip, _: Gettext, *, locale: Locale | str = "de") -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(_("Packing slip") + f" {slip.order_ref}")
    y = _header(canvas, _("Packing slip"), slip.sender)
    canvas.setFont("Helvetica", 10)
    for address_line in slip.ship_to:
        canvas.drawString(20 * mm, y, address_line)
        y -= 5 * mm
    y -= 4 * mm
    ordered_on = format_date(slip.order_date, "medium", locale=locale)
    canvas.drawString(20 * mm, y, _("Order") + f": {slip.order_ref}    " + _("Order date")
                      + f": {ordered_on}    " + _("Parcel") + f": {slip.parcel}")
    y -= 10 * mm
    columns = [(20, _("Article")), (104, _("Ordered")), (133, _("In this parcel")),
               (162, _("Sent earlier")), (190, _("To come"))]
    canvas.setFont("Helvetica-Bold", 8)
    for x, title in columns:
        (canvas.drawString if x == 20 else canvas.drawRightString)(x * mm, y, title)
    y -= 6 * mm
    canvas.setFont("Helvetica", 9)
    missing = False
    for line in slip.lines:
        if y < 40 * mm:
            canvas.showPage()
            y = _header(canvas, _("Packing slip"), slip.sender)
            canvas.setFont("Helvetica", 9)
        canvas.drawString(20 * mm, y, f"{line.name} ({line.sku})"[:48])
        for x, value in ((104, line.ordered), (133, line.in_parcel), (162, line.sent_before),
                         (190, line.to_come)):
            canvas.drawRightString(x * mm, y, format_decimal(value, locale=locale))
        missing = missing or line.to_come > 0
        y -= 5.5 * mm
    y -= 6 * mm
    canvas.setFont("Helvetica-Bold", 10)
    if missing:
        canvas.drawString(20 * mm, y, _("Not everything is in this parcel: the articles under "
                                        "'To come' follow in a separate parcel."))
    else:
        canvas.drawString(20 * mm, y, _("Your order is complete with this parcel."))
    y -= 12 * mm
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(20 * mm, y, _("Returns"))
    y -= 5 * mm
    canvas.setFont("Helvetica", 9)
    text = _("You may return articles within %(days)d days. Pack them with this slip and "
             "send them to:") % {"days": slip.return_days}
    canvas.drawString(20 * mm, y, text)
    y -= 5 * mm
    for address_line in slip.return_address:
        canvas.drawString(25 * mm, y, address_line)
        y -= 4.5 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_manifest(manifest: dict[str, object], _: Gettext, *,
                    locale: Locale | str = "de") -> bytes:
    """The carrier's copy of the day's hand-over: one row per parcel, totals, signatures."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    title = _("Manifest") + f" M{manifest['id']} · {str(manifest['carrier']).upper()}"
    canvas.setTitle(title)
    y = _header(canvas, title, (str(manifest["warehouse"]), str(manifest["closed_at"])[:16]))
    canvas.setFont("Helvetica-Bold", 9)
    for x, head in ((20, "SSCC"), (70, _("Tracking number")), (120, _("Order")),
                    (160, _("Destination")), (190, _("Weight (kg)"))):
        (canvas.drawRightString if x == 190 else canvas.drawString)(x * mm, y, head)
    y -= 6 * mm
    canvas.setFont("Helvetica", 8.5)
    rows = manifest["parcels"]
    assert isinstance(rows, list)
    for row in rows:
        if y < 40 * mm:
            canvas.showPage()
            y = _header(canvas, title, ())
            canvas.setFont("Helvetica", 8.5)
        canvas.drawString(20 * mm, y, str(row["sscc"]))
        canvas.drawString(70 * mm, y, str(row["tracking_number"] or ""))
        canvas.drawString(120 * mm, y, str(row["reference"])[:20])
        canvas.drawString(160 * mm, y, f"{row['country']}-{row['postcode']}")
        canvas.drawRightString(190 * mm, y, _kg(int(row["weight_g"]), locale))
        y -= 5 * mm
    y -= 6 * mm
    canvas.setFont("Helvetica-Bold", 10)
    weight = _kg(int(str(manifest["weight_g"])), locale)
    canvas.drawString(20 * mm, y, _("Parcels") + f": {len(rows)}    " + _("Total weight")
                      + f": {weight} kg")
    y -= 20 * mm
    canvas.setFont("Helvetica", 9)
    canvas.drawString(20 * mm, y, _("Handed over by") + ": ____________________")
    canvas.drawString(110 * mm, y, _("Received by the carrier") + ": ____________________")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
