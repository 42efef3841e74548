"""doorstep's own shipping label: A6 PDF and ZPL II, for carriers without an API and tests.

    ┌──────────── 105 mm ────────────┐
    │ FROM sender                    │
    │ TO   ship-to address (large)   │
    │ order ref · weight · carrier   │
    │                    [QR: link]  │
    │ ░ ||||| GS1-128 (00) SSCC ||| ░ │  0.5 mm modules, 32 mm bars, ░ = 10X quiet zones
    │        (00) 040123450000000078 │
    └────────────────────────────────┘  148 mm

The barcode is GS1-128: Code 128 starting with FNC1, then application identifier 00 and the
18-digit SSCC, so any GS1 scanner reads it as "(00)…".  The ZPL uses ^BC in UCC/EAN mode D:
the printer adds FNC1, drops the parentheses and puts the check digit it computes in place of
the SSCC's 18th digit (Zebra's ZPL II guide) — the same digit, as ours is correct.  Tests
decode every symbol back with zxing-cpp, from the PDF and from a rendering of the ZPL by
zebrash (``tests/zpl_render.py``).

The SSCC symbol is sized for GS1's logistic labels (GS1 General Specifications, symbol
specification table for logistic units, as summarised by GS1 Sweden at
https://gs1.se/en/guides/how-to-guides/size-guide/: GS1-128 "Min: 0.495 Rec: 0.495 Max: 1,016"
mm X-dimension, height "Min: 31.75", quiet zones "At least 10 times X-dimension"; and section
5.4.4.2 of the General Specifications: "The minimum width of the Quiet Zone to the left and
right of the GS1-128 barcode is 10x").  An SSCC symbol is 156 modules (start C, FNC1, ten digit
pairs, check character, stop), so at 0.5 mm it is 78 mm of bars and 88 mm with its quiet
zones: on an A6 label it runs across the bottom, centred, its quiet zones ending 8.5 mm from
each edge, with the human-readable line under it and the QR code above it, clear of the bars.

The QR code's module matrix comes from zxing-cpp's encoder and is drawn as rectangles:
reportlab's own QR widget encodes in pure Python, twice per label, and held label output at
14 labels/s; with the C++ encoder a label takes about a millisecond of QR work.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import zxingcpp
from numpy.typing import NDArray
from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

A6 = (105 * mm, 148 * mm)
QR_MM = 26  # the tracking QR code's side on both labels
FNC1 = "\xf1"
# The SSCC symbol (see the module docstring for GS1's figures): X-dimension and bar height
# just above GS1's minimum 0.495 mm and 31.75 mm (0.5 mm is whole dots at 6, 8, 12 and
# 24 dots/mm), quiet zones of 10 modules.
SSCC_MODULE_MM = 0.5
SSCC_BAR_MM = 32
SSCC_QUIET_MODULES = 10
SSCC_BARS_BOTTOM_MM = 14  # above the human-readable line and the label's bottom edge
# Start C, FNC1, ten digit pairs ("00" and the 18 digits), check character: 11 modules
# each; the stop pattern: 13.
SSCC_SYMBOL_MODULES = 13 * 11 + 13
QR_GAP_MM = 2  # between the QR code's quiet zone (4 modules) and the top of the bars


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
    bars_top = (SSCC_BARS_BOTTOM_MM + SSCC_BAR_MM) * mm
    if label.tracking_url:
        # Right-aligned, with its own quiet zone (4 modules) on the label and QR_GAP_MM
        # between that and the bars: a short link makes few, large modules.
        matrix = _qr_matrix(label.tracking_url)
        quiet = 4 * QR_MM * mm / matrix.shape[0]
        right = max(4 * mm, quiet + 1 * mm)
        _draw_matrix(canvas, matrix, x=width - right - QR_MM * mm,
                     y=bars_top + QR_GAP_MM * mm + quiet, size=QR_MM * mm)
    module = SSCC_MODULE_MM * mm
    barcode = code128.Code128(FNC1 + "00" + label.sscc, barHeight=SSCC_BAR_MM * mm,
                              barWidth=module, quiet=True, lquiet=SSCC_QUIET_MODULES * module,
                              rquiet=SSCC_QUIET_MODULES * module)
    barcode.drawOn(canvas, (width - barcode.width) / 2, SSCC_BARS_BOTTOM_MM * mm)
    canvas.setFont("Helvetica", 9)
    canvas.drawCentredString(width / 2, 9 * mm, f"(00) {label.sscc}")


def _qr_matrix(text: str) -> NDArray[np.bool_]:
    """The QR code of ``text`` as a square of modules, True for dark, without quiet zone."""
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    return np.asarray(symbol.to_image(scale=1, add_quiet_zones=False)) < 128


def _draw_matrix(canvas: Canvas, matrix: NDArray[np.bool_], *, x: float, y: float,
                 size: float) -> None:
    """A QR code's modules with its lower-left corner at (x, y), ``size`` wide."""
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
    # The SSCC across the bottom, centred: whole dots per module, at least 0.5 mm (4 dots at
    # 8 dots/mm), bars at least 32 mm; ZPL adds no quiet zone, so centring leaves (label
    # width - 156 modules) / 2 on each side: 108 dots, 27 modules at 8 dots/mm.
    module = math.ceil(SSCC_MODULE_MM * dpmm)
    bar_height = math.ceil(SSCC_BAR_MM * dpmm)
    bars_top = dots(148) - dots(SSCC_BARS_BOTTOM_MM) - bar_height
    if label.tracking_url:
        # The symbol grows with the link: magnify it to at most 26 mm (the PDF label's QR)
        # and right-align it by its size, so a long link shrinks instead of running off the
        # label; its quiet zone (4 modules) stays on the label and ends QR_GAP_MM above the
        # bars whatever its size.  ^FH: the link's _, ^ and ~ go in as hex escapes, which
        # ^FH turns back.
        modules = _qr_modules(label.tracking_url)
        magnification = max(1, min(10, dots(QR_MM) // modules))
        side, quiet = modules * magnification, 4 * magnification
        x = dots(105) - max(dots(4), quiet + dots(1)) - side
        y = bars_top - dots(QR_GAP_MM) - quiet - side
        lines.append(f"^FO{x},{y}^BQN,2,{magnification}^FH"
                     f"^FDQA,{_zpl_text(label.tracking_url)}^FS")
    x = (dots(105) - SSCC_SYMBOL_MODULES * module) // 2
    lines.append(f"^FO{x},{bars_top}^BY{module}^BCN,{bar_height},Y,N,N,D"
                 f"^FD(00){label.sscc}^FS")
    lines.append("^XZ")
    return "\n".join(lines) + "\n"
