"""doorstep's own shipping label: A6 PDF and ZPL II, for carriers without an API and tests.

    ┌──────────── 105 mm ────────────┐
    │ FROM sender                    │
    │ TO   ship-to address (large)   │
    │ order ref · weight · carrier   │
    │ [QR: tracking link]            │
    │ |||||||| GS1-128 (00) SSCC |||  │
    └────────────────────────────────┘  148 mm

The barcode is GS1-128: Code 128 starting with FNC1, then application identifier 00 and the
18-digit SSCC, so any GS1 scanner reads it as "(00)…".  The ZPL uses ^BC in UCC/EAN mode D:
the printer adds FNC1, drops the parentheses and puts the check digit it computes in place of
the SSCC's 18th digit (Zebra's ZPL II guide) — the same digit, as ours is correct.  Tests
decode every symbol back with zxing-cpp, from the PDF and from a rendering of the ZPL by
zebrash (``tests/zpl_render.py``).

The QR code's module matrix comes from zxing-cpp's encoder and is drawn as rectangles:
reportlab's own QR widget encodes in pure Python, twice per label, and held label output at
14 labels/s; with the C++ encoder a label takes about a millisecond of QR work.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import zxingcpp
from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

A6 = (105 * mm, 148 * mm)
QR_MM = 26  # the tracking QR code's side on both labels
FNC1 = "\xf1"


@dataclass(frozen=True, slots=True)
class LabelData:
    sscc: str
    sender: tuple[str, ...]
    ship_to: tuple[str, ...]
    order_ref: str
    weight_g: int
    carrier: str
    tracking_url: str | None = None
    parcel_no: int = 1
    parcel_count: int = 1


def _zpl_text(value: str) -> str:
    """ZPL field data: ^ and ~ are commands; non-ASCII goes through ^FH hex escapes."""
    out: list[str] = []
    for ch in value:
        if ch in "^~_" or ord(ch) > 126 or ord(ch) < 32:
            out.extend(f"_{b:02X}" for b in ch.encode("utf-8"))
        else:
            out.append(ch)
    return "".join(out)


def render_pdf(labels: list[LabelData]) -> bytes:
    """One A6 page per label."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A6)
    canvas.setTitle("doorstep shipping labels")
    for label in labels:
        _draw(canvas, label)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(canvas: Canvas, label: LabelData) -> None:
    width, height = A6
    left = 6 * mm
    y = height - 8 * mm
    canvas.setFont("Helvetica", 7)
    canvas.drawString(left, y, "FROM / ABSENDER")
    y -= 3.5 * mm
    for line in label.sender:
        canvas.drawString(left, y, line)
        y -= 3 * mm
    y -= 2 * mm
    canvas.setFont("Helvetica-Bold", 8)
    canvas.drawString(left, y, "TO / EMPFÄNGER")
    y -= 6 * mm
    canvas.setFont("Helvetica-Bold", 13)
    for line in label.ship_to:
        canvas.drawString(left, y, line)
        y -= 5.5 * mm
    y -= 2 * mm
    canvas.setFont("Helvetica", 9)
    canvas.drawString(left, y, f"Order {label.order_ref}   {label.weight_g / 1000:.2f} kg   "
                               f"{label.carrier}   {label.parcel_no}/{label.parcel_count}")
    if label.tracking_url:
        draw_qr(canvas, label.tracking_url, x=width - 30 * mm, y=42 * mm, size=QR_MM * mm)
    barcode = code128.Code128(FNC1 + "00" + label.sscc, barHeight=22 * mm, barWidth=0.33 * mm,
                              quiet=True, lquiet=5 * mm, rquiet=5 * mm)
    barcode.drawOn(canvas, (width - barcode.width) / 2, 14 * mm)
    canvas.setFont("Helvetica", 9)
    canvas.drawCentredString(width / 2, 9 * mm, f"(00) {label.sscc}")


def draw_qr(canvas: Canvas, text: str, *, x: float, y: float, size: float) -> None:
    """A QR code of ``text`` with its lower-left corner at (x, y), ``size`` wide."""
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    matrix = np.asarray(symbol.to_image(scale=1, add_quiet_zones=False)) < 128
    count = matrix.shape[0]
    module = size / count
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for row in range(count):
        col = 0
        while col < count:
            if not matrix[row, col]:
                col += 1
                continue
            start = col
            while col < count and matrix[row, col]:
                col += 1
            path.rect(x + start * module, y + (count - 1 - row) * module,
                      (col - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)


def _qr_modules(text: str) -> int:
    """Modules per side of the QR code a printer makes of ``text`` at error correction Q
    (the ``QA,`` in the ZPL), at most: as if every byte went in byte mode, the least dense
    mode a printer's encoder can pick (zxing-cpp would mix in alphanumeric mode and may
    come out a version smaller than the printer)."""
    worst = "a" * len(text.encode("utf-8"))
    symbol = zxingcpp.create_barcode(worst, zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
    return int(np.asarray(symbol.to_image(scale=1, add_quiet_zones=False)).shape[0])


def render_zpl(label: LabelData, *, dpmm: int = 8) -> str:
    """ZPL II for a 4x6-inch-class thermal label (A6 at 203 dpi by default)."""
    def dots(value_mm: float) -> int:
        return round(value_mm * dpmm)

    lines = ["^XA", "^CI28", f"^PW{dots(105)}", f"^LL{dots(148)}", "^FO40,30^A0N,22,22^FH^FD"
             + _zpl_text("FROM / ABSENDER") + "^FS"]
    y = 60
    for line in label.sender:
        lines.append(f"^FO40,{y}^A0N,22,22^FH^FD{_zpl_text(line)}^FS")
        y += 26
    y += 20
    lines.append(f"^FO40,{y}^A0N,26,26^FH^FD{_zpl_text('TO / EMPFÄNGER')}^FS")
    y += 36
    for line in label.ship_to:
        lines.append(f"^FO40,{y}^A0N,40,40^FH^FD{_zpl_text(line)}^FS")
        y += 46
    y += 16
    info = (f"Order {label.order_ref}  {label.weight_g / 1000:.2f} kg  {label.carrier}  "
            f"{label.parcel_no}/{label.parcel_count}")
    lines.append(f"^FO40,{y}^A0N,26,26^FH^FD{_zpl_text(info)}^FS")
    if label.tracking_url:
        # The symbol grows with the link: magnify it to at most 26 mm (the PDF label's QR)
        # and right-align it by its size, so a long link shrinks instead of running off the
        # label.  ^FH: the link's _, ^ and ~ go in as hex escapes, which ^FH turns back.
        modules = _qr_modules(label.tracking_url)
        magnification = max(1, min(10, dots(QR_MM) // modules))
        x = dots(105) - dots(4) - modules * magnification
        lines.append(f"^FO{x},{dots(148) - 560}^BQN,2,{magnification}^FH"
                     f"^FDQA,{_zpl_text(label.tracking_url)}^FS")
    lines.append(f"^FO60,{dots(148) - 300}^BY3^BCN,180,Y,N,N,D^FD(00){label.sscc}^FS")
    lines.append("^XZ")
    return "\n".join(lines) + "\n"
